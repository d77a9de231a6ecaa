//! How a unit's restart ended, and the units that depend on it: which they are, and whether
//! they came back after it restarted.

use std::time::{Duration, Instant};

use crate::backends::UnitManager;
use crate::Error;

/// How a unit's restart ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitRestart {
    /// Running on the new images.
    Updated,
    /// The new images failed; running on the previous ones again.
    RolledBack,
    /// Not running (no rollback asked, or the rollback failed too).
    Failed,
}

/// The units that require or are bound to `unit` (none, with a warning, when systemd cannot
/// say).
pub async fn dependents_of<U: UnitManager>(units: &U, unit: &str) -> Vec<String> {
    units.dependents(unit).await.unwrap_or_else(|e| {
        tracing::warn!("listing the units that depend on {unit}: {e}");
        Vec::new()
    })
}

/// Those of `names` that are active now; only they are expected back afterwards.
pub async fn active_dependents<U: UnitManager>(units: &U, names: &[String]) -> Vec<String> {
    let mut active = Vec::new();
    for name in names {
        if matches!(units.active_state(name).await.as_deref(), Ok("active")) {
            active.push(name.clone());
        }
    }
    active
}

/// Waits (up to `settle`) for each dependent to be active again: systemd restarts units that
/// `Requires=` the restarted one, but their start jobs may still be running when ours ends.
pub async fn check_dependents<U: UnitManager>(
    units: &U,
    unit: &str,
    dependents: &[String],
    settle: Duration,
) -> Vec<Error> {
    let deadline = Instant::now() + settle;
    let mut errors = Vec::new();
    for dependent in dependents {
        loop {
            let state = units.active_state(dependent).await.unwrap_or_else(|e| e.to_string());
            if state == "active" {
                break;
            }
            if state == "failed" || Instant::now() >= deadline {
                errors.push(Error::DependentDown { unit: unit.to_string(), dependent: dependent.clone(), state });
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    errors
}
