//! One health check end to end — run the command with the timeout, record the result — and
//! the two things it needs from outside: a way to run a command in the container
//! ([`CheckExecutor`]) and a clock ([`Clock`]).

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::HealthConfig;
use crate::error::HealthError;
use crate::log_file::HealthLogFile;
use crate::results::{HealthLogEntry, HealthResults};
use crate::schedule;

/// How a check's command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckRun {
    /// It exited with this code, having printed `output` (stdout and stderr together).
    Exited { code: i32, output: String },
    /// It ran past the timeout and was killed, having printed `output` so far.
    TimedOut { output: String },
    /// The OCI runtime could not start it (no such command, say); `output` is the runtime's
    /// complaint. Podman counts this as a failed check, not as an error.
    CannotRun { output: String },
}

/// Runs a health check's command inside one running container.
pub trait CheckExecutor {
    /// Runs `argv` in the container, killing it (and what it started) after `timeout`.
    fn run(&self, argv: &[String], timeout: Duration) -> Result<CheckRun, HealthError>;
    /// Whether the container has stopped (a check that failed because of it says `stopped`).
    fn container_stopped(&self) -> bool;
}

/// The time, and waiting that the container's exit can cut short.
pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
    /// Waits `duration`; `false` when the checks must stop instead (the container exited).
    fn sleep(&self, duration: Duration) -> bool;
}

/// The system clock, its sleep cut short by [`SystemClock::stop`] from another thread.
#[derive(Debug, Clone, Default)]
pub struct SystemClock {
    stopped: Arc<(Mutex<bool>, Condvar)>,
}

impl SystemClock {
    /// Ends the current and every later [`Clock::sleep`] at once, returning `false`.
    pub fn stop(&self) {
        let (flag, wake) = &*self.stopped;
        *flag.lock().unwrap_or_else(|e| e.into_inner()) = true;
        wake.notify_all();
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep(&self, duration: Duration) -> bool {
        let (flag, wake) = &*self.stopped;
        let guard = flag.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) =
            wake.wait_timeout_while(guard, duration, |stopped| !*stopped).unwrap_or_else(|e| e.into_inner());
        !*guard
    }
}

/// What one check found, beside the results it recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    Passed,
    Failed,
    /// Killed after the configured timeout.
    TimedOut(Duration),
    /// Failed because the container stopped meanwhile.
    ContainerStopped,
}

/// One check's outcome and the container's health after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub outcome: CheckOutcome,
    pub results: HealthResults,
}

/// Runs the health check of container `id` (started at `started_at`) once and records the
/// result in `log`. A command that exits non-zero, cannot run or times out is a failed check
/// (recorded with exit code 1, 1 and -1 as Podman does); an error is returned only when the
/// check could not be attempted or recorded.
pub fn run_check(
    id: &str,
    config: &HealthConfig,
    started_at: DateTime<Utc>,
    executor: &dyn CheckExecutor,
    log: &HealthLogFile,
    clock: &dyn Clock,
) -> Result<CheckReport, HealthError> {
    let argv = config.command().ok_or_else(|| HealthError::NotDefined(id.to_string()))?;
    let start = clock.now();
    let run = executor.run(&argv, config.timeout)?;
    let end = clock.now();
    let (exit_code, mut outcome, output) = match run {
        CheckRun::Exited { code: 0, output } => (0, CheckOutcome::Passed, output),
        CheckRun::Exited { output, .. } | CheckRun::CannotRun { output } => (1, CheckOutcome::Failed, output),
        CheckRun::TimedOut { output } => (-1, CheckOutcome::TimedOut(config.timeout), output),
    };
    let stopped = exit_code != 0 && executor.container_stopped();
    if stopped {
        outcome = CheckOutcome::ContainerStopped;
    }
    let in_start_period = schedule::in_start_period(config, started_at, start);
    let entry = HealthLogEntry::new(start, end, exit_code, &output);
    let limits = log.limits();
    let results = log.update(|r| r.record(entry, in_start_period, config.retries, stopped, limits))?;
    Ok(CheckReport { outcome, results })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::HealthStatus;
    use crate::testing::{FakeClock, FakeExecutor};

    fn config(retries: u32, start_period: u64) -> HealthConfig {
        HealthConfig {
            test: vec!["CMD-SHELL".into(), "check".into()],
            interval: Duration::from_secs(10),
            timeout: Duration::from_secs(2),
            start_period: Duration::from_secs(start_period),
            retries,
            ..Default::default()
        }
    }

    #[test]
    fn a_passing_check_records_a_healthy_result_with_its_times_and_output() {
        let dir = tempfile::tempdir().unwrap();
        let log = HealthLogFile::at(dir.path().join("healthcheck.log"));
        let clock = FakeClock::new();
        let executor = FakeExecutor::new(
            &clock,
            [(Duration::from_millis(300), CheckRun::Exited { code: 0, output: "fine\n".into() })],
        );
        let report = run_check("c1", &config(3, 0), clock.now(), &executor, &log, &clock).unwrap();
        assert_eq!(report.outcome, CheckOutcome::Passed);
        assert_eq!(report.results.status, HealthStatus::Healthy);
        let entry = &report.results.log[0];
        assert_eq!((entry.exit_code, entry.output.as_str()), (0, "fine\n"));
        assert_eq!(executor.commands(), [vec!["/bin/sh".to_string(), "-c".into(), "check".into()]]);
        assert_eq!(log.read().unwrap(), report.results);
        assert_ne!(entry.start, entry.end, "the end is after the command ran");
    }

    #[test]
    fn a_timed_out_check_fails_with_exit_code_minus_one() {
        let dir = tempfile::tempdir().unwrap();
        let log = HealthLogFile::at(dir.path().join("healthcheck.log"));
        let clock = FakeClock::new();
        let executor =
            FakeExecutor::new(&clock, [(Duration::from_secs(2), CheckRun::TimedOut { output: String::new() })]);
        let report = run_check("c1", &config(1, 0), clock.now(), &executor, &log, &clock).unwrap();
        assert_eq!(report.outcome, CheckOutcome::TimedOut(Duration::from_secs(2)));
        assert_eq!(report.results.log[0].exit_code, -1);
        assert_eq!(report.results.status, HealthStatus::Unhealthy);
    }

    #[test]
    fn failures_count_only_after_the_start_period() {
        let dir = tempfile::tempdir().unwrap();
        let log = HealthLogFile::at(dir.path().join("healthcheck.log"));
        let clock = FakeClock::new();
        let started = clock.now();
        let failing = || (Duration::from_secs(1), CheckRun::Exited { code: 7, output: String::new() });
        let executor = FakeExecutor::new(&clock, [failing(), failing(), failing()]);
        let config = config(1, 20);
        clock.advance(Duration::from_secs(10));
        let first = run_check("c1", &config, started, &executor, &log, &clock).unwrap();
        assert_eq!((first.results.failing_streak, first.results.log[0].exit_code), (0, 1));
        clock.advance(Duration::from_secs(8));
        run_check("c1", &config, started, &executor, &log, &clock).unwrap();
        assert_eq!(log.read().unwrap().failing_streak, 0, "started at 19s, inside the start period");
        clock.advance(Duration::from_secs(5));
        let late = run_check("c1", &config, started, &executor, &log, &clock).unwrap();
        assert_eq!((late.results.status, late.results.failing_streak), (HealthStatus::Unhealthy, 1));
    }

    #[test]
    fn a_command_that_cannot_run_is_a_failure_and_a_stopped_container_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let log = HealthLogFile::at(dir.path().join("healthcheck.log"));
        let clock = FakeClock::new();
        let executor =
            FakeExecutor::new(&clock, [(Duration::ZERO, CheckRun::CannotRun { output: "no such file".into() })]);
        let report = run_check("c1", &config(3, 0), clock.now(), &executor, &log, &clock).unwrap();
        assert_eq!((report.outcome, report.results.log[0].exit_code), (CheckOutcome::Failed, 1));
        let executor =
            FakeExecutor::new(&clock, [(Duration::ZERO, CheckRun::Exited { code: 137, output: String::new() })]);
        executor.stop_container();
        let report = run_check("c1", &config(3, 0), clock.now(), &executor, &log, &clock).unwrap();
        assert_eq!((report.outcome, report.results.status), (CheckOutcome::ContainerStopped, HealthStatus::Stopped));
    }

    #[test]
    fn a_container_without_a_check_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let log = HealthLogFile::at(dir.path().join("healthcheck.log"));
        let clock = FakeClock::new();
        let executor = FakeExecutor::new(&clock, []);
        let none = HealthConfig { test: vec!["NONE".into()], ..Default::default() };
        let err = run_check("abc", &none, clock.now(), &executor, &log, &clock).unwrap_err();
        assert_eq!(err.to_string(), "container abc has no defined healthcheck");
        assert!(executor.commands().is_empty());
    }

    #[test]
    fn the_system_clock_stops_sleeping_when_told() {
        let clock = SystemClock::default();
        assert!(clock.sleep(Duration::from_millis(1)));
        let other = clock.clone();
        let waker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            other.stop();
        });
        let begun = std::time::Instant::now();
        assert!(!clock.sleep(Duration::from_secs(30)));
        assert!(begun.elapsed() < Duration::from_secs(5));
        waker.join().unwrap();
        assert!(!clock.sleep(Duration::from_secs(30)), "stays stopped");
    }
}
