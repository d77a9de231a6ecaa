//! Named volumes: data that outlives the containers using it (Podman's `libpod/volume.go`).
//!
//! A volume is a row in the state store plus a directory `<root>/volumes/NAME/_data` that
//! containers mount. [`VolumeName`] checks Podman's name rule once, at the edge; [`Volume`] is
//! what the store keeps; [`InspectVolumeData`] is what `volume inspect` prints. The store methods
//! live in [`store`] so that creation, first use and removal keep the row and the directory in
//! step under one write lock.

mod error;
mod filter;
mod inspect;
mod name;
mod store;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use error::VolumeError;
pub use filter::{matches_all, FilterUse, VolumeFilter};
pub use inspect::InspectVolumeData;
pub use name::VolumeName;

/// The only volume driver rpod has; Podman's built-in one.
pub const LOCAL_DRIVER: &str = "local";

/// The `local` driver's option keys Podman accepts (matched without case, as Podman does).
const LOCAL_OPTION_KEYS: &[&str] = &["device", "o", "type", "uid", "gid", "copy", "nocopy"];

/// What a caller asks for when creating a volume (`volume create` or a container's first use).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VolumeSpec {
    pub name: Option<VolumeName>,
    /// `None` means the `local` driver.
    pub driver: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// `--opt` for the `local` driver: `type`, `device`, `o` (a mount at first use), `uid`, `gid`.
    pub options: BTreeMap<String, String>,
    /// Made for one container without a name (`-v /dest`), removed with it by `rm -v`/`--rm`.
    pub anonymous: bool,
}

impl VolumeSpec {
    /// A spec for a named volume with no labels or options: a container's first use of `name`.
    pub fn named(name: VolumeName) -> VolumeSpec {
        VolumeSpec { name: Some(name), ..Default::default() }
    }

    /// Refuses a driver other than `local` and options that driver does not know, in Podman's
    /// words, before anything is stored.
    fn validate(&self, name: &VolumeName) -> Result<(), VolumeError> {
        if let Some(driver) = self.driver.as_deref().filter(|d| *d != LOCAL_DRIVER) {
            return Err(VolumeError::UnknownDriver { name: name.to_string(), driver: driver.to_string() });
        }
        if let Some(key) = self.options.keys().find(|k| !LOCAL_OPTION_KEYS.contains(&k.to_ascii_lowercase().as_str())) {
            return Err(VolumeError::InvalidOption(key.clone()));
        }
        Ok(())
    }
}

/// A volume as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    pub name: VolumeName,
    pub driver: String,
    /// `<root>/volumes/NAME/_data`: what containers mount.
    pub mountpoint: PathBuf,
    pub created_at: DateTime<Utc>,
    pub labels: BTreeMap<String, String>,
    pub options: BTreeMap<String, String>,
    /// Owner to give the data directory at first mount (`--opt o=uid=`), Podman's `UID`.
    #[serde(default)]
    pub uid: Option<u32>,
    #[serde(default)]
    pub gid: Option<u32>,
    #[serde(default)]
    pub anonymous: bool,
    /// True until the first container mounting it has copied its image's content in.
    #[serde(default)]
    pub needs_copy_up: bool,
    /// True until the first container mounting it has given the directory its user.
    #[serde(default)]
    pub needs_chown: bool,
    /// The containers whose current run holds the volume's filesystem mounted (Podman's
    /// `MountCount`, kept as a set so that releasing twice never unmounts under another user).
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub mounted_by: std::collections::BTreeSet<String>,
}

impl Volume {
    /// The filesystem a `local` volume's options name (`--opt type=`, `device=`, or `o=` with
    /// more than `uid=`/`gid=`), mounted on its data directory while containers use it; `None`
    /// for a plain directory.
    pub fn filesystem(&self) -> Option<VolumeFilesystem> {
        let option = |wanted: &str| {
            self.options.iter().find(|(key, _)| key.eq_ignore_ascii_case(wanted)).map(|(_, value)| value.clone())
        };
        let (kind, device, options) = (option("type"), option("device"), option("o"));
        let mounts_something = options
            .as_deref()
            .is_some_and(|o| o.split(',').any(|item| !item.starts_with("uid=") && !item.starts_with("gid=")));
        if kind.is_none() && device.is_none() && !mounts_something {
            return None;
        }
        Some(VolumeFilesystem { kind: kind.unwrap_or_default(), device: device.unwrap_or_default(), options })
    }
}

/// What `mount(8)` is given for a volume with a filesystem: Podman's `mount -o O -t TYPE DEVICE
/// DIR`, with `-o bind` for `type=bind` and the type as device when none is given (a tmpfs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeFilesystem {
    pub kind: String,
    pub device: String,
    /// `o=` as given, `uid=`/`gid=` included: a tmpfs takes them as its root's owner.
    pub options: Option<String>,
}

impl VolumeFilesystem {
    /// The arguments of `mount` before the target directory.
    pub fn mount_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(options) = &self.options {
            args.extend(["-o".to_string(), options.clone()]);
        }
        match self.kind.as_str() {
            "" => {}
            "bind" => args.extend(["-o".to_string(), "bind".to_string()]),
            kind => args.extend(["-t".to_string(), kind.to_string()]),
        }
        args.push(if self.device.is_empty() { self.kind.clone() } else { self.device.clone() });
        args
    }
}

/// The `uid=`/`gid=` values in a `local` volume's `o=` option, which Podman lifts into the
/// volume's own `UID`/`GID`.
fn owner_from_options(options: &BTreeMap<String, String>) -> (Option<u32>, Option<u32>) {
    let mut owner = (None, None);
    let explicit = options.iter().filter(|(k, _)| k.eq_ignore_ascii_case("o")).flat_map(|(_, v)| v.split(','));
    for item in explicit {
        match item.split_once('=') {
            Some(("uid", v)) => owner.0 = v.parse().ok(),
            Some(("gid", v)) => owner.1 = v.parse().ok(),
            _ => {}
        }
    }
    owner
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(driver: Option<&str>, options: &[(&str, &str)]) -> VolumeSpec {
        VolumeSpec {
            driver: driver.map(str::to_string),
            options: options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn only_the_local_driver_and_its_options_are_accepted() {
        let name = VolumeName::parse("v").unwrap();
        assert!(spec(None, &[("type", "tmpfs"), ("device", "tmpfs"), ("o", "size=1m")]).validate(&name).is_ok());
        assert!(spec(Some("local"), &[("UID", "1")]).validate(&name).is_ok());
        let plugin = spec(Some("foo"), &[]).validate(&name).unwrap_err().to_string();
        assert_eq!(
            plugin,
            "volume v uses volume plugin foo but it could not be retrieved: no volume plugin with name foo available: required plugin missing"
        );
        let option = spec(None, &[("bad", "1")]).validate(&name).unwrap_err().to_string();
        assert_eq!(option, "invalid mount option bad for driver 'local': invalid argument");
    }

    #[test]
    fn type_device_and_o_name_a_filesystem_as_podman_mounts_it() {
        let volume = |options: &[(&str, &str)]| Volume {
            name: VolumeName::parse("v").unwrap(),
            driver: LOCAL_DRIVER.into(),
            mountpoint: "/x".into(),
            created_at: Utc::now(),
            labels: BTreeMap::new(),
            options: options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            uid: None,
            gid: None,
            anonymous: false,
            needs_copy_up: true,
            needs_chown: true,
            mounted_by: Default::default(),
        };
        assert_eq!(volume(&[]).filesystem(), None);
        assert_eq!(volume(&[("o", "uid=1,gid=2"), ("nocopy", "")]).filesystem(), None);
        let args = |options: &[(&str, &str)]| volume(options).filesystem().unwrap().mount_args();
        assert_eq!(
            args(&[("type", "tmpfs"), ("device", "tmpfs"), ("o", "uid=1000,mode=0750")]),
            ["-o", "uid=1000,mode=0750", "-t", "tmpfs", "tmpfs"]
        );
        assert_eq!(args(&[("TYPE", "tmpfs")]), ["-t", "tmpfs", "tmpfs"]);
        assert_eq!(args(&[("type", "bind"), ("device", "/srv/data")]), ["-o", "bind", "/srv/data"]);
        assert_eq!(args(&[("device", "/dev/sdb1")]), ["/dev/sdb1"]);
    }

    #[test]
    fn uid_and_gid_come_from_o() {
        let options = [("o".to_string(), "uid=7,gid=8,nodev".to_string())].into();
        assert_eq!(owner_from_options(&options), (Some(7), Some(8)));
        assert_eq!(owner_from_options(&BTreeMap::new()), (None, None));
    }
}
