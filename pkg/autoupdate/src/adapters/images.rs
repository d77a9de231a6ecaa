//! Images from rpod's image store.

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

/// The record as auto-update sees it; the platform manifest's digest comes first.
pub fn local_image(record: &ImageRecord) -> LocalImage {
    let mut digests = vec![record.manifest_digest.clone()];
    digests.extend(record.digests.iter().filter(|d| **d != record.manifest_digest).cloned());
    digests.retain(|d| !d.is_empty());
    LocalImage { id: record.id.clone(), digests, platform: registry::platform_string(&record.platform) }
}
