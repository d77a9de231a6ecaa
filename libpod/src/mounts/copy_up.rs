//! Copy-up: the first mount of an empty volume receives the image's content at its destination,
//! as Podman's does (it streams a tar of the directory into the volume): owners, modes, times,
//! extended attributes, hard links, symlinks, devices and FIFOs. The image side is read through
//! [`inroot`]: every path resolves inside the container's root and no symlink is ever followed
//! out of it; the volume side is rpod's own directory, written one `*at` call at a time without
//! following.

use std::collections::HashMap;
use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::rc::Rc;

use nix::fcntl::{openat, readlinkat, AtFlags, OFlag};
use nix::sys::stat::{
    fchmod, fchmodat, fstat, fstatat, futimens, mkdirat, mknodat, utimensat, FchmodatFlags, FileStat, Mode, SFlag,
    UtimensatFlags,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{fchown, fchownat, linkat, symlinkat, Gid, Uid};

/// Copies what the directory `dest` of the root filesystem `rootfs` holds into the directory
/// `target`, under Podman's conditions: `dest` is a directory with entries and `target` is
/// empty. Returns whether it copied; the volume keeps asking for a copy-up until one happens.
/// Sockets are skipped (they are no data); `target` itself is left to [`match_image_directory`].
pub fn copy_up(rootfs: &Path, dest: &str, target: &Path) -> std::io::Result<bool> {
    let Some(source) = image_directory(rootfs, dest)? else { return Ok(false) };
    let target = open_dir_at(nix::fcntl::AT_FDCWD, target.as_os_str())?;
    if inroot::names_in(&source)?.is_empty() || !inroot::names_in(&target)?.is_empty() {
        return Ok(false);
    }
    Copier::default().copy_dir(&source, &Rc::new(target))?;
    Ok(true)
}

/// A volume's first use (Podman's "chown"): `target` goes to `uid:gid`, the container's user,
/// then takes the owner, mode and times of the image's directory at `dest` when there is one.
pub fn match_image_directory(rootfs: &Path, dest: &str, target: &Path, uid: u32, gid: u32) -> std::io::Result<()> {
    let target = open_dir_at(nix::fcntl::AT_FDCWD, target.as_os_str())?;
    fchown(&target, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)))?;
    let Some(source) = image_directory(rootfs, dest)? else { return Ok(()) };
    let stat = fstat(&source)?;
    fchown(&target, Some(Uid::from_raw(stat.st_uid)), Some(Gid::from_raw(stat.st_gid)))?;
    fchmod(&target, Mode::from_bits_truncate(stat.st_mode))?;
    let (atime, mtime) = times(&stat);
    futimens(&target, &atime, &mtime)?;
    Ok(())
}

/// The directory `dest` names inside `rootfs`, or `None` when the image has none there.
fn image_directory(rootfs: &Path, dest: &str) -> std::io::Result<Option<OwnedFd>> {
    let root = inroot::Root::open(rootfs)?;
    match root.open_dir(Path::new(dest.trim_start_matches('/'))) {
        Ok(dir) => Ok(Some(dir)),
        Err(err) if matches!(err.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => Ok(None),
        Err(err) => Err(err),
    }
}

fn open_dir_at(dir: impl AsFd, name: &OsStr) -> std::io::Result<OwnedFd> {
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    Ok(openat(dir, name, flags, Mode::empty())?)
}

fn times(stat: &FileStat) -> (TimeSpec, TimeSpec) {
    (TimeSpec::new(stat.st_atime, stat.st_atime_nsec), TimeSpec::new(stat.st_mtime, stat.st_mtime_nsec))
}

/// One copy-up: remembers the first copy of every file with more than one link, so its other
/// names become links to that copy, as in the image.
#[derive(Default)]
struct Copier {
    first_copies: HashMap<(u64, u64), (Rc<OwnedFd>, OsString)>,
}

impl Copier {
    /// Copies every entry of `source` into the empty directory `target`.
    fn copy_dir(&mut self, source: &OwnedFd, target: &Rc<OwnedFd>) -> std::io::Result<()> {
        for name in inroot::names_in(source)? {
            let stat = fstatat(source, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW)?;
            let kind = SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT;
            if kind != SFlag::S_IFDIR && stat.st_nlink > 1 {
                let key = (stat.st_dev, stat.st_ino);
                if let Some((dir, first)) = self.first_copies.get(&key) {
                    linkat(dir.as_ref(), first.as_os_str(), target.as_ref(), name.as_os_str(), AtFlags::empty())?;
                    continue;
                }
                self.first_copies.insert(key, (Rc::clone(target), name.clone()));
            }
            let mode = Mode::from_bits_truncate(stat.st_mode);
            match kind {
                SFlag::S_IFDIR => {
                    mkdirat(target.as_ref(), name.as_os_str(), Mode::from_bits_truncate(0o700))?;
                    let to = Rc::new(open_dir_at(target.as_ref(), &name)?);
                    self.copy_dir(&open_dir_at(source, &name)?, &to)?;
                }
                SFlag::S_IFREG => {
                    let read = OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC;
                    let write = OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
                    let mut from = std::fs::File::from(openat(source, name.as_os_str(), read, Mode::empty())?);
                    let mut to = std::fs::File::from(openat(
                        target.as_ref(),
                        name.as_os_str(),
                        write,
                        Mode::from_bits_truncate(0o600),
                    )?);
                    std::io::copy(&mut from, &mut to)?;
                }
                SFlag::S_IFLNK => {
                    let link = readlinkat(source, name.as_os_str())?;
                    symlinkat(link.as_os_str(), target.as_ref(), name.as_os_str())?;
                }
                SFlag::S_IFCHR | SFlag::S_IFBLK | SFlag::S_IFIFO => {
                    mknodat(target.as_ref(), name.as_os_str(), kind, Mode::from_bits_truncate(0o600), stat.st_rdev)?;
                }
                _ => continue,
            }
            finish_entry(source, target, &name, &stat, kind, mode)?;
        }
        Ok(())
    }
}

/// Gives a copied entry the image entry's owner, mode (after the owner: a chown clears setuid
/// bits), extended attributes and, last, times.
fn finish_entry(
    source: &OwnedFd,
    target: &OwnedFd,
    name: &OsStr,
    stat: &FileStat,
    kind: SFlag,
    mode: Mode,
) -> std::io::Result<()> {
    let (uid, gid) = (Some(Uid::from_raw(stat.st_uid)), Some(Gid::from_raw(stat.st_gid)));
    fchownat(target, name, uid, gid, AtFlags::AT_SYMLINK_NOFOLLOW)?;
    if kind != SFlag::S_IFLNK {
        fchmodat(target, name, mode, FchmodatFlags::FollowSymlink)?;
    }
    copy_xattrs(source, target, name)?;
    let (atime, mtime) = times(stat);
    utimensat(target, name, &atime, &mtime, UtimensatFlags::NoFollowSymlink)?;
    Ok(())
}

/// `/proc/self/fd/N/NAME`: an entry of an open directory as a path the `l*xattr` calls take
/// (they have no `*at` form); the last component is not followed.
fn entry_path(dir: &OwnedFd, name: &OsStr) -> std::io::Result<CString> {
    let mut path = format!("/proc/self/fd/{}/", dir.as_raw_fd()).into_bytes();
    path.extend_from_slice(name.as_bytes());
    CString::new(path).map_err(std::io::Error::other)
}

/// Copies the extended attributes of `name` in `source` to `name` in `target`. One the volume's
/// filesystem refuses (`trusted.*` without the right, or no xattr support) is left out, as a
/// tar extraction does.
fn copy_xattrs(source: &OwnedFd, target: &OwnedFd, name: &OsStr) -> std::io::Result<()> {
    let (from, to) = (entry_path(source, name)?, entry_path(target, name)?);
    let list = xattr_bytes(|buf, len| unsafe { libc::llistxattr(from.as_ptr(), buf.cast(), len) })?;
    for key in list.split(|b| *b == 0).filter(|k| !k.is_empty()) {
        let key = CString::new(key).map_err(std::io::Error::other)?;
        let value = xattr_bytes(|buf, len| unsafe { libc::lgetxattr(from.as_ptr(), key.as_ptr(), buf.cast(), len) })?;
        // SAFETY: both strings are NUL-terminated and `value` outlives the call.
        let set = unsafe { libc::lsetxattr(to.as_ptr(), key.as_ptr(), value.as_ptr().cast(), value.len(), 0) };
        if set != 0 {
            let err = std::io::Error::last_os_error();
            if !matches!(err.raw_os_error(), Some(libc::EPERM | libc::ENOTSUP | libc::EACCES)) {
                return Err(err);
            }
        }
    }
    Ok(())
}

/// The bytes an xattr call (`call(buffer, length)`, Linux's size-probe convention) returns; an
/// entry on a filesystem without xattrs has none.
fn xattr_bytes(call: impl Fn(*mut u8, usize) -> isize) -> std::io::Result<Vec<u8>> {
    loop {
        let size = call(std::ptr::null_mut(), 0);
        if size < 0 {
            let err = std::io::Error::last_os_error();
            return match err.raw_os_error() {
                Some(libc::ENOTSUP | libc::ENODATA) => Ok(Vec::new()),
                _ => Err(err),
            };
        }
        let mut buf = vec![0u8; size.unsigned_abs()];
        let got = call(buf.as_mut_ptr(), buf.len());
        if got >= 0 {
            buf.truncate(got.unsigned_abs());
            return Ok(buf);
        }
        // ERANGE: it grew between the calls; ask again.
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::ERANGE) {
            return Err(std::io::Error::last_os_error());
        }
    }
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
        assert_eq!(std::fs::metadata(&volume).unwrap().mode() & 0o7777, 0o755, "the volume itself is not copied");
        match_image_directory(&rootfs, "/srv/data", &volume, 1, 2).unwrap();
        assert_eq!(std::fs::metadata(&volume).unwrap().mode() & 0o7777, 0o750, "but takes the image's mode");
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
        std::fs::create_dir(rootfs.join("srv/none")).unwrap();
        assert!(!copy_up(&rootfs, "/srv/none", &empty).unwrap(), "an empty image directory is no copy-up");
        match_image_directory(&rootfs, "/nowhere", &empty, 77, 88).unwrap();
        let owner = std::fs::metadata(&empty).unwrap();
        assert_eq!((owner.uid(), owner.gid()), (77, 88), "no image directory: the container's user");
    }

    #[test]
    fn times_links_devices_fifos_and_xattrs_are_kept() {
        use nix::sys::stat::{makedev, mknod};
        let dir = tempfile::tempdir().unwrap();
        let (rootfs, volume) = (dir.path().join("rootfs"), dir.path().join("volume"));
        let data = rootfs.join("data");
        std::fs::create_dir_all(data.join("sub")).unwrap();
        std::fs::create_dir_all(&volume).unwrap();
        std::fs::write(data.join("f"), "hello").unwrap();
        std::fs::hard_link(data.join("f"), data.join("sub/hard")).unwrap();
        std::os::unix::fs::symlink("f", data.join("link")).unwrap();
        mknod(&data.join("fifo"), SFlag::S_IFIFO, Mode::from_bits_truncate(0o640), 0).unwrap();
        mknod(&data.join("null"), SFlag::S_IFCHR, Mode::from_bits_truncate(0o666), makedev(1, 3)).unwrap();
        let xattrs = xattr_set(&data.join("f"), "user.rpod", b"kept");
        let stamp = |p: &Path, secs: i64| {
            let t = TimeSpec::new(secs, 0);
            utimensat(nix::fcntl::AT_FDCWD, p, &t, &t, UtimensatFlags::NoFollowSymlink).unwrap();
        };
        for (path, secs) in [("f", 1_400_000_000), ("link", 1_100_000_000), ("fifo", 1_000_000_000)] {
            stamp(&data.join(path), secs);
        }
        stamp(&data.join("sub"), 1_300_000_000);
        stamp(&data, 1_500_000_000);

        assert!(copy_up(&rootfs, "/data", &volume).unwrap());
        match_image_directory(&rootfs, "/data", &volume, 0, 0).unwrap();
        let meta = |p: &str| std::fs::symlink_metadata(volume.join(p)).unwrap();
        assert_eq!(meta("f").mtime(), 1_400_000_000);
        assert_eq!(meta("link").mtime(), 1_100_000_000);
        assert_eq!(meta("fifo").mtime(), 1_000_000_000);
        assert_eq!(meta("sub").mtime(), 1_300_000_000, "set after its entries were made");
        assert_eq!(meta("").mtime(), 1_500_000_000, "the volume takes the image directory's times");
        assert_eq!(meta("sub/hard").ino(), meta("f").ino(), "hard links stay links");
        assert_eq!(meta("f").nlink(), 2);
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(&meta("fifo").file_type()));
        assert_eq!(meta("fifo").mode() & 0o7777, 0o640);
        assert_eq!(meta("null").rdev(), makedev(1, 3));
        if xattrs {
            let copied = xattr_bytes(|buf, len| {
                let path = CString::new(volume.join("f").as_os_str().as_bytes()).unwrap();
                let key = CString::new("user.rpod").unwrap();
                unsafe { libc::lgetxattr(path.as_ptr(), key.as_ptr(), buf.cast(), len) }
            })
            .unwrap();
            assert_eq!(copied, b"kept");
        }
    }

    /// Sets an xattr for a test; false when the test directory's filesystem takes none.
    fn xattr_set(path: &Path, key: &str, value: &[u8]) -> bool {
        let (path, key) = (CString::new(path.as_os_str().as_bytes()).unwrap(), CString::new(key).unwrap());
        // SAFETY: NUL-terminated strings and a live buffer.
        unsafe { libc::lsetxattr(path.as_ptr(), key.as_ptr(), value.as_ptr().cast(), value.len(), 0) == 0 }
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
