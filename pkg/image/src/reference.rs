//! Image references as containers/image reads them: `[domain/]path[:tag][@digest]`, with
//! Docker Hub's short forms normalized (`alpine` → `docker.io/library/alpine:latest`).
//!
//! Parsing never guesses a registry for the caller: [`is_short_name`] tells whether the user
//! named one, so auto-update can refuse short names before anything expands them. A transport
//! prefix (`docker://`) is no part of a reference: [`crate::RawImageName`] reads it.

use std::fmt;

/// Registry assumed for names without a domain, and its namespace for single-component paths.
pub const DEFAULT_DOMAIN: &str = "docker.io";
const OFFICIAL_NAMESPACE: &str = "library";
const DEFAULT_TAG: &str = "latest";
/// Transports containers/image knows; `docker` is the registry one.
const TRANSPORTS: &[&str] =
    &["docker", "docker-archive", "docker-daemon", "oci", "oci-archive", "dir", "containers-storage", "sif", "tarball"];

/// Why a reference does not parse; each names the offending input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ReferenceError {
    #[error("invalid reference format: repository name must have at least one component")]
    Empty,
    #[error("invalid reference format: repository name must be lowercase: {0:?}")]
    Uppercase(String),
    #[error("invalid reference format: {0:?}")]
    Invalid(String),
    #[error("invalid tag in {0:?}")]
    InvalidTag(String),
    #[error("invalid digest in {0:?}: want sha256 followed by 64 hex characters")]
    InvalidDigest(String),
    #[error("invalid reference format: repository name must not be longer than 255 characters: {0:?}")]
    TooLong(String),
}

/// A parsed, normalized registry image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageReference {
    /// Registry host, with port if any (`quay.io`, `127.0.0.1:5000`, `localhost`).
    pub domain: String,
    /// Repository path inside the registry (`libpod/alpine`, `library/busybox`).
    pub path: String,
    pub tag: Option<String>,
    /// `sha256:<hex>` when the reference pins a digest.
    pub digest: Option<String>,
}

impl ImageReference {
    /// Parses a reference (without transport) and normalizes it.
    pub fn parse(input: &str) -> Result<ImageReference, ReferenceError> {
        if input.is_empty() {
            return Err(ReferenceError::Empty);
        }
        let (name_and_tag, digest) = match input.split_once('@') {
            Some((name, digest)) => (name, Some(parse_digest(digest, input)?)),
            None => (input, None),
        };
        // A tag is what follows the last ':' unless that ':' belongs to a host:port.
        let (name, tag) = match name_and_tag.rfind(':') {
            Some(pos) if !name_and_tag[pos + 1..].contains('/') => {
                (&name_and_tag[..pos], Some(name_and_tag[pos + 1..].to_string()))
            }
            _ => (name_and_tag, None),
        };
        if let Some(tag) = &tag {
            let valid = tag.len() <= 128
                && tag.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            if !valid {
                return Err(ReferenceError::InvalidTag(input.to_string()));
            }
        }
        let (domain, path) = split_domain(name);
        validate_path(&path, input)?;
        validate_domain(&domain, input)?;
        if domain.len() + 1 + path.len() > 255 {
            return Err(ReferenceError::TooLong(input.to_string()));
        }
        Ok(ImageReference { domain, path, tag, digest })
    }

    /// `domain/path`, the repository as registries and the image store name it.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The tag, `latest` when neither a tag nor a digest was given.
    pub fn tag_or_default(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => Some(tag),
            (None, None) => Some(DEFAULT_TAG),
            (None, Some(_)) => None,
        }
    }
}

/// `domain/path[:tag][@digest]`, with the default tag filled in (the form image names are
/// stored and shown in).
impl fmt::Display for ImageReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.repository())?;
        if let Some(tag) = self.tag_or_default() {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl ReferenceError {
    /// The same error quoting `input` (the argument as typed, with its transport) instead of
    /// the reference part that was parsed.
    pub(crate) fn quoting(self, input: &str) -> ReferenceError {
        let input = input.to_string();
        match self {
            ReferenceError::Empty => ReferenceError::Empty,
            ReferenceError::Uppercase(_) => ReferenceError::Uppercase(input),
            ReferenceError::Invalid(_) => ReferenceError::Invalid(input),
            ReferenceError::InvalidTag(_) => ReferenceError::InvalidTag(input),
            ReferenceError::InvalidDigest(_) => ReferenceError::InvalidDigest(input),
            ReferenceError::TooLong(_) => ReferenceError::TooLong(input),
        }
    }
}

/// The transport an image argument names (`docker-archive:/x.tar` → `docker-archive`), or
/// `None` for a plain reference. `docker://x` names the registry transport `docker`.
pub fn transport_of(input: &str) -> Option<&'static str> {
    let (prefix, _) = input.split_once(':')?;
    if prefix.contains('/') {
        return None;
    }
    TRANSPORTS.iter().copied().find(|t| *t == prefix)
}

/// Whether `name` lacks a registry domain (containers/image `shortnames.IsShortName`): the
/// first path component has no `.` or `:` and is not `localhost`.
pub fn is_short_name(name: &str) -> bool {
    match name.split_once('/') {
        None => true,
        Some((first, _)) => !(first.contains(['.', ':']) || first == "localhost"),
    }
}

fn split_domain(name: &str) -> (String, String) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':']) || first == "localhost" || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (first.to_string(), rest.to_string())
        }
        Some(_) => (DEFAULT_DOMAIN.to_string(), name.to_string()),
        None => (DEFAULT_DOMAIN.to_string(), format!("{OFFICIAL_NAMESPACE}/{name}")),
    }
}

fn validate_domain(domain: &str, input: &str) -> Result<(), ReferenceError> {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && !label.starts_with('-')
        });
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if host_ok && port_ok {
        Ok(())
    } else {
        Err(ReferenceError::Invalid(input.to_string()))
    }
}

/// Path components: lowercase alphanumerics separated by `.`, `_`, `__` or runs of `-`.
fn validate_path(path: &str, input: &str) -> Result<(), ReferenceError> {
    if path.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(ReferenceError::Uppercase(input.to_string()));
    }
    for component in path.split('/') {
        let bytes = component.as_bytes();
        let ends_ok =
            bytes.first().is_some_and(u8::is_ascii_alphanumeric) && bytes.last().is_some_and(u8::is_ascii_alphanumeric);
        let chars_ok =
            component.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        let separators_ok = !component.contains("..")
            && !component.contains("___")
            && !component.contains("._")
            && !component.contains("_.");
        if !(ends_ok && chars_ok && separators_ok) {
            return Err(ReferenceError::Invalid(input.to_string()));
        }
    }
    Ok(())
}

fn parse_digest(digest: &str, input: &str) -> Result<String, ReferenceError> {
    match digest.split_once(':') {
        Some(("sha256", hex))
            if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) =>
        {
            Ok(digest.to_string())
        }
        _ => Err(ReferenceError::InvalidDigest(input.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn normalizes_like_containers_image() {
        let cases = [
            ("alpine", "docker.io/library/alpine:latest"),
            ("library/alpine:3", "docker.io/library/alpine:3"),
            ("user/app", "docker.io/user/app:latest"),
            ("quay.io/libpod/alpine", "quay.io/libpod/alpine:latest"),
            ("localhost/app", "localhost/app:latest"),
            ("127.0.0.1:5000/a/b/c:tag-1.0", "127.0.0.1:5000/a/b/c:tag-1.0"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
        ];
        for (input, normalized) in cases {
            assert_eq!(ImageReference::parse(input).unwrap().to_string(), normalized, "{input}");
        }
        let pinned = ImageReference::parse(&format!("quay.io/a/b@{DIGEST}")).unwrap();
        assert_eq!(pinned.to_string(), format!("quay.io/a/b@{DIGEST}"));
        assert_eq!(pinned.tag_or_default(), None);
        let both = ImageReference::parse(&format!("quay.io/a/b:1@{DIGEST}")).unwrap();
        assert_eq!((both.tag.as_deref(), both.digest.as_deref()), (Some("1"), Some(DIGEST)));
    }

    #[test]
    fn refuses_bad_references() {
        for bad in [
            "",
            "docker://quay.io/a",
            "quay.io/Foo",
            "a//b",
            "a/-b",
            "quay.io/a:bad tag",
            "quay.io/a@sha256:abc",
            "quay.io/a:",
            ":tag",
            "host:port:x/a",
            "a..b",
        ] {
            assert!(ImageReference::parse(bad).is_err(), "{bad:?} should not parse");
        }
        assert_eq!(ImageReference::parse("").unwrap_err(), ReferenceError::Empty);
    }

    #[test]
    fn short_names() {
        for short in ["alpine", "alpine:latest", "library/alpine", "shortname:latest", "user/app:1"] {
            assert!(is_short_name(short), "{short}");
        }
        for full in ["quay.io/a/b", "localhost/x", "127.0.0.1:5000/x", "docker.io/library/alpine"] {
            assert!(!is_short_name(full), "{full}");
        }
    }

    #[test]
    fn transports() {
        assert_eq!(transport_of("docker-archive:/tmp/x.tar"), Some("docker-archive"));
        assert_eq!(transport_of("oci-archive:x.tar:tag"), Some("oci-archive"));
        assert_eq!(transport_of("docker://quay.io/a"), Some("docker"));
        assert_eq!(transport_of("quay.io/a:1"), None);
        assert_eq!(transport_of("localhost:5000/a"), None);
        assert_eq!(transport_of("alpine:latest"), None);
    }
}
