//! systemd's private socket (`/run/systemd/private`), what `podman auto-update` uses as root:
//! peer-to-peer D-Bus that works without a message bus daemon and needs no `Subscribe()`.
//!
//! On it systemd stamps every message with the sender `org.freedesktop.systemd1`, a
//! well-known name where D-Bus expects a unique one, and zbus refuses such messages
//! ("Invalid unique name"). The read half below therefore rewrites the first byte of a
//! non-unique sender to `:` (`:rg.freedesktop.systemd1` is a valid unique name of the same
//! length, so no offset moves). The socket is read by a thread that passes whole, fixed
//! messages to the connection; the EXTERNAL handshake is done here before zbus takes over.

use std::io::{self, Read, Write};
use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use tokio::sync::mpsc;
use zbus::connection::socket::{ReadHalf, Socket, Split, WriteHalf};
use zbus::connection::Builder;
use zbus::export::async_trait::async_trait;
use zbus::Connection;

/// D-Bus header field code of the sender.
const FIELD_SENDER: u8 = 7;
/// Fixed part of a message header: endianness, type, flags, version, body length, serial,
/// length of the header field array.
const FIXED_HEADER: usize = 16;

/// Connects to the manager's private socket at `path` as user `euid` (the running process's
/// effective user, which the manager checks against the socket's peer credentials). The
/// socket is read by a thread of its own that hands whole, fixed messages to the connection.
pub async fn connect(path: &Path, euid: u32, method_timeout: Duration) -> zbus::Result<Connection> {
    let path = path.to_path_buf();
    let (stream, guid) = tokio::task::spawn_blocking(move || handshake(&path, euid))
        .await
        .map_err(|e| io::Error::other(e.to_string()))??;
    let reader = stream.try_clone()?;
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || read_messages(reader, tx));
    let socket = PrivateSocket { read: FixedMessages { rx, pending: Vec::new(), offset: 0 }, write: Writer(stream) };
    Builder::authenticated_socket(socket, guid.as_str()).p2p().method_timeout(method_timeout).build().await
}

/// The EXTERNAL handshake on a blocking socket; returns the socket and the server's GUID.
fn handshake(path: &Path, euid: u32) -> io::Result<(UnixStream, String)> {
    let mut stream = UnixStream::connect(path)?;
    let hex_uid: String = euid.to_string().bytes().map(|b| format!("{b:02x}")).collect();
    // BEGIN goes with AUTH, as systemctl does: the manager then switches to messages before our
    // first one arrives. Sent after OK, right before the first message, the manager can take
    // both in one read and leave the message unprocessed until more data comes.
    stream.write_all(format!("\0AUTH EXTERNAL {hex_uid}\r\nBEGIN\r\n").as_bytes())?;
    // Byte by byte: nothing after the line may be consumed here.
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        if stream.read(&mut byte)? == 0 || line.len() > 512 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "systemd closed the connection during authentication",
            ));
        }
        line.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&line).trim_end().to_string();
    let guid = line
        .strip_prefix("OK ")
        .ok_or_else(|| {
            io::Error::new(io::ErrorKind::PermissionDenied, format!("EXTERNAL authentication refused: {line}"))
        })?
        .to_string();
    Ok((stream, guid))
}

/// Reads whole messages, fixes their sender and passes them on, until the socket closes or
/// the connection is gone.
fn read_messages(mut stream: UnixStream, tx: mpsc::UnboundedSender<Vec<u8>>) {
    loop {
        let mut message = vec![0u8; FIXED_HEADER];
        if stream.read_exact(&mut message).is_err() {
            return;
        }
        let Ok(total) = message_len(&message) else { return };
        message.resize(total, 0);
        if stream.read_exact(&mut message[FIXED_HEADER..]).is_err() {
            return;
        }
        fix_sender(&mut message);
        if tx.send(message).is_err() {
            return;
        }
    }
}

struct PrivateSocket {
    read: FixedMessages,
    write: Writer,
}

impl Socket for PrivateSocket {
    type ReadHalf = FixedMessages;
    type WriteHalf = Writer;

    fn split(self) -> Split<FixedMessages, Writer> {
        Split::new(self.read, self.write)
    }
}

/// Hands out the reader thread's messages as the connection asks for bytes.
#[derive(Debug)]
struct FixedMessages {
    rx: mpsc::UnboundedReceiver<Vec<u8>>,
    pending: Vec<u8>,
    offset: usize,
}

#[async_trait]
impl ReadHalf for FixedMessages {
    async fn recvmsg(&mut self, buf: &mut [u8]) -> io::Result<(usize, Vec<OwnedFd>)> {
        if self.offset == self.pending.len() {
            match self.rx.recv().await {
                Some(message) => {
                    self.pending = message;
                    self.offset = 0;
                }
                None => return Ok((0, Vec::new())),
            }
        }
        let n = buf.len().min(self.pending.len() - self.offset);
        buf[..n].copy_from_slice(&self.pending[self.offset..self.offset + n]);
        self.offset += n;
        Ok((n, Vec::new()))
    }
}

/// Writes go straight to the socket: requests are small and the manager reads them at once.
#[derive(Debug)]
struct Writer(UnixStream);

#[async_trait]
impl WriteHalf for Writer {
    async fn sendmsg(&mut self, buffer: &[u8], _fds: &[BorrowedFd<'_>]) -> io::Result<usize> {
        self.0.write(buffer)
    }

    async fn close(&mut self) -> io::Result<()> {
        self.0.shutdown(std::net::Shutdown::Both)
    }
}

fn read_u32(bytes: &[u8], at: usize, little: bool) -> Option<usize> {
    let raw: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(if little { u32::from_le_bytes(raw) } else { u32::from_be_bytes(raw) } as usize)
}

fn align(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

/// Length of the whole message from its fixed header.
fn message_len(header: &[u8]) -> io::Result<usize> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "malformed D-Bus message header");
    let little = match header.first() {
        Some(b'l') => true,
        Some(b'B') => false,
        _ => return Err(bad()),
    };
    let body = read_u32(header, 4, little).ok_or_else(bad)?;
    let fields = read_u32(header, 12, little).ok_or_else(bad)?;
    Ok(align(FIXED_HEADER + fields, 8) + body)
}

/// Makes a well-known sender name a unique one in place; leaves anything unexpected alone.
fn fix_sender(message: &mut [u8]) {
    let little = message.first() == Some(&b'l');
    let Some(fields_len) = read_u32(message, 12, little) else { return };
    let end = (FIXED_HEADER + fields_len).min(message.len());
    let mut pos = FIXED_HEADER;
    while pos + 4 <= end {
        let code = message[pos];
        let sig_len = message[pos + 1] as usize;
        let sig = message.get(pos + 2..pos + 2 + sig_len).map(<[u8]>::to_vec).unwrap_or_default();
        let value = pos + 2 + sig_len + 1;
        let next = match sig.as_slice() {
            b"s" | b"o" => {
                let at = align(value, 4);
                let Some(len) = read_u32(message, at, little) else { return };
                if code == FIELD_SENDER && len > 1 {
                    if let Some(first) = message.get_mut(at + 4).filter(|b| **b != b':') {
                        *first = b':';
                    }
                }
                at + 4 + len + 1
            }
            b"u" => align(value, 4) + 4,
            b"g" => {
                let Some(&len) = message.get(value) else { return };
                value + 1 + len as usize + 1
            }
            _ => return,
        };
        pos = align(next, 8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signal as systemd's private socket sends it: path, interface, member, sender.
    fn signal(sender: &str) -> Vec<u8> {
        fn field(out: &mut Vec<u8>, code: u8, sig: u8, value: &str) {
            while out.len() & 7 != 0 {
                out.push(0);
            }
            out.extend([code, 1, sig, 0]);
            out.extend((value.len() as u32).to_le_bytes());
            out.extend(value.as_bytes());
            out.push(0);
        }
        let mut fields = vec![0u8; FIXED_HEADER];
        field(&mut fields, 1, b'o', "/org/freedesktop/systemd1");
        field(&mut fields, 2, b's', "org.freedesktop.systemd1.Manager");
        field(&mut fields, 7, b's', sender);
        field(&mut fields, 3, b's', "JobRemoved");
        let fields_len = (fields.len() - FIXED_HEADER) as u32;
        let mut msg = vec![b'l', 4, 1, 1];
        msg.extend(0u32.to_le_bytes());
        msg.extend(7u32.to_le_bytes());
        msg.extend(fields_len.to_le_bytes());
        msg.extend(&fields[FIXED_HEADER..]);
        while msg.len() & 7 != 0 {
            msg.push(0);
        }
        msg
    }

    #[test]
    fn rewrites_only_a_well_known_sender() {
        let cases = [("org.freedesktop.systemd1", ":rg.freedesktop.systemd1"), (":1.42", ":1.42")];
        for (sender, want) in cases {
            let mut msg = signal(sender);
            assert_eq!(message_len(&msg).ok(), Some(msg.len()));
            fix_sender(&mut msg);
            let text = String::from_utf8_lossy(&msg).to_string();
            assert!(text.contains(want), "{sender}: {text:?}");
            assert!(text.contains("org.freedesktop.systemd1.Manager"), "interface untouched");
        }
    }

    #[test]
    fn refuses_garbage() {
        assert!(message_len(b"HTTP/1.1 200 OK\r\n").is_err());
        let mut short = vec![b'l', 1, 0, 1];
        fix_sender(&mut short);
        assert_eq!(short, vec![b'l', 1, 0, 1]);
    }
}
