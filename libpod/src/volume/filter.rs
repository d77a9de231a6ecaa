//! `volume ls --filter` and `volume prune --filter`: Podman's keys, values of one key OR-ed,
//! different keys AND-ed.

use chrono::{DateTime, Utc};

use super::{Volume, VolumeError};
use crate::filters::{has_entry, key_and_value, match_all, parse_until};

/// One `--filter KEY=VALUE`, checked when parsed so a bad one fails before anything is listed
/// or removed.
#[derive(Debug, Clone, PartialEq)]
pub enum VolumeFilter {
    /// `name=`: part of the name (Podman matches a regular expression; rpod a substring).
    Name(String),
    Driver(String),
    /// `label=KEY` or `label=KEY=VALUE`.
    Label {
        key: String,
        value: Option<String>,
    },
    /// `opt=KEY` or `opt=KEY=VALUE`: a driver option.
    Opt {
        key: String,
        value: Option<String>,
    },
    Scope(String),
    /// `dangling=true|false`: used by no container, or used.
    Dangling(bool),
    /// `until=`: created before a time (RFC 3339, Unix seconds, or a Go duration ago).
    Until(DateTime<Utc>),
}

/// Which filter keys a command takes: `volume prune` knows fewer than `volume ls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterUse {
    List,
    Prune,
}

impl VolumeFilter {
    /// Parses `KEY=VALUE`, refusing a key `usage` does not take in Podman's words.
    pub fn parse(text: &str, usage: FilterUse, now: DateTime<Utc>) -> Result<VolumeFilter, VolumeError> {
        let (key, value) = text.split_once('=').ok_or_else(|| VolumeError::InvalidFilter(text.to_string()))?;
        let filter = match (key, usage) {
            ("label", _) => {
                let (key, value) = key_and_value(value);
                VolumeFilter::Label { key, value }
            }
            ("until", _) => VolumeFilter::Until(
                parse_until(value, now).ok_or_else(|| VolumeError::InvalidFilter(text.to_string()))?,
            ),
            ("name", FilterUse::List) => VolumeFilter::Name(value.to_string()),
            ("driver", FilterUse::List) => VolumeFilter::Driver(value.to_string()),
            ("scope", FilterUse::List) => VolumeFilter::Scope(value.to_string()),
            ("opt", FilterUse::List) => {
                let (key, value) = key_and_value(value);
                VolumeFilter::Opt { key, value }
            }
            ("dangling", FilterUse::List) => match value {
                "true" | "1" => VolumeFilter::Dangling(true),
                "false" | "0" => VolumeFilter::Dangling(false),
                _ => return Err(VolumeError::InvalidFilter(text.to_string())),
            },
            _ => return Err(VolumeError::UnknownFilterKey(key.to_string())),
        };
        Ok(filter)
    }

    fn key(&self) -> &'static str {
        match self {
            VolumeFilter::Name(_) => "name",
            VolumeFilter::Driver(_) => "driver",
            VolumeFilter::Label { .. } => "label",
            VolumeFilter::Opt { .. } => "opt",
            VolumeFilter::Scope(_) => "scope",
            VolumeFilter::Dangling(_) => "dangling",
            VolumeFilter::Until(_) => "until",
        }
    }

    fn matches(&self, volume: &Volume, in_use: bool) -> bool {
        match self {
            VolumeFilter::Name(part) => volume.name.as_str().contains(part.as_str()),
            VolumeFilter::Driver(driver) => volume.driver == *driver,
            VolumeFilter::Label { key, value } => has_entry(&volume.labels, key, value.as_deref()),
            VolumeFilter::Opt { key, value } => has_entry(&volume.options, key, value.as_deref()),
            VolumeFilter::Scope(scope) => scope == "local",
            VolumeFilter::Dangling(dangling) => *dangling != in_use,
            VolumeFilter::Until(time) => volume.created_at < *time,
        }
    }
}

/// Whether `volume` passes every key of `filters` (any value of a key will do).
pub fn matches_all(filters: &[VolumeFilter], volume: &Volume, in_use: bool) -> bool {
    match_all(filters, VolumeFilter::key, |f| f.matches(volume, in_use))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::VolumeName;

    fn volume(name: &str, labels: &[(&str, &str)]) -> Volume {
        Volume {
            name: VolumeName::parse(name).unwrap(),
            driver: "local".into(),
            mountpoint: "/x".into(),
            created_at: DateTime::from_timestamp(1_000_000, 0).unwrap(),
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            options: Default::default(),
            uid: None,
            gid: None,
            anonymous: false,
            needs_copy_up: true,
            needs_chown: true,
            mounted_by: Default::default(),
        }
    }

    fn parse(texts: &[&str]) -> Vec<VolumeFilter> {
        let now = DateTime::from_timestamp(2_000_000, 0).unwrap();
        texts.iter().map(|t| VolumeFilter::parse(t, FilterUse::List, now).unwrap()).collect()
    }

    #[test]
    fn keys_and_values_combine_like_podman() {
        let v = volume("data", &[("a", "1")]);
        assert!(matches_all(&parse(&["name=at", "label=a"]), &v, false));
        assert!(matches_all(&parse(&["name=zz", "name=da"]), &v, false));
        assert!(!matches_all(&parse(&["name=da", "label=a=2"]), &v, false));
        assert!(matches_all(&parse(&["dangling=true"]), &v, false));
        assert!(!matches_all(&parse(&["dangling=true"]), &v, true));
        assert!(matches_all(&parse(&["until=1h", "driver=local", "scope=local"]), &v, false));
        assert!(!matches_all(&parse(&["until=1000000"]), &v, false));
        assert!(matches_all(&parse(&["until=1970-01-24T00:00:00Z"]), &v, false));
    }

    #[test]
    fn bad_filters_are_refused_in_podmans_words() {
        let now = Utc::now();
        let err = |t, u| VolumeFilter::parse(t, u, now).unwrap_err().to_string();
        assert_eq!(err("bogus=1", FilterUse::List), "\"bogus\" is an invalid volume filter");
        assert_eq!(err("name=x", FilterUse::Prune), "\"name\" is an invalid volume filter");
        assert_eq!(err("dangling=maybe", FilterUse::List), "invalid filter \"dangling=maybe\"");
        assert_eq!(err("until=soon", FilterUse::List), "invalid filter \"until=soon\"");
        assert_eq!(err("name", FilterUse::List), "invalid filter \"name\"");
    }
}
