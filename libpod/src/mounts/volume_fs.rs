//! Volumes whose data is a filesystem of their own (`volume create --opt type=tmpfs …`, a block
//! device, or `type=bind`): mounted on the volume's data directory by the first container that
//! starts with it and unmounted when the last of them stops, as Podman does. Who holds the mount
//! is kept in the volume's record and changed only under the volume's lock, so any number of
//! rpod processes (monitors, `rm`) agree on when to mount and when to unmount.

use std::fs::File;
use std::path::Path;
use std::process::Command;

use nix::fcntl::{Flock, FlockArg};

use crate::error::{Error, Result};
use crate::volume::{Volume, VolumeError, VolumeFilesystem};

/// Mounting and unmounting a volume's filesystem: `mount(8)` on the host, a record in tests.
pub trait FilesystemMounts {
    /// Mounts `filesystem` on `target`; the error is what `mount` said.
    fn mount(&self, filesystem: &VolumeFilesystem, target: &Path) -> std::result::Result<(), String>;
    /// Detaches whatever is mounted on `target`; nothing mounted there is no error.
    fn unmount(&self, target: &Path) -> std::io::Result<()>;
    /// Whether something is mounted on `target` in this mount namespace.
    fn is_mounted(&self, target: &Path) -> bool;
}

/// The host's `mount(8)`, as Podman uses it: it knows every filesystem's option syntax, loop
/// devices and `bind`, which a bare mount(2) would each need rpod to reimplement.
pub struct MountCommand;

impl FilesystemMounts for MountCommand {
    fn mount(&self, filesystem: &VolumeFilesystem, target: &Path) -> std::result::Result<(), String> {
        let output = Command::new("mount")
            .args(filesystem.mount_args())
            .arg(target)
            .output()
            .map_err(|err| format!("running mount: {err}"))?;
        if output.status.success() {
            return Ok(());
        }
        let said = [output.stderr, output.stdout].concat();
        Err(String::from_utf8_lossy(&said).trim().to_string())
    }

    fn unmount(&self, target: &Path) -> std::io::Result<()> {
        match nix::mount::umount2(target, nix::mount::MntFlags::MNT_DETACH) {
            Ok(()) | Err(nix::errno::Errno::EINVAL | nix::errno::Errno::ENOENT) => Ok(()),
            Err(errno) => Err(errno.into()),
        }
    }

    fn is_mounted(&self, target: &Path) -> bool {
        let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") else { return false };
        let target = target.to_string_lossy();
        // Field 5 is the mount point, with spaces and the like octal-escaped.
        mountinfo.lines().filter_map(|line| line.split(' ').nth(4)).any(|point| unescape(point) == target)
    }
}

/// A mountinfo path with its `\NNN` octal escapes decoded.
fn unescape(field: &str) -> String {
    let mut out = Vec::with_capacity(field.len());
    let bytes = field.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 8).ok());
        match (bytes[i], octal) {
            (b'\\', Some(byte)) => {
                out.push(byte);
                i += 4;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The volume's lock, an exclusive `flock` on `<volumes>/NAME` (not on `_data`, which a mount
/// replaces): held around a volume's first-mount work and every change of its holders.
pub fn lock(volume: &Volume) -> Result<Flock<File>> {
    let dir = volume.mountpoint.parent().unwrap_or(&volume.mountpoint);
    let io = |source| Error::Io { path: dir.to_path_buf(), source };
    Flock::lock(File::open(dir).map_err(io)?, FlockArg::LockExclusive).map_err(|(_, errno)| io(errno.into()))
}

/// Under the volume's lock: records `container_id` as holding `volume`'s filesystem, mounting
/// it when nobody holds it (or the holders recorded are stale: nothing is mounted). Returns
/// whether the record changed; a volume without a filesystem is left alone.
pub fn hold(mounts: &dyn FilesystemMounts, volume: &mut Volume, container_id: &str) -> Result<bool> {
    let Some(filesystem) = volume.filesystem() else { return Ok(false) };
    if volume.mounted_by.is_empty() || !mounts.is_mounted(&volume.mountpoint) {
        volume.mounted_by.clear();
        mounts
            .mount(&filesystem, &volume.mountpoint)
            .map_err(|output| VolumeError::Mount { name: volume.name.to_string(), output })?;
    }
    Ok(volume.mounted_by.insert(container_id.to_string()))
}

/// Under the volume's lock: `container_id` no longer holds `volume`'s filesystem, which is
/// unmounted when it was the last holder. Releasing twice changes nothing. Returns whether the
/// record changed.
pub fn release(mounts: &dyn FilesystemMounts, volume: &mut Volume, container_id: &str) -> Result<bool> {
    if !volume.mounted_by.remove(container_id) {
        return Ok(false);
    }
    if volume.mounted_by.is_empty() {
        mounts
            .unmount(&volume.mountpoint)
            .map_err(|source| VolumeError::Unmount { name: volume.name.to_string(), source })?;
    }
    Ok(true)
}

#[cfg(test)]
pub mod testing {
    use std::cell::RefCell;
    use std::path::{Path, PathBuf};

    use super::FilesystemMounts;
    use crate::volume::VolumeFilesystem;

    /// Mounts recorded, not made; `refuse` makes every mount fail with that text.
    #[derive(Default)]
    pub struct FakeMounts {
        pub mounted: RefCell<Vec<PathBuf>>,
        pub calls: RefCell<Vec<String>>,
        pub refuse: Option<String>,
    }

    impl FilesystemMounts for FakeMounts {
        fn mount(&self, filesystem: &VolumeFilesystem, target: &Path) -> Result<(), String> {
            if let Some(text) = &self.refuse {
                return Err(text.clone());
            }
            self.calls.borrow_mut().push(format!("mount {} {}", filesystem.mount_args().join(" "), target.display()));
            self.mounted.borrow_mut().push(target.to_path_buf());
            Ok(())
        }

        fn unmount(&self, target: &Path) -> std::io::Result<()> {
            self.calls.borrow_mut().push(format!("umount {}", target.display()));
            self.mounted.borrow_mut().retain(|m| m != target);
            Ok(())
        }

        fn is_mounted(&self, target: &Path) -> bool {
            self.mounted.borrow().iter().any(|m| m == target)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::FakeMounts;
    use super::*;
    use crate::volume::{VolumeName, VolumeSpec};
    use crate::Store;

    fn tmpfs_volume(store: &Store) -> Volume {
        let spec = VolumeSpec {
            name: Some(VolumeName::parse("tv").unwrap()),
            options: [("type".into(), "tmpfs".into()), ("device".into(), "tmpfs".into())].into(),
            ..Default::default()
        };
        store.create_volume(&spec).unwrap()
    }

    #[test]
    fn the_first_holder_mounts_and_the_last_unmounts() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("root"), &tmp.path().join("run")).unwrap();
        let mut volume = tmpfs_volume(&store);
        let mounts = FakeMounts::default();
        let target = volume.mountpoint.display().to_string();
        assert!(hold(&mounts, &mut volume, "a").unwrap());
        assert!(hold(&mounts, &mut volume, "b").unwrap());
        assert!(!hold(&mounts, &mut volume, "b").unwrap(), "a restart of b holds once");
        assert!(release(&mounts, &mut volume, "a").unwrap());
        assert!(!release(&mounts, &mut volume, "a").unwrap(), "releasing twice changes nothing");
        assert!(mounts.is_mounted(&volume.mountpoint), "b still uses it");
        assert!(release(&mounts, &mut volume, "b").unwrap());
        assert_eq!(*mounts.calls.borrow(), [format!("mount -t tmpfs tmpfs {target}"), format!("umount {target}")]);
        let _guard = lock(&volume).unwrap();
    }

    #[test]
    fn stale_holders_are_dropped_when_nothing_is_mounted() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("root"), &tmp.path().join("run")).unwrap();
        let mut volume = tmpfs_volume(&store);
        volume.mounted_by.insert("crashed".into());
        let mounts = FakeMounts::default();
        hold(&mounts, &mut volume, "a").unwrap();
        assert_eq!(volume.mounted_by.iter().collect::<Vec<_>>(), ["a"]);
        assert_eq!(mounts.calls.borrow().len(), 1);
    }

    #[test]
    fn a_refused_mount_is_the_volumes_error_and_holds_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("root"), &tmp.path().join("run")).unwrap();
        let mut volume = tmpfs_volume(&store);
        let mounts = FakeMounts { refuse: Some("mount: bad option".into()), ..Default::default() };
        let err = hold(&mounts, &mut volume, "a").unwrap_err().to_string();
        assert!(err.contains("mounting volume tv: mount: bad option"), "{err}");
        assert!(volume.mounted_by.is_empty());
    }

    #[test]
    fn plain_volumes_are_never_mounted() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("root"), &tmp.path().join("run")).unwrap();
        let mut volume = store.create_volume(&VolumeSpec::named(VolumeName::parse("v").unwrap())).unwrap();
        let mounts = FakeMounts::default();
        assert!(!hold(&mounts, &mut volume, "a").unwrap());
        assert!(mounts.calls.borrow().is_empty());
    }

    #[test]
    fn mountinfo_escapes_are_decoded() {
        assert_eq!(unescape(r"/var/lib/a\040b"), "/var/lib/a b");
        assert_eq!(unescape(r"/x\\y"), r"/x\\y");
    }
}
