//! When checks run: Podman starts a systemd timer that fires `interval` after the container
//! started and then `interval` after each check; rpod's monitor keeps the same rhythm itself.
//! During the start period, until a check passes, a `StartInterval` (Docker's
//! `--health-start-interval`) replaces the interval, so a slow start is noticed early.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::check::{run_check, CheckExecutor, CheckReport, Clock};
use crate::config::HealthConfig;
use crate::error::HealthError;
use crate::log_file::HealthLogFile;
use crate::results::HealthStatus;

/// Whether a check begun at `at` falls in the start period of a container started at
/// `started_at` (its failures then do not count).
pub fn in_start_period(config: &HealthConfig, started_at: DateTime<Utc>, at: DateTime<Utc>) -> bool {
    let period = chrono::Duration::from_std(config.start_period).unwrap_or(chrono::TimeDelta::MAX);
    !config.start_period.is_zero() && at < started_at.checked_add_signed(period).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// How long to wait before the next check, `now` being the start or the end of the last
/// check; `None` when the interval is disabled (checks run only through `healthcheck run`).
pub fn next_check_in(
    config: &HealthConfig,
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
    status: HealthStatus,
) -> Option<Duration> {
    if config.interval.is_zero() {
        return None;
    }
    let starting = status != HealthStatus::Healthy && in_start_period(config, started_at, now);
    Some(if starting && !config.start_interval.is_zero() { config.start_interval } else { config.interval })
}

/// Runs container `id`'s checks on schedule until the clock is stopped or `after_each` says
/// to stop (returns `false`), handing it each check's report or error. A check that could not
/// be attempted does not end the schedule: the container may be between a failure and its
/// restart.
pub fn run_on_schedule(
    id: &str,
    config: &HealthConfig,
    started_at: DateTime<Utc>,
    executor: &dyn CheckExecutor,
    log: &HealthLogFile,
    clock: &dyn Clock,
    mut after_each: impl FnMut(Result<CheckReport, HealthError>) -> bool,
) {
    let mut status = log.read().map(|r| r.status).unwrap_or_default();
    loop {
        let Some(wait) = next_check_in(config, started_at, clock.now(), status) else { return };
        if !clock.sleep(wait) {
            return;
        }
        let report = run_check(id, config, started_at, executor, log, clock);
        if let Ok(report) = &report {
            status = report.results.status;
        }
        if !after_each(report) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckRun;
    use crate::testing::{FakeClock, FakeExecutor};

    fn config() -> HealthConfig {
        HealthConfig {
            test: vec!["CMD".into(), "check".into()],
            interval: Duration::from_secs(30),
            start_interval: Duration::from_secs(2),
            start_period: Duration::from_secs(10),
            timeout: Duration::from_secs(1),
            retries: 2,
        }
    }

    fn at(clock: &FakeClock, secs: i64) -> DateTime<Utc> {
        clock.start() + chrono::Duration::seconds(secs)
    }

    #[test]
    fn the_start_interval_applies_in_the_start_period_until_a_check_passes() {
        let clock = FakeClock::new();
        let (start, config) = (clock.now(), config());
        let next = |secs, status| next_check_in(&config, start, at(&clock, secs), status);
        assert_eq!(next(0, HealthStatus::Starting), Some(Duration::from_secs(2)));
        assert_eq!(next(9, HealthStatus::Starting), Some(Duration::from_secs(2)));
        assert_eq!(next(5, HealthStatus::Healthy), Some(Duration::from_secs(30)));
        assert_eq!(next(10, HealthStatus::Starting), Some(Duration::from_secs(30)));
        let no_start_interval = HealthConfig { start_interval: Duration::ZERO, ..config.clone() };
        assert_eq!(
            next_check_in(&no_start_interval, start, start, HealthStatus::Starting),
            Some(Duration::from_secs(30))
        );
        let disabled = HealthConfig { interval: Duration::ZERO, ..config };
        assert_eq!(next_check_in(&disabled, start, start, HealthStatus::Starting), None);
    }

    #[test]
    fn checks_run_on_schedule_until_told_to_stop() {
        let dir = tempfile::tempdir().unwrap();
        let log = HealthLogFile::at(dir.path().join("healthcheck.log"));
        log.update(|r| r.status = HealthStatus::Starting).unwrap();
        let clock = FakeClock::new();
        let fail = || (Duration::from_millis(500), CheckRun::Exited { code: 1, output: String::new() });
        let pass = || (Duration::from_millis(500), CheckRun::Exited { code: 0, output: String::new() });
        // Two failures in the start period, a pass, then failures until unhealthy.
        let executor = FakeExecutor::new(&clock, [fail(), fail(), pass(), fail(), fail()]);
        let mut seen = Vec::new();
        run_on_schedule("c1", &config(), clock.now(), &executor, &log, &clock, |report| {
            let report = report.unwrap();
            seen.push((clock.elapsed().as_millis(), report.results.status, report.results.failing_streak));
            report.results.status != HealthStatus::Unhealthy
        });
        assert_eq!(
            seen,
            [
                (2_500, HealthStatus::Starting, 0),
                (5_000, HealthStatus::Starting, 0),
                (7_500, HealthStatus::Healthy, 0),
                (38_000, HealthStatus::Healthy, 1),
                (68_500, HealthStatus::Unhealthy, 2),
            ]
        );
    }

    #[test]
    fn a_stopped_clock_ends_the_schedule() {
        let dir = tempfile::tempdir().unwrap();
        let log = HealthLogFile::at(dir.path().join("healthcheck.log"));
        let clock = FakeClock::new();
        clock.stop_after(Duration::from_secs(65));
        let pass = || (Duration::ZERO, CheckRun::Exited { code: 0, output: String::new() });
        let executor = FakeExecutor::new(&clock, [pass(), pass(), pass(), pass()]);
        let mut checks = 0;
        let config = HealthConfig { start_interval: Duration::ZERO, ..config() };
        run_on_schedule("c1", &config, clock.now(), &executor, &log, &clock, |_| {
            checks += 1;
            true
        });
        assert_eq!(checks, 2, "at 30s and 60s");
    }
}
