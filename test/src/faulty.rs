//! A registry that misbehaves on purpose: a loopback HTTP server that answers the `/v2/` ping
//! like a registry and every other request with one chosen fault, so tests can see what rpod
//! does with each (issue 8's fault list).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How the server answers everything but the ping.
#[derive(Debug, Clone)]
pub enum Fault {
    /// This status with these extra headers and an OCI error body.
    Status(u16, &'static str, Vec<(&'static str, &'static str)>),
    /// A manifest that announces more bytes than it sends, then closes the connection.
    Truncated,
    /// A syntactically valid manifest of this many bytes (whitespace padding).
    Huge(usize),
}

/// A running faulty registry; stopped on drop.
pub struct FaultyRegistry {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl FaultyRegistry {
    pub fn start(fault: Fault) -> FaultyRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let fault = fault.clone();
                    std::thread::spawn(move || serve(stream, &fault));
                }
            }
        });
        FaultyRegistry { port, stop }
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
fn serve(stream: TcpStream, fault: &Fault) {
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
                Fault::Truncated => {
                    let partial = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":"#;
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
