//! The unit's `Restart=` (and `StartLimitBurst=`): from `--restart-policy`, else (with `--new`)
//! from the container's own `--restart`, else systemd's `on-failure`.

use crate::error::Error;

/// The `Restart=` values `--restart-policy` accepts (Podman's `RestartPolicies`, systemd's list).
pub const RESTART_POLICIES: &[&str] =
    &["no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always"];

/// `Restart=` when neither `--restart-policy` nor the container says otherwise.
pub const DEFAULT_RESTART_POLICY: &str = "on-failure";

/// What goes into the `[Service]` section about restarting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRestart {
    /// `Restart=`.
    pub policy: String,
    /// `StartLimitBurst=`, from the `N` of `--restart=on-failure:N`.
    pub start_limit_burst: Option<u32>,
}

/// `--restart-policy` must name one of systemd's policies: `<x> is not a valid restart policy`.
pub fn validate_restart_policy(policy: &str) -> Result<(), Error> {
    if RESTART_POLICIES.contains(&policy) {
        Ok(())
    } else {
        Err(Error::InvalidRestartPolicy(policy.to_string()))
    }
}

/// The container's `--restart` value as a systemd policy: `on-failure:N` gives `on-failure` and a
/// start limit of `N`, Docker's `unless-stopped` becomes `always` (Podman 4.3+, #11438). Unlike
/// Podman, the result is validated, so no value can slip an extra line into the unit.
pub fn from_container_restart(value: &str) -> Result<UnitRestart, Error> {
    let invalid = || Error::InvalidRestartPolicy(value.to_string());
    let (policy, start_limit_burst) = match value.split_once(':') {
        Some(("on-failure", "")) => ("on-failure", None),
        Some(("on-failure", count)) => ("on-failure", Some(count.parse::<u32>().map_err(|_| invalid())?)),
        Some(_) => return Err(invalid()),
        None if value == "unless-stopped" => ("always", None),
        None => (value, None),
    };
    validate_restart_policy(policy).map_err(|_| invalid())?;
    Ok(UnitRestart { policy: policy.to_string(), start_limit_burst })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Podman's `TestValidateRestartPolicyContainer`.
    #[test]
    fn validates_like_podman() {
        let cases = [
            ("no", true),
            ("on-success", true),
            ("on-failure", true),
            ("on-abnormal", true),
            ("on-watchdog", true),
            ("on-abort", true),
            ("always", true),
            ("foobar", false),
            ("", false),
        ];
        for (policy, valid) in cases {
            assert_eq!(validate_restart_policy(policy).is_ok(), valid, "{policy:?}");
        }
        assert_eq!(validate_restart_policy("bogus").unwrap_err().to_string(), "bogus is not a valid restart policy");
    }

    #[test]
    fn maps_container_policies() {
        let cases = [
            ("on-failure:42", Some(("on-failure", Some(42)))),
            ("on-failure:", Some(("on-failure", None))),
            ("on-failure", Some(("on-failure", None))),
            ("unless-stopped", Some(("always", None))),
            ("always", Some(("always", None))),
            ("no", Some(("no", None))),
            ("on-failure:x", None),
            ("always:3", None),
            ("always\nExecStartPre=/bin/evil", None),
            ("", None),
        ];
        for (value, want) in cases {
            let got = from_container_restart(value).ok().map(|r| (r.policy, r.start_limit_burst));
            let want = want.map(|(p, n)| (p.to_string(), n));
            assert_eq!(got, want, "{value:?}");
        }
    }
}
