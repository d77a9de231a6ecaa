//! Which manager to talk to, and over which bus.
//!
//! Podman (go-systemd) speaks peer-to-peer over the manager's private socket
//! (`/run/systemd/private`). rpod goes through the message bus instead: on the private socket
//! systemd stamps every message with the sender `org.freedesktop.systemd1`, which is not a
//! unique name, and zbus rejects such messages ("Invalid unique name"). The bus carries the
//! same `RestartUnit` call and `JobRemoved` signal once the client calls `Subscribe()`.

use std::path::{Path, PathBuf};

/// Where the systemd manager answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManagerAddress {
    /// The system bus, which reaches the system manager (root).
    SystemBus,
    /// A user's session bus socket (`$XDG_RUNTIME_DIR/bus`), which reaches their user manager.
    UserBus(PathBuf),
}

impl std::fmt::Display for ManagerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ManagerAddress::SystemBus => f.write_str("the system bus"),
            ManagerAddress::UserBus(path) => write!(f, "unix:path={}", path.display()),
        }
    }
}

/// The manager auto-update restarts units with: the system manager for root, the user's own
/// manager (through `runtime_dir`, i.e. `$XDG_RUNTIME_DIR`) for anyone else.
pub fn manager_address(is_root: bool, runtime_dir: Option<&Path>) -> crate::Result<ManagerAddress> {
    if is_root {
        return Ok(ManagerAddress::SystemBus);
    }
    let dir = runtime_dir.ok_or(crate::Error::NoRuntimeDir)?;
    Ok(ManagerAddress::UserBus(dir.join("bus")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_system_manager_for_root_and_the_user_manager_otherwise() {
        let cases: &[(bool, Option<&str>, Option<ManagerAddress>)] = &[
            (true, None, Some(ManagerAddress::SystemBus)),
            (true, Some("/run/user/0"), Some(ManagerAddress::SystemBus)),
            (false, Some("/run/user/1000"), Some(ManagerAddress::UserBus("/run/user/1000/bus".into()))),
            (false, None, None),
        ];
        for (is_root, dir, want) in cases {
            let got = manager_address(*is_root, dir.map(Path::new)).ok();
            assert_eq!(&got, want, "root={is_root} dir={dir:?}");
        }
    }

    #[test]
    fn displays_where_it_connects() {
        assert_eq!(ManagerAddress::UserBus("/run/user/1000/bus".into()).to_string(), "unix:path=/run/user/1000/bus");
        assert_eq!(ManagerAddress::SystemBus.to_string(), "the system bus");
    }
}
