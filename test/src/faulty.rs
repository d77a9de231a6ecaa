//! A registry that misbehaves on purpose: a loopback HTTP server that answers the `/v2/` ping
//! like a registry and every other request with one chosen fault, so tests can see what rpod
//! does with each (issue 8's fault list).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How the server answers everything but the ping.
#[derive(Debug, Clone)]
pub enum Fault {
    /// This status with these extra headers and an OCI error body.
    Status(u16, &'static str, Vec<(&'static str, &'static str)>),
    /// A manifest that announces more bytes than it sends, then closes the connection.
    Truncated,
    /// A syntactically valid manifest of this many bytes (whitespace padding).
    Huge(usize),
    /// A manifest body of this many bytes streamed in 64 KiB writes, announced in
    /// Content-Length or not (then it runs until the connection closes). A HEAD gets `200`
    /// without `Docker-Content-Digest`, so a digest check has to fall back to the GET.
    Endless { size: u64, announced: bool },
    /// A one-layer image whose layer descriptor declares 4 bytes, while the layer blob
    /// streams this many (unannounced, so fewer than 4 is a truncated layer); the manifest and
    /// config are genuine.
    LongLayer(u64),
    /// A manifest announced as 1000 bytes of which one byte comes every interval.
    Trickle(Duration),
    /// A `500` whose body of this many bytes runs until the connection closes.
    EndlessError(u64),
    /// A manifest whose config descriptor declares 5 MiB; blob requests get endless bytes.
    BigConfig,
    /// This status with this body as it is (no JSON envelope).
    RawBody(u16, &'static str),
}

/// A running faulty registry; stopped on drop.
pub struct FaultyRegistry {
    port: u16,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
}

impl FaultyRegistry {
    pub fn start(fault: Fault) -> FaultyRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let (fault, counter) = (fault.clone(), counter.clone());
                    std::thread::spawn(move || serve(stream, &fault, &counter));
                }
            }
        });
        FaultyRegistry { port, stop, sent }
    }

    /// Body bytes of streamed faults the client's socket accepted so far: what the client
    /// read, plus at most the kernel's socket buffers.
    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }

    /// `127.0.0.1:PORT/REPO:TAG`.
    pub fn image(&self, repo: &str, tag: &str) -> String {
        format!("127.0.0.1:{}/{repo}:{tag}", self.port)
    }
}

impl Drop for FaultyRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Answers requests on one connection until the client closes it.
fn serve(stream: TcpStream, fault: &Fault, sent: &AtomicU64) {
    let mut reader = BufReader::new(stream.try_clone().expect("a second handle"));
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        // Requests without bodies only (HEAD and GET); skip the headers.
        let mut header = String::new();
        while reader.read_line(&mut header).unwrap_or(0) > 2 {
            header.clear();
        }
        let method = request_line.split_whitespace().next().unwrap_or("GET");
        let path = request_line.split_whitespace().nth(1).unwrap_or("/");
        let response = if path == "/v2/" {
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".to_string()
        } else {
            match fault {
                Fault::Status(code, reason, headers) => {
                    let body = format!(r#"{{"errors":[{{"code":"UNKNOWN","message":"{reason}"}}]}}"#);
                    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
                    format!("HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}", body.len())
                }
                Fault::Huge(size) => {
                    let mut body = vec![b' '; *size];
                    body[0] = b'{';
                    body[size - 1] = b'}';
                    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: {size}\r\n\r\n");
                    let _ = writer.write_all(head.as_bytes()).and_then(|()| writer.write_all(&body));
                    continue;
                }
                Fault::Endless { .. }
                | Fault::LongLayer(_)
                | Fault::Trickle(_)
                | Fault::RawBody(..)
                | Fault::EndlessError(_)
                | Fault::BigConfig => {
                    if streamed(&mut writer, fault, method, path, sent).is_err() {
                        return;
                    }
                    continue;
                }
                Fault::Truncated => {
                    let partial =
                        r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":"#;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nDocker-Content-Digest: sha256:{}\r\nContent-Length: 4096\r\n\r\n{partial}",
                        "0".repeat(64)
                    );
                    let _ = writer.write_all(response.as_bytes());
                    return;
                }
            }
        };
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// 64 KiB of `byte`, written `total` bytes' worth; counts what the socket took.
fn stream_bytes(writer: &mut TcpStream, byte: u8, total: u64, sent: &AtomicU64) -> std::io::Result<()> {
    let chunk = vec![byte; 64 << 10];
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        writer.write_all(&chunk[..n])?;
        sent.fetch_add(n as u64, Ordering::SeqCst);
        left -= n as u64;
    }
    Ok(())
}

/// The faults whose answers are streamed or depend on the request. An `Err` ends the
/// connection (the client hung up, or the answer was delimited by closing it).
fn streamed(writer: &mut TcpStream, fault: &Fault, method: &str, path: &str, sent: &AtomicU64) -> std::io::Result<()> {
    const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    match fault {
        Fault::Endless { .. } if method == "HEAD" => {
            write!(writer, "HTTP/1.1 200 OK\r\nContent-Type: {MANIFEST}\r\n\r\n")
        }
        Fault::Endless { size, announced } => {
            let length =
                if *announced { format!("Content-Length: {size}\r\n") } else { "Connection: close\r\n".to_string() };
            write!(writer, "HTTP/1.1 200 OK\r\nContent-Type: {MANIFEST}\r\n{length}\r\n{{")?;
            stream_bytes(writer, b' ', size - 1, sent)?;
            Err(std::io::ErrorKind::UnexpectedEof.into())
        }
        Fault::LongLayer(size) => {
            let (manifest, config) = long_layer_image();
            if path.contains("/manifests/") {
                write!(
                    writer,
                    "HTTP/1.1 200 OK\r\nContent-Type: {MANIFEST}\r\nContent-Length: {}\r\n\r\n",
                    manifest.len()
                )?;
                writer.write_all(&manifest)
            } else if path.ends_with(&image::blobs::sha256_digest(&config)) {
                write!(writer, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", config.len())?;
                writer.write_all(&config)
            } else {
                write!(writer, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")?;
                stream_bytes(writer, b'x', *size, sent)?;
                Err(std::io::ErrorKind::UnexpectedEof.into())
            }
        }
        Fault::Trickle(interval) => {
            write!(writer, "HTTP/1.1 200 OK\r\nContent-Type: {MANIFEST}\r\nContent-Length: 1000\r\n\r\n")?;
            for _ in 0..1000 {
                std::thread::sleep(*interval);
                writer.write_all(b" ")?;
                sent.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        }
        Fault::EndlessError(size) => {
            write!(
                writer,
                "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
            )?;
            stream_bytes(writer, b'e', *size, sent)?;
            Err(std::io::ErrorKind::UnexpectedEof.into())
        }
        Fault::BigConfig if path.contains("/manifests/") => {
            let manifest = format!(
                r#"{{"schemaVersion":2,"mediaType":"{MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:{}","size":5242880}},"layers":[]}}"#,
                "a".repeat(64)
            );
            write!(
                writer,
                "HTTP/1.1 200 OK\r\nContent-Type: {MANIFEST}\r\nContent-Length: {}\r\n\r\n{manifest}",
                manifest.len()
            )
        }
        Fault::BigConfig => {
            write!(writer, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")?;
            stream_bytes(writer, b'{', 64 << 20, sent)?;
            Err(std::io::ErrorKind::UnexpectedEof.into())
        }
        Fault::RawBody(code, body) => write!(
            writer,
            "HTTP/1.1 {code} Oops\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
        _ => Ok(()),
    }
}

/// The manifest and config of [`Fault::LongLayer`]'s image: one layer, declared as the 4
/// bytes `abcd`.
pub fn long_layer_image() -> (Vec<u8>, Vec<u8>) {
    let declared = b"abcd";
    let image = image::import::one_layer_image(
        &image::blobs::sha256_digest(declared),
        declared.len() as u64,
        &[],
        chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
    )
    .expect("an OCI image");
    (image.manifest, image.config)
}
