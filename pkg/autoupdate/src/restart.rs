//! Restarting one unit onto its new images, rolling back when it does not come up, and
//! checking that the units depending on it came back too.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::backends::{ImageStore, LocalImage, UnitManager};
use crate::execute::Options;
use crate::task::Task;
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

/// What one unit's restart produced.
#[derive(Debug)]
pub struct RestartOutcome {
    pub result: UnitRestart,
    pub errors: Vec<Error>,
    /// Image names re-tagged to their previous image.
    pub rolled_back: BTreeSet<String>,
}

/// Restarts `unit`, whose `updating` tasks have new images tagged. On failure with
/// `--rollback`, re-tags every task's previous image, resets the unit's failed state (so
/// `StartLimitBurst` cannot refuse the second start) and restarts again. Of `dependents`,
/// those active before must be active again afterwards.
pub async fn restart_unit<I: ImageStore, U: UnitManager>(
    images: &I,
    units: &U,
    unit: &str,
    updating: &[(Task, LocalImage)],
    dependents: &[String],
    opts: &Options,
) -> RestartOutcome {
    let mut outcome = RestartOutcome { result: UnitRestart::Failed, errors: Vec::new(), rolled_back: BTreeSet::new() };
    outcome.result = restart_or_roll_back(images, units, unit, updating, dependents, opts, &mut outcome).await;
    outcome
}

async fn restart_or_roll_back<I: ImageStore, U: UnitManager>(
    images: &I,
    units: &U,
    unit: &str,
    updating: &[(Task, LocalImage)],
    dependents: &[String],
    opts: &Options,
    outcome: &mut RestartOutcome,
) -> UnitRestart {
    let RestartOutcome { errors, rolled_back, .. } = outcome;
    let dependents = active_dependents(units, dependents).await;
    let update_error = match units.restart(unit).await {
        Ok(()) => {
            errors.extend(check_dependents(units, unit, &dependents, opts.settle_timeout).await);
            return UnitRestart::Updated;
        }
        Err(e) => e,
    };
    if !opts.rollback {
        errors.push(Error::RestartDuringUpdate { unit: unit.to_string(), source: update_error });
        return UnitRestart::Failed;
    }
    let started = Instant::now();
    for (task, _) in updating {
        match images.tag(&task.image.id, task.raw_image_name.as_str()) {
            Ok(()) => {
                rolled_back.insert(task.raw_image_name.to_string());
            }
            Err(e) => {
                errors.push(Error::RollbackImage { id: task.container_id.clone(), unit: unit.to_string(), source: e })
            }
        }
    }
    if let Err(e) = units.reset_failed(unit).await {
        tracing::warn!("resetting the failed state of {unit} before rolling back: {e}");
    }
    match units.restart(unit).await {
        Ok(()) => {
            tracing::warn!(
                "unit {unit} did not start with the new image ({update_error}); rolled back to the previous image in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            errors.extend(check_dependents(units, unit, &dependents, opts.settle_timeout).await);
            UnitRestart::RolledBack
        }
        Err(e) => {
            errors.push(Error::RestartDuringRollback { unit: unit.to_string(), source: e });
            UnitRestart::Failed
        }
    }
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
async fn active_dependents<U: UnitManager>(units: &U, names: &[String]) -> Vec<String> {
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
async fn check_dependents<U: UnitManager>(
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
