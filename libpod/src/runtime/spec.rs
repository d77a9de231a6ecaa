//! The OCI runtime spec (`config.json`) of a container, built with oci-spec from the stored
//! config: runc's standard mounts and namespaces, the process from entrypoint + command, and
//! the process profile decided at create time ([`crate::security`]: capabilities, seccomp,
//! masked paths, a read-only root, sysctls, rlimits that never exceed what this process may
//! grant).

use std::path::{Path, PathBuf};

use oci_spec::runtime::{LinuxNamespace, LinuxNamespaceType, MountBuilder, Process, Spec, User};

use crate::config::ContainerConfig;
use crate::error::{Error, Result};

/// Where the notify socket proxy appears inside a container with `--sdnotify=container`.
pub const CONTAINER_NOTIFY_SOCKET: &str = "/run/notify/notify.sock";

/// Builds the spec of `config` with its root filesystem at `rootfs`. `notify_socket` is the
/// host path of the socket to bind into the container for `--sdnotify=container`.
pub fn build_spec(config: &ContainerConfig, rootfs: &Path, notify_socket: Option<&Path>) -> Result<Spec> {
    let mut spec = Spec::default();
    let args: Vec<String> = config.entrypoint.iter().chain(&config.command).cloned().collect();
    if args.is_empty() {
        return Err(Error::NoCommand(config.id.clone()));
    }
    let mut env = config.env.clone();
    if notify_socket.is_some() {
        env.push(format!("NOTIFY_SOCKET={CONTAINER_NOTIFY_SOCKET}"));
    }
    let mut process = Process::default();
    process.set_args(Some(args));
    process.set_env(Some(env));
    process.set_cwd(PathBuf::from(if config.work_dir.is_empty() { "/" } else { config.work_dir.as_str() }));
    process.set_user(resolve_user(&config.user, rootfs)?);
    process.set_terminal(Some(config.terminal));
    spec.set_process(Some(process));

    let mut root = oci_spec::runtime::Root::default();
    root.set_path(rootfs.to_path_buf());
    spec.set_root(Some(root));
    spec.set_hostname(Some(config.effective_hostname().to_string()));

    let mut mounts = spec.mounts().clone().unwrap_or_default();
    if let Some(socket) = notify_socket {
        let mount = MountBuilder::default()
            .destination(CONTAINER_NOTIFY_SOCKET)
            .typ("bind")
            .source(socket)
            .options(vec!["bind".to_string(), "rw".to_string()])
            .build()
            .map_err(|e| Error::Spec(e.to_string()))?;
        mounts.push(mount);
    }
    crate::mounts::spec::add_mounts(&config.mounts, &mut mounts).map_err(Error::Spec)?;
    spec.set_mounts(Some(mounts));

    if let Some(linux) = spec.linux_mut() {
        // No cgroup namespace: runc cannot always make one on hybrid cgroup hosts.
        let namespaces: Vec<LinuxNamespace> = oci_spec::runtime::get_default_namespaces()
            .into_iter()
            .filter(|ns| ns.typ() != LinuxNamespaceType::Cgroup)
            .filter(|ns| !(config.network_mode == "host" && ns.typ() == LinuxNamespaceType::Network))
            .collect();
        linux.set_namespaces(Some(namespaces));
    }
    crate::security::apply_to_spec(&config.security, &mut spec)?;
    super::resources::apply(config, &mut spec)?;
    Ok(spec)
}

/// The largest `/etc/passwd` or `/etc/group` a `--user` lookup reads. Real ones are a few KiB
/// (a distribution's full set of system users is under 4 KiB); 1 MiB leaves room for images
/// with many thousands of users.
pub const USER_FILE_LIMIT: u64 = 1 << 20;

/// `--user`: `uid[:gid]`, or a name looked up in the container's /etc/passwd (root when empty).
///
/// The files are read inside the container's root (its symlinks resolve there, never to the
/// host's files). A missing file is no error (a numeric user still works, as with Podman); a
/// file that is a FIFO, device or directory, or larger than [`USER_FILE_LIMIT`], is: Podman
/// would hang on a FIFO or read a device, and silently treating it as absent would turn into a
/// misleading "unable to find user".
fn resolve_user(user: &str, rootfs: &Path) -> Result<User> {
    let mut resolved = User::default();
    if user.is_empty() {
        return Ok(resolved);
    }
    let (name, group) = match user.split_once(':') {
        Some((name, group)) => (name, Some(group)),
        None => (user, None),
    };
    let root = inroot::Root::open(rootfs).map_err(|source| Error::Io { path: rootfs.to_path_buf(), source })?;
    let read = |file: &'static str| -> Result<String> {
        let bytes = root
            .read_regular_file(Path::new(file.trim_start_matches('/')), USER_FILE_LIMIT)
            .map_err(|source| Error::UserFile { file, source })?;
        Ok(String::from_utf8_lossy(&bytes.unwrap_or_default()).into_owned())
    };
    let passwd = read("/etc/passwd")?;
    let (uid, primary_gid) = match name.parse::<u32>() {
        Ok(uid) => (uid, lookup_id(&passwd, |fields| fields.get(2) == Some(&name), 3).unwrap_or(0)),
        Err(_) => {
            let uid = lookup_id(&passwd, |fields| fields.first() == Some(&name), 2)
                .ok_or_else(|| Error::UnknownUser(user.to_string()))?;
            (uid, lookup_id(&passwd, |fields| fields.first() == Some(&name), 3).unwrap_or(0))
        }
    };
    let gid = match group {
        None => primary_gid,
        Some(group) => match group.parse::<u32>() {
            Ok(gid) => gid,
            Err(_) => {
                let groups = read("/etc/group")?;
                lookup_id(&groups, |fields| fields.first() == Some(&group), 2)
                    .ok_or_else(|| Error::UnknownUser(user.to_string()))?
            }
        },
    };
    resolved.set_uid(uid);
    resolved.set_gid(gid);
    Ok(resolved)
}

/// The numeric field `column` of the first `:`-separated line `matches` accepts.
fn lookup_id(file: &str, matches: impl Fn(&[&str]) -> bool, column: usize) -> Option<u32> {
    file.lines().map(|l| l.split(':').collect::<Vec<_>>()).find(|f| matches(f))?.get(column)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_resolve_by_number_or_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("etc")).unwrap();
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("etc/group"), "root:x:0:\nstaff:x:50:\n").unwrap();
        let user = |u: &str| resolve_user(u, dir.path()).map(|u| (u.uid(), u.gid()));
        assert_eq!(user("").unwrap(), (0, 0));
        assert_eq!(user("app").unwrap(), (1000, 1001));
        assert_eq!(user("1000").unwrap(), (1000, 1001));
        assert_eq!(user("55:66").unwrap(), (55, 66));
        assert_eq!(user("app:staff").unwrap(), (1000, 50));
        assert!(user("nobody-here").is_err());
    }

    #[test]
    fn user_files_are_read_inside_the_root_only_and_never_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let (rootfs, host) = (dir.path().join("rootfs"), dir.path().join("host-passwd"));
        std::fs::create_dir_all(rootfs.join("etc")).unwrap();
        std::fs::write(&host, "app:x:4242:4242::/:/bin/sh\n").unwrap();
        // A symlink to a host file reads the root's own path of that name (missing here).
        std::os::unix::fs::symlink(&host, rootfs.join("etc/passwd")).unwrap();
        assert!(matches!(resolve_user("app", &rootfs), Err(Error::UnknownUser(_))), "the host's passwd was read");
        assert_eq!(resolve_user("7:8", &rootfs).map(|u| (u.uid(), u.gid())).unwrap(), (7, 8));
        std::fs::remove_file(rootfs.join("etc/passwd")).unwrap();
        std::fs::write(rootfs.join("etc/passwd"), vec![b'#'; USER_FILE_LIMIT as usize + 1]).unwrap();
        let err = resolve_user("app", &rootfs).unwrap_err();
        assert!(
            matches!(err, Error::UserFile { file: "/etc/passwd", source: inroot::ReadError::TooLarge { .. } }),
            "{err}"
        );
        std::fs::remove_file(rootfs.join("etc/passwd")).unwrap();
        nix::unistd::mkfifo(&rootfs.join("etc/passwd"), nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let fifo_root = rootfs.clone();
        std::thread::spawn(move || tx.send(resolve_user("app", &fifo_root).map_err(|e| e.to_string())).unwrap());
        let result = rx.recv_timeout(std::time::Duration::from_secs(10)).expect("resolve_user hung on a FIFO");
        assert_eq!(
            result.unwrap_err(),
            "reading the container's /etc/passwd to resolve --user: it is not a regular file"
        );
    }
}
