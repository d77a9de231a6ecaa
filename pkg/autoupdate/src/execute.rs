//! Carrying a run out: list, check (once per question, in parallel, while the image store is
//! read), plan, pull (once per name), restart the units concurrently, roll back per image what
//! does not work.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future;
use futures_util::stream::{self, StreamExt};
use libpod::ContainerConfig;

use crate::backends::{
    BackendError, Clock, ContainerSource, ImageStore, LocalImage, Registry, RegistryCheck, SharedCause, UnitManager,
};
use crate::error::NoAnswer;
use crate::lock::RunLock;
use crate::plan::{self, CheckResults, Decision, LocalAnswers, RemoteAnswers, UnitPlan, UpdateTarget};
use crate::report::{Report, Status};
use crate::restart::{dependents_of, UnitRestart};
use crate::rollout::{roll_out, RolloutBackends, UnitUpdate};
use crate::task::{assemble_tasks, registry_checks, Assembled, Task};
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
    /// Unit restarts in flight at once (`--max-workers`).
    pub max_workers: usize,
    /// `--watch-window`: how long after READY an updated unit must stay up and healthy, or its
    /// images are rolled back (a container's `io.containers.autoupdate.watch-window` label
    /// wins). `None` or zero: only the start is checked, as in Podman.
    pub watch_window: Option<Duration>,
    /// How long units that require a restarted unit may take to be active again.
    pub settle_timeout: Duration,
}

/// Podman's default for `--max-workers`: three per CPU, plus one. The CPUs are those this
/// process may run on, from one `sched_getaffinity` (`available_parallelism` also reads the
/// cgroup's CPU quota files, a visible part of a dry run's time).
pub fn default_max_workers() -> usize {
    let cpus = nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0))
        .map(|set| (0..nix::sched::CpuSet::count()).filter(|&cpu| set.is_set(cpu).unwrap_or(false)).count())
        .unwrap_or(1);
    cpus.max(1) * 3 + 1
}

/// The backends a run uses.
pub struct Backends<'a, C, I, R, U, K> {
    pub containers: &'a C,
    pub images: &'a I,
    pub registry: &'a R,
    pub units: &'a U,
    pub clock: &'a K,
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
pub async fn auto_update<C, I, R, U, K>(
    _lock: &RunLock,
    b: &Backends<'_, C, I, R, U, K>,
    opts: &Options,
) -> Result<Outcome, Error>
where
    C: ContainerSource,
    I: ImageStore,
    R: Registry,
    U: UnitManager,
    K: Clock,
{
    let containers = b.containers.running_containers().map_err(storage("listing containers"))?;
    let questions = registry_checks(&containers, opts.authfile.as_deref(), opts.tls_verify);
    let (remote, local) =
        future::join(ask_registry(b.registry, questions, opts.concurrency), read_local(b.images, &containers, opts))
            .await;
    let (assembled, local) = local?;
    let mut outcome = Outcome { reports: assembled.rejected, errors: assembled.errors };
    if assembled.units.is_empty() {
        return Ok(outcome);
    }
    let checks = CheckResults { remote, local };
    let plans = plan::plan(&assembled.units, &checks, opts.tls_verify);
    if !opts.dry_run && plans.iter().any(has_update) {
        b.units.connect().await.map_err(|source| Error::SystemdUnreachable { source })?;
    }
    let pulled = if opts.dry_run { HashMap::new() } else { run_pulls(b.registry, &plans, opts.concurrency).await };
    let mut work: Vec<UnitWork> = plans.iter().map(|p| UnitWork::prepare(p, &pulled, opts.dry_run)).collect();
    let rolled_back = restart_units(b, &plans, &mut work, opts, &mut outcome.errors).await;
    for unit_work in work {
        let (reports, errors) = unit_work.finish(&rolled_back);
        outcome.reports.extend(reports);
        outcome.errors.extend(errors);
    }
    outcome.reports.sort_by(|a, b| {
        (&a.unit, &a.container_name, &a.container_id).cmp(&(&b.unit, &b.container_name, &b.container_id))
    });
    Ok(outcome)
}

/// Restarts the units that have updates (see [`roll_out`]); each unit's end stays with its
/// unit. Returns the image names rolled back; the rollout's own errors go to `errors`.
async fn restart_units<C, I, R, U, K>(
    b: &Backends<'_, C, I, R, U, K>,
    plans: &[UnitPlan],
    work: &mut [UnitWork],
    opts: &Options,
    errors: &mut Vec<Error>,
) -> BTreeSet<String>
where
    C: ContainerSource,
    I: ImageStore,
    U: UnitManager,
    K: Clock,
{
    let mut updates = Vec::new();
    let mut indexes = Vec::new();
    for (i, (unit_plan, unit_work)) in plans.iter().zip(work.iter()).enumerate() {
        let updating = unit_work.updating(unit_plan);
        if updating.is_empty() {
            continue;
        }
        let mut names = BTreeMap::new();
        for task in &updating {
            names.entry(task.raw_image_name.to_string()).or_insert_with(|| task.image.id.clone());
        }
        let watch = updating.iter().filter_map(|t| t.watch.or(opts.watch_window)).max().filter(|w| !w.is_zero());
        let dependents = dependents_of(b.units, &unit_plan.unit).await;
        updates.push(UnitUpdate { unit: unit_plan.unit.clone(), names, dependents, watch });
        indexes.push(i);
    }
    let backends = RolloutBackends { containers: b.containers, images: b.images, units: b.units, clock: b.clock };
    let outcome = roll_out(&backends, &updates, opts).await;
    for (i, result) in indexes.into_iter().zip(outcome.units) {
        work[i].restart = Some(result);
    }
    errors.extend(outcome.errors);
    outcome.rolled_back
}

/// Whether a unit has a task with a newer image, which the run would pull or tag and restart.
fn has_update(unit_plan: &UnitPlan) -> bool {
    unit_plan.tasks.iter().any(|planned| matches!(planned.decision, Decision::Update(_)))
}

/// The error for a failure of the local stores while doing `what` (also `--rollback-to-previous`'s).
pub(crate) fn storage(what: &'static str) -> impl Fn(BackendError) -> Error {
    move |source| Error::Storage { what: what.to_string(), source }
}

/// Asks the registries every question, `concurrency` at a time.
async fn ask_registry<R: Registry>(
    registry: &R,
    questions: BTreeSet<RegistryCheck>,
    concurrency: usize,
) -> RemoteAnswers {
    stream::iter(questions)
        .map(|check| async move {
            let answer = registry.remote_digests(&check).await.map_err(SharedCause::from);
            (check, answer)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await
}

/// The local half of a run's reading: the containers' images, their tasks, and the local
/// policy's lookups. It runs beside [`ask_registry`] and lets the registry requests go out
/// first, so the image store is opened and read while the registries answer: on the run's
/// current-thread runtime, each wait below lets the requests take one more step. On a
/// registry further away than loopback the store is read while the connection is being made.
async fn read_local<I: ImageStore>(
    images: &I,
    containers: &[ContainerConfig],
    opts: &Options,
) -> Result<(Assembled, LocalAnswers), Error> {
    for _ in 0..REQUEST_STEPS {
        tokio::task::yield_now().await;
    }
    let mut by_id = HashMap::new();
    for id in containers.iter().map(|c| &c.rootfs_image_id).collect::<BTreeSet<_>>() {
        if let Some(image) = images.image_by_id(id).map_err(storage("looking up images"))? {
            by_id.insert(id.clone(), image);
        }
    }
    let assembled = assemble_tasks(containers, &by_id, opts.authfile.as_deref());
    let local = plan::local_names(&assembled.units)
        .into_iter()
        .map(|name| {
            let answer = images.image_by_name(&name).map_err(SharedCause::from);
            (name, answer)
        })
        .collect();
    Ok((assembled, local))
}

/// How many times [`read_local`] waits before it reads. A request to a loopback registry is on
/// the wire after three (under strace: the connection is made, completes, and is handed to the
/// task that writes the request); one more is spare. A wait costs one look at the event loop.
const REQUEST_STEPS: usize = 4;

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
    /// The image name points at a newer image now; the unit's restart decides the status.
    Updating,
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

    /// The tasks to restart onto a new image.
    fn updating(&self, unit_plan: &UnitPlan) -> Vec<Task> {
        unit_plan
            .tasks
            .iter()
            .zip(&self.rows)
            .filter(|(_, (_, pending))| matches!(pending, Pending::Updating))
            .map(|(planned, _)| planned.task.clone())
            .collect()
    }

    /// The unit's reports with their final status, and its errors.
    /// A row whose image name is in `rolled_back` says so, whether or not its unit had moved.
    fn finish(self, rolled_back: &BTreeSet<String>) -> (Vec<Report>, Vec<Error>) {
        let restart = self.restart;
        let reports = self
            .rows
            .into_iter()
            .map(|(mut report, pending)| {
                report.status = match (pending, restart) {
                    (_, Some(UnitRestart::Failed)) => Status::Failed,
                    (Pending::Done(status), _) => status,
                    (Pending::Updating, Some(_)) if rolled_back.contains(&report.image) => Status::RolledBack,
                    (Pending::Updating, Some(UnitRestart::Updated)) => Status::Updated,
                    (Pending::Updating, Some(UnitRestart::RolledBack)) => Status::RolledBack,
                    (Pending::Updating, None) => Status::Failed,
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
                UpdateTarget::Local(_) => Pending::Updating,
                UpdateTarget::Pull { .. } => match pulled.get(task.raw_image_name.as_str()) {
                    Some(Ok(image)) if image.id == task.image.id => Pending::Done(Status::NotUpdated),
                    Some(Ok(_)) => Pending::Updating,
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
