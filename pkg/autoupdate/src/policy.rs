//! The `io.containers.autoupdate` label values and what they mean.

use std::fmt;

/// How a container is kept up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Never updated (label `disabled` or empty).
    Disabled,
    /// Compare the registry's digest of `RawImageName` with the local image; pull on change.
    /// The label value `image` is an old alias and is reported as `registry` (Podman 3.2+).
    Registry,
    /// Compare the ID of the image now tagged `RawImageName` in local storage with the
    /// container's image; no registry involved.
    Local,
}

impl Policy {
    /// The name reports show in the POLICY column.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Disabled => "disabled",
            Policy::Registry => "registry",
            Policy::Local => "local",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A label value that is not a policy; the text is Podman's (`%q` and `%+q` of the sorted,
/// non-empty policy names).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(r#"invalid auto-update policy "{0}": valid policies are ["disabled" "image" "local" "registry"]"#)]
pub struct InvalidPolicy(pub String);

/// Maps a label value to its policy like Podman's `LookupPolicy`: `""` and `disabled` →
/// disabled, `image` and `registry` → registry, `local` → local; anything else is an error.
pub fn lookup_policy(value: &str) -> Result<Policy, InvalidPolicy> {
    match value {
        "" | "disabled" => Ok(Policy::Disabled),
        "image" | "registry" => Ok(Policy::Registry),
        "local" => Ok(Policy::Local),
        other => Err(InvalidPolicy(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_matches_podman() {
        let cases: &[(&str, Result<Policy, &str>)] = &[
            ("", Ok(Policy::Disabled)),
            ("disabled", Ok(Policy::Disabled)),
            ("image", Ok(Policy::Registry)),
            ("registry", Ok(Policy::Registry)),
            ("local", Ok(Policy::Local)),
            (
                "fake_value",
                Err(
                    r#"invalid auto-update policy "fake_value": valid policies are ["disabled" "image" "local" "registry"]"#,
                ),
            ),
            (
                "Registry",
                Err(
                    r#"invalid auto-update policy "Registry": valid policies are ["disabled" "image" "local" "registry"]"#,
                ),
            ),
        ];
        for (value, want) in cases {
            let got = lookup_policy(value).map_err(|e| e.to_string());
            assert_eq!(got, want.map_err(str::to_string), "{value:?}");
        }
    }

    #[test]
    fn image_is_reported_as_registry() {
        assert_eq!(lookup_policy("image").map(|p| p.to_string()), Ok("registry".to_string()));
    }
}
