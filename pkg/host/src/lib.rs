//! Who rpod runs as, asked once. Root and other users get different default storage, a
//! different systemd manager, a different credentials file and (later) rootless mode; every
//! one of those decisions reads the same [`Host`] value, which `main` builds with
//! [`Host::detect`] and passes down. Nothing else in rpod asks the kernel who we are.

use std::path::PathBuf;

/// The user rpod runs as and the directories that follow from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// The effective user ID.
    pub euid: u32,
    /// Where rpod keeps persistent storage by default (`--root`): `/var/lib/rpod` for root,
    /// `$XDG_DATA_HOME/rpod` (`~/.local/share/rpod`) for anyone else.
    pub data_dir: PathBuf,
    /// The user's session runtime directory, `$XDG_RUNTIME_DIR`, if set: a user's systemd
    /// manager and the default credentials file live there.
    pub runtime_dir: Option<PathBuf>,
}

impl Host {
    /// The running process's user, with the directories its environment gives.
    pub fn detect() -> Host {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let euid = unsafe { libc::geteuid() };
        let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
        Host::new(euid, var("XDG_DATA_HOME"), var("HOME"), var("XDG_RUNTIME_DIR"))
    }

    /// A host from its parts (the environment variables as read, `None` when unset).
    pub fn new(euid: u32, xdg_data_home: Option<PathBuf>, home: Option<PathBuf>, runtime_dir: Option<PathBuf>) -> Host {
        let data_dir = if euid == 0 {
            PathBuf::from("/var/lib/rpod")
        } else {
            xdg_data_home.unwrap_or_else(|| home.unwrap_or_default().join(".local/share")).join("rpod")
        };
        Host { euid, data_dir, runtime_dir }
    }

    /// containers' per-user credentials file, where `login` writes without `--authfile` and the
    /// first place a pull looks: `$XDG_RUNTIME_DIR/containers/auth.json`, or
    /// `/run/containers/<euid>/auth.json` without a session runtime directory.
    pub fn containers_auth_file(&self) -> PathBuf {
        match &self.runtime_dir {
            Some(dir) => dir.join("containers/auth.json"),
            None => PathBuf::from(format!("/run/containers/{}/auth.json", self.euid)),
        }
    }

    /// Whether rpod runs as a user other than root (Podman's rootless mode).
    pub fn is_rootless(&self) -> bool {
        self.euid != 0
    }

    /// Where rpod keeps runtime state by default (`--runroot`): `/run/rpod` for root,
    /// `$XDG_RUNTIME_DIR/rpod` (else under the temporary directory) for anyone else.
    pub fn run_dir(&self) -> PathBuf {
        if self.is_rootless() {
            self.runtime_dir.clone().unwrap_or_else(std::env::temp_dir).join("rpod")
        } else {
            PathBuf::from("/run/rpod")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn root_and_users_get_their_own_directories() {
        let p = |s: &str| Some(PathBuf::from(s));
        let root = Host::new(0, p("/x/data"), p("/root"), p("/run/user/0"));
        assert!(!root.is_rootless());
        assert_eq!((root.data_dir.as_path(), root.run_dir()), (Path::new("/var/lib/rpod"), PathBuf::from("/run/rpod")));
        let user = Host::new(1000, None, p("/home/u"), p("/run/user/1000"));
        assert!(user.is_rootless());
        assert_eq!(user.data_dir, PathBuf::from("/home/u/.local/share/rpod"));
        assert_eq!(user.run_dir(), PathBuf::from("/run/user/1000/rpod"));
        assert_eq!(Host::new(1000, p("/d"), p("/home/u"), None).data_dir, PathBuf::from("/d/rpod"));
        assert_eq!(Host::new(1000, p("/d"), None, None).run_dir(), std::env::temp_dir().join("rpod"));
    }

    #[test]
    fn the_user_credentials_file_follows_the_session_or_the_uid() {
        let p = |s: &str| Some(PathBuf::from(s));
        let session = Host::new(1000, None, p("/home/u"), p("/run/user/1000"));
        assert_eq!(session.containers_auth_file(), PathBuf::from("/run/user/1000/containers/auth.json"));
        assert_eq!(
            Host::new(0, None, p("/root"), None).containers_auth_file(),
            PathBuf::from("/run/containers/0/auth.json")
        );
    }
}
