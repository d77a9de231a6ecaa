//! Limits on what one registry request may cost: how many body bytes rpod takes, and how long
//! the whole request may run. A registry is untrusted input; without these a hostile or broken
//! one could fill memory (a 512 MiB "manifest"), the disk (a layer far longer than its
//! descriptor says) or hold a pull, and auto-update's run lock, forever (one byte every few
//! seconds never trips the per-read timeout).

use std::future::Future;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// The largest manifest or index rpod accepts (containers/image's `maxManifestBodySize`).
pub const MAX_MANIFEST_BYTES: u64 = 4 << 20;
/// The largest image config rpod accepts (containers/image's limit for config blobs).
pub const MAX_CONFIG_BYTES: u64 = 4 << 20;
/// The most of an error answer or a token-service answer rpod reads: enough for any real
/// error envelope or token, and the rest is not worth the memory.
pub const MAX_SMALL_BODY_BYTES: u64 = 64 << 10;

/// Environment variable that shortens every request's deadline to this many seconds. It
/// exists for rpod's own end-to-end tests (a registry that trickles bytes would otherwise
/// take minutes to give up on); nothing else should set it.
pub const TEST_DEADLINE_VARIABLE: &str = "RPOD_TEST_REGISTRY_DEADLINE_SECS";

/// How long one registry request may take from sending it to the last body byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Manifests, digest checks and tokens: small answers, so a few minutes is plenty even on
    /// a slow link (4 MiB at 32 KiB/s is two minutes).
    small: Duration,
    /// Blobs get `small` plus the time their declared size takes at [`Self::MIN_BLOB_RATE`]:
    /// a fixed limit would fail honest multi-GiB layers on slow links, while a registry that
    /// trickles below that rate still cannot hold a pull longer than its own declared sizes
    /// allow. The per-read timeout catches a registry that stops sending altogether.
    blob_base: Duration,
}

impl Deadlines {
    /// The slowest average transfer rate a blob download may have, in bytes per second.
    pub const MIN_BLOB_RATE: u64 = 64 << 10;

    /// rpod's deadlines: 3 minutes for small requests; for a blob 5 minutes plus its size at
    /// [`Self::MIN_BLOB_RATE`]. [`TEST_DEADLINE_VARIABLE`] replaces both.
    pub fn from_env() -> Deadlines {
        let test = std::env::var(TEST_DEADLINE_VARIABLE).ok().and_then(|s| s.parse::<u64>().ok()).filter(|&s| s > 0);
        match test {
            Some(seconds) => Deadlines { small: Duration::from_secs(seconds), blob_base: Duration::from_secs(seconds) },
            None => Deadlines { small: Duration::from_secs(180), blob_base: Duration::from_secs(300) },
        }
    }

    /// The deadline for a manifest, a digest check or a token request.
    pub fn small(&self) -> Duration {
        self.small
    }

    /// The deadline for a blob of `size` bytes (see [`Deadlines`]).
    pub fn blob(&self, size: u64) -> Duration {
        self.blob_base + Duration::from_secs(size / Self::MIN_BLOB_RATE)
    }
}

/// Why a capped read stopped early.
#[derive(Debug)]
pub enum CapError<E> {
    /// The body went past the limit after `received` bytes (counting the chunk that crossed it).
    Over { received: u64 },
    /// The body itself failed (connection reset, per-read timeout…).
    Body(E),
    /// Writing to the sink failed.
    Write(std::io::Error),
}

/// Copies `body` into `sink`, refusing to take more than `limit` bytes: the chunk that
/// crosses the limit is not written, and the body is not read further. Returns the byte count.
pub async fn copy_capped<S, B, E, W>(mut body: S, limit: u64, sink: &mut W) -> Result<u64, CapError<E>>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut received = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(CapError::Body)?;
        let bytes = chunk.as_ref();
        received = received.saturating_add(bytes.len() as u64);
        if received > limit {
            return Err(CapError::Over { received });
        }
        sink.write_all(bytes).await.map_err(CapError::Write)?;
    }
    sink.flush().await.map_err(CapError::Write)?;
    Ok(received)
}

/// Runs `request` for at most `deadline`; `None` when it ran out of time (the request is
/// dropped, which closes its connection).
pub async fn within<T>(deadline: Duration, request: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout(deadline, request).await.ok()
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use futures_util::stream;

    use super::*;

    fn chunks(sizes: &[usize]) -> impl Stream<Item = Result<Vec<u8>, Infallible>> + Unpin {
        stream::iter(sizes.iter().map(|&n| Ok(vec![b'x'; n])).collect::<Vec<_>>())
    }

    #[tokio::test]
    async fn a_body_within_the_limit_is_copied_whole() {
        let mut sink = Vec::new();
        assert_eq!(copy_capped(chunks(&[3, 4]), 7, &mut sink).await.unwrap(), 7);
        assert_eq!(sink.len(), 7);
    }

    #[tokio::test]
    async fn the_chunk_that_crosses_the_limit_is_refused_and_reading_stops() {
        let mut pulled = 0;
        let body = stream::iter([1usize, 4, 1000, 5]).map(|n| {
            pulled += 1;
            Ok::<_, Infallible>(vec![0u8; n])
        });
        let mut sink = Vec::new();
        let err = copy_capped(body, 4, &mut sink).await.unwrap_err();
        assert!(matches!(err, CapError::Over { received: 5 }), "{err:?}");
        assert_eq!(sink.len(), 1, "nothing past the limit is written");
        assert_eq!(pulled, 2, "the body is not read after the limit");
    }

    #[tokio::test]
    async fn a_failing_body_is_reported_as_such() {
        let body = stream::iter([Ok(vec![1u8]), Err("reset")]);
        let err = copy_capped(body, 100, &mut Vec::new()).await.unwrap_err();
        assert!(matches!(err, CapError::Body("reset")), "{err:?}");
    }

    #[tokio::test]
    async fn a_trickling_request_is_cut_at_the_deadline() {
        let trickle = async {
            for _ in 0..100 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        let started = std::time::Instant::now();
        assert!(within(Duration::from_millis(100), trickle).await.is_none());
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(within(Duration::from_secs(5), async { 7 }).await, Some(7));
    }

    #[test]
    fn blob_deadlines_grow_with_the_declared_size() {
        let deadlines = Deadlines { small: Duration::from_secs(180), blob_base: Duration::from_secs(300) };
        assert_eq!(deadlines.blob(4), Duration::from_secs(300));
        assert_eq!(deadlines.blob(1 << 30), Duration::from_secs(300 + (1 << 30) / Deadlines::MIN_BLOB_RATE));
        assert_eq!(deadlines.small(), Duration::from_secs(180));
    }
}
