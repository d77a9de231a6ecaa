//! The container's standard streams as its monitor wires them, launch by launch.
//!
//! Without `-i` or `-t` the container reads /dev/null and writes straight into its log. With
//! `-i` its stdin is a pipe whose writing end the monitor holds for attached clients (and
//! keeps open when none is attached, as Podman's conmon does for `run -d -i`). With `-t` the
//! OCI runtime makes a terminal and sends its master to the monitor's console socket; the
//! monitor copies what the terminal shows into the log and writes clients' input to it.
//! [`ContainerInput`] is the monitor's lasting hold on the input side, fed by the attach socket;
//! each launch (a restart makes a new container process) gets a fresh [`LaunchStdio`].

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::attach::InputSink;
use super::console::{self, ConsoleSocket, WindowSize};
use super::oci::CreateStdio;
use crate::config::ContainerConfig;

/// The console socket's name in the container's run directory.
const CONSOLE_SOCKET: &str = "console.sock";

/// What the container reads, as the monitor holds it between launches.
#[derive(Default)]
pub struct ContainerInput {
    current: Mutex<Inputs>,
}

#[derive(Default)]
struct Inputs {
    /// The writing end of the stdin pipe (`-i` without `-t`); dropped at the client's EOF.
    pipe: Option<Arc<File>>,
    /// The terminal's master (`-t`).
    terminal: Option<Arc<File>>,
    /// The size a client last asked for, given to the terminal of the next launch too.
    size: Option<WindowSize>,
}

impl ContainerInput {
    fn inputs(&self) -> std::sync::MutexGuard<'_, Inputs> {
        self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Where input goes now: the terminal, else the pipe.
    fn target(&self) -> Option<Arc<File>> {
        let inputs = self.inputs();
        inputs.terminal.clone().or_else(|| inputs.pipe.clone())
    }

    /// Forgets the ended launch's input (its process is gone).
    pub fn disconnect(&self) {
        let mut inputs = self.inputs();
        inputs.pipe = None;
        inputs.terminal = None;
    }
}

impl InputSink for ContainerInput {
    fn stdin(&self, data: &[u8]) {
        // Written outside the lock: a container that does not read blocks this client only.
        if let Some(target) = self.target() {
            if let Err(err) = (&*target).write_all(data) {
                tracing::debug!("writing to the container's stdin: {err}");
            }
        }
    }

    fn stdin_eof(&self) {
        // A terminal has no end of input to pass on (the user types ^D); a pipe closes, so
        // `cat` ends. The last reference closes it once a write in progress is done.
        self.inputs().pipe = None;
    }

    fn resize(&self, size: WindowSize) {
        let mut inputs = self.inputs();
        inputs.size = Some(size);
        if let Some(terminal) = &inputs.terminal {
            if let Err(err) = console::set_window_size(terminal.as_fd(), size) {
                tracing::debug!("resizing the container's terminal: {err}");
            }
        }
    }
}

/// One launch's streams, made before the runtime's `create` and connected after it.
pub struct LaunchStdio {
    /// The reading end of the stdin pipe, for the runtime to pass on (`-i` without `-t`).
    pipe_reader: Option<OwnedFd>,
    pipe_writer: Option<File>,
    console: Option<ConsoleSocket>,
    log_path: PathBuf,
}

impl LaunchStdio {
    /// The streams `config` asks for (`-i`, `-t`), with the console socket in `run_dir` and
    /// the container's output going to the log at `log_path`.
    pub fn prepare(config: &ContainerConfig, run_dir: &Path, log_path: &Path) -> std::io::Result<LaunchStdio> {
        let console = if config.terminal { Some(ConsoleSocket::bind(run_dir, CONSOLE_SOCKET)?) } else { None };
        let (pipe_reader, pipe_writer) = if config.stdin && !config.terminal {
            let (reader, writer) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
            (Some(reader), Some(File::from(writer)))
        } else {
            (None, None)
        };
        Ok(LaunchStdio { pipe_reader, pipe_writer, console, log_path: log_path.to_path_buf() })
    }

    /// The container's log, where the runtime's `create` writes.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The streams for one `create` attempt, its output going to `output`.
    pub fn for_runtime(&self, output: File) -> std::io::Result<CreateStdio> {
        Ok(CreateStdio {
            stdin: self.pipe_reader.as_ref().map(|fd| fd.try_clone()).transpose()?,
            output,
            console_socket: self.console.as_ref().map(ConsoleSocket::path_for_child),
        })
    }

    /// After a `create` that failed: a terminal it sent before failing is not the next one's.
    pub fn after_failed_create(&self) {
        if let Some(console) = &self.console {
            console.discard_pending();
        }
    }

    /// After a successful `create`: hands the input side to `input` and, with a terminal,
    /// starts copying it into the log. The returned [`Output`] is finished once the container
    /// exits.
    pub fn connect(self, input: &ContainerInput) -> std::io::Result<Output> {
        // Our copy of the reading end goes: the pipe's end is then seen by the container alone.
        drop(self.pipe_reader);
        let mut inputs = input.inputs();
        inputs.pipe = self.pipe_writer.map(Arc::new);
        let Some(console) = self.console else { return Ok(Output { copied: None }) };
        let master = File::from(console.receive_master()?);
        if let Some(size) = inputs.size {
            console::set_window_size(master.as_fd(), size)?;
        }
        let log = privatefs::options().create(true).append(true).open(&self.log_path)?;
        let reader = master.try_clone()?;
        inputs.terminal = Some(Arc::new(master));
        let (done, copied) = std::sync::mpsc::channel();
        let log_path = self.log_path;
        std::thread::spawn(move || {
            copy_terminal(reader, log, &log_path);
            let _ = done.send(());
        });
        Ok(Output { copied: Some(copied) })
    }
}

/// How long [`Output::finish`] waits for the terminal's last output once the container exited.
const FINAL_OUTPUT_WAIT: Duration = Duration::from_secs(5);

/// What the container writes to its terminal, on its way to the log.
pub struct Output {
    /// Signalled (or disconnected) when the copy into the log ended.
    copied: Option<Receiver<()>>,
}

impl Output {
    /// Waits until everything the terminal showed is in the log: the copy ends when the last
    /// process holding the terminal is gone, so the exit is recorded after the final output.
    /// A process that escaped the container's deletion and keeps the terminal open holds the
    /// exit up for [`FINAL_OUTPUT_WAIT`] at most.
    pub fn finish(self) {
        if let Some(copied) = self.copied {
            if copied.recv_timeout(FINAL_OUTPUT_WAIT) == Err(RecvTimeoutError::Timeout) {
                tracing::warn!("the container's terminal is still open after it exited; not waiting for more output");
            }
        }
    }
}

/// Copies the terminal's output into the log until the terminal closes (the master reads EIO
/// once no process holds the other side).
fn copy_terminal(mut master: File, mut log: File, log_path: &Path) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match master.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        if let Err(err) = log.write_all(&buf[..n]) {
            tracing::warn!("writing the container's terminal to {}: {err}", log_path.display());
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(stdin: bool, terminal: bool) -> ContainerConfig {
        ContainerConfig { stdin, terminal, ..Default::default() }
    }

    #[test]
    fn plain_containers_get_dev_null_and_no_console() {
        let dir = tempfile::tempdir().unwrap();
        let stdio = LaunchStdio::prepare(&config(false, false), dir.path(), &dir.path().join("log")).unwrap();
        let create = stdio.for_runtime(tempfile::tempfile().unwrap()).unwrap();
        assert!(create.stdin.is_none() && create.console_socket.is_none());
        assert!(!dir.path().join(CONSOLE_SOCKET).exists());
    }

    #[test]
    fn interactive_input_reaches_the_pipe_until_the_client_ends_it() {
        let dir = tempfile::tempdir().unwrap();
        let stdio = LaunchStdio::prepare(&config(true, false), dir.path(), &dir.path().join("log")).unwrap();
        let create = stdio.for_runtime(tempfile::tempfile().unwrap()).unwrap();
        let container_stdin = File::from(create.stdin.expect("a pipe for -i"));
        let input = ContainerInput::default();
        let output = stdio.connect(&input).unwrap();
        input.stdin(b"hi\n");
        input.resize(WindowSize { rows: 1, cols: 2 });
        input.stdin_eof();
        input.stdin(b"after the end\n");
        let mut read = String::new();
        (&container_stdin).read_to_string(&mut read).unwrap();
        assert_eq!(read, "hi\n", "EOF closed the pipe: the reader sees its end");
        output.finish();
    }

    #[test]
    fn a_terminal_is_copied_to_the_log_and_takes_the_clients_size() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("ctr.log");
        let stdio = LaunchStdio::prepare(&config(true, true), dir.path(), &log).unwrap();
        let create = stdio.for_runtime(tempfile::tempfile().unwrap()).unwrap();
        assert!(create.stdin.is_none(), "with -t the terminal is the container's stdin");
        // What runc does with --console-socket: make a terminal and send its master.
        let pty = nix::pty::openpty(None, None).unwrap();
        let runtime_side = std::os::unix::net::UnixStream::connect(create.console_socket.unwrap()).unwrap();
        let fds = [std::os::fd::AsRawFd::as_raw_fd(&pty.master)];
        let cmsg = [nix::sys::socket::ControlMessage::ScmRights(&fds)];
        let iov = [std::io::IoSlice::new(b"/dev/pts/0")];
        nix::sys::socket::sendmsg::<()>(
            std::os::fd::AsRawFd::as_raw_fd(&runtime_side),
            &iov,
            &cmsg,
            nix::sys::socket::MsgFlags::empty(),
            None,
        )
        .unwrap();
        drop(pty.master);
        let input = ContainerInput::default();
        input.resize(WindowSize { rows: 30, cols: 90 });
        let output = stdio.connect(&input).unwrap();
        assert_eq!(console::window_size(pty.slave.as_fd()), Some(WindowSize { rows: 30, cols: 90 }));
        let slave = File::from(pty.slave);
        (&slave).write_all(b"shown\n").unwrap();
        drop(slave);
        output.finish();
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "shown\r\n", "the terminal's own line endings");
        input.disconnect();
    }
}
