//! Where Quadlet files are looked for, as Podman's quadlet looks: `QUADLET_UNIT_DIRS` if set;
//! else for root `/run/containers/systemd`, `/etc/containers/systemd`,
//! `/usr/share/containers/systemd` (first wins for a given file name), for a user their
//! runtime and config directories and `/etc/containers/systemd/users[/UID]`. Each directory is
//! searched recursively, symlinks resolved, `*.d` directories (drop-ins) not entered.

use std::path::{Path, PathBuf};

/// Root's directories, in priority order.
pub const ROOT_DIRS: [&str; 3] =
    ["/run/containers/systemd", "/etc/containers/systemd", "/usr/share/containers/systemd"];

/// Where `rpod quadlet install` puts files for root.
pub const ROOT_INSTALL_DIR: &str = "/etc/containers/systemd";

/// What the search depends on besides the file system.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchEnv {
    /// `QUADLET_UNIT_DIRS`.
    pub unit_dirs: Option<String>,
    /// For a user's generator: `XDG_RUNTIME_DIR`, the config directory and the uid.
    pub user: Option<UserDirs>,
}

/// A user's own places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDirs {
    pub runtime_dir: Option<PathBuf>,
    pub config_dir: PathBuf,
    pub uid: u32,
}

impl SearchEnv {
    /// Read from the process environment; `user` for a user's generator.
    pub fn from_process(user: bool) -> SearchEnv {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        let user = user.then(|| UserDirs {
            runtime_dir: var("XDG_RUNTIME_DIR"),
            config_dir: var("XDG_CONFIG_HOME")
                .or_else(|| var("HOME").map(|h| h.join(".config")))
                .unwrap_or_else(|| PathBuf::from("/.config")),
            // SAFETY: getuid cannot fail and touches no memory.
            uid: unsafe { libc::getuid() },
        });
        SearchEnv { unit_dirs: std::env::var("QUADLET_UNIT_DIRS").ok().filter(|v| !v.is_empty()), user }
    }
}

/// The directories to read, in priority order; complaints (a relative `QUADLET_UNIT_DIRS`
/// entry) are returned for the log.
pub fn unit_dirs(env: &SearchEnv) -> (Vec<PathBuf>, Vec<String>) {
    let mut found = Search::default();
    let mut complaints = Vec::new();
    if let Some(list) = &env.unit_dirs {
        for dir in list.split(':') {
            if !dir.starts_with('/') {
                complaints.push(format!("{dir} not a valid file path"));
                break;
            }
            found.add_tree(Path::new(dir), &|_| true);
        }
        return (found.dirs, complaints);
    }
    let users_dir = resolve(Path::new("/etc/containers/systemd/users"));
    match &env.user {
        None => {
            let not_users = |p: &Path| !p.starts_with(&users_dir);
            for dir in ROOT_DIRS {
                found.add_tree(Path::new(dir), &not_users);
            }
        }
        Some(user) => {
            if let Some(runtime) = &user.runtime_dir {
                found.add_tree(&runtime.join("containers/systemd"), &|_| true);
            }
            found.add_tree(&user.config_dir.join("containers/systemd"), &|_| true);
            for base in ["/etc/containers/systemd/users", "/usr/share/containers/systemd/users"] {
                let base = Path::new(base);
                // Other users' numbered directories are theirs.
                let not_numbered = |p: &Path| match p.strip_prefix(base).ok().and_then(|r| r.components().next()) {
                    Some(first) => !first.as_os_str().to_string_lossy().chars().all(|c| c.is_ascii_digit()),
                    None => true,
                };
                found.add_tree(base, &not_numbered);
                found.add_tree(&base.join(user.uid.to_string()), &|_| true);
            }
        }
    }
    (found.dirs, complaints)
}

fn resolve(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[derive(Default)]
struct Search {
    dirs: Vec<PathBuf>,
}

impl Search {
    fn add_tree(&mut self, path: &Path, keep: &dyn Fn(&Path) -> bool) {
        let Ok(resolved) = std::fs::canonicalize(path) else {
            // Kept, as Podman keeps it, so "No files parsed from […]" names it.
            if !self.dirs.iter().any(|d| d == path) {
                self.dirs.push(path.to_path_buf());
            }
            return;
        };
        if self.dirs.contains(&resolved)
            || resolved.to_string_lossy().ends_with(".d")
            || !keep(&resolved)
            || !resolved.is_dir()
        {
            return;
        }
        self.dirs.push(resolved.clone());
        let Ok(entries) = std::fs::read_dir(&resolved) else { return };
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for child in children {
            self.add_tree(&child, keep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_dirs_are_searched_recursively_without_dropins() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        for d in ["a/b", "a/web.container.d", "c"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::os::unix::fs::symlink(root.join("c"), root.join("a/link")).unwrap();
        let env = SearchEnv { unit_dirs: Some(format!("{}:relative", root.join("a").display())), user: None };
        let (dirs, complaints) = unit_dirs(&env);
        assert_eq!(dirs, [root.join("a"), root.join("a/b"), root.join("c")]);
        assert_eq!(complaints, ["relative not a valid file path"]);
    }
}
