//! `volume inspect`'s record, with Podman's keys (`libpod/define/volume_inspect.go`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Volume;

/// One volume as `volume inspect` and `volume ls --format json` print it. Podman 5 adds a
/// `LockNumber`; rpod has no lock table, so it prints Podman 4.3's key set.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectVolumeData {
    pub name: String,
    pub driver: String,
    pub mountpoint: String,
    pub created_at: DateTime<Utc>,
    pub labels: BTreeMap<String, String>,
    pub scope: String,
    pub options: BTreeMap<String, String>,
    #[serde(rename = "UID", skip_serializing_if = "is_zero")]
    pub uid: u32,
    #[serde(rename = "GID", skip_serializing_if = "is_zero")]
    pub gid: u32,
    #[serde(skip_serializing_if = "is_false")]
    pub anonymous: bool,
    pub mount_count: u32,
    #[serde(skip_serializing_if = "is_false")]
    pub needs_copy_up: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub needs_chown: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !b
}

impl From<&Volume> for InspectVolumeData {
    /// Podman lists `o=uid=`/`gid=` again as `UID`/`GID` options, and never says a volume
    /// with an explicit owner needs a chown.
    fn from(volume: &Volume) -> Self {
        let mut options = volume.options.clone();
        if let Some(uid) = volume.uid {
            options.insert("UID".into(), uid.to_string());
        }
        if let Some(gid) = volume.gid {
            options.insert("GID".into(), gid.to_string());
        }
        InspectVolumeData {
            name: volume.name.to_string(),
            driver: volume.driver.clone(),
            mountpoint: volume.mountpoint.display().to_string(),
            created_at: volume.created_at,
            labels: volume.labels.clone(),
            scope: "local".into(),
            options,
            uid: volume.uid.unwrap_or(0),
            gid: volume.gid.unwrap_or(0),
            anonymous: volume.anonymous,
            mount_count: u32::try_from(volume.mounted_by.len()).unwrap_or(u32::MAX),
            needs_copy_up: volume.needs_copy_up,
            needs_chown: volume.needs_chown,
        }
    }
}
