//! Content-addressed blobs (`<storage>/blobs/sha256/<hex>`), verified while they stream in.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{io, Error, Result};

/// The blob directory of one store.
#[derive(Debug, Clone)]
pub struct Blobs {
    dir: PathBuf,
}

impl Blobs {
    pub(crate) fn new(dir: PathBuf) -> Blobs {
        Blobs { dir }
    }

    /// Where the blob with `digest` lives (whether or not it is present).
    pub fn path(&self, digest: &str) -> Result<PathBuf> {
        Ok(self.dir.join(hex_of(digest)?))
    }

    pub fn contains(&self, digest: &str) -> bool {
        self.path(digest).is_ok_and(|p| p.exists())
    }

    /// Streams `reader` into the store under `expected`. The bytes go to a temporary file in the
    /// same directory, are hashed on the way, synced, and renamed into place only when the hash
    /// matches: a mismatch or a kill part-way leaves no blob behind.
    pub fn put(&self, expected: &str, mut reader: impl Read) -> Result<PathBuf> {
        let target = self.path(expected)?;
        if target.exists() {
            return Ok(target);
        }
        privatefs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let mut temp = tempfile::Builder::new().prefix(".incoming-").tempfile_in(&self.dir).map_err(io(&self.dir))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(io(temp.path()))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            temp.write_all(&buf[..n]).map_err(io(temp.path()))?;
        }
        let actual = format!("sha256:{}", hex::encode(hasher.finalize()));
        if actual != expected {
            return Err(Error::DigestMismatch { expected: expected.to_string(), actual });
        }
        temp.as_file().sync_all().map_err(io(temp.path()))?;
        temp.persist(&target).map_err(|e| Error::Io { path: target.clone(), source: e.error })?;
        sync_dir(&self.dir);
        Ok(target)
    }

    /// Stores bytes already in memory (manifests, configs).
    pub fn put_bytes(&self, bytes: &[u8]) -> Result<String> {
        let digest = sha256_digest(bytes);
        self.put(&digest, bytes)?;
        Ok(digest)
    }

    /// Reads a whole blob (for small ones: manifests and configs).
    pub fn read(&self, digest: &str) -> Result<Vec<u8>> {
        let path = self.path(digest)?;
        std::fs::read(&path).map_err(|_| Error::MissingBlob(digest.to_string()))
    }

    /// Opens a blob for streaming.
    pub fn open(&self, digest: &str) -> Result<File> {
        let path = self.path(digest)?;
        File::open(&path).map_err(|_| Error::MissingBlob(digest.to_string()))
    }

    /// Every stored blob digest (for pruning).
    pub fn list(&self) -> Result<Vec<String>> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Ok(Vec::new()) };
        Ok(entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.len() == 64)
            .map(|hex| format!("sha256:{hex}"))
            .collect())
    }

    /// Deletes temporary files of writes that never finished (a killed pull's `.incoming-*`);
    /// only the collector calls it, while no writer runs.
    pub(crate) fn remove_partial(&self) -> Result<()> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Ok(()) };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(".incoming-") {
                std::fs::remove_file(entry.path()).map_err(io(entry.path()))?;
            }
        }
        Ok(())
    }

    pub fn remove(&self, digest: &str) -> Result<()> {
        let path = self.path(digest)?;
        match std::fs::remove_file(&path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(io(path)(err)),
            _ => Ok(()),
        }
    }
}

/// A reader hashing what passes through it, so a blob read back (a layer being unpacked) is
/// checked against its digest: storage corrupted after the pull never becomes a rootfs.
pub struct VerifyingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> VerifyingReader<R> {
    pub fn new(inner: R) -> VerifyingReader<R> {
        VerifyingReader { inner, hasher: Sha256::new() }
    }

    /// Reads whatever the consumer left (tar padding) and compares the hash with `expected`.
    pub fn finish(mut self, expected: &str) -> Result<()> {
        std::io::copy(&mut self, &mut std::io::sink()).map_err(io(expected))?;
        let actual = format!("sha256:{}", hex::encode(self.hasher.finalize()));
        if actual != expected {
            return Err(Error::DigestMismatch { expected: expected.to_string(), actual });
        }
        Ok(())
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The hex part of a `sha256:` digest, refusing anything that could be a path.
pub fn hex_of(digest: &str) -> Result<&str> {
    match digest.split_once(':') {
        Some(("sha256", hex)) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(hex),
        _ => Err(Error::UnsupportedDigest(digest.to_string())),
    }
}

/// Makes a rename durable (best effort: not every filesystem allows syncing a directory).
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verified_put_and_refused_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path().join("blobs"));
        let digest = sha256_digest(b"hello");
        let path = blobs.put(&digest, &b"hello"[..]).unwrap();
        assert_eq!(std::fs::read(path).unwrap(), b"hello");
        let wrong = sha256_digest(b"other");
        let err = blobs.put(&wrong, &b"evil"[..]).unwrap_err();
        assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
        assert!(!blobs.contains(&wrong));
        assert_eq!(blobs.list().unwrap(), vec![digest], "no temporary file left behind");
    }

    #[test]
    fn digests_that_are_not_sha256_hex_are_refused() {
        for bad in ["sha256:../../etc/passwd", "md5:abc", "sha256:XYZ", "plain"] {
            assert!(hex_of(bad).is_err(), "{bad}");
        }
    }
}
