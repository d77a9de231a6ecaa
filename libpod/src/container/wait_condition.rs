//! What `wait --condition` waits for, parsed once from Podman 5's condition names.

use crate::error::Error;
use crate::state::ContainerStatus;

/// One `--condition` of `wait`: Podman 5's container states (`created` is a container never
/// started; `initialized`, `paused` and `unknown` are states rpod containers never rest in, so
/// waiting for them waits until interrupted, as Podman's would for a container that never
/// reaches them) and the two health states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitCondition {
    /// `stopped` or `exited`: the container is not running; `wait` prints its exit code.
    Exited,
    /// `created`: the container exists and was never started.
    Created,
    /// `running`.
    Running,
    /// `removing`: the container is gone.
    Removing,
    /// `initialized`, `paused`, `unknown`: states rpod has no counterpart for.
    NeverReached,
    /// `healthy` or `unhealthy`: the container's health status (it needs a health check).
    Health(&'static str),
}

impl WaitCondition {
    /// Parses a `--condition` value (case-sensitive, as Podman's); an unknown name is
    /// [`Error::UnknownState`].
    pub fn parse(name: &str) -> Result<WaitCondition, Error> {
        Ok(match name {
            "stopped" | "exited" => WaitCondition::Exited,
            "created" => WaitCondition::Created,
            "running" => WaitCondition::Running,
            "removing" => WaitCondition::Removing,
            "initialized" | "paused" | "unknown" => WaitCondition::NeverReached,
            "healthy" => WaitCondition::Health("healthy"),
            "unhealthy" => WaitCondition::Health("unhealthy"),
            other => return Err(Error::UnknownState(other.to_string())),
        })
    }

    /// Whether a container recorded in `status` (and running, if `alive`) meets this state
    /// condition; exit and health conditions are decided elsewhere.
    pub(super) fn met_by(self, status: ContainerStatus, alive: bool) -> bool {
        match self {
            WaitCondition::Created => status == ContainerStatus::Created,
            WaitCondition::Running => status == ContainerStatus::Running && alive,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podmans_condition_names_parse() {
        for (name, want) in [
            ("stopped", WaitCondition::Exited),
            ("exited", WaitCondition::Exited),
            ("created", WaitCondition::Created),
            ("running", WaitCondition::Running),
            ("removing", WaitCondition::Removing),
            ("paused", WaitCondition::NeverReached),
            ("healthy", WaitCondition::Health("healthy")),
        ] {
            assert_eq!(WaitCondition::parse(name).ok(), Some(want), "{name}");
        }
        for bad in ["configured", "stopping", "Running", ""] {
            let err = WaitCondition::parse(bad).unwrap_err();
            assert_eq!(err.to_string(), format!("unknown container state: {bad}: invalid argument"));
        }
    }

    #[test]
    fn state_conditions_match_the_recorded_state() {
        assert!(WaitCondition::Running.met_by(ContainerStatus::Running, true));
        assert!(!WaitCondition::Running.met_by(ContainerStatus::Running, false), "its monitor is gone");
        assert!(WaitCondition::Created.met_by(ContainerStatus::Created, false));
        assert!(!WaitCondition::Created.met_by(ContainerStatus::Exited, false));
        assert!(!WaitCondition::NeverReached.met_by(ContainerStatus::Running, true));
    }
}
