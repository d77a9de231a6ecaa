//! A container's volumes at start: first-mount work on each volume (ownership, copy-up, `U`),
//! then a bind of its `_data` directory at the destination.

use std::path::Path;

use oci_spec::runtime::Spec;

use super::copy_up::{chown_tree, copy_up, match_image_directory};
use super::spec::oci_mount;
use super::volume_fs::{self, MountCommand};
use super::{missing_defaults, StoredMount, VOLUME_DEFAULTS};
use crate::config::ContainerConfig;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::volume::VolumeError;

/// Prepares every volume of `config` and adds its mount to `spec`, whose process user is the
/// one a new volume and `U` give the data to (`U` on a bind mount gives its host source, as
/// Podman's does). A volume with a filesystem of its own is mounted first (see [`volume_fs`]);
/// the caller undoes that with [`release_volumes`] when the container stops or fails to start.
/// As Podman's: the image's content at the destination is copied into an empty volume (unless
/// `nocopy`; a volume keeps asking until a copy happens), then a volume's first use gives its
/// directory to that user, or the image directory's owner, mode and times; the volume records
/// what is done.
pub fn mount_volumes(store: &Store, config: &ContainerConfig, rootfs: &Path, spec: &mut Spec) -> Result<()> {
    let (uid, gid) = spec.process().as_ref().map_or((0, 0), |p| (p.user().uid(), p.user().gid()));
    let mut mounts = spec.mounts().clone().unwrap_or_default();
    for named in &config.mounts.named_volumes {
        // Two containers starting at once on a new volume: the second waits here, then reads
        // the record the first updated and copies nothing.
        let _lock = volume_fs::lock(&store.volume(named.volume_name.as_str())?)?;
        let mut volume = store.volume(named.volume_name.as_str())?;
        let mountpoint = volume.mountpoint.clone();
        let io = |source| Error::Io { path: mountpoint.clone(), source };
        if volume_fs::hold(&MountCommand, &mut volume, &config.id)? {
            store.update_volume(&volume)?;
        }
        // `volume create --opt nocopy` turns copy-up off for every container, as `-v …:nocopy`.
        let volume_nocopy = volume.options.keys().any(|k| k.eq_ignore_ascii_case("nocopy"));
        let has = |option: &str| named.options.iter().any(|o| o == option) || (option == "nocopy" && volume_nocopy);
        let mut changed = false;
        if volume.needs_copy_up && !has("nocopy") && copy_up(rootfs, &named.dest, &volume.mountpoint).map_err(io)? {
            volume.needs_copy_up = false;
            changed = true;
        }
        if volume.needs_chown {
            match_image_directory(rootfs, &named.dest, &volume.mountpoint, uid, gid).map_err(io)?;
            volume.needs_chown = false;
            changed = true;
        }
        if has("U") {
            chown_tree(&volume.mountpoint, uid, gid).map_err(io)?;
        }
        if changed {
            store.update_volume(&volume)?;
        }
        // Podman mounts volumes nosuid and nodev unless the user says otherwise.
        let mut options = named.options.clone();
        options.extend(missing_defaults(&named.options, &VOLUME_DEFAULTS));
        let stored = StoredMount {
            destination: named.dest.clone(),
            kind: "bind".to_string(),
            source: volume.mountpoint.to_string_lossy().into_owned(),
            options,
        };
        mounts.retain(|m| m.destination().to_str() != Some(named.dest.as_str()));
        mounts.push(oci_mount(&stored).map_err(Error::Spec)?);
    }
    for bind in config.mounts.mounts.iter().filter(|m| m.options.iter().any(|o| o == "U")) {
        let source = Path::new(&bind.source);
        chown_tree(source, uid, gid)
            .map_err(|source_err| Error::Io { path: source.to_path_buf(), source: source_err })?;
    }
    spec.set_mounts(Some(mounts));
    Ok(())
}

/// Undoes [`mount_volumes`]' mounts for container `config` (stopped, or failed to start):
/// each volume filesystem it held is unmounted once no other container holds it. Releasing
/// twice, or a volume already gone, is no error.
pub fn release_volumes(store: &Store, config: &ContainerConfig) -> Result<()> {
    for named in &config.mounts.named_volumes {
        let volume = match store.volume(named.volume_name.as_str()) {
            Ok(volume) if volume.filesystem().is_some() => volume,
            Ok(_) | Err(Error::Volume(VolumeError::NoSuchVolume(_))) => continue,
            Err(err) => return Err(err),
        };
        let _lock = volume_fs::lock(&volume)?;
        let mut volume = store.volume(named.volume_name.as_str())?;
        if volume_fs::release(&MountCommand, &mut volume, &config.id)? {
            store.update_volume(&volume)?;
        }
    }
    Ok(())
}

/// Removes the anonymous volumes of the removed container `config` (`rm -v`, `--rm`). One that
/// another container now uses is left as it is, as Podman does. One whose record another
/// process removed first (a `--rm` container's monitor, racing `run`) may still be losing its
/// data: that is finished here, so the caller returns with the data gone.
pub fn remove_anonymous(store: &Store, config: &ContainerConfig) -> Result<()> {
    for name in config.mounts.anonymous_volumes() {
        match store.remove_volume(name.as_str()) {
            Ok(()) | Err(Error::Volume(VolumeError::InUse { .. })) => {}
            Err(Error::Volume(VolumeError::NoSuchVolume(_))) => store.remove_unrecorded_volume_data(name)?,
            Err(err) => return Err(err),
        }
    }
    Ok(())
}
