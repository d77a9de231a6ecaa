//! The OCI runtime's standard error during `exec`, relayed to rpod's, without the line the
//! runtime prints when it cannot run the command (runc: `exec failed: unable to start container
//! process: …`). rpod reports that failure itself, once, in Podman's words; Podman's conmon
//! never shows the runtime's line either.

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::thread::JoinHandle;

/// How the runtimes begin the line they print on a failed exec (runc, and `crun: …`).
const RUNTIME_PREFIXES: [&str; 2] = ["exec failed: ", "crun: "];

/// Copies the runtime's stderr to this process's while the runtime runs.
pub struct StderrRelay {
    copier: JoinHandle<Vec<u8>>,
}

impl StderrRelay {
    /// Relays from `reader` (the read end of the runtime's stderr pipe) on a thread.
    pub fn start(reader: OwnedFd) -> StderrRelay {
        let copier = std::thread::spawn(move || {
            let mut input = std::fs::File::from(reader);
            let mut filter = LineFilter::default();
            let mut chunk = [0u8; 8192];
            while let Ok(read @ 1..) = input.read(&mut chunk) {
                let out = filter.push(&chunk[..read]);
                let _ = std::io::stderr().write_all(&out);
            }
            filter.finish()
        });
        StderrRelay { copier }
    }

    /// Waits for the runtime's stderr to close; the held-back line is printed unless it is
    /// `failure`, the message the runtime logged for a failed exec.
    pub fn finish(self, failure: Option<&str>) {
        let held = self.copier.join().unwrap_or_default();
        let text = String::from_utf8_lossy(&held);
        if failure.is_none_or(|message| text.trim_end() != message) {
            let _ = std::io::stderr().write_all(&held);
        }
    }
}

/// Passes bytes through as they come, except a line that starts like a runtime's failure line:
/// that one is held back until the next byte shows it was not the runtime's last word.
#[derive(Debug, Default)]
struct LineFilter {
    /// The current line, while it may still be the runtime's.
    held: Vec<u8>,
    /// Whether the next byte starts a line.
    mid_line: bool,
}

impl LineFilter {
    /// The bytes of `input` to print now.
    fn push(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for &byte in input {
            if !self.mid_line || !self.held.is_empty() {
                if self.held.ends_with(b"\n") {
                    // More came after a complete held line: it was the command's own.
                    out.append(&mut self.held);
                }
                self.held.push(byte);
                if !self.could_be_runtimes() {
                    out.append(&mut self.held);
                }
            } else {
                out.push(byte);
            }
            self.mid_line = byte != b'\n';
        }
        out
    }

    fn could_be_runtimes(&self) -> bool {
        let text = String::from_utf8_lossy(&self.held);
        RUNTIME_PREFIXES.iter().any(|prefix| prefix.starts_with(text.as_ref()) || text.starts_with(prefix))
    }

    /// What is still held when the stream ends.
    fn finish(self) -> Vec<u8> {
        self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filtered(chunks: &[&str]) -> (String, String) {
        let mut filter = LineFilter::default();
        let out: Vec<u8> = chunks.iter().flat_map(|c| filter.push(c.as_bytes())).collect();
        (String::from_utf8(out).unwrap(), String::from_utf8(filter.finish()).unwrap())
    }

    #[test]
    fn only_a_last_line_shaped_like_the_runtimes_is_held() {
        let failure = "exec failed: unable to start container process: exec: \"x\": executable file not found\n";
        assert_eq!(filtered(&["hello\n", failure]), ("hello\n".into(), failure.into()));
        assert_eq!(filtered(&["exec fa", "iled: x\n"]), ("".into(), "exec failed: x\n".into()), "split across reads");
        assert_eq!(
            filtered(&["exec failed: mine\n", "more\n"]),
            ("exec failed: mine\nmore\n".into(), "".into()),
            "output after it: the command's own line"
        );
        assert_eq!(filtered(&["exec is fine\n"]), ("exec is fine\n".into(), "".into()));
        assert_eq!(filtered(&["Password: "]), ("Password: ".into(), "".into()), "a prompt is not held");
        assert_eq!(filtered(&["a exec failed: \n"]), ("a exec failed: \n".into(), "".into()), "only at a line start");
    }
}
