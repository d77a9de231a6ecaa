//! Restarting the updated units, many at once, and rolling back per image.
//!
//! Units restart concurrently (at most `max_workers` at a time) in waves that keep `Requires=`
//! order. The rollback decision is per image name: when any unit fails on a new image (its
//! restart job fails, or within its watch window it exits or turns unhealthy), the name goes
//! back to the old image once, and every unit that already moved onto it is restarted onto the
//! old one — with its failed state reset first, so systemd's start-rate limit cannot refuse the
//! restart. Names are only re-tagged while no restart is in flight, so no unit starts on a name
//! that is changing under it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};

use crate::backends::{BackendError, Clock, ContainerSource, Health, ImageStore, Observed, SharedCause, UnitManager};
use crate::execute::Options;
use crate::restart::{active_dependents, check_dependents, UnitRestart};
use crate::waves::{restart_waves, WaveUnit};
use crate::Error;

/// How often the watch window looks at the units it watches.
const WATCH_POLL: Duration = Duration::from_millis(500);

/// One unit with new images to restart onto.
#[derive(Debug, Clone)]
pub struct UnitUpdate {
    pub unit: String,
    /// Each image name the unit moves to a new image, with the ID of the image it ran before.
    pub names: BTreeMap<String, String>,
    /// Units that require or are bound to this one (systemd restarts them along).
    pub dependents: Vec<String>,
    /// How long after READY the unit must stay up and healthy; `None`: not watched.
    pub watch: Option<Duration>,
}

/// What became of the updates: each unit's end (in the order given), the names rolled back,
/// and the errors.
#[derive(Debug)]
pub struct RolloutOutcome {
    pub units: Vec<UnitRestart>,
    pub rolled_back: BTreeSet<String>,
    pub errors: Vec<Error>,
}

/// Why a watched unit failed on its new images after it was ready.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatchFailure {
    #[error("unit is {state} {after:.1?} after it was ready")]
    UnitDown { state: String, after: Duration },
    #[error("container {name} exited {after:.1?} after the unit was ready")]
    Exited { name: String, after: Duration },
    #[error("container {name} turned unhealthy {after:.1?} after the unit was ready")]
    Unhealthy { name: String, after: Duration },
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Not restarted (yet, or at all: every name it would move was rolled back first).
    Waiting,
    /// Running on its new images since this instant.
    Moved(Instant),
    /// Failed on its new images; rolled back (with `--rollback`) by the next rollback round.
    FailedUpdate,
    RolledBack,
    Failed,
}

/// The image names that failed in one round, each with the first unit that failed on it.
type Failing = BTreeMap<String, (String, SharedCause)>;

/// The backends a rollout uses.
pub struct RolloutBackends<'a, C, I, U, K> {
    pub containers: &'a C,
    pub images: &'a I,
    pub units: &'a U,
    pub clock: &'a K,
}

/// Restarts `updates` onto their new images, watches those with a window, rolls back per image.
pub async fn roll_out<C, I, U, K>(
    b: &RolloutBackends<'_, C, I, U, K>,
    updates: &[UnitUpdate],
    opts: &Options,
) -> RolloutOutcome
where
    C: ContainerSource,
    I: ImageStore,
    U: UnitManager,
    K: Clock,
{
    let mut active = Vec::with_capacity(updates.len());
    for update in updates {
        active.push(active_dependents(b.units, &update.dependents).await);
    }
    let wave_units: Vec<WaveUnit> =
        updates.iter().map(|u| WaveUnit { unit: u.unit.clone(), dependents: u.dependents.clone() }).collect();
    let mut run = Rollout {
        b,
        updates,
        opts,
        waves: restart_waves(&wave_units),
        states: vec![State::Waiting; updates.len()],
        rolled_back: BTreeSet::new(),
        errors: Vec::new(),
    };
    for wave in run.waves.clone() {
        let jobs: Vec<usize> = wave.into_iter().filter(|&i| run.moves_anything(i)).collect();
        let mut failing = Failing::new();
        for (i, result, at) in run.restart_all(&jobs).await {
            match result {
                Ok(()) => run.states[i] = State::Moved(at),
                Err(e) => run.failed_update(i, SharedCause::from(e), &mut failing),
            }
        }
        run.roll_back(failing).await;
    }
    if opts.rollback {
        let failing = run.watch().await;
        run.roll_back(failing).await;
    }
    run.remember_previous();
    for (i, state) in run.states.iter().enumerate() {
        if matches!(state, State::Moved(_) | State::RolledBack) {
            let unit = &updates[i].unit;
            run.errors.extend(check_dependents(b.units, unit, &active[i], opts.settle_timeout).await);
        }
    }
    let units = run
        .states
        .iter()
        .map(|state| match state {
            State::Moved(_) => UnitRestart::Updated,
            State::Waiting | State::RolledBack => UnitRestart::RolledBack,
            State::FailedUpdate | State::Failed => UnitRestart::Failed,
        })
        .collect();
    RolloutOutcome { units, rolled_back: run.rolled_back, errors: run.errors }
}

struct Rollout<'r, 'b, C, I, U, K> {
    b: &'r RolloutBackends<'b, C, I, U, K>,
    updates: &'r [UnitUpdate],
    opts: &'r Options,
    waves: Vec<Vec<usize>>,
    states: Vec<State>,
    rolled_back: BTreeSet<String>,
    errors: Vec<Error>,
}

impl<C, I, U, K> Rollout<'_, '_, C, I, U, K>
where
    C: ContainerSource,
    I: ImageStore,
    U: UnitManager,
    K: Clock,
{
    /// Each name that a unit now runs updated (not rolled back) keeps its old image as the
    /// previous one, for a rollback by hand.
    fn remember_previous(&self) {
        let mut done = BTreeSet::new();
        for (update, state) in self.updates.iter().zip(&self.states) {
            if !matches!(state, State::Moved(_)) {
                continue;
            }
            for (name, old) in &update.names {
                if self.rolled_back.contains(name) || !done.insert(name) {
                    continue;
                }
                if let Err(e) = self.b.images.set_previous(name, old) {
                    tracing::warn!("remembering the image {name} had before its update: {e}");
                }
            }
        }
    }

    /// Whether restarting unit `i` would still move it onto a new image.
    fn moves_anything(&self, i: usize) -> bool {
        self.updates[i].names.keys().any(|name| !self.rolled_back.contains(name))
    }

    /// Restarts the units at once, at most `max_workers` at a time; each result with the
    /// instant the job ended.
    async fn restart_all(&self, jobs: &[usize]) -> Vec<(usize, Result<(), BackendError>, Instant)> {
        let (units, clock, updates) = (self.b.units, self.b.clock, self.updates);
        stream::iter(jobs.iter().copied())
            .map(|i| async move {
                let result = units.restart(&updates[i].unit).await;
                (i, result, clock.now())
            })
            .buffer_unordered(self.opts.max_workers.max(1))
            .collect()
            .await
    }

    /// Unit `i` failed on its new images: with `--rollback` each of them is to be rolled back
    /// (blamed on this unit unless another failed on it first); without, it is an error.
    fn failed_update(&mut self, i: usize, cause: SharedCause, failing: &mut Failing) {
        let unit = &self.updates[i].unit;
        if !self.opts.rollback {
            self.states[i] = State::Failed;
            self.errors.push(Error::RestartDuringUpdate { unit: unit.clone(), source: cause });
            return;
        }
        self.states[i] = State::FailedUpdate;
        for name in self.updates[i].names.keys().filter(|name| !self.rolled_back.contains(*name)) {
            failing.entry(name.clone()).or_insert_with(|| (unit.clone(), cause.clone()));
        }
    }

    /// Tags each failing name back to its old image once, then restarts (in dependency
    /// waves, concurrently) every unit that runs one of them or failed.
    async fn roll_back(&mut self, failing: Failing) {
        if failing.is_empty() {
            return;
        }
        for (name, (unit, cause)) in failing {
            let Some(old) = self.updates.iter().find_map(|u| u.names.get(&name)) else { continue };
            match self.b.images.tag(old, &name) {
                Ok(()) => {
                    self.errors.push(Error::RolledBack { image: name.clone(), unit, source: cause });
                    self.rolled_back.insert(name);
                }
                Err(source) => self.errors.push(Error::RetagFailed { image: name, old: old.clone(), source }),
            }
        }
        let affected: BTreeSet<usize> = (0..self.updates.len())
            .filter(|&i| match self.states[i] {
                State::FailedUpdate => true,
                State::Moved(_) => self.updates[i].names.keys().any(|n| self.rolled_back.contains(n)),
                _ => false,
            })
            .collect();
        for &i in &affected {
            let unit = &self.updates[i].unit;
            if let Err(e) = self.b.units.reset_failed(unit).await {
                tracing::warn!("resetting the failed state of {unit} before rolling back: {e}");
            }
        }
        for wave in self.waves.clone() {
            let jobs: Vec<usize> = wave.into_iter().filter(|i| affected.contains(i)).collect();
            for (i, result, _) in self.restart_all(&jobs).await {
                let unit = self.updates[i].unit.clone();
                match (result, self.states[i]) {
                    (Ok(()), State::FailedUpdate) => self.states[i] = State::RolledBack,
                    (Ok(()), _) => {}
                    (Err(source), _) => {
                        self.states[i] = State::Failed;
                        self.errors.push(Error::RestartDuringRollback { unit, source });
                    }
                }
            }
        }
    }

    /// Looks at the moved units that have a watch window until each window has passed; a unit
    /// that went down, lost a container or has an unhealthy one fails on its new images.
    async fn watch(&mut self) -> Failing {
        let mut watched: Vec<(usize, Instant, Instant)> = (0..self.updates.len())
            .filter_map(|i| match (self.states[i], self.updates[i].watch) {
                (State::Moved(ready), Some(window)) => Some((i, ready, ready.checked_add(window).unwrap_or(ready))),
                _ => None,
            })
            .collect();
        let mut baseline: HashMap<usize, Vec<Observed>> = HashMap::new();
        let mut failing = Failing::new();
        while !watched.is_empty() {
            let now = self.b.clock.now();
            let mut still = Vec::new();
            for (i, ready, deadline) in watched {
                match self.observe(i, now.saturating_duration_since(ready), &mut baseline).await {
                    Some(why) => {
                        tracing::warn!("unit {} failed on its new image: {why}", self.updates[i].unit);
                        self.failed_update(i, Arc::new(why), &mut failing);
                    }
                    None if now < deadline => still.push((i, ready, deadline)),
                    None => {}
                }
            }
            watched = still;
            if let Some(next) = watched.iter().map(|(_, _, deadline)| *deadline).min() {
                self.b.clock.sleep(WATCH_POLL.min(next.saturating_duration_since(now))).await;
            }
        }
        failing
    }

    /// What is wrong with unit `i` now, if anything. The containers seen first are the ones
    /// that must stay: a container that is gone (or recreated) exited.
    async fn observe(
        &self,
        i: usize,
        after: Duration,
        baseline: &mut HashMap<usize, Vec<Observed>>,
    ) -> Option<WatchFailure> {
        let unit = &self.updates[i].unit;
        let state = self.b.units.active_state(unit).await.unwrap_or_else(|e| e.to_string());
        if state != "active" {
            return Some(WatchFailure::UnitDown { state, after });
        }
        let now = match self.b.containers.unit_containers(unit) {
            Ok(now) => now,
            Err(e) => {
                tracing::warn!("watching {unit}: {e}");
                return None;
            }
        };
        let first = baseline.entry(i).or_insert_with(|| now.clone());
        if let Some(gone) = first.iter().find(|c| !now.iter().any(|n| n.id == c.id)) {
            return Some(WatchFailure::Exited { name: gone.name.clone(), after });
        }
        let sick = now.iter().find(|c| c.health == Health::Unhealthy)?;
        Some(WatchFailure::Unhealthy { name: sick.name.clone(), after })
    }
}
