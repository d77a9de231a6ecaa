//! A container's extra mounts: `-v/--volume`, `--mount` and `--tmpfs`.
//!
//! The flags are parsed once, at the edge, into [`MountSpec`]s ([`parse`]); a container stores
//! them as [`MountsConfig`] with Podman's keys, and at start they become OCI mounts ([`spec`]).

pub mod copy_up;
pub mod image_volumes;
pub mod inspect;
pub mod parse;
pub mod spec;
pub mod volume_fs;
pub mod volumes;

use serde::{Deserialize, Serialize};

pub use image_volumes::ImageVolumeMode;
pub use parse::{parse_mount, parse_tmpfs, parse_volume, MountError, MountSpec};

use crate::volume::{VolumeName, VolumeSpec};

/// The options Podman gives a volume's mount unless the user gave the option or its opposite:
/// what the mount at start gets and what `inspect` reports.
const VOLUME_DEFAULTS: [(&str, &str); 2] = [("nosuid", "suid"), ("nodev", "dev")];

/// The `(default, opposite)` options of which `user` names neither, in `defaults`' order.
fn missing_defaults<S: AsRef<str>>(user: &[S], defaults: &[(&str, &str)]) -> Vec<String> {
    let given = |option: &str| user.iter().any(|u| u.as_ref() == option);
    defaults.iter().filter(|(d, o)| !given(d) && !given(o)).map(|(d, _)| d.to_string()).collect()
}

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

/// A named or anonymous volume a container mounts, with Podman's keys (its
/// `ContainerNamedVolume`). An anonymous volume has a generated name, fixed at create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedVolume {
    #[serde(rename = "volumeName")]
    pub volume_name: VolumeName,
    pub dest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Made for this container alone: `rm -v` and `--rm` remove it with the container.
    #[serde(rename = "isAnonymous", default, skip_serializing_if = "std::ops::Not::not")]
    pub is_anonymous: bool,
}

/// The mounts of one container, flattened into [`crate::ContainerConfig`] under Podman's keys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MountsConfig {
    /// Bind and tmpfs mounts, in the order the flags gave them.
    #[serde(rename = "mounts", default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<StoredMount>,
    /// Named and anonymous volumes, in the order the flags gave them.
    #[serde(rename = "namedVolumes", default, skip_serializing_if = "Vec::is_empty")]
    pub named_volumes: Vec<NamedVolume>,
}

impl MountsConfig {
    /// The config of the parsed `specs`, which must name distinct destinations (Podman's
    /// `duplicate mount destination` otherwise). Anonymous volumes are given their names here.
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
                MountSpec::Named { name, options, .. } => {
                    config.named_volumes.push(NamedVolume { volume_name: name, dest, options, is_anonymous: false });
                    continue;
                }
                MountSpec::Anonymous { options, .. } => {
                    let volume_name = VolumeName::random();
                    config.named_volumes.push(NamedVolume { volume_name, dest, options, is_anonymous: true });
                    continue;
                }
            };
            config.mounts.push(StoredMount { destination: dest, kind: kind.to_string(), source, options });
        }
        Ok(config)
    }
}

impl MountsConfig {
    /// What the store creates (when missing) and records as used when the container is added.
    pub fn volume_specs(&self) -> Vec<VolumeSpec> {
        let spec =
            |v: &NamedVolume| VolumeSpec { anonymous: v.is_anonymous, ..VolumeSpec::named(v.volume_name.clone()) };
        self.named_volumes.iter().map(spec).collect()
    }

    /// The container's anonymous volumes, which go when it is removed with `-v` or `--rm`.
    pub fn anonymous_volumes(&self) -> impl Iterator<Item = &VolumeName> {
        self.named_volumes.iter().filter(|v| v.is_anonymous).map(|v| &v.volume_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_are_stored_with_podmans_keys_and_anonymous_ones_get_names() {
        let cwd = std::path::Path::new("/");
        let specs = vec![parse_volume("/cache", cwd).unwrap(), parse_volume("data:/data:ro", cwd).unwrap()];
        let config = MountsConfig::from_specs(specs).unwrap();
        let anonymous: Vec<_> = config.anonymous_volumes().collect();
        assert_eq!(anonymous.len(), 1);
        assert_eq!(anonymous[0].as_str().len(), 64);
        let specs = config.volume_specs();
        assert_eq!((specs[0].anonymous, specs[1].anonymous), (true, false));
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(
            json["namedVolumes"][1],
            serde_json::json!({"volumeName": "data", "dest": "/data", "options": ["ro"]})
        );
        assert_eq!(json["namedVolumes"][0]["isAnonymous"], true);
        assert_eq!(serde_json::from_value::<MountsConfig>(json).unwrap(), config);
    }

    #[test]
    fn one_destination_takes_one_mount() {
        let cwd = std::path::Path::new("/");
        let specs = vec![parse_volume("v:/x", cwd).unwrap(), parse_tmpfs("/x").unwrap()];
        assert_eq!(MountsConfig::from_specs(specs).unwrap_err().to_string(), "/x: duplicate mount destination");
    }
}
