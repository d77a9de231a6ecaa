//! Fakes of the crate's traits, for unit tests here and in the crates that run checks: a
//! clock that moves only when told (or when a check or a sleep takes time), and an executor
//! that plays back scripted runs.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::check::{CheckExecutor, CheckRun, Clock};
use crate::error::HealthError;

/// A clock at a fixed instant that [`Clock::sleep`] and [`FakeClock::advance`] move forward;
/// its sleeps fail (end the schedule) once a set time has passed.
#[derive(Debug, Clone)]
pub struct FakeClock {
    start: DateTime<Utc>,
    elapsed: Arc<Mutex<Duration>>,
    stop_after: Arc<Mutex<Option<Duration>>>,
}

impl Default for FakeClock {
    fn default() -> Self {
        FakeClock::new()
    }
}

impl FakeClock {
    /// A clock at 2027-01-15T08:00:00Z.
    pub fn new() -> FakeClock {
        FakeClock {
            start: DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
            elapsed: Arc::default(),
            stop_after: Arc::default(),
        }
    }

    /// Where the clock began.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// How far it moved.
    pub fn elapsed(&self) -> Duration {
        *self.elapsed.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn advance(&self, by: Duration) {
        *self.elapsed.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }

    /// A sleep that would end later than `after` returns `false` (as when the container exits).
    pub fn stop_after(&self, after: Duration) {
        *self.stop_after.lock().unwrap_or_else(|e| e.into_inner()) = Some(after);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + chrono::Duration::from_std(self.elapsed()).unwrap_or_default()
    }

    fn sleep(&self, duration: Duration) -> bool {
        let limit = *self.stop_after.lock().unwrap_or_else(|e| e.into_inner());
        if limit.is_some_and(|limit| self.elapsed() + duration > limit) {
            return false;
        }
        self.advance(duration);
        true
    }
}

/// Plays back scripted runs: each takes its time on the clock and ends as scripted. Running
/// out of script ends the container (the check fails as `stopped`).
#[derive(Debug)]
pub struct FakeExecutor {
    clock: FakeClock,
    script: Mutex<VecDeque<(Duration, CheckRun)>>,
    commands: Mutex<Vec<Vec<String>>>,
    stopped: AtomicBool,
}

impl FakeExecutor {
    pub fn new(clock: &FakeClock, script: impl IntoIterator<Item = (Duration, CheckRun)>) -> FakeExecutor {
        FakeExecutor {
            clock: clock.clone(),
            script: Mutex::new(script.into_iter().collect()),
            commands: Mutex::default(),
            stopped: AtomicBool::new(false),
        }
    }

    /// The argv of every run so far.
    pub fn commands(&self) -> Vec<Vec<String>> {
        self.commands.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// From now on the container counts as stopped.
    pub fn stop_container(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }
}

impl CheckExecutor for FakeExecutor {
    fn run(&self, argv: &[String], _timeout: Duration) -> Result<CheckRun, HealthError> {
        self.commands.lock().unwrap_or_else(|e| e.into_inner()).push(argv.to_vec());
        let next = self.script.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
        let Some((takes, run)) = next else {
            self.stop_container();
            return Ok(CheckRun::Exited { code: 137, output: String::new() });
        };
        self.clock.advance(takes);
        Ok(run)
    }

    fn container_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }
}
