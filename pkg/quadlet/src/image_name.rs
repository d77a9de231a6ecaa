//! Whether an `Image=` names one image without any search: what `AutoUpdate=registry` needs,
//! and what Podman's quadlet warns about otherwise.

/// A full image ID (`sha256:…` or 64 hex digits), or a name whose first component is a
/// registry (has a `.` or `:`, or is `localhost`). Podman's quadlet uses this rule, not the
/// full reference grammar, to stay small.
pub fn is_fully_qualified(image: &str) -> bool {
    if image.starts_with("sha256:") || (image.len() == 64 && image.chars().all(|c| c.is_ascii_hexdigit())) {
        return true;
    }
    match image.split_once('/') {
        Some((domain, _)) => domain.contains(['.', ':']) || domain == "localhost",
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names() {
        for yes in ["quay.io/a", "localhost/a:1", "reg:5000/x/y", "sha256:abc", &"a".repeat(64)] {
            assert!(is_fully_qualified(yes), "{yes}");
        }
        for no in ["alpine", "library/alpine", "alpine:3", &"a".repeat(63)] {
            assert!(!is_fully_qualified(no), "{no}");
        }
    }
}
