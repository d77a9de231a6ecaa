//! The uncompressed stream of a layer or import tarball: gunzipped when it is gzip, hashed (its
//! digest is the layer's diff ID) and cut off when it expands beyond what any real image does.

use std::cell::Cell;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;

use sha2::{Digest, Sha256};

/// How far a tarball may expand when it is decompressed.
///
/// Real layers compress text and binaries about 1:2 to 1:10; even layers full of zero-filled
/// files (database images) stay well under 1:100. A gzip stream of zeros, though, expands about
/// 1:1000, so a 260 KB blob becomes 257 MB on disk and a 64 MB one fills most disks. So:
/// once more than `grace` bytes have come out, the output may not exceed `ratio` times the
/// compressed input read so far; and no stream, compressed or not, may produce more than
/// `total` bytes. The grace keeps small, highly compressible layers (empty files, a few
/// configuration files) from tripping the ratio. Plain tar input is only held to `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecompressionLimits {
    pub total: u64,
    pub ratio: u64,
    pub grace: u64,
}

impl DecompressionLimits {
    /// 64 GiB in all; 1:100 after the first 64 MiB. No image on Docker Hub's top lists comes
    /// near either (the largest single layers are a few GiB, at ratios under 1:10).
    pub const DEFAULT: DecompressionLimits = DecompressionLimits { total: 64 << 30, ratio: 100, grace: 64 << 20 };
}

impl Default for DecompressionLimits {
    fn default() -> Self {
        DecompressionLimits::DEFAULT
    }
}

/// Which of the [`DecompressionLimits`] a stream went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    Total { limit: u64 },
    Ratio { ratio: u64, grace: u64 },
}

impl std::fmt::Display for Exceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exceeded::Total { limit } => {
                write!(f, "decompresses to more than {}, the most rpod unpacks", human(*limit))
            }
            Exceeded::Ratio { ratio, grace } => {
                write!(f, "decompresses to more than {ratio} times its compressed size (past the first {}): refused as a decompression bomb", human(*grace))
            }
        }
    }
}

impl std::error::Error for Exceeded {}

fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{b} bytes"),
    }
}

/// Counts the bytes read from the compressed input.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

enum Decoder<R: Read> {
    Plain(BufReader<Counting<R>>),
    Gzip(flate2::read::GzDecoder<BufReader<Counting<R>>>),
}

/// The uncompressed bytes of a (possibly gzip-compressed) tar stream, hashed as they pass and
/// held to [`DecompressionLimits`]. A read past a limit fails, and [`Uncompressed::exceeded`]
/// says which limit, since the tar reader above may reword the I/O error.
pub struct Uncompressed<R: Read> {
    decoder: Decoder<R>,
    compressed: Rc<Cell<u64>>,
    produced: u64,
    limits: DecompressionLimits,
    hasher: Sha256,
    exceeded: Option<Exceeded>,
}

impl<R: Read> Uncompressed<R> {
    /// Looks at the first bytes of `input` to tell gzip from a plain tar.
    pub fn new(input: R, limits: DecompressionLimits) -> std::io::Result<Uncompressed<R>> {
        let compressed = Rc::new(Cell::new(0));
        let mut reader = BufReader::new(Counting { inner: input, count: compressed.clone() });
        let gzip = reader.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        let decoder = if gzip { Decoder::Gzip(flate2::read::GzDecoder::new(reader)) } else { Decoder::Plain(reader) };
        Ok(Uncompressed { decoder, compressed, produced: 0, limits, hasher: Sha256::new(), exceeded: None })
    }

    /// The limit this stream went past, if it did.
    pub fn exceeded(&self) -> Option<Exceeded> {
        self.exceeded
    }

    /// Reads whatever is left (a tar's trailing padding is part of the diff ID) and returns the
    /// `sha256:` digest and size of everything read.
    pub fn finish(mut self) -> std::io::Result<(String, u64)> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok((format!("sha256:{}", hex::encode(self.hasher.finalize())), self.produced))
    }

    fn check(&mut self) -> Option<Exceeded> {
        let limits = self.limits;
        if self.produced > limits.total {
            return Some(Exceeded::Total { limit: limits.total });
        }
        let gzip = matches!(self.decoder, Decoder::Gzip(_));
        if gzip && self.produced > limits.grace && self.produced > self.compressed.get().saturating_mul(limits.ratio) {
            return Some(Exceeded::Ratio { ratio: limits.ratio, grace: limits.grace });
        }
        None
    }
}

impl<R: Read> Read for Uncompressed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(exceeded) = self.exceeded {
            return Err(std::io::Error::other(exceeded));
        }
        let n = match &mut self.decoder {
            Decoder::Plain(reader) => reader.read(buf)?,
            Decoder::Gzip(reader) => reader.read(buf)?,
        };
        self.produced += n as u64;
        if let Some(exceeded) = self.check() {
            self.exceeded = Some(exceeded);
            return Err(std::io::Error::other(exceeded));
        }
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut encoder, data).unwrap();
        encoder.finish().unwrap()
    }

    fn drain(input: &[u8], limits: DecompressionLimits) -> (std::io::Result<(String, u64)>, Option<Exceeded>) {
        let mut stream = Uncompressed::new(input, limits).unwrap();
        match std::io::copy(&mut stream, &mut std::io::sink()) {
            Ok(_) => (stream.finish(), None),
            Err(err) => (Err(err), stream.exceeded()),
        }
    }

    #[test]
    fn gzip_and_plain_streams_hash_their_uncompressed_bytes() {
        let data = b"some tar bytes".repeat(100);
        let expected = crate::blobs::sha256_digest(&data);
        for input in [data.clone(), gzip(&data)] {
            let (result, exceeded) = drain(&input, DecompressionLimits::DEFAULT);
            assert_eq!(result.unwrap(), (expected.clone(), data.len() as u64));
            assert_eq!(exceeded, None);
        }
    }

    #[test]
    fn a_bomb_is_cut_by_ratio_and_anything_by_total() {
        let zeros = vec![0u8; 4 << 20];
        let bomb = gzip(&zeros);
        assert!(bomb.len() * 100 < zeros.len(), "zeros compress past 1:100");
        let small = DecompressionLimits { total: 1 << 30, ratio: 100, grace: 1 << 20 };
        let (result, exceeded) = drain(&bomb, small);
        assert!(result.is_err());
        assert_eq!(exceeded, Some(Exceeded::Ratio { ratio: 100, grace: 1 << 20 }));
        let roomy = DecompressionLimits { total: 1 << 30, ratio: 100, grace: 8 << 20 };
        assert_eq!(drain(&bomb, roomy).1, None, "within the grace");
        let capped = DecompressionLimits { total: 1 << 20, ratio: 100, grace: 1 << 30 };
        assert_eq!(drain(&zeros, capped).1, Some(Exceeded::Total { limit: 1 << 20 }), "plain input too");
    }

    #[test]
    fn messages_name_the_limit() {
        assert_eq!(
            Exceeded::Total { limit: 64 << 30 }.to_string(),
            "decompresses to more than 64 GiB, the most rpod unpacks"
        );
        assert_eq!(
            Exceeded::Ratio { ratio: 100, grace: 64 << 20 }.to_string(),
            "decompresses to more than 100 times its compressed size (past the first 64 MiB): refused as a decompression bomb"
        );
    }
}
