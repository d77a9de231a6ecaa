//! The grammar of `-v/--volume`, `--mount` and `--tmpfs`, with Podman's rules and error texts.
//! Bind sources are made absolute and must exist, as Podman checks them at create time.

use std::path::{Path, PathBuf};

use crate::volume::{VolumeError, VolumeName};

/// One parsed mount flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountSpec {
    /// A host path bound into the container; `source` is absolute.
    Bind { source: String, dest: String, options: Vec<String> },
    /// A named volume, created on first use.
    Named { name: VolumeName, dest: String, options: Vec<String> },
    /// A volume with a generated name, made for this container only.
    Anonymous { dest: String, options: Vec<String> },
    /// A tmpfs, empty at every start.
    Tmpfs { dest: String, options: Vec<String> },
}

impl MountSpec {
    /// Where the mount appears inside the container.
    pub fn destination(&self) -> &str {
        match self {
            MountSpec::Bind { dest, .. }
            | MountSpec::Named { dest, .. }
            | MountSpec::Anonymous { dest, .. }
            | MountSpec::Tmpfs { dest, .. } => dest,
        }
    }
}

/// A mount flag Podman refuses; the texts are Podman's where it has one.
#[derive(Debug, thiserror::Error)]
pub enum MountError {
    #[error("{0}: incorrect volume format, should be [host-dir:]ctr-dir[:option]")]
    VolumeFormat(String),
    #[error("invalid container path {0:?}, must be an absolute path")]
    RelativeDestination(String),
    #[error("host directory cannot be empty")]
    EmptySource,
    #[error("invalid option type {0:?}")]
    UnknownVolumeOption(String),
    #[error("invalid options {options:?}, can only specify 1 {which} option")]
    ConflictingOptions { options: String, which: &'static str },
    #[error("overlay volumes (the O option of {0:?}) are not supported by rpod")]
    Overlay(String),
    /// A volume name outside Podman's rule; the cause says which rule.
    #[error("creating named volume {name:?}: running volume create option")]
    VolumeName {
        name: String,
        #[source]
        source: VolumeError,
    },
    /// Podman's words for a bind source that is not there (it calls statfs on it). The cause
    /// is kept as Go prints it (`no such file or directory`), part of this one message.
    #[error("statfs {}: {reason}", path.display())]
    BindSource { path: PathBuf, reason: String },
    #[error(
        "incorrect mount format: should be --mount type=<bind|tmpfs|volume>,[src=<host-dir|volume-name>,]\
         target=<ctr-dir>[,options]"
    )]
    MountFormat,
    #[error("invalid filesystem type {0:?}")]
    MountType(String),
    #[error("{0}: invalid mount option")]
    UnknownMountKey(String),
    #[error("must set volume destination")]
    NoDestination,
    #[error("must set source for bind mount")]
    NoBindSource,
    #[error("source is not supported with tmpfs mounts")]
    TmpfsSource,
    #[error("'readonly', 'ro', or 'rw' must be set to true or false, instead received {0:?}: must provide an argument for option")]
    ReadOnlyValue(String),
    #[error("{key} must be set to true or false, instead received {value:?}")]
    BoolValue { key: String, value: String },
    #[error("unknown mount option {0:?}: invalid mount option")]
    UnknownTmpfsOption(String),
    #[error("{0}: duplicate mount destination")]
    DuplicateDestination(String),
    #[error("invalid image volume mode {0:?} required value: bind, tmpfs, ignore")]
    ImageVolumeMode(String),
}

/// `-v/--volume [SRC:]DEST[:OPTIONS]`. A SRC starting with `/` or `.` is a host path (relative
/// ones resolved from `cwd`), any other SRC names a volume, and none makes an anonymous volume.
pub fn parse_volume(value: &str, cwd: &Path) -> Result<MountSpec, MountError> {
    let parts: Vec<&str> = value.split(':').collect();
    if parts.len() > 3 {
        return Err(MountError::VolumeFormat(value.to_string()));
    }
    let (source, dest) = match parts.as_slice() {
        [dest] => (None, *dest),
        [source, dest, ..] => (Some(*source), *dest),
        [] => unreachable!("split yields at least one part"),
    };
    check_destination(dest)?;
    let options: Vec<String> = match parts.get(2) {
        Some(list) => list.split(',').map(str::to_string).collect(),
        None => Vec::new(),
    };
    check_volume_options(&options)?;
    let dest = dest.to_string();
    let Some(source) = source else {
        return Ok(MountSpec::Anonymous { dest, options });
    };
    if source.is_empty() {
        return Err(MountError::EmptySource);
    }
    if source.starts_with('/') || source.starts_with('.') {
        if options.iter().any(|o| o == "O") {
            return Err(MountError::Overlay(value.to_string()));
        }
        return Ok(MountSpec::Bind { source: host_source(source, cwd)?, dest, options });
    }
    Ok(MountSpec::Named { name: volume_name(source)?, dest, options })
}

/// `--tmpfs DEST[:OPTIONS]`, the options being tmpfs mount options.
pub fn parse_tmpfs(value: &str) -> Result<MountSpec, MountError> {
    let (dest, options) = match value.split_once(':') {
        Some((dest, list)) => (dest, list.split(',').map(str::to_string).collect()),
        None => (value, Vec::new()),
    };
    check_destination(dest)?;
    for option in &options {
        if !is_tmpfs_option(option) {
            return Err(MountError::UnknownTmpfsOption(option.clone()));
        }
    }
    Ok(MountSpec::Tmpfs { dest: dest.to_string(), options })
}

/// `--mount type=bind|volume|tmpfs,KEY[=VALUE],…` with Podman's keys.
pub fn parse_mount(value: &str, cwd: &Path) -> Result<MountSpec, MountError> {
    let fields: Vec<(&str, Option<&str>)> = value
        .split(',')
        .map(|f| match f.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (f, None),
        })
        .collect();
    let kind = fields.iter().find(|(k, _)| *k == "type").and_then(|(_, v)| *v).ok_or(MountError::MountFormat)?;
    if !matches!(kind, "bind" | "volume" | "tmpfs") {
        return Err(MountError::MountType(kind.to_string()));
    }
    let (mut source, mut dest, mut options) = (None, None, Vec::new());
    for &(key, val) in fields.iter().filter(|(k, _)| *k != "type") {
        let flag = |on: &str, off: &str| -> Result<Option<String>, MountError> {
            Ok(bool_value(key, val)?.then(|| on.to_string()).or_else(|| (!off.is_empty()).then(|| off.to_string())))
        };
        let option = match (key, kind) {
            ("src" | "source", "tmpfs") => return Err(MountError::TmpfsSource),
            ("src" | "source", _) => {
                source = val;
                None
            }
            ("dst" | "target" | "destination", _) => {
                dest = val;
                None
            }
            ("ro" | "readonly", _) => Some(if readonly_value(val)? { "ro" } else { "rw" }.to_string()),
            ("rw", _) => Some(if readonly_value(val)? { "rw" } else { "ro" }.to_string()),
            ("nodev" | "noexec" | "nosuid" | "dev" | "exec" | "suid", _) if val.is_none() => Some(key.to_string()),
            ("z" | "Z", "bind" | "volume") if val.is_none() => Some(key.to_string()),
            ("U" | "chown", "bind" | "volume") => flag("U", "")?,
            ("relabel", "bind") => None,
            ("bind-propagation", "bind") => match val {
                Some(p) if is_propagation(p) => Some(p.to_string()),
                _ => return Err(MountError::UnknownMountKey(format!("{key}={}", val.unwrap_or("")))),
            },
            ("bind-nonrecursive", "bind") => flag("bind", "")?,
            ("nocopy", "volume") => flag("nocopy", "")?,
            ("tmpfs-size", "tmpfs") => Some(format!("size={}", val.unwrap_or(""))),
            ("tmpfs-mode", "tmpfs") => Some(format!("mode={}", val.unwrap_or(""))),
            ("tmpcopyup" | "notmpcopyup", "tmpfs") => None,
            _ => return Err(MountError::UnknownMountKey(key.to_string())),
        };
        options.extend(option);
    }
    let dest = dest.filter(|d| !d.is_empty()).ok_or(MountError::NoDestination)?;
    check_destination(dest)?;
    let dest = dest.to_string();
    Ok(match (kind, source.filter(|s| !s.is_empty())) {
        ("bind", None) => return Err(MountError::NoBindSource),
        ("bind", Some(source)) => MountSpec::Bind { source: host_source(source, cwd)?, dest, options },
        ("volume", None) => MountSpec::Anonymous { dest, options },
        ("volume", Some(name)) => MountSpec::Named { name: volume_name(name)?, dest, options },
        _ => MountSpec::Tmpfs { dest, options },
    })
}

fn check_destination(dest: &str) -> Result<(), MountError> {
    if dest.starts_with('/') {
        Ok(())
    } else {
        Err(MountError::RelativeDestination(dest.to_string()))
    }
}

fn volume_name(name: &str) -> Result<VolumeName, MountError> {
    VolumeName::parse(name).map_err(|source| MountError::VolumeName { name: name.to_string(), source })
}

/// The absolute form of a bind source, which must exist.
fn host_source(source: &str, cwd: &Path) -> Result<String, MountError> {
    let path = cwd.join(source);
    let path = if source.starts_with('/') { path } else { normalize(&path) };
    std::fs::metadata(&path).map_err(|err| MountError::BindSource {
        path: path.clone(),
        reason: crate::flag_values::go_io_error_text(&err),
    })?;
    Ok(path.to_string_lossy().into_owned())
}

/// `path` without `.` components and with `..` applied lexically, as Go's `filepath.Abs`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A mount propagation option (also what decides whether a bind gets the default `rprivate`).
pub(super) fn is_propagation(option: &str) -> bool {
    matches!(option, "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave")
}

/// Whether an option belongs to one exclusive group of `-v` options.
type OptionTest = fn(&str) -> bool;

/// Podman's check of `-v` options: known words, at most one of each exclusive group.
fn check_volume_options(options: &[String]) -> Result<(), MountError> {
    let groups: [(&str, OptionTest); 3] = [
        ("'rw' or 'ro'", |o| matches!(o, "rw" | "ro")),
        ("'z' or 'Z'", |o| matches!(o, "z" | "Z")),
        ("'[r]shared', '[r]private' or '[r]slave'", is_propagation),
    ];
    for option in options {
        let known = groups.iter().any(|(_, is)| is(option))
            || matches!(
                option.as_str(),
                "U" | "O"
                    | "copy"
                    | "nocopy"
                    | "noexec"
                    | "exec"
                    | "nosuid"
                    | "suid"
                    | "nodev"
                    | "dev"
                    | "bind"
                    | "rbind"
            );
        if !known {
            return Err(MountError::UnknownVolumeOption(option.clone()));
        }
    }
    for (which, is) in groups {
        if options.iter().filter(|o| is(o)).count() > 1 {
            return Err(MountError::ConflictingOptions { options: options.join(", "), which });
        }
    }
    Ok(())
}

fn is_tmpfs_option(option: &str) -> bool {
    let key = option.split_once('=').map_or(option, |(k, _)| k);
    let valued = matches!(key, "size" | "mode" | "uid" | "gid" | "nr_inodes" | "nr_blocks");
    if option.contains('=') {
        return valued;
    }
    is_propagation(option)
        || matches!(
            option,
            "ro" | "rw"
                | "noexec"
                | "exec"
                | "nosuid"
                | "suid"
                | "nodev"
                | "dev"
                | "noatime"
                | "atime"
                | "relatime"
                | "norelatime"
                | "strictatime"
                | "nostrictatime"
                | "sync"
                | "async"
                | "dirsync"
                | "tmpcopyup"
                | "notmpcopyup"
        )
}

/// `ro`/`readonly`/`rw` with an optional `=true|false`.
fn readonly_value(value: Option<&str>) -> Result<bool, MountError> {
    match value {
        None | Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(MountError::ReadOnlyValue(other.to_string())),
    }
}

/// A flag key with an optional `=true|false`.
fn bool_value(key: &str, value: Option<&str>) -> Result<bool, MountError> {
    match value {
        None | Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(MountError::BoolValue { key: key.to_string(), value: other.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> VolumeName {
        VolumeName::parse(text).unwrap()
    }

    fn opts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn volume_flags_podman_accepts() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path();
        std::fs::create_dir(cwd.join("data")).unwrap();
        let abs = cwd.join("data").to_string_lossy().into_owned();
        let rows: Vec<(String, MountSpec)> = vec![
            ("/x".into(), MountSpec::Anonymous { dest: "/x".into(), options: vec![] }),
            ("vol:/x".into(), MountSpec::Named { name: name("vol"), dest: "/x".into(), options: vec![] }),
            (
                "my_vol.1-a:/x:ro,nocopy".into(),
                MountSpec::Named { name: name("my_vol.1-a"), dest: "/x".into(), options: opts(&["ro", "nocopy"]) },
            ),
            (format!("{abs}:/x"), MountSpec::Bind { source: abs.clone(), dest: "/x".into(), options: vec![] }),
            ("./data:/x".into(), MountSpec::Bind { source: abs.clone(), dest: "/x".into(), options: vec![] }),
            (
                format!("{abs}:/x:ro,Z,U,noexec,nosuid,nodev,rshared"),
                MountSpec::Bind {
                    source: abs.clone(),
                    dest: "/x".into(),
                    options: opts(&["ro", "Z", "U", "noexec", "nosuid", "nodev", "rshared"]),
                },
            ),
        ];
        for (flag, want) in rows {
            assert_eq!(parse_volume(&flag, cwd).unwrap(), want, "{flag}");
        }
    }

    #[test]
    fn volume_flags_podman_refuses() {
        let cwd = Path::new("/");
        let rows = [
            ("a:b:c:d", "a:b:c:d: incorrect volume format, should be [host-dir:]ctr-dir[:option]"),
            ("/tmp:x", "invalid container path \"x\", must be an absolute path"),
            ("x", "invalid container path \"x\", must be an absolute path"),
            (":/x", "host directory cannot be empty"),
            ("/tmp:/x:bogus", "invalid option type \"bogus\""),
            ("/tmp:/x:ro,rw", "invalid options \"ro, rw\", can only specify 1 'rw' or 'ro' option"),
            ("/nonexistent-rpod-src:/x", "statfs /nonexistent-rpod-src: no such file or directory"),
            ("foo/bar:/x", "creating named volume \"foo/bar\": running volume create option"),
        ];
        for (flag, want) in rows {
            assert_eq!(parse_volume(flag, cwd).unwrap_err().to_string(), want, "{flag}");
        }
        assert!(matches!(parse_volume("/tmp:/x:O", cwd), Err(MountError::Overlay(_))));
    }

    #[test]
    fn mount_flags() {
        let cwd = Path::new("/");
        assert_eq!(
            parse_mount("type=bind,source=/tmp,target=/x,readonly,bind-propagation=rslave", cwd).unwrap(),
            MountSpec::Bind { source: "/tmp".into(), dest: "/x".into(), options: opts(&["ro", "rslave"]) }
        );
        assert_eq!(
            parse_mount("type=volume,src=v,dst=/x,ro=false,nocopy", cwd).unwrap(),
            MountSpec::Named { name: name("v"), dest: "/x".into(), options: opts(&["rw", "nocopy"]) }
        );
        assert_eq!(
            parse_mount("type=volume,destination=/x", cwd).unwrap(),
            MountSpec::Anonymous { dest: "/x".into(), options: vec![] }
        );
        assert_eq!(
            parse_mount("type=tmpfs,dst=/x,tmpfs-size=1m,tmpfs-mode=700", cwd).unwrap(),
            MountSpec::Tmpfs { dest: "/x".into(), options: opts(&["size=1m", "mode=700"]) }
        );
        let refused = [
            ("type=bind,src=/tmp", "must set volume destination"),
            ("type=foo,dst=/x", "invalid filesystem type \"foo\""),
            ("type=bind,src=/tmp,dst=/x,bogus=1", "bogus: invalid mount option"),
            ("type=tmpfs,dst=/x,ro,src=/y", "source is not supported with tmpfs mounts"),
            (
                "src=/tmp,dst=/x",
                "incorrect mount format: should be --mount type=<bind|tmpfs|volume>,[src=<host-dir|volume-name>,]\
                 target=<ctr-dir>[,options]",
            ),
            ("type=bind,src=/nonexistent-rpod-src,dst=/x", "statfs /nonexistent-rpod-src: no such file or directory"),
            (
                "type=bind,source=/tmp,target=/x,readonly=maybe",
                "'readonly', 'ro', or 'rw' must be set to true or false, instead received \"maybe\": must provide \
                 an argument for option",
            ),
        ];
        for (flag, want) in refused {
            assert_eq!(parse_mount(flag, cwd).unwrap_err().to_string(), want, "{flag}");
        }
        assert!(matches!(parse_mount("type=volume,src=a/b,dst=/x", cwd), Err(MountError::VolumeName { .. })));
    }

    #[test]
    fn tmpfs_flags() {
        assert_eq!(
            parse_tmpfs("/run:size=1m,mode=1777,ro").unwrap(),
            MountSpec::Tmpfs { dest: "/run".into(), options: opts(&["size=1m", "mode=1777", "ro"]) }
        );
        assert_eq!(parse_tmpfs("x").unwrap_err().to_string(), "invalid container path \"x\", must be an absolute path");
        assert_eq!(
            parse_tmpfs("/x:bogus").unwrap_err().to_string(),
            "unknown mount option \"bogus\": invalid mount option"
        );
    }
}
