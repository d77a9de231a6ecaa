//! Unpacking one layer tar into a directory, confined to it: each entry's parent is resolved
//! inside the layer root ([`inroot::Root`]), and the entry itself is made with `*at` calls that
//! never follow its last component.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{
    fchmod, fchmodat, futimens, mkdirat, mknodat, utimensat, FchmodatFlags, Mode, SFlag, UtimensatFlags,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{fchown, linkat, symlinkat, Gid, Uid};

use super::entry::{classify, EntryKind, LayerEntry};
use super::stream::{DecompressionLimits, Uncompressed};
use super::OPAQUE_XATTR;
use crate::error::{io, Error, Result};

/// Mode of directories an entry needs but the tar does not list, and of the layer root unless
/// the tar has a `./` entry (Podman's storage uses 0755 for both as well).
const IMPLIED_DIR_MODE: u32 = 0o755;

/// Unpacks one layer tar (gzip-compressed or plain) into `dest`, converting whiteouts to
/// overlay form; nothing outside `dest` is read, written or followed. Returns the digest of the
/// uncompressed tar: the caller compares it with the diff ID the image config names.
pub fn unpack_layer(blob: impl Read, dest: &Path, layer: &str) -> Result<String> {
    unpack_layer_within(blob, dest, layer, DecompressionLimits::DEFAULT)
}

/// [`unpack_layer`] with other decompression limits (tests use small ones).
pub fn unpack_layer_within(blob: impl Read, dest: &Path, layer: &str, limits: DecompressionLimits) -> Result<String> {
    let root = inroot::Root::open(dest).map_err(io(dest))?;
    fchmod(&root, Mode::from_bits_truncate(IMPLIED_DIR_MODE)).map_err(|e| io(dest)(e.into()))?;
    let tar_error = |source| Error::LayerTar { layer: layer.to_string(), source };
    let mut stream = Uncompressed::new(blob, limits).map_err(tar_error)?;
    let applied = apply_entries(&root, &mut stream, layer);
    if let Some(exceeded) = stream.exceeded() {
        return Err(Error::DecompressionLimit { what: format!("layer {layer}"), exceeded });
    }
    applied?;
    let finished = stream.finish();
    match finished {
        Ok((digest, _)) => Ok(digest),
        Err(source) => match source.get_ref().and_then(|e| e.downcast_ref::<super::stream::Exceeded>()) {
            Some(exceeded) => Err(Error::DecompressionLimit { what: format!("layer {layer}"), exceeded: *exceeded }),
            None => Err(tar_error(source)),
        },
    }
}

fn apply_entries<R: Read>(root: &inroot::Root, stream: &mut Uncompressed<R>, layer: &str) -> Result<()> {
    let tar_error = |source| Error::LayerTar { layer: layer.to_string(), source };
    let mut archive = tar::Archive::new(stream);
    // Directory times are set last: creating their contents would change them again.
    let mut directory_times: Vec<(PathBuf, i64)> = Vec::new();
    for entry in archive.entries().map_err(tar_error)? {
        let mut entry = entry.map_err(tar_error)?;
        let classified = classify(&entry, layer)?;
        let failed = |(step, source)| Error::EntryFailed {
            layer: layer.to_string(),
            entry: classified.name.clone(),
            step,
            source,
        };
        match apply(root, &mut entry, &classified) {
            Ok(()) => {}
            Err(Failure::Read(source)) => return Err(tar_error(source)),
            Err(Failure::Step(step, source)) => return Err(failed((step, source))),
        }
        if matches!(classified.kind, EntryKind::Root | EntryKind::Directory) {
            directory_times.push((classified.path.clone(), classified.mtime));
        }
    }
    for (path, mtime) in directory_times.into_iter().rev() {
        let time = TimeSpec::new(mtime, 0);
        let result = if path.as_os_str().is_empty() {
            futimens(root, &time, &time)
        } else {
            let (parent, name) = inroot::split_parent(&path).map_err(|e| io(&path)(e))?;
            let dir = root.open_dir(parent).map_err(io(&path))?;
            utimensat(&dir, name, &time, &time, UtimensatFlags::NoFollowSymlink)
        };
        result.map_err(|errno| io(&path)(errno.into()))?;
    }
    Ok(())
}

/// Why an entry failed: the tar stream broke while its contents were read, or a step of
/// putting it in place did.
enum Failure {
    Read(std::io::Error),
    Step(&'static str, std::io::Error),
}

fn step(what: &'static str) -> impl FnOnce(nix::errno::Errno) -> Failure {
    move |errno| Failure::Step(what, errno.into())
}

fn io_step(what: &'static str) -> impl FnOnce(std::io::Error) -> Failure {
    move |err| Failure::Step(what, err)
}

fn apply(root: &inroot::Root, contents: &mut impl Read, entry: &LayerEntry) -> std::result::Result<(), Failure> {
    let owner = (Some(Uid::from_raw(entry.uid)), Some(Gid::from_raw(entry.gid)));
    let mode = Mode::from_bits_truncate(entry.mode);
    let time = TimeSpec::new(entry.mtime, 0);
    match &entry.kind {
        EntryKind::Ignored => return Ok(()),
        EntryKind::Root => {
            fchown(root, owner.0, owner.1).map_err(step("setting the layer root's owner"))?;
            return fchmod(root, mode).map_err(step("setting the layer root's mode"));
        }
        EntryKind::Opaque => {
            let dir =
                root.create_dir_all(&entry.path, IMPLIED_DIR_MODE).map_err(io_step("creating the opaque directory"))?;
            return xattr::FileExt::set_xattr(&File::from(dir), OPAQUE_XATTR, b"y")
                .map_err(io_step("marking the directory opaque"));
        }
        _ => {}
    }
    let (parent_path, name) = inroot::split_parent(&entry.path).map_err(io_step("naming the entry"))?;
    let parent =
        root.create_dir_all(parent_path, IMPLIED_DIR_MODE).map_err(io_step("creating its parent directory"))?;
    let existing = inroot::kind_at(&parent, name).map_err(io_step("looking at what is there"))?;
    if existing == Some(SFlag::S_IFDIR) && entry.kind == EntryKind::Directory {
        // A directory over a directory of the same layer: merged, taking the new attributes.
    } else if existing.is_some() {
        if let EntryKind::HardLink(target) = &entry.kind {
            if *target == entry.path {
                return Ok(());
            }
        }
        inroot::remove_all_at(&parent, name).map_err(io_step("replacing what is there"))?;
    }
    match &entry.kind {
        EntryKind::Directory => {
            if existing != Some(SFlag::S_IFDIR) {
                mkdirat(&parent, name, Mode::from_bits_truncate(0o700)).map_err(step("creating the directory"))?;
            }
            let dir = openat(
                &parent,
                name,
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(step("opening the directory"))?;
            set_owner_and_mode(&dir, owner, mode)?;
        }
        EntryKind::File => {
            let fd = openat(
                &parent,
                name,
                OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::from_bits_truncate(0o600),
            )
            .map_err(step("creating the file"))?;
            let mut file = File::from(fd);
            copy_contents(contents, &mut file)?;
            set_owner_and_mode(&file, owner, mode)?;
            futimens(&file, &time, &time).map_err(step("setting the file's time"))?;
        }
        EntryKind::Symlink(target) => {
            symlinkat(target.as_path(), &parent, name).map_err(step("creating the symlink"))?;
            inroot::chown_at(&parent, name, entry.uid, entry.gid).map_err(step("setting the symlink's owner"))?;
            utimensat(&parent, name, &time, &time, UtimensatFlags::NoFollowSymlink)
                .map_err(step("setting the symlink's time"))?;
        }
        EntryKind::HardLink(target) => {
            // The target is resolved inside the root too, so only what this layer holds can be
            // linked; the link is made to the target itself, never to where a symlink leads.
            let (target_parent, target_name) =
                inroot::split_parent(target).map_err(io_step("naming the link target"))?;
            let target_dir = root.open_dir(target_parent).map_err(io_step("finding the link target"))?;
            linkat(&target_dir, target_name, &parent, name, AtFlags::empty()).map_err(step("linking to the target"))?;
        }
        EntryKind::CharDevice { major, minor } => {
            make_node(&parent, name, SFlag::S_IFCHR, nix::sys::stat::makedev((*major).into(), (*minor).into()), entry)?
        }
        EntryKind::BlockDevice { major, minor } => {
            make_node(&parent, name, SFlag::S_IFBLK, nix::sys::stat::makedev((*major).into(), (*minor).into()), entry)?
        }
        EntryKind::Fifo => make_node(&parent, name, SFlag::S_IFIFO, 0, entry)?,
        EntryKind::Whiteout => {
            mknodat(&parent, name, SFlag::S_IFCHR, Mode::empty(), 0).map_err(step("creating the whiteout"))?;
        }
        EntryKind::Ignored | EntryKind::Root | EntryKind::Opaque => {}
    }
    Ok(())
}

/// Owner first: changing it clears setuid and setgid, which the mode then restores.
fn set_owner_and_mode(
    fd: &impl AsFd,
    owner: (Option<Uid>, Option<Gid>),
    mode: Mode,
) -> std::result::Result<(), Failure> {
    fchown(fd, owner.0, owner.1).map_err(step("setting the owner"))?;
    fchmod(fd, mode).map_err(step("setting the mode"))
}

fn make_node(
    parent: &OwnedFd,
    name: &std::ffi::OsStr,
    kind: SFlag,
    device: u64,
    entry: &LayerEntry,
) -> std::result::Result<(), Failure> {
    let time = TimeSpec::new(entry.mtime, 0);
    mknodat(parent, name, kind, Mode::empty(), device).map_err(step("creating the node"))?;
    inroot::chown_at(parent, name, entry.uid, entry.gid).map_err(step("setting the node's owner"))?;
    // Following is harmless here: mknodat just made this name, and a node is no symlink.
    fchmodat(parent, name, Mode::from_bits_truncate(entry.mode), FchmodatFlags::FollowSymlink)
        .map_err(step("setting the node's mode"))?;
    utimensat(parent, name, &time, &time, UtimensatFlags::NoFollowSymlink).map_err(step("setting the node's time"))
}

/// Copies an entry's contents, telling a broken tar stream from a failed write.
fn copy_contents(contents: &mut impl Read, file: &mut File) -> std::result::Result<(), Failure> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match contents.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(Failure::Read(err)),
        };
        file.write_all(&buf[..n]).map_err(io_step("writing the file"))?;
    }
}
