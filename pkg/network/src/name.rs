//! Network names: Podman's rule, checked once where a name enters rpod.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::NetworkError;

/// A network name that matches Podman's rule `[a-zA-Z0-9][a-zA-Z0-9_.-]*` (also the rule for
/// bridge interface names).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetworkName(String);

impl NetworkName {
    /// Checks `text` against Podman's rule.
    pub fn parse(text: &str) -> Result<NetworkName, NetworkError> {
        if is_valid_name(text) {
            Ok(NetworkName(text.to_string()))
        } else {
            Err(NetworkError::InvalidName(text.to_string()))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Podman's name rule, shared by network and bridge names.
pub(crate) fn is_valid_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

impl fmt::Display for NetworkName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for NetworkName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for NetworkName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for NetworkName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<NetworkName, D::Error> {
        let text = String::deserialize(deserializer)?;
        NetworkName::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podman_name_rule() {
        for good in ["podman", "a", "0net", "my_net.v1-2"] {
            assert_eq!(NetworkName::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "-net", "_net", ".net", "net/x", "net name", "nét"] {
            assert!(NetworkName::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            NetworkName::parse("a b").unwrap_err().to_string(),
            "network name a b invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"
        );
    }
}
