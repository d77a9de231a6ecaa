//! Which containers.conf files are read, and in which order.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::Error;

/// The files Podman merges, named explicitly so tests need no global state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    /// `CONTAINERS_CONF`: when set, this file alone is read, and it must exist.
    pub only: Option<PathBuf>,
    /// The distribution's file, `/usr/share/containers/containers.conf`.
    pub distribution: PathBuf,
    /// The administrator's file, `/etc/containers/containers.conf`; its `.d` directory
    /// (`/etc/containers/containers.conf.d/*.conf`, in name order) follows it.
    pub administrator: PathBuf,
    /// `CONTAINERS_CONF_OVERRIDE` (Podman 4.4+): read last, over every other file, even over
    /// `CONTAINERS_CONF`; skipped when missing.
    pub last: Option<PathBuf>,
    /// Podman's seccomp profile locations when `seccomp_profile` is unset, in order:
    /// `/etc/containers/seccomp.json`, `/usr/share/containers/seccomp.json`.
    pub seccomp_candidates: [PathBuf; 2],
}

impl Sources {
    /// The host's locations, with `CONTAINERS_CONF` and `CONTAINERS_CONF_OVERRIDE` taken from
    /// `env` (empty counts as unset, as in Podman).
    pub fn from_env(env: impl Fn(&str) -> Option<OsString>) -> Sources {
        let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        Sources {
            only: var("CONTAINERS_CONF"),
            distribution: PathBuf::from("/usr/share/containers/containers.conf"),
            administrator: PathBuf::from("/etc/containers/containers.conf"),
            last: var("CONTAINERS_CONF_OVERRIDE"),
            seccomp_candidates: [
                PathBuf::from("/etc/containers/seccomp.json"),
                PathBuf::from("/usr/share/containers/seccomp.json"),
            ],
        }
    }

    /// The host's locations and this process's environment.
    pub fn host() -> Sources {
        Sources::from_env(|name| std::env::var_os(name))
    }

    /// The files to merge, in order. Missing system files are left in (reading skips them);
    /// a missing `CONTAINERS_CONF` file is an error.
    pub(crate) fn files(&self) -> Result<Vec<PathBuf>, Error> {
        let mut files = Vec::new();
        match &self.only {
            Some(only) => {
                std::fs::metadata(only).map_err(|source| Error::MissingOnlyFile { path: only.clone(), source })?;
                files.push(only.clone());
            }
            None => {
                files.push(self.distribution.clone());
                files.push(self.administrator.clone());
                files.extend(drop_in_files(&dot_d(&self.administrator))?);
            }
        }
        files.extend(self.last.iter().cloned());
        Ok(files)
    }
}

/// `FILE.d`, the drop-in directory of `FILE`.
fn dot_d(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".d");
    PathBuf::from(name)
}

/// The `*.conf` entries of `dir` that are not directories, sorted by name; none when `dir`
/// does not exist. Subdirectories are not searched.
fn drop_in_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(Error::Read { path: dir.to_path_buf(), source }),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Read { path: dir.to_path_buf(), source })?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "conf") && !path.is_dir() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
