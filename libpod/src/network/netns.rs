//! Persistent network namespaces: a new namespace kept alive by a bind mount on a file under
//! the runroot (`<runroot>/netns/netns-<random>`, where Podman uses `/run/netns`), so that it
//! exists before the OCI runtime starts — netavark configures it first, and the runtime joins
//! it by path — and outlives the container's processes until the teardown.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{unshare, CloneFlags};

/// Creates a new network namespace with its loopback interface up, bind-mounted at a fresh
/// `netns-<random>` file in `dir`; returns that path.
pub fn create(dir: &Path) -> std::io::Result<PathBuf> {
    privatefs::create_dir_all(dir)?;
    let path = dir.join(format!("netns-{}", &crate::names::new_id()[..32]));
    std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
    let target = path.clone();
    // unshare(CLONE_NEWNET) changes the calling thread only: a thread of its own, which ends
    // right after, keeps this process in its namespace.
    let made = std::thread::spawn(move || -> std::io::Result<()> {
        unshare(CloneFlags::CLONE_NEWNET)?;
        loopback_up()?;
        mount(Some("/proc/thread-self/ns/net"), &target, None::<&str>, MsFlags::MS_BIND, None::<&str>)?;
        Ok(())
    })
    .join()
    .unwrap_or_else(|_| Err(std::io::Error::other("the namespace thread panicked")));
    if let Err(err) = made {
        let _ = std::fs::remove_file(&path);
        return Err(err);
    }
    Ok(path)
}

/// Unmounts and deletes a namespace file [`create`] made: the namespace goes once no process
/// is left in it. A file already gone is no error.
pub fn remove(path: &Path) -> std::io::Result<()> {
    match umount2(path, MntFlags::MNT_DETACH) {
        Ok(()) | Err(nix::errno::Errno::EINVAL) | Err(nix::errno::Errno::ENOENT) => {}
        Err(err) => return Err(err.into()),
    }
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

/// Sets `lo` up in the calling thread's network namespace (`SIOCSIFFLAGS`), as Podman does
/// for the namespaces it creates.
fn loopback_up() -> std::io::Result<()> {
    // SAFETY: plain socket and ioctl calls on a zeroed `ifreq` naming `lo`; the socket is owned.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let socket = OwnedFd::from_raw_fd(fd);
        let mut request: libc::ifreq = std::mem::zeroed();
        for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
            *slot = *byte as libc::c_char;
        }
        if libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFFLAGS, &mut request) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFFLAGS, &request) < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
