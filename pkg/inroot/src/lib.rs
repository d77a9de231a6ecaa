//! File operations confined beneath a directory handle.
//!
//! rpod runs as root and works inside directories whose contents an image chose: layer
//! directories being unpacked, container root filesystems. A path joined onto such a directory
//! (`dest.join("esc/x")`) follows whatever symlinks the image put there, out to the host. Here,
//! every path is resolved by the kernel with `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)`:
//! as if the directory were `/`, so an absolute symlink such as Debian's `var/run -> /run` lands
//! on the root's own `run`, `..` stops at the root, and `/proc/self/...` magic links are refused.
//! The last component of a path is never followed by the operations that change it: they take
//! the parent's handle and a single name (`mkdirat`, `unlinkat`, `O_NOFOLLOW`, ...).
//!
//! Linux 5.6 or newer is needed (openat2).

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::path::{Component, Path};

use nix::errno::Errno;
use nix::fcntl::{openat, openat2, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{fstat, fstatat, mkdirat, Mode, SFlag};
use nix::unistd::{unlinkat, UnlinkatFlags};

pub mod sentinel;

/// A directory that paths are resolved beneath, as if it were `/`.
#[derive(Debug)]
pub struct Root {
    dir: OwnedFd,
}

/// Why [`Root::read_regular_file`] gave no contents.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A FIFO, device, socket or directory: reading it could block, or read a host device.
    #[error("it is not a regular file")]
    NotRegular,
    /// Larger than the caller's limit (nothing is read).
    #[error("it is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Root {
    /// Opens `path` (a directory rpod itself chose, so followed normally) as a root.
    pub fn open(path: &Path) -> std::io::Result<Root> {
        let dir = nix::fcntl::open(path, OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())?;
        Ok(Root { dir })
    }

    /// Opens the directory `path` names beneath the root, every symlink on the way (the last
    /// component's included) resolved inside the root.
    pub fn open_dir(&self, path: &Path) -> std::io::Result<OwnedFd> {
        self.resolve(path, OFlag::O_RDONLY | OFlag::O_DIRECTORY)
    }

    /// Opens the directory `path` names beneath the root, creating the missing ones (with `mode`,
    /// owned by the caller) one component at a time. A component that exists but is no
    /// directory (or a symlink whose target inside the root does not exist) is an error, as for
    /// `mkdir -p`.
    pub fn create_dir_all(&self, path: &Path, mode: u32) -> std::io::Result<OwnedFd> {
        match self.open_dir(path) {
            Err(err) if err.raw_os_error() == Some(libc::ENOENT) => {}
            other => return other,
        }
        let mut prefix = std::path::PathBuf::new();
        let mut parent = self.dir.try_clone()?;
        for component in path.components() {
            let Component::Normal(name) = component else { continue };
            prefix.push(name);
            parent = match self.open_dir(&prefix) {
                Ok(dir) => dir,
                Err(err) if err.raw_os_error() == Some(libc::ENOENT) => {
                    match mkdirat(&parent, name, Mode::from_bits_truncate(mode)) {
                        Ok(()) => self.open_dir(&prefix)?,
                        // Something is there that resolves to nothing: a dangling symlink.
                        Err(Errno::EEXIST) => self.open_dir(&prefix).map_err(|_| {
                            std::io::Error::new(
                                std::io::ErrorKind::NotADirectory,
                                format!("{prefix:?} leads to no directory inside the root"),
                            )
                        })?,
                        Err(errno) => return Err(errno.into()),
                    }
                }
                Err(err) => return Err(err),
            };
        }
        Ok(parent)
    }

    /// The contents of the regular file `path` names beneath the root, or `None` when nothing
    /// is there. A FIFO, device, socket or directory is refused without being opened for
    /// reading, and so is a file larger than `limit` bytes.
    pub fn read_regular_file(&self, path: &Path, limit: u64) -> Result<Option<Vec<u8>>, ReadError> {
        let probe = match self.resolve(path, OFlag::O_PATH) {
            Ok(fd) => fd,
            Err(err) if err.raw_os_error() == Some(libc::ENOENT) => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        check_regular(&probe, limit)?;
        // Opened for real only once known to be a regular file; checked again on the handle
        // that is read, in case the name was swapped in between.
        let file = std::fs::File::from(self.resolve(path, OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY)?);
        check_regular(&file, limit)?;
        let mut contents = Vec::new();
        file.take(limit + 1).read_to_end(&mut contents)?;
        if contents.len() as u64 > limit {
            return Err(ReadError::TooLarge { limit });
        }
        Ok(Some(contents))
    }

    fn resolve(&self, path: &Path, flags: OFlag) -> std::io::Result<OwnedFd> {
        let relative = if path.as_os_str().is_empty() { Path::new(".") } else { path };
        let how = OpenHow::new()
            .flags(flags | OFlag::O_CLOEXEC)
            .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
        // The kernel answers EAGAIN when a concurrent rename could have let `..` escape.
        let mut attempts = 0;
        loop {
            match openat2(&self.dir, relative, how) {
                Err(Errno::EAGAIN | Errno::EINTR) if attempts < 64 => attempts += 1,
                result => return result.map_err(std::io::Error::from),
            }
        }
    }
}

impl AsFd for Root {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.dir.as_fd()
    }
}

fn check_regular(fd: &impl AsFd, limit: u64) -> Result<(), ReadError> {
    let stat = fstat(fd).map_err(std::io::Error::from)?;
    if SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT != SFlag::S_IFREG {
        return Err(ReadError::NotRegular);
    }
    if stat.st_size as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(())
}

/// Splits a relative path into its parent and its last component, which must be a plain name
/// (not `.`, `..` or empty): the name an `*at` call acts on without following it.
pub fn split_parent(path: &Path) -> std::io::Result<(&Path, &OsStr)> {
    match (path.parent(), path.components().next_back()) {
        (Some(parent), Some(Component::Normal(name))) => Ok((parent, name)),
        _ => {
            Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{path:?} does not end in a file name")))
        }
    }
}

/// The type of what `name` in `dir` is, without following a symlink; `None` when nothing is
/// there.
pub fn kind_at(dir: impl AsFd, name: &OsStr) -> std::io::Result<Option<SFlag>> {
    match fstatat(dir, name, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW) {
        Ok(stat) => Ok(Some(SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT)),
        Err(Errno::ENOENT) => Ok(None),
        Err(errno) => Err(errno.into()),
    }
}

/// Sets the owner of `name` in `dir` itself: a symlink there is given the owner, what it leads
/// to is not touched.
pub fn chown_at(dir: impl AsFd, name: &OsStr, uid: u32, gid: u32) -> nix::Result<()> {
    nix::unistd::fchownat(
        dir,
        name,
        Some(nix::unistd::Uid::from_raw(uid)),
        Some(nix::unistd::Gid::from_raw(gid)),
        nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
    )
}

/// The names in the directory `dir` (without `.` and `..`), in the order the filesystem
/// lists them.
pub fn names_in(dir: impl AsFd) -> std::io::Result<Vec<OsString>> {
    // A duplicate shares the directory's read position: start from the beginning.
    let fd = dir.as_fd().try_clone_to_owned()?;
    nix::unistd::lseek(&fd, 0, nix::unistd::Whence::SeekSet)?;
    let mut listing = nix::dir::Dir::from_fd(fd)?;
    let mut names = Vec::new();
    for entry in listing.iter() {
        let name = entry?.file_name().to_bytes().to_vec();
        if name != b"." && name != b".." {
            names.push(OsString::from_vec(name));
        }
    }
    Ok(names)
}

/// Removes `name` in `dir` and, for a directory, everything beneath it, never following a
/// symlink; nothing there is fine.
pub fn remove_all_at(dir: impl AsFd, name: &OsStr) -> std::io::Result<()> {
    let dir = dir.as_fd();
    match kind_at(dir, name)? {
        None => Ok(()),
        Some(SFlag::S_IFDIR) => {
            let child = openat(
                dir,
                name,
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )?;
            for child_name in names_in(&child)? {
                remove_all_at(&child, &child_name)?;
            }
            unlinkat(dir, name, UnlinkatFlags::RemoveDir).map_err(std::io::Error::from)
        }
        Some(_) => unlinkat(dir, name, UnlinkatFlags::NoRemoveDir).map_err(std::io::Error::from),
    }
}

#[cfg(test)]
mod tests;
