//! A container's root filesystem: the image's unpacked layers under a per-container overlay
//! (upper and work directories beside the container's data), or, where overlay cannot be
//! mounted (an overlayfs upper directory, as inside the test sandbox), a private copy.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nix::mount::{mount, umount2, MntFlags, MsFlags};

use crate::error::{Error, Result};
use crate::store::Store;

/// The mode of `/` inside a container (Podman's storage creates layer roots `0755` too).
const ROOTFS_ROOT_MODE: u32 = 0o755;

/// Mounts or copies the root filesystem of container `id` from image `image_id`; returns its path.
pub fn prepare(store: &Store, id: &str, image_id: &str) -> Result<PathBuf> {
    let images = image::Store::open(store.root())?;
    let lowers = images.layer_dirs(image_id)?;
    let data = store.container_dir(id);
    let target = store.runtime_dir(id).join("rootfs");
    let copy = data.join("rootfs");
    if copy.exists() {
        return Ok(copy);
    }
    let (upper, work) = (data.join("upper"), data.join("work"));
    for dir in [&upper, &work, &target] {
        privatefs::create_dir_all(dir).map_err(|source| Error::CreateDir { path: dir.clone(), source })?;
    }
    // The upper directory gives the mounted root its mode: `/` of the container must be
    // reachable by the container's unprivileged users. Other host users are kept out by the
    // private directories above it, as in Podman's storage.
    std::fs::set_permissions(&upper, std::fs::Permissions::from_mode(ROOTFS_ROOT_MODE))
        .map_err(|source| Error::Io { path: upper.clone(), source })?;
    let lowerdir = lowers.iter().rev().map(|p| p.display().to_string()).collect::<Vec<_>>().join(":");
    let options = format!("lowerdir={lowerdir},upperdir={},workdir={}", upper.display(), work.display());
    match mount(Some("overlay"), &target, Some("overlay"), MsFlags::empty(), Some(options.as_str())) {
        Ok(()) => Ok(target),
        Err(errno) => {
            tracing::debug!("overlay mount for {id} failed ({errno}); copying the layers instead");
            let staging = data.join("rootfs.partial");
            let _ = std::fs::remove_dir_all(&staging);
            image::layers::flatten_into(&lowers, &staging)?;
            std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(ROOTFS_ROOT_MODE))
                .map_err(|source| Error::Io { path: staging.clone(), source })?;
            std::fs::rename(&staging, &copy).map_err(|source| Error::Io { path: copy.clone(), source })?;
            Ok(copy)
        }
    }
}

/// Unmounts the overlay of container `id`, if one is mounted.
pub fn release(store: &Store, id: &str) {
    let target = store.runtime_dir(id).join("rootfs");
    if is_mount_point(&target) {
        let _ = umount2(&target, MntFlags::MNT_DETACH);
    }
}

fn is_mount_point(path: &Path) -> bool {
    let Ok(mounts) = std::fs::read_to_string("/proc/self/mountinfo") else { return false };
    let wanted = path.display().to_string();
    mounts.lines().any(|line| line.split(' ').nth(4) == Some(wanted.as_str()))
}
