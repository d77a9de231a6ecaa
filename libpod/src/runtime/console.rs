//! Pseudo-terminals: what `-t` needs on both sides of the monitor.
//!
//! The monitor side: a [`ConsoleSocket`] the OCI runtime connects to (`--console-socket`) to
//! hand over the master of the pseudo-terminal it made for the container, and
//! [`set_window_size`] on that master. The client side: [`RawMode`] for the local terminal
//! while it types into the container, and [`window_size`] to tell the container how big the
//! local terminal is.

use std::fs::File;
use std::io::{IoSliceMut, IsTerminal, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
use nix::sys::termios::{self, SetArg, Termios};

/// A terminal's size in character cells, as `TIOCGWINSZ` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSize {
    pub rows: u16,
    pub cols: u16,
}

/// The size of the terminal on `fd`, or `None` when `fd` is no terminal.
pub fn window_size(fd: BorrowedFd<'_>) -> Option<WindowSize> {
    let mut size = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCGWINSZ writes one `winsize` through the pointer, which outlives the call.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut size) };
    (rc == 0).then_some(WindowSize { rows: size.ws_row, cols: size.ws_col })
}

/// Resizes the terminal whose master (or slave) is `fd`; the kernel sends SIGWINCH to its
/// foreground process group, so a shell in the container redraws for the new size.
pub fn set_window_size(fd: BorrowedFd<'_>, size: WindowSize) -> std::io::Result<()> {
    let size = libc::winsize { ws_row: size.rows, ws_col: size.cols, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCSWINSZ reads one `winsize` through the pointer, which outlives the call.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &size) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The local terminal in raw mode (no echo, no line editing, no signals from ^C: every key
/// goes to the container's terminal, which does all of that itself) until dropped, which
/// restores the settings it found, on every way out of the attached command.
pub struct RawMode {
    fd: OwnedFd,
    saved: Termios,
}

impl RawMode {
    /// Puts the terminal on `fd` in raw mode; an error when `fd` is no terminal.
    pub fn enter(fd: BorrowedFd<'_>) -> std::io::Result<RawMode> {
        let fd = fd.try_clone_to_owned()?;
        let saved = termios::tcgetattr(&fd)?;
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(&fd, SetArg::TCSANOW, &raw)?;
        Ok(RawMode { fd, saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // TCSADRAIN: what the container printed last reaches the screen in raw mode's layout.
        if let Err(err) = termios::tcsetattr(&self.fd, SetArg::TCSADRAIN, &self.saved) {
            tracing::warn!("restoring the terminal's settings: {err}");
        }
    }
}

/// A terminal for a foreground `exec -t` when this process has none (its streams are pipes or
/// files): runc and crun relay a terminal of their own only to one they find on their stdio.
/// The runtime gets the slave as its stdin and stdout; this process relays the master's output
/// to its stdout (and its stdin to the master with `-i`), as conmon would for Podman.
pub struct StandInTerminal {
    master: File,
    slave: File,
}

impl StandInTerminal {
    /// Whether a foreground runtime would find no terminal on this process's streams.
    pub fn needed() -> bool {
        !(std::io::stdin().is_terminal() || std::io::stdout().is_terminal() || std::io::stderr().is_terminal())
    }

    /// Opens the terminal pair.
    pub fn open() -> std::io::Result<StandInTerminal> {
        let pty = nix::pty::openpty(None, None)?;
        Ok(StandInTerminal { master: pty.master.into(), slave: pty.slave.into() })
    }

    /// Handles on the slave for the runtime's stdin and stdout.
    pub fn runtime_side(&self) -> std::io::Result<(File, File)> {
        Ok((self.slave.try_clone()?, self.slave.try_clone()?))
    }

    /// Starts relaying, once the runtime holds its handles (and the `Command` that gave them is
    /// dropped): the output copy ends when the runtime exits and the slave closes.
    pub fn relay(self, forward_stdin: bool) -> std::io::Result<Relay> {
        drop(self.slave);
        if forward_stdin {
            let mut master = self.master.try_clone()?;
            // Not waited for: it blocks on this process's stdin, which may never end.
            std::thread::spawn(move || std::io::copy(&mut std::io::stdin().lock(), &mut master));
        }
        let mut master = self.master;
        let output = std::thread::spawn(move || {
            // The master reads EIO once the slave is closed: that is the end, not an error.
            let _ = std::io::copy(&mut master, &mut std::io::stdout().lock());
            let _ = std::io::stdout().flush();
        });
        Ok(Relay { output })
    }
}

/// A running [`StandInTerminal::relay`].
pub struct Relay {
    output: std::thread::JoinHandle<()>,
}

impl Relay {
    /// Waits for the last output once the runtime exited.
    pub fn finish(self) {
        let _ = self.output.join();
    }
}

/// The unix socket an OCI runtime sends a container's terminal to (`--console-socket`).
pub struct ConsoleSocket {
    listener: UnixListener,
    /// The directory the socket lives in, kept open: its `/proc/<pid>/fd/<n>` name is the
    /// short path the runtime connects through.
    dir: std::fs::File,
    name: String,
}

impl ConsoleSocket {
    /// Binds the socket as `name` in `dir` (replacing a stale one), however long `dir`'s path.
    pub fn bind(dir: &Path, name: &str) -> std::io::Result<ConsoleSocket> {
        let _ = std::fs::remove_file(dir.join(name));
        let dir = std::fs::File::open(dir)?;
        let listener = UnixListener::bind(short_socket_path("self", &dir, name))?;
        listener.set_nonblocking(true)?;
        Ok(ConsoleSocket { listener, dir, name: name.to_string() })
    }

    /// The path to give the runtime, a child of this process: a socket address holds at most
    /// 107 bytes, fewer than a container's run directory may need.
    pub fn path_for_child(&self) -> PathBuf {
        short_socket_path(&std::process::id().to_string(), &self.dir, &self.name)
    }

    /// The terminal master a runtime sent during a `create` that succeeded. Never blocks: the
    /// runtime sends it before `create` returns, so a missing one is an error, not a wait.
    pub fn receive_master(&self) -> std::io::Result<OwnedFd> {
        let (stream, _) = self.listener.accept()?;
        stream.set_nonblocking(false)?;
        receive_fd(stream.as_fd())
    }

    /// Drops connections a failed `create` left behind, so the next runtime's is the one read.
    pub fn discard_pending(&self) {
        while self.listener.accept().is_ok() {}
    }
}

impl Drop for ConsoleSocket {
    /// The socket is needed for one `create`; the run directory keeps no stale one.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(short_socket_path("self", &self.dir, &self.name));
    }
}

/// `/proc/<process>/fd/<dir>/<name>`: the socket `name` in the open directory `dir`, by a
/// path short enough for a socket address whatever the directory's own path (a container's run
/// directory under a deep runroot, with its 64-hex ID, is longer than the 107 bytes allowed).
/// `process` is `self` for this process, or this process's PID for a child it spawns.
pub(crate) fn short_socket_path(process: &str, dir: &std::fs::File, name: &str) -> PathBuf {
    Path::new("/proc").join(process).join("fd").join(dir.as_raw_fd().to_string()).join(name)
}

/// Reads one message from the stream socket `socket` and returns the descriptor it carries.
fn receive_fd(socket: BorrowedFd<'_>) -> std::io::Result<OwnedFd> {
    // runc and crun send the terminal's name as the data: a path, well under 4 KiB.
    let mut data = [0u8; 4096];
    let mut iov = [IoSliceMut::new(&mut data)];
    let mut space = nix::cmsg_space!([RawFd; 1]);
    let message = recvmsg::<()>(socket.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC)?;
    let mut received: Vec<OwnedFd> = Vec::new();
    for cmsg in message.cmsgs()? {
        if let ControlMessageOwned::ScmRights(fds) = cmsg {
            // SAFETY: SCM_RIGHTS installed these descriptors in this process; nothing else owns them.
            received.extend(fds.into_iter().map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }));
        }
    }
    let mut fds = received.into_iter();
    match (fds.next(), fds.next()) {
        (Some(master), None) => Ok(master),
        _ => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "expected one terminal descriptor")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixStream;

    #[test]
    fn a_descriptor_sent_over_the_console_socket_is_received() {
        let dir = tempfile::tempdir().unwrap();
        let socket = ConsoleSocket::bind(dir.path(), "console.sock").unwrap();
        assert!(socket.receive_master().is_err(), "nothing sent yet: an error, not a wait");
        let pty = nix::pty::openpty(None, None).unwrap();
        let client = UnixStream::connect(socket.path_for_child()).unwrap();
        let fds = [pty.master.as_raw_fd()];
        let cmsg = [nix::sys::socket::ControlMessage::ScmRights(&fds)];
        let iov = [std::io::IoSlice::new(b"/dev/pts/9")];
        nix::sys::socket::sendmsg::<()>(client.as_raw_fd(), &iov, &cmsg, MsgFlags::empty(), None).unwrap();
        let master = socket.receive_master().unwrap();
        let size = WindowSize { rows: 33, cols: 101 };
        set_window_size(master.as_fd(), size).unwrap();
        assert_eq!(window_size(pty.slave.as_fd()), Some(size), "the received master drives the same terminal");
    }

    #[test]
    fn a_message_without_a_descriptor_is_refused() {
        let (a, b) = UnixStream::pair().unwrap();
        std::io::Write::write_all(&mut &a, b"no fd").unwrap();
        assert_eq!(receive_fd(b.as_fd()).unwrap_err().kind(), std::io::ErrorKind::InvalidData);
    }

    #[test]
    fn raw_mode_is_undone_on_drop() {
        let pty = nix::pty::openpty(None, None).unwrap();
        let before = termios::tcgetattr(&pty.slave).unwrap();
        let raw = RawMode::enter(pty.slave.as_fd()).unwrap();
        assert!(!termios::tcgetattr(&pty.slave).unwrap().local_flags.contains(termios::LocalFlags::ECHO));
        drop(raw);
        assert_eq!(termios::tcgetattr(&pty.slave).unwrap().local_flags, before.local_flags);
        let not_a_tty = std::fs::File::open("/dev/null").unwrap();
        assert!(RawMode::enter(not_a_tty.as_fd()).is_err());
        assert_eq!(window_size(not_a_tty.as_fd()), None);
    }
}
