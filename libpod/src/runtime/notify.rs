//! sd_notify: telling systemd that a container is up, the way conmon does for Podman.
//!
//! With `--sdnotify=conmon` the monitor sends `MAINPID=<monitor>` and `READY=1` once the
//! container runs. With `--sdnotify=container` the monitor sends `MAINPID` itself and relays what
//! the application sends through a socket bound into the container, so messages reach systemd
//! from a process inside the unit (the container's own process may live in another cgroup).

use std::os::fd::AsRawFd;
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

/// Binds a datagram socket at `path`, however long: a socket address holds at most 107 bytes,
/// less than a container's run directory under a deep runroot (64-hex IDs), so the bind goes
/// through `/proc/self/fd/<dir>/<name>` of the opened parent directory.
pub fn bind(path: &Path) -> std::io::Result<UnixDatagram> {
    let invalid = || {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "a socket path needs a parent directory and a file name")
    };
    let (dir, name) = (path.parent().ok_or_else(invalid)?, path.file_name().ok_or_else(invalid)?);
    let dir = std::fs::File::open(dir)?;
    let short = Path::new("/proc/self/fd").join(dir.as_raw_fd().to_string()).join(name);
    UnixDatagram::bind(short)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

    #[test]
    fn sockets_bind_at_paths_longer_than_an_address_holds() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("c".repeat(64)).join("d".repeat(40)).join("userdata").join("notify");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("notify.sock");
        assert!(path.as_os_str().len() > 108, "{}", path.display());
        let socket = bind(&path).unwrap();
        assert!(std::fs::metadata(&path).unwrap().file_type().is_socket());
        let sender = UnixDatagram::unbound().unwrap();
        let dir_handle = std::fs::File::open(&dir).unwrap();
        sender
            .send_to(
                b"READY=1",
                Path::new("/proc/self/fd").join(dir_handle.as_raw_fd().to_string()).join("notify.sock"),
            )
            .unwrap();
        let mut buf = [0u8; 16];
        let n = socket.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
    }
}
