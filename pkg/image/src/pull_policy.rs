//! `--pull`: when `create`/`run` pull the image instead of using the local one.

use std::fmt;
use std::str::FromStr;

/// Podman's pull policies, spelled as its `--pull` flag takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PullPolicy {
    /// Pull every time.
    Always,
    /// Pull only when no local image has the name (the default).
    #[default]
    Missing,
    /// Never pull: a name with no local image is an error.
    Never,
    /// Pull when the registry serves a digest that is none of the local image's (one HEAD
    /// request); a registry that cannot be asked leaves the local image in use.
    Newer,
}

impl PullPolicy {
    /// Every policy, in the order `--help` lists them.
    pub const ALL: [PullPolicy; 4] = [PullPolicy::Missing, PullPolicy::Always, PullPolicy::Never, PullPolicy::Newer];

    /// The policy's name as `--pull` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "always",
            PullPolicy::Missing => "missing",
            PullPolicy::Never => "never",
            PullPolicy::Newer => "newer",
        }
    }
}

impl fmt::Display for PullPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--pull` value that is none of the policies (Podman 4.x: `unsupported pull policy "x"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported pull policy {0:?}")]
pub struct UnsupportedPullPolicy(pub String);

impl FromStr for PullPolicy {
    type Err = UnsupportedPullPolicy;

    /// Exactly the four names: rpod's `--pull` has never taken Podman's aliases (`true`,
    /// `ifnotpresent`, …), and its command line refuses anything else before this is asked.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        PullPolicy::ALL
            .into_iter()
            .find(|policy| policy.as_str() == text)
            .ok_or_else(|| UnsupportedPullPolicy(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_podmans_names_and_refuses_others() {
        let cases = [
            ("always", Ok(PullPolicy::Always)),
            ("missing", Ok(PullPolicy::Missing)),
            ("never", Ok(PullPolicy::Never)),
            ("newer", Ok(PullPolicy::Newer)),
            ("Always", Err(r#"unsupported pull policy "Always""#)),
            ("", Err(r#"unsupported pull policy """#)),
            ("sometimes", Err(r#"unsupported pull policy "sometimes""#)),
        ];
        for (text, want) in cases {
            let got = text.parse::<PullPolicy>().map_err(|err| err.to_string());
            assert_eq!(got, want.map_err(str::to_string), "{text:?}");
        }
        for policy in PullPolicy::ALL {
            assert_eq!(policy.to_string().parse::<PullPolicy>(), Ok(policy));
        }
        assert_eq!(PullPolicy::default(), PullPolicy::Missing);
    }
}
