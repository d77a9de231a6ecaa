//! A record of a directory tree, for tests that must prove confined operations changed nothing
//! outside their root: take one before, one after, and compare.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What one path in the tree was: type and permission bits, owner, size, device number, link
/// target, contents of small files, and extended attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub len: u64,
    pub mtime: i64,
    pub contents: Vec<u8>,
    pub xattrs: Vec<String>,
}

/// Every path beneath a directory (relative to it), except those under `skip`; symlinks are
/// recorded, never followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeSnapshot(pub BTreeMap<PathBuf, Node>);

impl TreeSnapshot {
    /// Records `dir`, leaving out the subtree at `skip` (the root being worked in), if given.
    pub fn take(dir: &Path, skip: Option<&Path>) -> TreeSnapshot {
        let mut nodes = BTreeMap::new();
        record(dir, dir, skip, &mut nodes);
        TreeSnapshot(nodes)
    }

    /// The paths that differ from `before` (added, removed or changed), for assertion messages.
    pub fn changes_since(&self, before: &TreeSnapshot) -> Vec<PathBuf> {
        let mut changed: Vec<PathBuf> =
            self.0.iter().filter(|(p, n)| before.0.get(*p) != Some(n)).map(|(p, _)| p.clone()).collect();
        changed.extend(before.0.keys().filter(|p| !self.0.contains_key(*p)).cloned());
        changed
    }
}

fn record(base: &Path, dir: &Path, skip: Option<&Path>, nodes: &mut BTreeMap<PathBuf, Node>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if skip == Some(path.as_path()) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        let contents = if meta.file_type().is_symlink() {
            std::fs::read_link(&path).map(|t| t.into_os_string().into_encoded_bytes()).unwrap_or_default()
        } else if meta.is_file() && meta.len() <= 1 << 20 {
            std::fs::read(&path).unwrap_or_default()
        } else {
            Vec::new()
        };
        let xattrs = nix_listxattr(&path);
        let relative = path.strip_prefix(base).unwrap_or(&path).to_path_buf();
        let dir_mtime = if meta.is_dir() { 0 } else { meta.mtime() };
        nodes.insert(
            relative,
            Node {
                mode: meta.mode(),
                uid: meta.uid(),
                gid: meta.gid(),
                rdev: meta.rdev(),
                len: if meta.is_dir() { 0 } else { meta.len() },
                mtime: dir_mtime,
                contents,
                xattrs,
            },
        );
        if meta.is_dir() {
            record(base, &path, skip, nodes);
        }
    }
}

/// Names of the extended attributes of `path` itself (not a symlink's target).
fn nix_listxattr(path: &Path) -> Vec<String> {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else { return Vec::new() };
    let mut buf = vec![0u8; 4096];
    // SAFETY: the path is NUL-terminated and the buffer's length is passed with it.
    let n = unsafe { libc::llistxattr(c_path.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if n <= 0 {
        return Vec::new();
    }
    buf.truncate(n as usize);
    buf.split(|b| *b == 0).filter(|n| !n.is_empty()).map(|n| String::from_utf8_lossy(n).into_owned()).collect()
}
