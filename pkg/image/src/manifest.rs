//! The parts of OCI / Docker schema 2 manifests and image configs the store needs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";

/// A content descriptor: what a manifest says about one blob.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

/// An image manifest (one platform).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

impl Manifest {
    /// Parses a manifest, refusing lists (they must be resolved to a platform first).
    pub fn parse(bytes: &[u8]) -> Result<Manifest> {
        serde_json::from_slice(bytes).map_err(|e| Error::BadManifest(e.to_string()))
    }
}

/// A platform, as in index entries and image configs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Platform {
    pub architecture: String,
    pub os: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
}

impl Platform {
    /// The platform of this machine in OCI's words (`amd64`, `arm64`…).
    pub fn host() -> Platform {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            other => other,
        };
        Platform { architecture: architecture.to_string(), os: "linux".to_string(), variant: String::new() }
    }
}

/// The image config blob: platform, creation time, runtime defaults and layer diff IDs.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ImageConfigBlob {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: String,
    #[serde(default)]
    pub created: Option<DateTime<Utc>>,
    #[serde(default)]
    pub config: Option<RuntimeDefaults>,
    pub rootfs: RootFs,
}

/// `rootfs` of an image config.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct RootFs {
    pub diff_ids: Vec<String>,
}

/// `config` of an image config: what a container gets unless the user says otherwise.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuntimeDefaults {
    #[serde(default)]
    pub env: Option<Vec<String>>,
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub working_dir: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub labels: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    pub stop_signal: Option<String>,
    /// `VOLUME` destinations, a JSON object whose values are always `{}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    /// `EXPOSE`d ports, `{"80/tcp": {}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_ports: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    /// `HEALTHCHECK`: the check containers of the image run unless told otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<health::HealthConfig>,
}

impl ImageConfigBlob {
    pub fn parse(bytes: &[u8]) -> Result<ImageConfigBlob> {
        serde_json::from_slice(bytes).map_err(|e| Error::BadConfig(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn an_image_configs_healthcheck_is_read_with_go_durations() {
        let blob = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},
            "config":{"Cmd":["nginx"],"Healthcheck":{"Test":["CMD-SHELL","curl -f http://localhost/ || exit 1"],
            "Interval":10000000000,"Timeout":3000000000,"StartPeriod":5000000000,"Retries":4}}}"#;
        let config = ImageConfigBlob::parse(blob).unwrap().config.unwrap();
        let check = config.healthcheck.unwrap();
        assert_eq!(check.test, ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]);
        assert_eq!((check.interval, check.timeout), (Duration::from_secs(10), Duration::from_secs(3)));
        assert_eq!((check.start_period, check.retries), (Duration::from_secs(5), 4));
    }
}
