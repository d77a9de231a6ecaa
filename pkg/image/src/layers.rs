//! Unpacking layers for container root filesystems.
//!
//! Each layer is unpacked once into `<storage>/layers/<diff-id hex>/` in overlayfs's own format,
//! so the runtime can stack the directories as overlay lower layers: an OCI whiteout
//! `.wh.NAME` becomes a 0/0 character device `NAME`, and an opaque marker `.wh..wh..opq` becomes
//! the `trusted.overlay.opaque=y` attribute of its directory. Where overlay cannot be mounted,
//! [`flatten_into`] applies the same layers by copying, reading those markers back.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

use crate::blobs::{hex_of, sync_dir, VerifyingReader};
use crate::error::{io, Error, Result};
use crate::store::Store;

const WHITEOUT_PREFIX: &str = ".wh.";
const OPAQUE_MARKER: &str = ".wh..wh..opq";
const OPAQUE_XATTR: &str = "trusted.overlay.opaque";

impl Store {
    /// The unpacked directories of the image's layers, lowest first, unpacking any layer not
    /// yet unpacked (into a temporary directory renamed into place, so a crash leaves none
    /// half-done).
    pub fn layer_dirs(&self, image_id: &str) -> Result<Vec<PathBuf>> {
        let image = self.get(image_id)?;
        self.writer_lock().hold()?;
        let root = self.layers_dir();
        std::fs::create_dir_all(&root).map_err(io(&root))?;
        let mut dirs = Vec::with_capacity(image.layers.len());
        for layer in &image.layers {
            let dir = root.join(hex_of(&layer.diff_id)?);
            if !dir.exists() {
                let temp = tempfile::Builder::new().prefix(".unpack-").tempdir_in(&root).map_err(io(&root))?;
                let mut blob = VerifyingReader::new(self.blobs().open(&layer.digest)?);
                unpack_layer(&mut blob, temp.path(), &layer.digest)?;
                blob.finish(&layer.digest)?;
                let temp = temp.keep();
                if let Err(err) = std::fs::rename(&temp, &dir) {
                    let _ = std::fs::remove_dir_all(&temp);
                    if !dir.exists() {
                        return Err(io(&dir)(err));
                    }
                }
                sync_dir(&root);
            }
            dirs.push(dir);
        }
        Ok(dirs)
    }
}

/// Unpacks one layer tar (gzip-compressed or plain) into `dest`, converting whiteouts to
/// overlay form and refusing any entry that would land outside `dest`.
pub fn unpack_layer(blob: impl Read, dest: &Path, layer: &str) -> Result<()> {
    let mut reader = BufReader::new(blob);
    let gzip = reader.fill_buf().map_err(io(dest))?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read> = if gzip { Box::new(flate2::read::GzDecoder::new(reader)) } else { Box::new(reader) };
    let mut archive = tar::Archive::new(reader);
    archive.set_preserve_permissions(true);
    archive.set_preserve_ownerships(true);
    archive.set_overwrite(true);
    archive.set_unpack_xattrs(false);
    for entry in archive.entries().map_err(io(dest))? {
        let mut entry = entry.map_err(io(dest))?;
        let raw = entry.path().map_err(io(dest))?.into_owned();
        let relative = safe_relative(&raw).ok_or_else(|| Error::UnsafeEntry { layer: layer.to_string(), entry: raw.display().to_string() })?;
        if relative.as_os_str().is_empty() {
            // The layer root itself (`./`): the directory exists already.
            continue;
        }
        let name = relative.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let parent = dest.join(relative.parent().unwrap_or(Path::new("")));
        if name == OPAQUE_MARKER {
            std::fs::create_dir_all(&parent).map_err(io(&parent))?;
            xattr::set(&parent, OPAQUE_XATTR, b"y").map_err(io(&parent))?;
        } else if let Some(hidden) = name.strip_prefix(WHITEOUT_PREFIX) {
            std::fs::create_dir_all(&parent).map_err(io(&parent))?;
            make_whiteout(&parent.join(hidden))?;
        } else {
            let unpacked = entry.unpack_in(dest).map_err(io(dest.join(&relative)))?;
            if !unpacked {
                return Err(Error::UnsafeEntry { layer: layer.to_string(), entry: raw.display().to_string() });
            }
        }
    }
    Ok(())
}

/// The entry's path relative to the layer root (empty for the root itself), or `None` when it
/// climbs out with `..`.
fn safe_relative(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir | Component::RootDir => {}
            Component::ParentDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn make_whiteout(path: &Path) -> Result<()> {
    let _ = std::fs::remove_file(path);
    nix::sys::stat::mknod(path, nix::sys::stat::SFlag::S_IFCHR, nix::sys::stat::Mode::empty(), 0)
        .map_err(|errno| io(path)(std::io::Error::from(errno)))
}

fn is_whiteout(meta: &std::fs::Metadata) -> bool {
    meta.file_type().is_char_device() && meta.rdev() == 0
}

/// Builds a root filesystem in `dest` by copying `lowers` (lowest first) with overlay semantics:
/// whiteouts delete what lower layers put there, opaque directories hide lower content.
pub fn flatten_into(lowers: &[PathBuf], dest: &Path) -> Result<()> {
    std::fs::create_dir_all(dest).map_err(io(dest))?;
    for lower in lowers {
        copy_tree(lower, dest)?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let meta = std::fs::symlink_metadata(&src).map_err(io(&src))?;
        if is_whiteout(&meta) {
            remove_any(&dst)?;
        } else if meta.is_dir() {
            let opaque = xattr::get(&src, OPAQUE_XATTR).ok().flatten().is_some_and(|v| v == b"y");
            if opaque || !std::fs::symlink_metadata(&dst).is_ok_and(|m| m.is_dir()) {
                remove_any(&dst)?;
                std::fs::create_dir(&dst).map_err(io(&dst))?;
            }
            copy_tree(&src, &dst)?;
            std::fs::set_permissions(&dst, meta.permissions()).map_err(io(&dst))?;
            let _ = std::os::unix::fs::lchown(&dst, Some(meta.uid()), Some(meta.gid()));
        } else {
            remove_any(&dst)?;
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&src).map_err(io(&src))?;
                std::os::unix::fs::symlink(target, &dst).map_err(io(&dst))?;
            } else {
                std::fs::copy(&src, &dst).map_err(io(&dst))?;
            }
            let _ = std::os::unix::fs::lchown(&dst, Some(meta.uid()), Some(meta.gid()));
        }
    }
    Ok(())
}

fn remove_any(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path).map_err(io(path)),
        Ok(_) => std::fs::remove_file(path).map_err(io(path)),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(kind: tar::EntryType, size: u64) -> tar::Header {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(size);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header
    }

    /// A tar of regular files given as (path, contents).
    fn tar_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, contents) in files {
            let mut h = header(tar::EntryType::Regular, contents.len() as u64);
            builder.append_data(&mut h, path, contents.as_bytes()).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn whiteouts_delete_and_opaque_dirs_hide_lower_content() {
        let dir = tempfile::tempdir().unwrap();
        let (low, high, root) = (dir.path().join("low"), dir.path().join("high"), dir.path().join("root"));
        for d in [&low, &high] {
            std::fs::create_dir(d).unwrap();
        }
        unpack_layer(&tar_of(&[("a", "1"), ("gone", "x"), ("d/old", "o"), ("keep/k", "k")])[..], &low, "low").unwrap();
        unpack_layer(&tar_of(&[(".wh.gone", ""), ("d/.wh..wh..opq", ""), ("d/new", "n"), ("a", "2")])[..], &high, "high").unwrap();
        assert!(is_whiteout(&std::fs::symlink_metadata(high.join("gone")).unwrap()));
        flatten_into(&[low, high], &root).unwrap();
        assert_eq!(std::fs::read_to_string(root.join("a")).unwrap(), "2");
        assert!(!root.join("gone").exists());
        assert!(!root.join("d/old").exists());
        assert_eq!(std::fs::read_to_string(root.join("d/new")).unwrap(), "n");
        assert_eq!(std::fs::read_to_string(root.join("keep/k")).unwrap(), "k");
    }

    #[test]
    fn entries_that_escape_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("layer");
        std::fs::create_dir(&dest).unwrap();
        let mut raw = tar::Builder::new(Vec::new());
        let mut h = header(tar::EntryType::Regular, 1);
        // Header::set_path refuses "..", so write the name bytes directly.
        h.as_gnu_mut().unwrap().name[..9].copy_from_slice(b"../escape");
        h.set_cksum();
        raw.append(&h, &b"x"[..]).unwrap();
        let err = unpack_layer(&raw.into_inner().unwrap()[..], &dest, "evil").unwrap_err();
        assert!(matches!(err, Error::UnsafeEntry { .. }), "{err}");
        assert!(!dir.path().join("escape").exists());
    }

    #[test]
    fn writing_through_a_symlink_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (dest, outside) = (dir.path().join("layer"), dir.path().join("outside"));
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::create_dir(&dest).unwrap();
        let mut builder = tar::Builder::new(Vec::new());
        let mut link = header(tar::EntryType::Symlink, 0);
        builder.append_link(&mut link, "link", &outside).unwrap();
        let mut file = header(tar::EntryType::Regular, 1);
        builder.append_data(&mut file, "link/file", &b"x"[..]).unwrap();
        let result = unpack_layer(&builder.into_inner().unwrap()[..], &dest, "evil");
        assert!(result.is_err(), "must not follow the symlink out");
        assert!(!outside.join("file").exists());
    }
}
