//! Images from rpod's image store.

use image::{ImageRecord, Platform};

use crate::backends::{BackendError, ImageStore, LocalImage};

impl ImageStore for image::Store {
    fn image_by_id(&self, id: &str) -> Result<Option<LocalImage>, BackendError> {
        Ok(self.lookup(id)?.filter(|record| record.id == id).map(|record| local_image(&record)))
    }

    fn image_by_name(&self, name: &str) -> Result<Option<LocalImage>, BackendError> {
        Ok(self.lookup(name)?.map(|record| local_image(&record)))
    }

    fn tag(&self, id: &str, name: &str) -> Result<(), BackendError> {
        Ok(image::Store::tag(self, id, name)?)
    }
}

/// The record as auto-update sees it; the platform manifest's digest comes first.
pub fn local_image(record: &ImageRecord) -> LocalImage {
    let mut digests = vec![record.manifest_digest.clone()];
    digests.extend(record.digests.iter().filter(|d| **d != record.manifest_digest).cloned());
    digests.retain(|d| !d.is_empty());
    LocalImage { id: record.id.clone(), digests, platform: platform_string(&record.platform) }
}

/// `os/arch[/variant]`.
pub fn platform_string(p: &Platform) -> String {
    if p.variant.is_empty() {
        format!("{}/{}", p.os, p.architecture)
    } else {
        format!("{}/{}/{}", p.os, p.architecture, p.variant)
    }
}

/// The inverse of [`platform_string`]; missing parts are left empty.
pub fn parse_platform(text: &str) -> Platform {
    let mut parts = text.splitn(3, '/');
    let os = parts.next().unwrap_or_default().to_string();
    let architecture = parts.next().unwrap_or_default().to_string();
    let variant = parts.next().unwrap_or_default().to_string();
    Platform { architecture, os, variant }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_round_trips() {
        for text in ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"] {
            assert_eq!(platform_string(&parse_platform(text)), text);
        }
    }
}
