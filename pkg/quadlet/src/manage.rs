//! `rpod quadlet install|list|print|rm`, as Podman 5.6's `podman quadlet`: the files in the
//! generator's search directories, installed into the first one an administrator owns
//! (`/etc/containers/systemd`, or `~/.config/containers/systemd` for a user), their services'
//! states, and a systemd reload afterwards so the generator runs. Not here (yet): Podman's
//! URLs, `.quadlets` multi-files and "applications" (a directory's other files tracked in a
//! `.NAME.app` list).

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::convert::{service_name, UnitKind};
use crate::dirs::{unit_dirs, SearchEnv};
use crate::generator::{load, quadlet_files};

/// What `rpod quadlet` needs of systemd; [`Systemctl`] is the real one.
pub trait ServiceManager {
    /// `systemctl daemon-reload`: the generator runs again.
    fn reload(&mut self) -> Result<(), ManageError>;
    /// The unit's load, active and sub states.
    fn status(&mut self, unit: &str) -> Result<UnitStatus, ManageError>;
    /// Stops the unit and waits for it.
    fn stop(&mut self, unit: &str) -> Result<(), ManageError>;
}

/// A unit's states as systemd reports them (`loaded`, `active`, `running`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitStatus {
    pub load: String,
    pub active: String,
    pub sub: String,
}

/// Why a `rpod quadlet` operation failed, in Podman 5.6's words.
#[derive(Debug, Error)]
pub enum ManageError {
    #[error("{0:?} is not a supported quadlet file type")]
    NotQuadlet(String),
    #[error("{0:?} is not a supported Quadlet file type")]
    NotQuadletToInstall(String),
    #[error("could not locate quadlet {0:?} in any supported quadlet directory")]
    NotFound(String),
    #[error("reading quadlet {path:?} contents: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("unable to stat Quadlet path {path}: {source}")]
    Stat { path: String, source: std::io::Error },
    #[error("unable to read Quadlet dir {path}: {source}")]
    ReadDir { path: String, source: std::io::Error },
    #[error("quadlet to install {path:?} does not exist or cannot be read: {source}")]
    Source { path: String, source: std::io::Error },
    #[error("quadlet to install {0:?} is not a file")]
    NotAFile(String),
    #[error("rpod quadlet install takes local files and directories, not URLs: download {0} first")]
    Url(String),
    #[error("unable to create Quadlet install path {path}: {source}")]
    InstallDir { path: String, source: std::io::Error },
    #[error("a Quadlet with name {0} already exists, refusing to overwrite")]
    Exists(String),
    #[error("unable to copy file from {from} to {to}: {source}")]
    Copy { from: String, to: String, source: std::io::Error },
    #[error("quadlet {0} is running and force is not set, refusing to remove")]
    Running(String),
    #[error("stopping quadlet {name}: {source}")]
    Stop { name: String, source: Box<ManageError> },
    #[error("removing quadlet {name}: {source}")]
    Remove { name: String, source: std::io::Error },
    #[error("parsing Quadlet file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("{0}")]
    Systemd(String),
    #[error("reloading systemd: {0}")]
    Reload(Box<ManageError>),
}

/// Where Quadlet files are looked for and where new ones go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuadletDirs {
    /// The generator's search directories, in priority order.
    pub search: Vec<PathBuf>,
    /// Where `install` puts files.
    pub install: PathBuf,
}

impl QuadletDirs {
    /// The directories of this process (root, or a user when `user`), as the generator sees them.
    pub fn for_process(user: bool) -> QuadletDirs {
        let env = SearchEnv::from_process(user);
        let install = match &env.user {
            Some(u) => u.config_dir.join("containers/systemd"),
            None => PathBuf::from(crate::dirs::ROOT_INSTALL_DIR),
        };
        QuadletDirs { search: unit_dirs(&env).0, install }
    }

    /// Every Quadlet file directly in a search directory (the generator's list, without
    /// directories named like one).
    fn all(&self) -> Vec<PathBuf> {
        let not_dir = |p: &PathBuf| p.symlink_metadata().is_ok_and(|m| !m.is_dir());
        self.search.iter().flat_map(|dir| quadlet_files(dir)).filter(not_dir).collect()
    }

    /// The path of the installed Quadlet file `name` (`web.container`).
    pub fn find(&self, name: &str) -> Result<PathBuf, ManageError> {
        if UnitKind::of_file(name).is_none() {
            return Err(ManageError::NotQuadlet(extension(name)));
        }
        self.search.iter().map(|d| d.join(name)).find(|p| p.exists()).ok_or_else(|| ManageError::NotFound(name.into()))
    }
}

fn kind_of(path: &Path) -> Option<UnitKind> {
    UnitKind::of_file(&path.file_name()?.to_string_lossy())
}

/// Go's `filepath.Ext`: from the last dot of the last component, or empty.
fn extension(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.rfind('.').map(|d| base[d..].to_string()).unwrap_or_default()
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// One row of `rpod quadlet list` (Podman's `ListQuadlet`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedQuadlet {
    pub name: String,
    pub unit_name: String,
    pub path: String,
    /// `active/running`, `Not loaded`, or why the file could not be read.
    pub status: String,
}

/// The installed Quadlet files and their services' states.
pub fn list(dirs: &QuadletDirs, systemd: &mut dyn ServiceManager) -> Result<Vec<ListedQuadlet>, ManageError> {
    let mut rows = Vec::new();
    for path in dirs.all() {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut row = ListedQuadlet { name, unit_name: String::new(), path: display(&path), status: String::new() };
        match unit_of(&path) {
            Ok(unit) => {
                let status = systemd.status(&unit)?;
                row.status = if status.load == "loaded" {
                    format!("{}/{}", status.active, status.sub)
                } else {
                    "Not loaded".to_string()
                };
                row.unit_name = unit;
            }
            Err(e) => row.status = e.to_string(),
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The service a Quadlet file becomes (`web.service`, `data-volume.service`).
fn unit_of(path: &Path) -> Result<String, ManageError> {
    let unit = load(path).map_err(|message| ManageError::Parse { path: display(path), message })?;
    let kind = kind_of(path).ok_or_else(|| ManageError::NotQuadlet(extension(&display(path))))?;
    Ok(format!("{}.service", service_name(&unit, kind)))
}

/// The text of the installed Quadlet file `name`.
pub fn print(dirs: &QuadletDirs, name: &str) -> Result<String, ManageError> {
    let path = dirs.find(name)?;
    std::fs::read_to_string(&path).map_err(|source| ManageError::Read { path: display(&path), source })
}

/// What a multi-file operation did: the paths or names done, and each failure.
#[derive(Debug, Default)]
pub struct Report {
    pub done: Vec<String>,
    pub errors: Vec<(String, ManageError)>,
}

/// Copies Quadlet files (or a directory's Quadlet files) into the install directory, then
/// reloads systemd if `reload`. A file already installed is refused unless `replace`.
pub fn install(
    dirs: &QuadletDirs,
    sources: &[String],
    replace: bool,
    reload: bool,
    systemd: &mut dyn ServiceManager,
) -> Result<Report, ManageError> {
    if let Some(url) = sources.iter().find(|s| s.starts_with("http://") || s.starts_with("https://")) {
        return Err(ManageError::Url(url.clone()));
    }
    std::fs::create_dir_all(&dirs.install)
        .map_err(|source| ManageError::InstallDir { path: display(&dirs.install), source })?;
    let mut paths: Vec<PathBuf> = sources.iter().map(PathBuf::from).collect();
    if let Some(first) = sources.first() {
        let meta = std::fs::metadata(first).map_err(|source| ManageError::Stat { path: first.clone(), source })?;
        if meta.is_dir() {
            let entries =
                std::fs::read_dir(first).map_err(|source| ManageError::ReadDir { path: first.clone(), source })?;
            let mut inside: Vec<PathBuf> =
                entries.flatten().map(|e| e.path()).filter(|p| kind_of(p).is_some()).collect();
            inside.sort();
            inside.extend(paths.drain(1..));
            paths = inside;
        }
    }
    let mut report = Report::default();
    for path in paths {
        match install_one(&path, &dirs.install, replace) {
            Ok(dest) => report.done.push(display(&dest)),
            Err(e) => report.errors.push((display(&path), e)),
        }
    }
    if reload {
        systemd.reload().map_err(|e| ManageError::Reload(Box::new(e)))?;
    }
    Ok(report)
}

fn install_one(path: &Path, dir: &Path, replace: bool) -> Result<PathBuf, ManageError> {
    let meta = std::fs::metadata(path).map_err(|source| ManageError::Source { path: display(path), source })?;
    if meta.is_dir() {
        return Err(ManageError::NotAFile(display(path)));
    }
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    let dest = dir.join(&name);
    if kind_of(&dest).is_none() {
        return Err(ManageError::NotQuadletToInstall(extension(&display(&dest))));
    }
    if !replace && dest.exists() {
        return Err(ManageError::Exists(name.display().to_string()));
    }
    // Written beside, then renamed: the generator never reads half a file.
    let staged = dir.join(format!(".quadlet-install-{}", std::process::id()));
    let copied = std::fs::copy(path, &staged).and_then(|_| std::fs::rename(&staged, &dest));
    if let Err(source) = copied {
        let _ = std::fs::remove_file(&staged);
        return Err(ManageError::Copy { from: display(path), to: display(&dest), source });
    }
    Ok(dest)
}

/// How `remove` treats running services and missing files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemoveOptions {
    /// Stop running services first instead of refusing.
    pub force: bool,
    /// Every installed Quadlet file.
    pub all: bool,
    /// A name that is not installed counts as removed.
    pub ignore: bool,
    /// Reload systemd afterwards (when a removed file's unit was loaded).
    pub reload: bool,
}

/// Removes installed Quadlet files; a file whose service is running is refused unless
/// `force`, which stops the service first.
pub fn remove(
    dirs: &QuadletDirs,
    names: &[String],
    options: RemoveOptions,
    systemd: &mut dyn ServiceManager,
) -> Result<Report, ManageError> {
    let mut report = Report::default();
    let mut targets: Vec<(String, PathBuf)> = Vec::new();
    if options.all {
        for path in dirs.all() {
            targets.push((path.file_name().unwrap_or_default().to_string_lossy().into_owned(), path));
        }
    } else {
        for name in names {
            match dirs.find(name) {
                Ok(path) => targets.push((name.clone(), path)),
                Err(_) if options.ignore => report.done.push(name.clone()),
                Err(e) => report.errors.push((name.clone(), e)),
            }
        }
    }
    let mut reload = false;
    for (name, path) in targets {
        let unit = match unit_of(&path) {
            Ok(unit) => unit,
            Err(e) => {
                report.errors.push((name, e));
                continue;
            }
        };
        let status = systemd.status(&unit)?;
        if status.load == "loaded" {
            reload = options.reload;
            if status.active == "active" {
                if !options.force {
                    report.errors.push((name.clone(), ManageError::Running(name)));
                    continue;
                }
                if let Err(e) = systemd.stop(&unit) {
                    report.errors.push((name.clone(), ManageError::Stop { name, source: Box::new(e) }));
                    continue;
                }
            }
        }
        match std::fs::remove_file(&path) {
            Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
                report.errors.push((name.clone(), ManageError::Remove { name, source }))
            }
            _ => report.done.push(name),
        }
    }
    if reload {
        systemd.reload().map_err(|e| ManageError::Reload(Box::new(e)))?;
    }
    Ok(report)
}

/// The real [`ServiceManager`]: `systemctl` (with `--user` for a user's manager).
#[derive(Debug, Clone, Copy)]
pub struct Systemctl {
    pub user: bool,
}

impl Systemctl {
    fn run(&self, args: &[&str]) -> Result<String, ManageError> {
        let mut cmd = std::process::Command::new("systemctl");
        if self.user {
            cmd.arg("--user");
        }
        let out = cmd.args(args).output().map_err(|e| ManageError::Systemd(format!("running systemctl: {e}")))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(ManageError::Systemd(format!("systemctl {}: {}", args.join(" "), stderr.trim())));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl ServiceManager for Systemctl {
    fn reload(&mut self) -> Result<(), ManageError> {
        self.run(&["daemon-reload"]).map(drop)
    }

    fn status(&mut self, unit: &str) -> Result<UnitStatus, ManageError> {
        let text = self.run(&["show", "--property=LoadState,ActiveState,SubState", "--", unit])?;
        let mut status = UnitStatus::default();
        for line in text.lines() {
            match line.split_once('=') {
                Some(("LoadState", v)) => status.load = v.to_string(),
                Some(("ActiveState", v)) => status.active = v.to_string(),
                Some(("SubState", v)) => status.sub = v.to_string(),
                _ => {}
            }
        }
        Ok(status)
    }

    fn stop(&mut self, unit: &str) -> Result<(), ManageError> {
        self.run(&["stop", "--", unit]).map(drop)
    }
}

#[cfg(test)]
#[path = "manage_tests.rs"]
mod tests;
