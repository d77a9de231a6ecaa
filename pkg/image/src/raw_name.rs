//! The image argument exactly as the user typed it (`create`, `run`, `pull`, `push`, and the
//! names the image store is asked for), parsed once: its transport, whether it names a
//! registry, and its reference.
//!
//! This is the only place that reads a `docker://` prefix. Podman records the argument as typed
//! in a container's `RawImageName`, and auto-update checks and pulls that very text later, so
//! a [`RawImageName`] serialises as the typed string, byte for byte, whatever it holds.
//!
//! Parsing never fails: an argument that is no valid reference may still be an image ID
//! (`3f2a1b`, `sha256:3f2a…`) or a name some command reports on in its own words, so the
//! reference's error is kept for whoever needs a reference ([`RawImageName::reference`]).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::reference::{is_short_name, transport_of, ImageReference, ReferenceError};

/// The registry transport's prefix, which Podman accepts before any registry reference.
const DOCKER_PREFIX: &str = "docker://";

/// Where an image argument points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// A registry: `docker://`, or no transport at all (Podman's default).
    Registry,
    /// Another containers/image transport (`docker-archive`, `oci`, `dir`, …), which rpod can
    /// neither create containers from nor pull.
    Other(&'static str),
}

/// An image argument as typed, with what it says.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(from = "String", into = "String")]
pub struct RawImageName {
    typed: String,
    transport: Transport,
    /// Where the name starts in `typed`: after `docker://`, else 0.
    name_start: usize,
    /// The name parsed as a registry reference, or why it is none.
    reference: Result<ImageReference, ReferenceError>,
}

impl RawImageName {
    /// Parses an argument as typed.
    pub fn parse(typed: impl Into<String>) -> RawImageName {
        let typed = typed.into();
        let (transport, name_start) = match transport_of(&typed) {
            Some("docker") if typed.starts_with(DOCKER_PREFIX) => (Transport::Registry, DOCKER_PREFIX.len()),
            Some("docker") | None => (Transport::Registry, 0),
            Some(other) => (Transport::Other(other), 0),
        };
        // Errors quote the argument as typed, transport included.
        let reference = ImageReference::parse(&typed[name_start..]).map_err(|err| err.quoting(&typed));
        RawImageName { typed, transport, name_start, reference }
    }

    /// The argument exactly as typed.
    pub fn as_str(&self) -> &str {
        &self.typed
    }

    /// Whether nothing was typed (a container created before rpod recorded the name).
    pub fn is_empty(&self) -> bool {
        self.typed.is_empty()
    }

    /// The transport the argument names.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The argument without its `docker://` prefix: what the image store is asked for.
    pub fn name(&self) -> &str {
        &self.typed[self.name_start..]
    }

    /// Whether the name lacks a registry domain (`alpine`, `library/alpine:3`): such a name can
    /// only mean a local image, and auto-update refuses it (see [`is_short_name`]).
    pub fn is_short_name(&self) -> bool {
        is_short_name(self.name())
    }

    /// The name as a normalized registry reference, or why it is none.
    pub fn reference(&self) -> Result<&ImageReference, ReferenceError> {
        self.reference.as_ref().map_err(Clone::clone)
    }
}

impl Default for RawImageName {
    fn default() -> Self {
        RawImageName::parse(String::new())
    }
}

/// Parsing never fails (see the module docs), so a command line can take the type directly.
impl std::str::FromStr for RawImageName {
    type Err = std::convert::Infallible;

    fn from_str(typed: &str) -> Result<Self, Self::Err> {
        Ok(RawImageName::parse(typed))
    }
}

impl From<String> for RawImageName {
    fn from(typed: String) -> Self {
        RawImageName::parse(typed)
    }
}

impl From<&str> for RawImageName {
    fn from(typed: &str) -> Self {
        RawImageName::parse(typed)
    }
}

impl From<RawImageName> for String {
    fn from(raw: RawImageName) -> String {
        raw.typed
    }
}

/// The argument as typed.
impl fmt::Display for RawImageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.typed)
    }
}

// Everything else follows from the typed text: two arguments are the same when typed the same.
impl PartialEq for RawImageName {
    fn eq(&self, other: &Self) -> bool {
        self.typed == other.typed
    }
}

impl Eq for RawImageName {}

impl Hash for RawImageName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.typed.hash(state)
    }
}

impl PartialOrd for RawImageName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RawImageName {
    fn cmp(&self, other: &Self) -> Ordering {
        self.typed.cmp(&other.typed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn serialises_as_the_exact_typed_string() {
        for typed in
            ["docker://quay.io/a/b:1", "alpine", "quay.io/a/b", "", "UPPER/case", "docker-archive:/x.tar", " x "]
        {
            let raw = RawImageName::parse(typed);
            let json = serde_json::to_string(&raw).unwrap();
            assert_eq!(json, serde_json::to_string(typed).unwrap());
            let back: RawImageName = serde_json::from_str(&json).unwrap();
            assert_eq!(back.as_str(), typed);
            assert_eq!(back, raw);
            assert_eq!(raw.to_string(), typed);
            assert_eq!(String::from(raw), typed);
        }
    }

    #[test]
    fn transports() {
        let cases = [
            ("docker://quay.io/a/b:1", Transport::Registry, "quay.io/a/b:1"),
            ("quay.io/a/b:1", Transport::Registry, "quay.io/a/b:1"),
            ("localhost:5000/a", Transport::Registry, "localhost:5000/a"),
            ("alpine:latest", Transport::Registry, "alpine:latest"),
            ("docker-archive:/tmp/x.tar", Transport::Other("docker-archive"), "docker-archive:/tmp/x.tar"),
            ("oci-archive:x.tar:tag", Transport::Other("oci-archive"), "oci-archive:x.tar:tag"),
            ("dir:/images/x", Transport::Other("dir"), "dir:/images/x"),
        ];
        for (typed, transport, name) in cases {
            let raw = RawImageName::parse(typed);
            assert_eq!((raw.transport(), raw.name()), (transport, name), "{typed}");
        }
    }

    #[test]
    fn short_and_fully_qualified_names() {
        for short in ["alpine", "alpine:latest", "library/alpine", "user/app:1", "docker://alpine", ""] {
            assert!(RawImageName::parse(short).is_short_name(), "{short}");
        }
        for full in ["quay.io/a/b", "localhost/x", "127.0.0.1:5000/x", "docker.io/library/alpine", "docker://quay.io/a"]
        {
            assert!(!RawImageName::parse(full).is_short_name(), "{full}");
        }
    }

    #[test]
    fn references_and_digests() {
        let raw = RawImageName::parse("docker://quay.io/libpod/alpine");
        assert_eq!(raw.reference().unwrap().to_string(), "quay.io/libpod/alpine:latest");
        let pinned = RawImageName::parse(format!("quay.io/a/b@{DIGEST}"));
        assert_eq!(pinned.reference().unwrap().digest.as_deref(), Some(DIGEST));
        assert_eq!(pinned.reference().unwrap().tag, None);
        let both = RawImageName::parse(format!("docker://quay.io/a/b:1@{DIGEST}"));
        let reference = both.reference().unwrap();
        assert_eq!((reference.tag.as_deref(), reference.digest.as_deref()), (Some("1"), Some(DIGEST)));
    }

    #[test]
    fn bad_input_keeps_its_error_quoting_what_was_typed() {
        assert_eq!(RawImageName::parse("").reference().unwrap_err(), ReferenceError::Empty);
        assert_eq!(RawImageName::parse("docker://").reference().unwrap_err(), ReferenceError::Empty);
        assert_eq!(
            RawImageName::parse("docker://quay.io/Foo").reference().unwrap_err(),
            ReferenceError::Uppercase("docker://quay.io/Foo".into())
        );
        assert_eq!(
            RawImageName::parse("quay.io/a@sha256:abc").reference().unwrap_err(),
            ReferenceError::InvalidDigest("quay.io/a@sha256:abc".into())
        );
        assert!(RawImageName::parse("docker-archive:/x.tar").reference().is_err());
        // docker:// is read once: a second one is part of the name, which is no reference.
        assert!(RawImageName::parse("docker://docker://quay.io/a").reference().is_err());
    }
}
