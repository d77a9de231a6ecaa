//! Garbage collection of blobs and unpacked layers, safe against writers in other processes.
//!
//! A pull stores its blobs long before it records the image, so "not referenced by any image"
//! does not mean garbage while a writer is at work. Writers (pulls, imports, layer unpacking)
//! hold a shared `flock` on `<storage>/gc.lock` from their first write until their [`Store`] is
//! dropped; the collector deletes only while it holds the lock exclusively, and when it cannot
//! get it at once it leaves the files for the next prune instead of waiting or guessing.

use std::cell::OnceCell;
use std::collections::HashSet;
use std::fs::File;
use std::path::PathBuf;

use nix::fcntl::{Flock, FlockArg};

use crate::blobs::hex_of;
use crate::error::{io, Error, Result};
use crate::store::Store;

/// This store's share of the collector lock, taken on first write and kept until drop.
#[derive(Debug)]
pub(crate) struct WriterLock {
    path: PathBuf,
    held: OnceCell<Flock<File>>,
}

impl WriterLock {
    pub(crate) fn new(path: PathBuf) -> WriterLock {
        WriterLock { path, held: OnceCell::new() }
    }

    /// Takes the shared lock unless held already (waits while a prune is deleting).
    pub(crate) fn hold(&self) -> Result<&Flock<File>> {
        if let Some(lock) = self.held.get() {
            return Ok(lock);
        }
        let file = File::options().create(true).truncate(false).write(true).open(&self.path).map_err(io(&self.path))?;
        let lock = Flock::lock(file, FlockArg::LockShared).map_err(|(_, errno)| io(&self.path)(errno.into()))?;
        Ok(self.held.get_or_init(|| lock))
    }
}

impl Store {
    /// Removes blobs and unpacked layers no image refers to any more, and what crashed writers
    /// left half-written; returns how many blobs went. While another process is writing
    /// (a pull in progress) nothing is deleted and 0 is returned: the next prune collects.
    pub fn prune_blobs(&self) -> Result<usize> {
        let lock = self.writer_lock().hold()?;
        let exclusive = lock.relock(FlockArg::LockExclusiveNonblock);
        let pruned = match exclusive {
            Ok(()) => self.delete_unreferenced(),
            Err(_) => Ok(0),
        };
        // Converting a flock is not atomic: whatever happened, go back to sharing it.
        lock.relock(FlockArg::LockShared).map_err(|errno| io(self.layers_dir())(errno.into()))?;
        pruned
    }

    fn delete_unreferenced(&self) -> Result<usize> {
        let images = self.list()?;
        let mut used: HashSet<String> = HashSet::new();
        for image in &images {
            used.insert(format!("sha256:{}", image.id));
            used.extend(image.digests.iter().cloned());
            used.extend(image.layers.iter().map(|l| l.digest.clone()));
        }
        let mut removed = 0;
        for digest in self.blobs().list()? {
            if !used.contains(&digest) {
                self.blobs().remove(&digest)?;
                removed += 1;
            }
        }
        self.blobs().remove_partial()?;
        let used_layers: HashSet<&str> =
            images.iter().flat_map(|i| i.layers.iter().filter_map(|l| hex_of(&l.diff_id).ok())).collect();
        if let Ok(entries) = std::fs::read_dir(self.layers_dir()) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !used_layers.contains(name.as_str()) {
                    std::fs::remove_dir_all(entry.path()).map_err(|source| Error::Io { path: entry.path(), source })?;
                }
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blobs::sha256_digest;

    #[test]
    fn a_blob_a_writer_has_not_committed_yet_survives_a_prune() {
        let dir = tempfile::tempdir().unwrap();
        let pulling = Store::open(dir.path()).unwrap();
        let pruning = Store::open(dir.path()).unwrap();
        let digest = sha256_digest(b"layer");
        pulling.put_blob(&digest, &b"layer"[..]).unwrap();
        assert_eq!(pruning.prune_blobs().unwrap(), 0, "the pull is still running");
        assert!(pruning.blobs().contains(&digest));
        drop(pulling);
        assert_eq!(pruning.prune_blobs().unwrap(), 1, "the pull gave up: its blob is garbage now");
        assert!(!pruning.blobs().contains(&digest));
        assert_eq!(pruning.prune_blobs().unwrap(), 0, "a second prune in the same process still works");
    }

    #[test]
    fn leftovers_of_crashed_writers_go() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let blobs = store.blobs().path(&sha256_digest(b"x")).unwrap();
        let blob_dir = blobs.parent().unwrap();
        std::fs::create_dir_all(blob_dir).unwrap();
        std::fs::write(blob_dir.join(".incoming-abc"), b"half").unwrap();
        std::fs::create_dir_all(store.layers_dir().join(".unpack-abc/bin")).unwrap();
        store.prune_blobs().unwrap();
        assert_eq!(std::fs::read_dir(blob_dir).unwrap().count(), 0);
        assert_eq!(std::fs::read_dir(store.layers_dir()).unwrap().count(), 0);
    }
}
