//! A container's extra mounts: `-v/--volume`, `--mount` and `--tmpfs`.
//!
//! The flags are parsed once, at the edge, into [`MountSpec`]s ([`parse`]); a container stores
//! them as [`MountsConfig`] with Podman's keys, and at start they become OCI mounts ([`spec`]).

pub mod parse;
pub mod spec;

use serde::{Deserialize, Serialize};

pub use parse::{parse_mount, parse_tmpfs, parse_volume, MountError, MountSpec};

/// A bind or tmpfs mount as the container stores it: the OCI mount it becomes at start, with
/// Podman's keys (its `spec.Mount`). Options are the user's, checked, in their order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMount {
    pub destination: String,
    /// `bind` or `tmpfs`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// The mounts of one container, flattened into [`crate::ContainerConfig`] under Podman's keys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MountsConfig {
    /// Bind and tmpfs mounts, in the order the flags gave them.
    #[serde(rename = "mounts", default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<StoredMount>,
}

impl MountsConfig {
    /// The config of the parsed `specs`, which must name distinct destinations (Podman's
    /// `duplicate mount destination` otherwise). Volumes are refused until rpod stores them.
    pub fn from_specs(specs: Vec<MountSpec>) -> Result<MountsConfig, MountError> {
        let mut config = MountsConfig::default();
        let mut seen = std::collections::BTreeSet::new();
        for spec in specs {
            let dest = spec.destination().to_string();
            if !seen.insert(dest.clone()) {
                return Err(MountError::DuplicateDestination(dest));
            }
            let (kind, source, options) = match spec {
                MountSpec::Bind { source, options, .. } => ("bind", source, options),
                MountSpec::Tmpfs { options, .. } => ("tmpfs", String::new(), options),
                MountSpec::Named { .. } | MountSpec::Anonymous { .. } => {
                    return Err(MountError::VolumesUnsupported(dest));
                }
            };
            config.mounts.push(StoredMount { destination: dest, kind: kind.to_string(), source, options });
        }
        Ok(config)
    }
}
