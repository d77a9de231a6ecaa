//! Unpacking layers for container root filesystems.
//!
//! Each layer is unpacked once into `<storage>/layers/<diff-id hex>/` in overlayfs's own format,
//! so the runtime can stack the directories as overlay lower layers: an OCI whiteout
//! `.wh.NAME` becomes a 0/0 character device `NAME`, and an opaque marker `.wh..wh..opq` becomes
//! the `trusted.overlay.opaque=y` attribute of its directory. Where overlay cannot be mounted,
//! [`flatten_into`] applies the same layers by copying, reading those markers back.
//!
//! Layers come from registries rpod does not trust, and rpod runs as root: every entry is
//! confined to its layer directory (see [`unpack`]), the uncompressed stream must hash to the
//! diff ID the image config names before the directory is kept, and decompression is capped
//! ([`stream::DecompressionLimits`]).

pub mod craft;
pub mod entry;
mod flatten;
pub mod stream;
mod unpack;

use std::path::PathBuf;

use crate::blobs::{hex_of, sync_dir, VerifyingReader};
use crate::error::{io, Error, Result};
use crate::store::Store;

pub use flatten::flatten_into;
pub use unpack::{unpack_layer, unpack_layer_within};

/// The overlay attribute that makes a directory opaque.
const OPAQUE_XATTR: &str = "trusted.overlay.opaque";

impl Store {
    /// The unpacked directories of the image's layers, lowest first, unpacking any layer not
    /// yet unpacked (into a temporary directory renamed into place, so a crash leaves none
    /// half-done). A layer is kept under its diff ID only once its blob matched its digest and
    /// its uncompressed tar matched the diff ID: another image cannot claim it with other files.
    pub fn layer_dirs(&self, image_id: &str) -> Result<Vec<PathBuf>> {
        let image = self.get(image_id)?;
        self.writer_lock().hold()?;
        let root = self.layers_dir();
        std::fs::create_dir_all(&root).map_err(io(&root))?;
        let mut dirs = Vec::with_capacity(image.layers.len());
        for layer in &image.layers {
            let dir = root.join(hex_of(&layer.diff_id)?);
            if !dir.exists() {
                let temp = tempfile::Builder::new().prefix(".unpack-").tempdir_in(&root).map_err(io(&root))?;
                let mut blob = VerifyingReader::new(self.blobs().open(&layer.digest)?);
                let diff_id = unpack_layer(&mut blob, temp.path(), &layer.digest)?;
                blob.finish(&layer.digest)?;
                if diff_id != layer.diff_id {
                    return Err(Error::DiffIdMismatch {
                        layer: layer.digest.clone(),
                        expected: layer.diff_id.clone(),
                        actual: diff_id,
                    });
                }
                let temp = temp.keep();
                if let Err(err) = std::fs::rename(&temp, &dir) {
                    let _ = std::fs::remove_dir_all(&temp);
                    if !dir.exists() {
                        return Err(io(&dir)(err));
                    }
                }
                sync_dir(&root);
            }
            dirs.push(dir);
        }
        Ok(dirs)
    }
}

#[cfg(test)]
mod tests;
