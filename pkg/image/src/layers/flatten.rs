//! The copying fallback where overlay cannot be mounted: the layers are applied one over the
//! other into a plain directory, with overlay's rules, through directory handles opened
//! without following symlinks on either side. Special files are re-created, never read: a
//! device node `b 8 0` copied by reading would copy the host's disk into the container.

use std::ffi::OsStr;
use std::fs::File;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{
    fchmod, fchmodat, fstat, fstatat, futimens, mkdirat, mknodat, utimensat, FchmodatFlags, FileStat, Mode, SFlag,
    UtimensatFlags,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{fchown, symlinkat, Gid, Uid};

use super::OPAQUE_XATTR;
use crate::error::{io, Result};

/// Builds a root filesystem in `dest` by copying `lowers` (lowest first) with overlay semantics:
/// whiteouts delete what lower layers put there, opaque directories hide lower content.
pub fn flatten_into(lowers: &[PathBuf], dest: &Path) -> Result<()> {
    std::fs::create_dir_all(dest).map_err(io(dest))?;
    let target = open_dir(nix::fcntl::AT_FDCWD, dest.as_os_str(), false).map_err(io(dest))?;
    for lower in lowers {
        let source = open_dir(nix::fcntl::AT_FDCWD, lower.as_os_str(), false).map_err(io(lower))?;
        copy_tree(&source, &target, lower)?;
    }
    Ok(())
}

fn open_dir(dir: impl AsFd, name: &OsStr, no_follow: bool) -> std::io::Result<OwnedFd> {
    let flags = OFlag::O_RDONLY
        | OFlag::O_DIRECTORY
        | OFlag::O_CLOEXEC
        | if no_follow { OFlag::O_NOFOLLOW } else { OFlag::empty() };
    Ok(openat(dir, name, flags, Mode::empty())?)
}

/// Applies the directory `from` (at `at`, for messages) over `to`.
fn copy_tree(from: &OwnedFd, to: &OwnedFd, at: &Path) -> Result<()> {
    for name in inroot::names_in(from).map_err(io(at))? {
        let path = at.join(&name);
        let errno = |e: nix::errno::Errno| io(&path)(e.into());
        let stat = fstatat(from, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW).map_err(errno)?;
        let kind = SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT;
        let existing = inroot::kind_at(to, &name).map_err(io(&path))?;
        if kind == SFlag::S_IFCHR && stat.st_rdev == 0 {
            // A whiteout: what lower layers put here goes.
            inroot::remove_all_at(to, &name).map_err(io(&path))?;
            continue;
        }
        if kind == SFlag::S_IFDIR {
            let source = open_dir(from, &name, true).map_err(io(&path))?;
            let opaque = xattr::FileExt::get_xattr(&File::from(source.try_clone().map_err(io(&path))?), OPAQUE_XATTR)
                .ok()
                .flatten()
                .is_some_and(|v| v == b"y");
            if opaque || existing != Some(SFlag::S_IFDIR) {
                inroot::remove_all_at(to, &name).map_err(io(&path))?;
                mkdirat(to, name.as_os_str(), Mode::from_bits_truncate(0o700)).map_err(errno)?;
            }
            let target = open_dir(to, &name, true).map_err(io(&path))?;
            copy_tree(&source, &target, &path)?;
            set_owner_and_mode(&target, &stat).map_err(errno)?;
            continue;
        }
        inroot::remove_all_at(to, &name).map_err(io(&path))?;
        let time = TimeSpec::new(stat.st_mtime, stat.st_mtime_nsec);
        match kind {
            SFlag::S_IFREG => {
                let source = openat(
                    from,
                    name.as_os_str(),
                    OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(errno)?;
                if SFlag::from_bits_truncate(fstat(&source).map_err(errno)?.st_mode) & SFlag::S_IFMT != SFlag::S_IFREG {
                    return Err(io(&path)(std::io::Error::other("changed into a special file while being copied")));
                }
                let target = openat(
                    to,
                    name.as_os_str(),
                    OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o600),
                )
                .map_err(errno)?;
                let mut target = File::from(target);
                std::io::copy(&mut File::from(source), &mut target).map_err(io(&path))?;
                set_owner_and_mode(&target, &stat).map_err(errno)?;
                futimens(&target, &time, &time).map_err(errno)?;
            }
            SFlag::S_IFLNK => {
                let link = readlinkat(from, name.as_os_str()).map_err(errno)?;
                symlinkat(link.as_os_str(), to, name.as_os_str()).map_err(errno)?;
                inroot::chown_at(to, name.as_os_str(), stat.st_uid, stat.st_gid).map_err(errno)?;
                utimensat(to, name.as_os_str(), &time, &time, UtimensatFlags::NoFollowSymlink).map_err(errno)?;
            }
            _ => {
                // Devices, FIFOs and sockets: the same node again, never its contents.
                mknodat(to, name.as_os_str(), kind, Mode::empty(), stat.st_rdev).map_err(errno)?;
                inroot::chown_at(to, name.as_os_str(), stat.st_uid, stat.st_gid).map_err(errno)?;
                // Following is harmless: mknodat just made this name, and a node is no symlink.
                fchmodat(
                    to,
                    name.as_os_str(),
                    Mode::from_bits_truncate(stat.st_mode & 0o7777),
                    FchmodatFlags::FollowSymlink,
                )
                .map_err(errno)?;
                utimensat(to, name.as_os_str(), &time, &time, UtimensatFlags::NoFollowSymlink).map_err(errno)?;
            }
        }
    }
    Ok(())
}

/// Owner first: changing it clears setuid and setgid, which the mode then restores.
fn set_owner_and_mode(fd: &impl AsFd, stat: &FileStat) -> nix::Result<()> {
    fchown(fd, Some(Uid::from_raw(stat.st_uid)), Some(Gid::from_raw(stat.st_gid)))?;
    fchmod(fd, Mode::from_bits_truncate(stat.st_mode & 0o7777))
}
