//! Which manager to talk to, and over which socket.

use std::path::{Path, PathBuf};

/// Where a systemd manager answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManagerAddress {
    /// The manager's own socket (`/run/systemd/private`, or `systemd/private` under the
    /// user's runtime dir): peer-to-peer, no message bus daemon needed. Podman's choice.
    Private(PathBuf),
    /// The system bus, which reaches the system manager.
    SystemBus,
    /// A user's session bus socket (`$XDG_RUNTIME_DIR/bus`), which reaches their user manager.
    UserBus(PathBuf),
}

impl std::fmt::Display for ManagerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ManagerAddress::SystemBus => f.write_str("the system bus"),
            ManagerAddress::Private(path) | ManagerAddress::UserBus(path) => write!(f, "unix:path={}", path.display()),
        }
    }
}

/// The addresses to try, best first: root gets the system manager (private socket, then the
/// system bus), anyone else their user manager under `runtime_dir` (`$XDG_RUNTIME_DIR`).
pub fn manager_addresses(is_root: bool, runtime_dir: Option<&Path>) -> crate::Result<Vec<ManagerAddress>> {
    if is_root {
        return Ok(vec![ManagerAddress::Private("/run/systemd/private".into()), ManagerAddress::SystemBus]);
    }
    let dir = runtime_dir.ok_or(crate::Error::NoRuntimeDir)?;
    Ok(vec![ManagerAddress::Private(dir.join("systemd/private")), ManagerAddress::UserBus(dir.join("bus"))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_system_manager_for_root_and_the_user_manager_otherwise() {
        let private = |p: &str| ManagerAddress::Private(p.into());
        type Case<'a> = (bool, Option<&'a str>, Option<Vec<ManagerAddress>>);
        let cases: &[Case] = &[
            (true, None, Some(vec![private("/run/systemd/private"), ManagerAddress::SystemBus])),
            (true, Some("/run/user/0"), Some(vec![private("/run/systemd/private"), ManagerAddress::SystemBus])),
            (
                false,
                Some("/run/user/1000"),
                Some(vec![
                    private("/run/user/1000/systemd/private"),
                    ManagerAddress::UserBus("/run/user/1000/bus".into()),
                ]),
            ),
            (false, None, None),
        ];
        for (is_root, dir, want) in cases {
            let got = manager_addresses(*is_root, dir.map(Path::new)).ok();
            assert_eq!(&got, want, "root={is_root} dir={dir:?}");
        }
    }

    #[test]
    fn displays_where_it_connects() {
        assert_eq!(
            ManagerAddress::Private("/run/systemd/private".into()).to_string(),
            "unix:path=/run/systemd/private"
        );
        assert_eq!(ManagerAddress::SystemBus.to_string(), "the system bus");
    }
}
