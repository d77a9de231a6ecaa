//! What one tar entry of a layer means. Decided here, once, for unpacking, for `import`'s
//! check and for the fuzz target alike.

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// The OCI whiteout prefix: `.wh.NAME` deletes `NAME` of lower layers.
pub const WHITEOUT_PREFIX: &str = ".wh.";
/// The OCI opaque marker: its directory hides everything lower layers put in it.
pub const OPAQUE_MARKER: &str = ".wh..wh..opq";
/// Names starting with this are aufs bookkeeping (`.wh..wh.plnk`, …), which c/storage skips too.
const AUFS_META_PREFIX: &str = ".wh..wh.";

/// What an entry does to the layer directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// `./`: the layer root's own mode, owner and time.
    Root,
    Directory,
    File,
    /// A symlink with its target, kept as written (resolved only inside the root, later).
    Symlink(PathBuf),
    /// A hard link to an earlier entry of the same layer, as a path relative to the root.
    HardLink(PathBuf),
    CharDevice {
        major: u32,
        minor: u32,
    },
    BlockDevice {
        major: u32,
        minor: u32,
    },
    Fifo,
    /// `.wh.NAME`: becomes overlay's whiteout, a 0/0 character device at `path`.
    Whiteout,
    /// `.wh..wh..opq`: the directory at `path` becomes opaque (`trusted.overlay.opaque=y`).
    Opaque,
    /// Pax global headers and aufs metadata: nothing to unpack.
    Ignored,
}

/// One classified entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerEntry {
    /// The entry's path as the tar names it, for messages.
    pub name: String,
    /// Where it acts, relative to the layer root, without `.` or `..`; empty for the root.
    /// For a whiteout, the hidden file; for an opaque marker, its directory.
    pub path: PathBuf,
    pub kind: EntryKind,
    /// Permission bits, with setuid, setgid and sticky.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Seconds since the epoch.
    pub mtime: i64,
}

/// Why a header makes no sense for a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryProblem {
    /// A type byte a layer may not hold (volume labels, multi-volume continuations, unknown).
    UnsupportedType(u8),
    NoLinkTarget,
    NoDeviceNumbers,
    /// A numeric header field that does not parse or does not fit.
    BadField(&'static str),
}

impl std::fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EntryProblem::UnsupportedType(byte) => {
                write!(f, "tar entry type {:?} cannot be part of a layer", char::from(*byte))
            }
            EntryProblem::NoLinkTarget => f.write_str("a link without a target"),
            EntryProblem::NoDeviceNumbers => f.write_str("a device without device numbers"),
            EntryProblem::BadField(field) => write!(f, "the header's {field} field is invalid"),
        }
    }
}

/// Classifies `entry` of `layer` (named in errors).
pub fn classify<R: Read>(entry: &tar::Entry<'_, R>, layer: &str) -> Result<LayerEntry> {
    let raw = entry.path_bytes();
    let name = String::from_utf8_lossy(&raw).into_owned();
    let unsafe_entry = || Error::UnsafeEntry { layer: layer.to_string(), entry: name.clone() };
    let malformed = |problem| Error::MalformedEntry { layer: layer.to_string(), entry: name.clone(), problem };
    let header = entry.header();
    let path = normalize(Path::new(OsStr::from_bytes(&raw))).ok_or_else(unsafe_entry)?;
    let file_name = path.file_name().map(OsStr::as_bytes).unwrap_or_default();
    let kind = match header.entry_type() {
        tar::EntryType::XGlobalHeader => EntryKind::Ignored,
        _ if file_name == OPAQUE_MARKER.as_bytes() => EntryKind::Opaque,
        _ if file_name.starts_with(AUFS_META_PREFIX.as_bytes()) => EntryKind::Ignored,
        _ if file_name.starts_with(WHITEOUT_PREFIX.as_bytes()) => EntryKind::Whiteout,
        _ if path.as_os_str().is_empty() => match header.entry_type() {
            tar::EntryType::Directory => EntryKind::Root,
            _ => return Err(unsafe_entry()),
        },
        // Old (v7) tars mark directories with a trailing slash only.
        tar::EntryType::Regular | tar::EntryType::Continuous if raw.ends_with(b"/") => EntryKind::Directory,
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => EntryKind::File,
        tar::EntryType::Directory => EntryKind::Directory,
        tar::EntryType::Symlink => {
            let target = entry
                .link_name_bytes()
                .filter(|t| !t.is_empty())
                .ok_or_else(|| malformed(EntryProblem::NoLinkTarget))?;
            EntryKind::Symlink(PathBuf::from(OsStr::from_bytes(&target)))
        }
        tar::EntryType::Link => {
            let target = entry
                .link_name_bytes()
                .filter(|t| !t.is_empty())
                .ok_or_else(|| malformed(EntryProblem::NoLinkTarget))?;
            let target = normalize(Path::new(OsStr::from_bytes(&target)))
                .filter(|t| !t.as_os_str().is_empty())
                .ok_or_else(unsafe_entry)?;
            EntryKind::HardLink(target)
        }
        kind @ (tar::EntryType::Char | tar::EntryType::Block) => {
            let number = |n: std::io::Result<Option<u32>>| {
                n.ok().flatten().ok_or_else(|| malformed(EntryProblem::NoDeviceNumbers))
            };
            let (major, minor) = (number(header.device_major())?, number(header.device_minor())?);
            if kind == tar::EntryType::Char {
                EntryKind::CharDevice { major, minor }
            } else {
                EntryKind::BlockDevice { major, minor }
            }
        }
        tar::EntryType::Fifo => EntryKind::Fifo,
        other => return Err(malformed(EntryProblem::UnsupportedType(other.as_byte()))),
    };
    let path = match kind {
        EntryKind::Opaque => path.parent().map(Path::to_path_buf).unwrap_or_default(),
        EntryKind::Whiteout => {
            let hidden = &file_name[WHITEOUT_PREFIX.len()..];
            if hidden.is_empty() || hidden == b"." || hidden == b".." {
                return Err(unsafe_entry());
            }
            path.with_file_name(OsStr::from_bytes(hidden))
        }
        _ => path,
    };
    let field = |value: std::io::Result<u64>, what| {
        value.ok().and_then(|v| u32::try_from(v).ok()).ok_or_else(|| malformed(EntryProblem::BadField(what)))
    };
    let mode = header.mode().map_err(|_| malformed(EntryProblem::BadField("mode")))? & 0o7777;
    let (uid, gid) = (field(header.uid(), "uid")?, field(header.gid(), "gid")?);
    let mtime = header.mtime().map_err(|_| malformed(EntryProblem::BadField("mtime")))?;
    Ok(LayerEntry { name, path, kind, mode, uid, gid, mtime: i64::try_from(mtime).unwrap_or(i64::MAX) })
}

/// The path relative to the layer root (empty for the root itself), or `None` when it climbs
/// out with `..`. A leading `/` is dropped, as tar does.
pub fn normalize(path: &Path) -> Option<PathBuf> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Classifies one entry written with raw header bytes (the tar crate's setters refuse `..`).
    fn classify_raw(name: &[u8], kind: u8, link: &[u8]) -> Result<LayerEntry> {
        let tar = crate::layers::craft::CraftedTar::new();
        let bytes = if matches!(kind, b'3' | b'4') {
            tar.device(name, kind, 1, 3)
        } else {
            tar.entry(name, kind, link, 0o4755, b"")
        }
        .finish();
        let mut archive = tar::Archive::new(&bytes[..]);
        let entry = archive.entries().unwrap().next().unwrap().unwrap();
        classify(&entry, "sha256:l")
    }

    #[test]
    fn entries_are_classified_once_for_every_user() {
        let kind =
            |name: &str, t: u8, link: &str| classify_raw(name.as_bytes(), t, link.as_bytes()).map(|e| (e.path, e.kind));
        let p = PathBuf::from;
        assert_eq!(kind("./", b'5', "").unwrap(), (p(""), EntryKind::Root));
        assert_eq!(kind("/etc/", b'5', "").unwrap(), (p("etc"), EntryKind::Directory));
        assert_eq!(kind("old/", b'0', "").unwrap(), (p("old"), EntryKind::Directory));
        assert_eq!(kind("bin/su", b'0', "").unwrap(), (p("bin/su"), EntryKind::File));
        assert_eq!(kind("var/run", b'2', "/run").unwrap(), (p("var/run"), EntryKind::Symlink(p("/run"))));
        assert_eq!(kind("b", b'1', "/etc/passwd").unwrap(), (p("b"), EntryKind::HardLink(p("etc/passwd"))));
        assert_eq!(kind("dev/null", b'3', "").unwrap(), (p("dev/null"), EntryKind::CharDevice { major: 1, minor: 3 }));
        assert_eq!(kind("dev/sda", b'4', "").unwrap(), (p("dev/sda"), EntryKind::BlockDevice { major: 1, minor: 3 }));
        assert_eq!(kind("p", b'6', "").unwrap(), (p("p"), EntryKind::Fifo));
        assert_eq!(kind("a/.wh.b", b'0', "").unwrap(), (p("a/b"), EntryKind::Whiteout));
        assert_eq!(kind("a/.wh..wh..opq", b'0', "").unwrap(), (p("a"), EntryKind::Opaque));
        assert_eq!(kind(".wh..wh..opq", b'0', "").unwrap(), (p(""), EntryKind::Opaque));
        assert_eq!(kind("a/.wh..wh.plnk", b'5', "").unwrap().1, EntryKind::Ignored);
        for (name, t, link) in [
            ("../x", b'0', ""),
            ("a/../../x", b'5', ""),
            ("h", b'1', "../etc/shadow"),
            ("h", b'1', "/"),
            ("a/.wh...", b'0', ""),
            (".wh..", b'0', ""),
            ("d/.wh.", b'0', ""),
            ("./", b'2', "/"),
        ] {
            assert!(matches!(kind(name, t, link), Err(Error::UnsafeEntry { .. })), "{name} {link}");
        }
        for (name, t, problem) in [
            ("v", b'V', EntryProblem::UnsupportedType(b'V')),
            ("s", b'2', EntryProblem::NoLinkTarget),
            ("h", b'1', EntryProblem::NoLinkTarget),
        ] {
            assert!(
                matches!(kind(name, t, ""), Err(Error::MalformedEntry { problem: got, .. }) if got == problem),
                "{name}"
            );
        }
        let entry = classify_raw(b"bin/su", b'0', b"").unwrap();
        assert_eq!((entry.mode, entry.mtime), (0o4755, 1_000_000_000), "setuid kept");
    }
}
