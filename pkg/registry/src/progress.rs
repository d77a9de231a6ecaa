//! What a pull reports while it runs: Podman's progress lines, and for each blob its size and
//! the bytes received, so a terminal can show bars (the caller decides how to show them).

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;

/// Receives a pull's progress. Any `Fn(&str)` is one: it gets the lines and ignores bytes.
pub trait PullProgress: Sync {
    /// A line of Podman's progress text (`Getting image source signatures`, …).
    fn line(&self, text: &str);

    /// A blob download starts; `size` comes from the manifest. By default, Podman's
    /// `Copying blob <short digest>` line.
    fn blob_started(&self, digest: &str, _size: u64) {
        self.line(&format!("Copying blob {}", short_digest(digest)));
    }

    /// `bytes` more of the blob arrived.
    fn blob_bytes(&self, _digest: &str, _bytes: u64) {}

    /// The blob arrived and was verified.
    fn blob_done(&self, _digest: &str) {}
}

impl<F: Fn(&str) + Sync> PullProgress for F {
    fn line(&self, text: &str) {
        self(text)
    }
}

/// The first 12 hex digits of a digest, as Podman shows blobs.
pub fn short_digest(digest: &str) -> &str {
    let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
    &hex[..hex.len().min(12)]
}

/// A writer that tells `progress` how many bytes of blob `digest` went through it.
pub(crate) struct CountingWriter<'a, W> {
    pub inner: W,
    pub digest: &'a str,
    pub progress: &'a dyn PullProgress,
}

impl<W: AsyncWrite + Unpin> AsyncWrite for CountingWriter<'_, W> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &polled {
            self.progress.blob_bytes(self.digest, *n as u64);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tokio::io::AsyncWriteExt;

    use super::*;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl PullProgress for Recorder {
        fn line(&self, text: &str) {
            self.0.lock().unwrap().push(text.to_string());
        }
        fn blob_bytes(&self, digest: &str, bytes: u64) {
            self.line(&format!("{digest} +{bytes}"));
        }
    }

    #[tokio::test]
    async fn counts_what_is_written_and_closures_get_lines() {
        let recorder = Recorder::default();
        let mut writer = CountingWriter { inner: Vec::new(), digest: "sha256:ab", progress: &recorder };
        writer.write_all(b"hello").await.unwrap();
        recorder.blob_started("sha256:0123456789abcdef", 5);
        assert_eq!(writer.inner, b"hello");
        assert_eq!(*recorder.0.lock().unwrap(), ["sha256:ab +5", "Copying blob 0123456789ab"]);

        let lines = Mutex::new(Vec::new());
        let closure = |line: &str| lines.lock().unwrap().push(line.to_string());
        let progress: &dyn PullProgress = &closure;
        progress.blob_started("sha256:ffff", 1);
        progress.blob_bytes("sha256:ffff", 1);
        assert_eq!(*lines.lock().unwrap(), ["Copying blob ffff"]);
    }
}
