//! Copy-up: the first mount of an empty volume receives the image's content at its destination,
//! with owners and modes (Podman's behaviour). The image side is read through [`inroot`]: every
//! path resolves inside the container's root and no symlink is ever followed out of it; the
//! volume side is rpod's own directory, written one `*at` call at a time without following.

use std::ffi::OsStr;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{fchmod, fstat, fstatat, mkdirat, Mode, SFlag};
use nix::unistd::{fchown, fchownat, symlinkat, Gid, Uid};

/// Copies the directory `dest` of the root filesystem `rootfs` into the directory `target`
/// when `target` is empty; `target` takes the owner and mode of `dest`. Returns whether
/// anything was copied: nothing is when `target` holds files or `dest` is no directory in the
/// image. Device nodes, FIFOs and sockets are skipped (they are no data).
pub fn copy_up(rootfs: &Path, dest: &str, target: &Path) -> std::io::Result<bool> {
    let root = inroot::Root::open(rootfs)?;
    let source = match root.open_dir(Path::new(dest.trim_start_matches('/'))) {
        Ok(dir) => dir,
        Err(err) if matches!(err.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => return Ok(false),
        Err(err) => return Err(err),
    };
    let target = open_dir_at(nix::fcntl::AT_FDCWD, target.as_os_str())?;
    if !inroot::names_in(&target)?.is_empty() {
        return Ok(false);
    }
    copy_dir(&source, &target)?;
    let stat = fstat(&source)?;
    fchown(&target, Some(Uid::from_raw(stat.st_uid)), Some(Gid::from_raw(stat.st_gid)))?;
    fchmod(&target, Mode::from_bits_truncate(stat.st_mode))?;
    Ok(true)
}

fn open_dir_at(dir: impl AsFd, name: &OsStr) -> std::io::Result<OwnedFd> {
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    Ok(openat(dir, name, flags, Mode::empty())?)
}

/// Copies every entry of `source` into the empty directory `target`.
fn copy_dir(source: &OwnedFd, target: &OwnedFd) -> std::io::Result<()> {
    for name in inroot::names_in(source)? {
        let stat = fstatat(source, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW)?;
        let (uid, gid) = (Some(Uid::from_raw(stat.st_uid)), Some(Gid::from_raw(stat.st_gid)));
        let mode = Mode::from_bits_truncate(stat.st_mode);
        match SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT {
            SFlag::S_IFDIR => {
                mkdirat(target, name.as_os_str(), Mode::from_bits_truncate(0o700))?;
                let (from, to) = (open_dir_at(source, &name)?, open_dir_at(target, &name)?);
                copy_dir(&from, &to)?;
                fchown(&to, uid, gid)?;
                fchmod(&to, mode)?;
            }
            SFlag::S_IFREG => {
                let read = OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC;
                let write = OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
                let mut from = std::fs::File::from(openat(source, name.as_os_str(), read, Mode::empty())?);
                let mut to =
                    std::fs::File::from(openat(target, name.as_os_str(), write, Mode::from_bits_truncate(0o600))?);
                std::io::copy(&mut from, &mut to)?;
                fchown(&to, uid, gid)?;
                fchmod(&to, mode)?;
            }
            SFlag::S_IFLNK => {
                let link = readlinkat(source, name.as_os_str())?;
                symlinkat(link.as_os_str(), target, name.as_os_str())?;
                fchownat(target, name.as_os_str(), uid, gid, AtFlags::AT_SYMLINK_NOFOLLOW)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Gives `dir` and everything beneath it to `uid:gid` (the `U` option), never following a
/// symlink.
pub fn chown_tree(dir: &Path, uid: u32, gid: u32) -> std::io::Result<()> {
    let top = open_dir_at(nix::fcntl::AT_FDCWD, dir.as_os_str())?;
    fchown(&top, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)))?;
    chown_entries(&top, uid, gid)
}

fn chown_entries(dir: &OwnedFd, uid: u32, gid: u32) -> std::io::Result<()> {
    for name in inroot::names_in(dir)? {
        inroot::chown_at(dir, &name, uid, gid)?;
        if inroot::kind_at(dir, &name)? == Some(SFlag::S_IFDIR) {
            chown_entries(&open_dir_at(dir, &name)?, uid, gid)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    #[test]
    fn an_empty_volume_receives_the_image_content_with_modes_and_owners() {
        let dir = tempfile::tempdir().unwrap();
        let (rootfs, volume, host) = (dir.path().join("rootfs"), dir.path().join("volume"), dir.path().join("host"));
        std::fs::create_dir_all(rootfs.join("srv/data/sub")).unwrap();
        std::fs::create_dir_all(&volume).unwrap();
        std::fs::write(&host, "host secret").unwrap();
        std::fs::write(rootfs.join("srv/data/run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(rootfs.join("srv/data/run.sh"), std::fs::Permissions::from_mode(0o751)).unwrap();
        std::fs::set_permissions(rootfs.join("srv/data/sub"), std::fs::Permissions::from_mode(0o710)).unwrap();
        std::fs::set_permissions(rootfs.join("srv/data"), std::fs::Permissions::from_mode(0o750)).unwrap();
        std::os::unix::fs::chown(rootfs.join("srv/data/run.sh"), Some(123), Some(456)).unwrap();
        std::os::unix::fs::symlink(&host, rootfs.join("srv/data/escape")).unwrap();

        assert!(copy_up(&rootfs, "/srv/data", &volume).unwrap());
        let meta = |p: &str| std::fs::symlink_metadata(volume.join(p)).unwrap();
        assert_eq!(std::fs::read_to_string(volume.join("run.sh")).unwrap(), "#!/bin/sh\n");
        assert_eq!((meta("run.sh").mode() & 0o7777, meta("run.sh").uid(), meta("run.sh").gid()), (0o751, 123, 456));
        assert_eq!(meta("sub").mode() & 0o7777, 0o710);
        assert_eq!(std::fs::metadata(&volume).unwrap().mode() & 0o7777, 0o750);
        // The symlink is copied as a link, never as the host file it points at.
        assert!(meta("escape").file_type().is_symlink());
        assert_eq!(std::fs::read_link(volume.join("escape")).unwrap(), host);

        // A volume with data is left alone; a destination the image lacks copies nothing.
        std::fs::write(rootfs.join("srv/data/later"), "x").unwrap();
        assert!(!copy_up(&rootfs, "/srv/data", &volume).unwrap());
        assert!(!volume.join("later").exists());
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(!copy_up(&rootfs, "/nowhere", &empty).unwrap());
    }

    #[test]
    fn a_destination_symlinked_out_of_the_root_resolves_inside_it() {
        let dir = tempfile::tempdir().unwrap();
        let (rootfs, volume, host) = (dir.path().join("rootfs"), dir.path().join("volume"), dir.path().join("host"));
        std::fs::create_dir_all(rootfs.join("etc")).unwrap();
        std::fs::create_dir_all(&volume).unwrap();
        std::fs::create_dir_all(&host).unwrap();
        std::fs::write(host.join("secret"), "host").unwrap();
        std::os::unix::fs::symlink(&host, rootfs.join("data")).unwrap();
        assert!(!copy_up(&rootfs, "/data", &volume).unwrap());
        assert!(inroot::names_in(open_dir_at(nix::fcntl::AT_FDCWD, volume.as_os_str()).unwrap()).unwrap().is_empty());
    }

    #[test]
    fn chown_tree_gives_everything_to_the_user() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/f"), "x").unwrap();
        chown_tree(&dir.path().join("a"), 77, 88).unwrap();
        let meta = std::fs::metadata(dir.path().join("a/b/f")).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (77, 88));
    }
}
