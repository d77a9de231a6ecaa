//! sd_notify: telling systemd that a container is up, the way conmon does for Podman.
//!
//! With `--sdnotify=conmon` the monitor sends `MAINPID=<monitor>` and `READY=1` once the
//! container runs. With `--sdnotify=container` the monitor sends `MAINPID` itself and relays what
//! the application sends through a socket bound into the container, so messages reach systemd
//! from a process inside the unit (the container's own process may live in another cgroup).

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};

/// systemd's notification socket of this process, if it has one (`NOTIFY_SOCKET`).
pub fn systemd_socket() -> Option<PathBuf> {
    let path = std::env::var_os("NOTIFY_SOCKET")?;
    let path = PathBuf::from(path);
    // Abstract sockets (`@name`) are not used by systemd for services; ignore them.
    (!path.as_os_str().is_empty() && !path.to_string_lossy().starts_with('@')).then_some(path)
}

/// Sends one notification datagram to `socket`.
pub fn send(socket: &Path, message: &str) -> std::io::Result<()> {
    let sender = UnixDatagram::unbound()?;
    sender.send_to(message.as_bytes(), socket).map(|_| ())
}

/// Relays datagrams arriving at `listen` to `systemd` until `listen` is closed, stamping them
/// with `MAINPID=<monitor_pid>` so systemd keeps tracking the monitor.
pub fn spawn_relay(listen: UnixDatagram, systemd: PathBuf, monitor_pid: u32) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 4096];
        while let Ok(n) = listen.recv(&mut buf) {
            let message = String::from_utf8_lossy(&buf[..n]);
            let stamped = format!("MAINPID={monitor_pid}\n{message}");
            if let Err(err) = send(&systemd, &stamped) {
                tracing::warn!("relaying a container notification to systemd: {err}");
            }
        }
    });
}
