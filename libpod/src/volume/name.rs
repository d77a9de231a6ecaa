//! Volume names, checked once against Podman's rule.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::VolumeError;

/// A volume name that matches Podman's `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, so it is one path
/// component under `<root>/volumes` (no `/`, no `..`, never empty).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VolumeName(String);

impl VolumeName {
    /// Checks `name` against Podman's rule.
    pub fn parse(name: &str) -> Result<VolumeName, VolumeError> {
        let mut chars = name.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
        if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            Ok(VolumeName(name.to_string()))
        } else {
            Err(VolumeError::InvalidName(name.to_string()))
        }
    }

    /// A fresh random name, 64 hex digits, as Podman gives a volume created without one.
    pub fn random() -> VolumeName {
        VolumeName(crate::names::new_id())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VolumeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for VolumeName {
    type Error = VolumeError;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        VolumeName::parse(&name)
    }
}

impl From<VolumeName> for String {
    fn from(name: VolumeName) -> String {
        name.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podman_rule() {
        for good in ["a", "myvol", "0", "a.b-c_d", "A9"] {
            assert_eq!(VolumeName::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "a/b", "/a", "..", ".a", "-x", "_x", "a b", "a:b", "é"] {
            let err = VolumeName::parse(bad).unwrap_err().to_string();
            assert_eq!(err, "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument", "{bad:?}");
        }
    }

    #[test]
    fn random_names_are_64_hex_digits_and_valid() {
        let name = VolumeName::random();
        assert_eq!(name.as_str().len(), 64);
        assert!(name.as_str().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(name, VolumeName::random());
    }

    #[test]
    fn decoding_checks_the_rule() {
        assert!(serde_json::from_str::<VolumeName>("\"ok\"").is_ok());
        assert!(serde_json::from_str::<VolumeName>("\"a/b\"").is_err());
    }
}
