//! Images from rpod's image store.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use image::{ImageRecord, RawImageName};

use crate::backends::{BackendError, ImageStore, LocalImage};

impl ImageStore for image::Store {
    fn image_by_id(&self, id: &str) -> Result<Option<LocalImage>, BackendError> {
        Ok(self.lookup(id)?.filter(|record| record.id == id).map(|record| local_image(&record)))
    }

    fn image_by_name(&self, name: &RawImageName) -> Result<Option<LocalImage>, BackendError> {
        Ok(self.find(name)?.map(|record| local_image(&record)))
    }

    fn tag(&self, id: &str, name: &str) -> Result<(), BackendError> {
        Ok(image::Store::tag(self, id, name)?)
    }

    fn set_previous(&self, name: &str, id: &str) -> Result<(), BackendError> {
        Ok(image::Store::set_previous(self, name, id)?)
    }

    fn previous(&self, name: &str) -> Result<Option<LocalImage>, BackendError> {
        Ok(image::Store::previous(self, name)?.map(|record| local_image(&record)))
    }
}

/// rpod's image store, opened when a run first needs it. A run sends its registry checks
/// before it reads an image, so opening the store (its database, the directories) overlaps
/// with the registries' answers instead of delaying the questions.
pub struct LazyImageStore {
    root: PathBuf,
    store: OnceCell<image::Store>,
}

impl LazyImageStore {
    /// The store under `root`, not opened yet.
    pub fn new(root: &Path) -> LazyImageStore {
        LazyImageStore { root: root.to_path_buf(), store: OnceCell::new() }
    }

    /// The store, opened (and created when missing) at the first call.
    pub fn store(&self) -> Result<&image::Store, image::Error> {
        if let Some(store) = self.store.get() {
            return Ok(store);
        }
        let store = image::Store::open(&self.root)?;
        Ok(self.store.get_or_init(|| store))
    }
}

impl ImageStore for LazyImageStore {
    fn image_by_id(&self, id: &str) -> Result<Option<LocalImage>, BackendError> {
        self.store()?.image_by_id(id)
    }

    fn image_by_name(&self, name: &RawImageName) -> Result<Option<LocalImage>, BackendError> {
        self.store()?.image_by_name(name)
    }

    fn tag(&self, id: &str, name: &str) -> Result<(), BackendError> {
        ImageStore::tag(self.store()?, id, name)
    }

    fn set_previous(&self, name: &str, id: &str) -> Result<(), BackendError> {
        ImageStore::set_previous(self.store()?, name, id)
    }

    fn previous(&self, name: &str) -> Result<Option<LocalImage>, BackendError> {
        ImageStore::previous(self.store()?, name)
    }
}

/// The record as auto-update sees it; the platform manifest's digest comes first.
pub fn local_image(record: &ImageRecord) -> LocalImage {
    let mut digests = vec![record.manifest_digest.clone()];
    digests.extend(record.digests.iter().filter(|d| **d != record.manifest_digest).cloned());
    digests.retain(|d| !d.is_empty());
    LocalImage { id: record.id.clone(), digests, platform: registry::platform_string(&record.platform) }
}
