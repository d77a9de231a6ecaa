//! The attach socket: how a client in the foreground (`run -i`, `run -it`, `start -a -i`)
//! reaches the input side of a container its monitor holds.
//!
//! rpod's own protocol over a unix stream socket, `attach` in the container's run directory:
//! frames of one type byte, a 4-byte big-endian length and the payload — stdin data, the end
//! of stdin, and the client terminal's window size. Output does not travel here: the client
//! follows the container's log from the start, so nothing the container printed before the
//! client connected is lost, and `logs` shows the same bytes.

use std::io::{IsTerminal, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::console::{self, RawMode, WindowSize};
use crate::error::{Error, Result};
use crate::state::ContainerStatus;
use crate::store::{Container, Store};

/// The socket's name in the container's run directory (Podman's conmon uses the same).
pub const ATTACH_SOCKET: &str = "attach";

/// The largest payload a frame may carry; a client sends stdin in reads of 8 KiB.
const MAX_PAYLOAD: u32 = 64 * 1024;

const STDIN: u8 = 1;
const STDIN_EOF: u8 = 2;
const WINDOW_SIZE: u8 = 3;

/// One message from an attached client to the container's monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Bytes for the container's standard input.
    Stdin(Vec<u8>),
    /// The client's input ended: a container without a terminal sees its stdin close.
    StdinEof,
    /// The client's terminal has this size: the container's terminal takes it.
    WindowSize(WindowSize),
}

impl Frame {
    /// The frame as it goes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let (kind, payload) = match self {
            Frame::Stdin(data) => (STDIN, data.clone()),
            Frame::StdinEof => (STDIN_EOF, Vec::new()),
            Frame::WindowSize(size) => (WINDOW_SIZE, [size.rows.to_be_bytes(), size.cols.to_be_bytes()].concat()),
        };
        let mut wire = Vec::with_capacity(5 + payload.len());
        wire.push(kind);
        wire.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        wire.extend_from_slice(&payload);
        wire
    }

    /// Reads the next frame; `None` when the stream ends cleanly between frames. A truncated,
    /// oversized or unknown frame is an `InvalidData` error: the connection is dropped.
    pub fn read_from(reader: &mut impl Read) -> std::io::Result<Option<Frame>> {
        let mut header = [0u8; 5];
        loop {
            match reader.read(&mut header[..1]) {
                Ok(0) => return Ok(None),
                Ok(_) => break,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            }
        }
        reader.read_exact(&mut header[1..])?;
        let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
        if length > MAX_PAYLOAD {
            return Err(invalid(format!("an attach frame of {length} bytes is over the limit")));
        }
        let mut payload = vec![0u8; length as usize];
        reader.read_exact(&mut payload)?;
        match (header[0], payload.as_slice()) {
            (STDIN, _) => Ok(Some(Frame::Stdin(payload))),
            (STDIN_EOF, []) => Ok(Some(Frame::StdinEof)),
            (WINDOW_SIZE, [r0, r1, c0, c1]) => Ok(Some(Frame::WindowSize(WindowSize {
                rows: u16::from_be_bytes([*r0, *r1]),
                cols: u16::from_be_bytes([*c0, *c1]),
            }))),
            (kind, _) => Err(invalid(format!("an attach frame of type {kind} with {length} bytes"))),
        }
    }
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

/// Where attached clients' frames go: the monitor's hold on the container's input.
pub trait InputSink: Send + Sync {
    /// Writes `data` to the container's stdin (its pipe, or its terminal).
    fn stdin(&self, data: &[u8]);
    /// The client's input ended.
    fn stdin_eof(&self);
    /// The client's terminal changed size.
    fn resize(&self, size: WindowSize);
}

/// The monitor's end of the attach socket.
pub struct AttachListener {
    listener: UnixListener,
}

impl AttachListener {
    /// Binds the attach socket in `run_dir`, replacing one a previous monitor left.
    pub fn bind(run_dir: &Path) -> std::io::Result<AttachListener> {
        let _ = std::fs::remove_file(run_dir.join(ATTACH_SOCKET));
        let dir = std::fs::File::open(run_dir)?;
        let listener = UnixListener::bind(console::short_socket_path("self", &dir, ATTACH_SOCKET))?;
        Ok(AttachListener { listener })
    }

    /// Serves clients for the rest of the monitor's life, each on a thread of its own, so a
    /// client that stops reading its own input never holds up another's window size.
    pub fn serve(self, sink: Arc<dyn InputSink>) {
        std::thread::spawn(move || {
            for stream in self.listener.incoming() {
                let Ok(stream) = stream else { continue };
                let sink = Arc::clone(&sink);
                std::thread::spawn(move || serve_client(stream, sink.as_ref()));
            }
        });
    }
}

fn serve_client(mut stream: UnixStream, sink: &dyn InputSink) {
    loop {
        match Frame::read_from(&mut stream) {
            Ok(Some(Frame::Stdin(data))) => sink.stdin(&data),
            Ok(Some(Frame::StdinEof)) => sink.stdin_eof(),
            Ok(Some(Frame::WindowSize(size))) => sink.resize(size),
            Ok(None) => return,
            Err(err) => {
                tracing::warn!("an attached client sent something unreadable: {err}");
                return;
            }
        }
    }
}

/// A client attached to a container's input: it forwards this process's stdin (`-i`) and
/// keeps the container's terminal the size of the local one (`-t`). Output is followed from
/// the log by the caller. Dropping it restores the local terminal.
pub struct Attachment {
    socket: Arc<Mutex<UnixStream>>,
    /// The local terminal whose size the container's follows, when both sides have one.
    local_terminal: Option<std::fs::File>,
    last_size: Option<WindowSize>,
    _raw: Option<RawMode>,
}

impl Attachment {
    /// Attaches to `container` when there is something to send: stdin when the container keeps
    /// it open (`-i`) and `stdin` asks for it, the window size when it has a terminal. With
    /// stdin a terminal and a container terminal, the local terminal goes into raw mode, as
    /// Podman does. `None` when there is nothing to attach, or the container already ended.
    pub fn open(store: &Store, container: &Container, stdin: bool) -> Result<Option<Attachment>> {
        let config = &container.config;
        let forward_stdin = stdin && config.stdin;
        if !forward_stdin && !config.terminal {
            return Ok(None);
        }
        let id = &config.id;
        let attach_error = |source| Error::Attach { id: id.clone(), source };
        let socket = match connect(&store.runtime_dir(id)) {
            Ok(socket) => socket,
            Err(source) => {
                // Gone already (and with --rm perhaps removed): there is nothing left to send.
                let still_running = matches!(store.lookup(id), Ok(c) if c.state.state == ContainerStatus::Running);
                return if still_running { Err(attach_error(source)) } else { Ok(None) };
            }
        };
        let local_terminal = if config.terminal { local_terminal() } else { None };
        let raw = match &local_terminal {
            Some(terminal) => Some(RawMode::enter(terminal.as_fd()).map_err(attach_error)?),
            None => None,
        };
        let mut attachment =
            Attachment { socket: Arc::new(Mutex::new(socket)), local_terminal, last_size: None, _raw: raw };
        attachment.forward_resize();
        if forward_stdin {
            let socket = Arc::clone(&attachment.socket);
            std::thread::spawn(move || forward_stdin_until_eof(&socket));
        }
        Ok(Some(attachment))
    }

    /// Sends the local terminal's size when it changed since the last call. The caller calls
    /// this on every tick of following the output: a change reaches the container within a
    /// tick, with no SIGWINCH handler and no global state in the client.
    pub fn forward_resize(&mut self) {
        let Some(terminal) = &self.local_terminal else { return };
        let size = console::window_size(terminal.as_fd());
        if size.is_some() && size != self.last_size {
            self.last_size = size;
            if let Some(size) = size {
                let _ = send(&self.socket, &Frame::WindowSize(size));
            }
        }
    }
}

/// This process's stdin when it is a terminal (Podman looks at stdin too).
fn local_terminal() -> Option<std::fs::File> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return None;
    }
    stdin.as_fd().try_clone_to_owned().ok().map(std::fs::File::from)
}

/// Connects to the attach socket in `run_dir`.
fn connect(run_dir: &Path) -> std::io::Result<UnixStream> {
    let dir = std::fs::File::open(run_dir)?;
    UnixStream::connect(console::short_socket_path("self", &dir, ATTACH_SOCKET))
}

fn send(socket: &Mutex<UnixStream>, frame: &Frame) -> std::io::Result<()> {
    let mut socket = socket.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    socket.write_all(&frame.encode())
}

/// Copies this process's stdin to the container until it ends, then says so. Stops quietly
/// when the monitor is gone (the container ended and nothing is left to type into).
fn forward_stdin_until_eof(socket: &Mutex<UnixStream>) {
    let mut buf = vec![0u8; 8192];
    let mut stdin = std::io::stdin().lock();
    loop {
        let sent = match stdin.read(&mut buf) {
            Ok(0) => {
                let _ = send(socket, &Frame::StdinEof);
                return;
            }
            Ok(n) => send(socket, &Frame::Stdin(buf[..n].to_vec())),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => {
                tracing::warn!("reading stdin for the container: {err}");
                send(socket, &Frame::StdinEof)
            }
        };
        if sent.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_survive_the_wire_back_to_back() {
        let frames = vec![
            Frame::WindowSize(WindowSize { rows: 24, cols: 80 }),
            Frame::Stdin(b"echo hi\n".to_vec()),
            Frame::Stdin(Vec::new()),
            Frame::StdinEof,
        ];
        let wire: Vec<u8> = frames.iter().flat_map(Frame::encode).collect();
        let mut reader = wire.as_slice();
        let mut read = Vec::new();
        while let Some(frame) = Frame::read_from(&mut reader).unwrap() {
            read.push(frame);
        }
        assert_eq!(read, frames);
    }

    #[test]
    fn the_wire_format_is_type_length_payload() {
        assert_eq!(Frame::Stdin(b"ab".to_vec()).encode(), [1, 0, 0, 0, 2, b'a', b'b']);
        assert_eq!(Frame::StdinEof.encode(), [2, 0, 0, 0, 0]);
        assert_eq!(Frame::WindowSize(WindowSize { rows: 0x0102, cols: 0x0304 }).encode(), [3, 0, 0, 0, 4, 1, 2, 3, 4]);
    }

    #[test]
    fn bad_frames_are_refused() {
        let cases: &[(&str, &[u8])] = &[
            ("truncated header", &[1, 0, 0]),
            ("truncated payload", &[1, 0, 0, 0, 5, b'a']),
            ("oversized", &[1, 0, 0x10, 0, 0]),
            ("unknown type", &[9, 0, 0, 0, 0]),
            ("eof with data", &[2, 0, 0, 0, 1, 0]),
            ("short window size", &[3, 0, 0, 0, 2, 0, 24]),
        ];
        for (what, wire) in cases {
            let mut reader = *wire;
            assert!(Frame::read_from(&mut reader).is_err(), "{what} was accepted");
        }
    }

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Frame>>);

    impl InputSink for Recorder {
        fn stdin(&self, data: &[u8]) {
            self.0.lock().unwrap().push(Frame::Stdin(data.to_vec()));
        }
        fn stdin_eof(&self) {
            self.0.lock().unwrap().push(Frame::StdinEof);
        }
        fn resize(&self, size: WindowSize) {
            self.0.lock().unwrap().push(Frame::WindowSize(size));
        }
    }

    #[test]
    fn the_listener_hands_each_frame_to_the_sink() {
        // A directory path longer than a socket address holds, as a container's run dir can be.
        let base = tempfile::tempdir().unwrap();
        let run_dir = base.path().join("d".repeat(100)).join("e".repeat(64));
        std::fs::create_dir_all(&run_dir).unwrap();
        let recorder = Arc::new(Recorder::default());
        AttachListener::bind(&run_dir).unwrap().serve(recorder.clone());
        let client = Mutex::new(connect(&run_dir).unwrap());
        let sent = [Frame::Stdin(b"x".to_vec()), Frame::WindowSize(WindowSize { rows: 5, cols: 7 }), Frame::StdinEof];
        for frame in &sent {
            send(&client, frame).unwrap();
        }
        drop(client);
        for _ in 0..200 {
            if recorder.0.lock().unwrap().len() == sent.len() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(*recorder.0.lock().unwrap(), sent);
    }
}
