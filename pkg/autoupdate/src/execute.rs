//! Carrying a run out: list, check (once per question, in parallel), plan, pull (once per
//! name), restart unit by unit, roll back what does not start.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use crate::backends::{BackendError, ContainerSource, ImageStore, LocalImage, Registry, SharedCause, UnitManager};
use crate::error::NoAnswer;
use crate::lock::RunLock;
use crate::plan::{self, CheckResults, Decision, UnitPlan, UpdateTarget};
use crate::report::{Report, Status};
use crate::restart::{dependents_of, restart_unit, RestartOutcome, UnitRestart};
use crate::task::{assemble_tasks, Task, UnitTasks};
use crate::waves::{restart_waves, WaveUnit};
use crate::Error;

/// How a run behaves (`rpod auto-update` flags).
#[derive(Debug, Clone)]
pub struct Options {
    /// Check only: report `pending`, never pull, never restart.
    pub dry_run: bool,
    /// On a failed restart, re-tag the previous image and restart again.
    pub rollback: bool,
    /// `--authfile` (or `$REGISTRY_AUTH_FILE`); the container's authfile label wins.
    pub authfile: Option<PathBuf>,
    /// `--tls-verify` when given.
    pub tls_verify: Option<bool>,
    /// Registry checks and pulls in flight at once.
    pub concurrency: usize,
    /// How long units that require a restarted unit may take to be active again.
    pub settle_timeout: Duration,
}

/// The backends a run uses.
pub struct Backends<'a, C, I, R, U> {
    pub containers: &'a C,
    pub images: &'a I,
    pub registry: &'a R,
    pub units: &'a U,
}

/// Everything a run produced: one report per container (sorted by unit, then container) and
/// every error, in the order they happened. A non-empty `errors` means exit 125.
#[derive(Debug, Default)]
pub struct Outcome {
    pub reports: Vec<Report>,
    pub errors: Vec<Error>,
}

/// Runs auto-update once. Only a failure to read the container list or the image store, or a
/// systemd manager that cannot be reached when there is something to update, ends the run
/// early — the latter before anything is pulled, tagged or restarted, so the run changes
/// nothing. A dry run never needs the manager. Any other error is collected and the remaining
/// units are still processed.
pub async fn auto_update<C, I, R, U>(
    _lock: &RunLock,
    b: &Backends<'_, C, I, R, U>,
    opts: &Options,
) -> Result<Outcome, Error>
where
    C: ContainerSource,
    I: ImageStore,
    R: Registry,
    U: UnitManager,
{
    let containers = b.containers.running_containers().map_err(storage("listing containers"))?;
    let mut images = HashMap::new();
    for id in containers.iter().map(|c| &c.rootfs_image_id).collect::<BTreeSet<_>>() {
        if let Some(image) = b.images.image_by_id(id).map_err(storage("looking up images"))? {
            images.insert(id.clone(), image);
        }
    }
    let assembled = assemble_tasks(&containers, &images, opts.authfile.as_deref());
    let mut outcome = Outcome { reports: assembled.rejected, errors: assembled.errors };
    if assembled.units.is_empty() {
        return Ok(outcome);
    }
    let checks = run_checks(b, &assembled.units, opts).await;
    let plans = plan::plan(&assembled.units, &checks, opts.tls_verify);
    if !opts.dry_run && plans.iter().any(has_update) {
        b.units.connect().await.map_err(|source| Error::SystemdUnreachable { source })?;
    }
    let pulled = if opts.dry_run { HashMap::new() } else { run_pulls(b.registry, &plans, opts.concurrency).await };
    let mut work: Vec<UnitWork> = plans.iter().map(|p| UnitWork::prepare(p, &pulled, opts.dry_run)).collect();
    restart_units(b, &plans, &mut work, opts).await;
    for unit_work in work {
        let (reports, errors) = unit_work.finish();
        outcome.reports.extend(reports);
        outcome.errors.extend(errors);
    }
    outcome.reports.sort_by(|a, b| {
        (&a.unit, &a.container_name, &a.container_id).cmp(&(&b.unit, &b.container_name, &b.container_id))
    });
    Ok(outcome)
}

/// Restarts the units that have updates, in waves of units that do not conflict (see
/// [`restart_waves`]), each wave with bounded concurrency; results stay with their unit, so
/// reports and errors keep the units' order.
async fn restart_units<C, I, R, U>(
    b: &Backends<'_, C, I, R, U>,
    plans: &[UnitPlan],
    work: &mut [UnitWork],
    opts: &Options,
) where
    I: ImageStore,
    U: UnitManager,
{
    let mut wave_units = Vec::new();
    let mut indexes = Vec::new();
    for (i, (unit_plan, unit_work)) in plans.iter().zip(work.iter()).enumerate() {
        if unit_work.has_updates() {
            let images = unit_plan.tasks.iter().map(|t| t.task.raw_image_name.to_string()).collect();
            let dependents = dependents_of(b.units, &unit_plan.unit).await;
            wave_units.push(WaveUnit { unit: unit_plan.unit.clone(), images, dependents });
            indexes.push(i);
        }
    }
    let mut rolled_back = BTreeSet::new();
    for wave in restart_waves(&wave_units) {
        let mut jobs = Vec::new();
        for w in wave {
            let i = indexes[w];
            work[i].reapply_rolled_back_tags(b.images, &mut rolled_back);
            let updating = work[i].updating(&plans[i]);
            if !updating.is_empty() {
                jobs.push((i, updating, &wave_units[w].dependents));
            }
        }
        let results: Vec<(usize, RestartOutcome)> = stream::iter(jobs)
            .map(|(i, updating, dependents)| async move {
                (i, restart_unit(b.images, b.units, &plans[i].unit, &updating, dependents, opts).await)
            })
            .buffered(opts.concurrency.max(1))
            .collect()
            .await;
        for (i, outcome) in results {
            rolled_back.extend(outcome.rolled_back);
            work[i].errors.extend(outcome.errors);
            work[i].restart = Some(outcome.result);
        }
    }
}

/// Whether a unit has a task with a newer image, which the run would pull or tag and restart.
fn has_update(unit_plan: &UnitPlan) -> bool {
    unit_plan.tasks.iter().any(|planned| matches!(planned.decision, Decision::Update(_)))
}

fn storage(what: &'static str) -> impl Fn(BackendError) -> Error {
    move |source| Error::Storage { what: what.to_string(), source }
}

async fn run_checks<C, I, R: Registry, U>(
    b: &Backends<'_, C, I, R, U>,
    units: &[UnitTasks],
    opts: &Options,
) -> CheckResults
where
    I: ImageStore,
{
    let registry = b.registry;
    let remote = stream::iter(plan::remote_requests(units, opts.tls_verify))
        .map(|request| async move {
            let answer = registry.remote_digests(&request).await.map_err(SharedCause::from);
            (request, answer)
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    let local = plan::local_names(units)
        .into_iter()
        .map(|name| {
            let answer = b.images.image_by_name(&name).map_err(SharedCause::from);
            (name, answer)
        })
        .collect();
    CheckResults { remote, local }
}

/// The pull of each needed `RawImageName`, by raw name: the pulled image, or why the pull
/// failed (shared by every container of that name).
type PullResults = HashMap<String, Result<LocalImage, SharedCause>>;

/// Pulls each needed `RawImageName` once, in parallel; the answers by raw name.
async fn run_pulls<R: Registry>(registry: &R, plans: &[UnitPlan], concurrency: usize) -> PullResults {
    stream::iter(plan::pulls(plans))
        .map(|request| async move {
            let result = registry.pull(&request).await.map_err(SharedCause::from);
            (request.raw_image_name.to_string(), result)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await
}

/// Where one task stands before its unit is restarted.
enum Pending {
    Done(Status),
    Updating(LocalImage),
}

/// One unit on its way through the run: each task's report and state, the unit's errors, and
/// how its restart ended (if it had one).
struct UnitWork {
    rows: Vec<(Report, Pending)>,
    errors: Vec<Error>,
    restart: Option<UnitRestart>,
}

impl UnitWork {
    fn prepare(unit_plan: &UnitPlan, pulled: &PullResults, dry_run: bool) -> UnitWork {
        let mut errors = Vec::new();
        let rows = unit_plan
            .tasks
            .iter()
            .map(|planned| {
                let (pending, new_digest) = prepare(&planned.task, &planned.decision, pulled, dry_run, &mut errors);
                (report(&unit_plan.unit, &planned.task, Status::Failed, new_digest), pending)
            })
            .collect();
        UnitWork { rows, errors, restart: None }
    }

    fn has_updates(&self) -> bool {
        self.rows.iter().any(|(_, pending)| matches!(pending, Pending::Updating(_)))
    }

    /// The tasks to restart onto a new image, with that image.
    fn updating(&self, unit_plan: &UnitPlan) -> Vec<(Task, LocalImage)> {
        unit_plan
            .tasks
            .iter()
            .zip(&self.rows)
            .filter_map(|(planned, (_, pending))| match pending {
                Pending::Updating(target) => Some((planned.task.clone(), target.clone())),
                Pending::Done(_) => None,
            })
            .collect()
    }

    /// An earlier unit of this run rolled a `RawImageName` of this unit back to its old image;
    /// this unit still gets the new one. (Podman means to do this but tests the key's existence,
    /// not its value, so its later units silently restart on the rolled-back image and report
    /// `true`.)
    fn reapply_rolled_back_tags<I: ImageStore>(&mut self, images: &I, rolled_back: &mut BTreeSet<String>) {
        for (report, pending) in self.rows.iter_mut() {
            let Pending::Updating(target) = pending else { continue };
            if !rolled_back.contains(&report.image) {
                continue;
            }
            match images.tag(&target.id, &report.image) {
                Ok(()) => {
                    rolled_back.remove(&report.image);
                }
                Err(e) => {
                    self.errors.push(Error::Pull { id: report.container_id.clone(), source: SharedCause::from(e) });
                    *pending = Pending::Done(Status::Failed);
                }
            }
        }
    }

    /// The unit's reports with their final status, and its errors.
    fn finish(self) -> (Vec<Report>, Vec<Error>) {
        let restart = self.restart;
        let reports = self
            .rows
            .into_iter()
            .map(|(mut report, pending)| {
                report.status = match (pending, restart) {
                    (_, Some(UnitRestart::Failed)) => Status::Failed,
                    (Pending::Done(status), _) => status,
                    (Pending::Updating(_), Some(UnitRestart::Updated)) => Status::Updated,
                    (Pending::Updating(_), Some(UnitRestart::RolledBack)) => Status::RolledBack,
                    (Pending::Updating(_), None) => Status::Failed,
                };
                report
            })
            .collect();
        (reports, self.errors)
    }
}

/// Turns a decision into the task's state before the restart, recording its error if any.
/// Returns the digest to show as `NewDigest`.
fn prepare(
    task: &Task,
    decision: &Decision,
    pulled: &PullResults,
    dry_run: bool,
    errors: &mut Vec<Error>,
) -> (Pending, Option<String>) {
    let id = task.container_id.clone();
    match decision {
        Decision::UpToDate { remote_digest } => (Pending::Done(Status::NotUpdated), remote_digest.clone()),
        Decision::Pinned => {
            tracing::warn!(
                "container {}: {} is a digest reference and can never be updated; create it from a tag to auto-update it",
                task.container_name,
                task.raw_image_name
            );
            (Pending::Done(Status::NotUpdated), None)
        }
        Decision::CheckFailed(cause) => {
            errors.push(Error::Check { id, source: cause.clone() });
            (Pending::Done(Status::Failed), None)
        }
        Decision::Update(target) => {
            let new_digest = match target {
                UpdateTarget::Pull { remote_digest, .. } => Some(remote_digest.clone()),
                UpdateTarget::Local(image) => image.display_digest().map(str::to_string),
            };
            if dry_run {
                return (Pending::Done(Status::Pending), new_digest);
            }
            let pending = match target {
                UpdateTarget::Local(image) => Pending::Updating(image.clone()),
                UpdateTarget::Pull { .. } => match pulled.get(task.raw_image_name.as_str()) {
                    Some(Ok(image)) if image.id == task.image.id => Pending::Done(Status::NotUpdated),
                    Some(Ok(image)) => Pending::Updating(image.clone()),
                    Some(Err(cause)) => {
                        errors.push(Error::Pull { id, source: cause.clone() });
                        Pending::Done(Status::Failed)
                    }
                    None => {
                        errors.push(Error::Pull { id, source: Arc::new(NoAnswer::NotPulled) });
                        Pending::Done(Status::Failed)
                    }
                },
            };
            (pending, new_digest)
        }
    }
}

/// A container's row before its status is known.
pub(crate) fn report(unit: &str, task: &Task, status: Status, new_digest: Option<String>) -> Report {
    Report {
        unit: unit.to_string(),
        container_id: task.container_id.clone(),
        container_name: task.container_name.clone(),
        image: task.raw_image_name.to_string(),
        policy: task.policy,
        status,
        old_digest: task.image.display_digest().map(str::to_string),
        new_digest,
    }
}
