//! Health checks in libpod: the `--health-*` flags turned into a container's
//! [`health::HealthConfig`] ([`flags`]), where a container's health lives and how to read it
//! ([`container_health`]), the OCI runtime adapter that runs a check inside the container
//! ([`exec`]), and the monitor's thread that runs checks on schedule ([`watch`]).
//! `healthcheck run` and the on-failure actions are lifecycle methods
//! (`container/healthcheck.rs`).
//!
//! Podman runs checks from transient systemd timers; rpod's monitor, which lives as long as
//! the container, runs them itself: checks work with and without systemd and cost no units.

pub mod exec;
pub mod flags;
pub(crate) mod watch;

use std::path::{Path, PathBuf};

pub use health::{
    CheckOutcome, CheckReport, HealthConfig, HealthLogEntry, HealthResults, HealthStatus, OnFailureAction,
};

use crate::store::{Container, Store};

/// What can go wrong with a container's health check in libpod, in Podman's words.
#[derive(Debug, thiserror::Error)]
pub enum HealthCheckError {
    /// A `--health-*` value Podman refuses at create time.
    #[error("{0}")]
    Flag(String),
    /// `--sdnotify=healthy` on a container without a health check.
    #[error("invalid argument: sdnotify policy \"healthy\" requires a healthcheck to be set")]
    SdNotifyNeedsHealthCheck,
    /// `healthcheck run` on a container that is not running.
    #[error("container {0} is not running")]
    NotRunning(String),
    /// Podman 5: the check ran longer than `--health-timeout` and was killed.
    #[error("healthcheck command exceeded timeout of {}", go_duration(*.0))]
    TimedOut(std::time::Duration),
    #[error(transparent)]
    Check(#[from] health::HealthError),
}

/// The container's health check log: `healthcheck.log` beside its run directory under the
/// runroot (where Podman keeps it), or `ID-healthcheck.log` in the `--health-log-destination`
/// directory. The monitor, `healthcheck run`, `inspect` and `ps` share it.
pub fn log_file(store: &Store, config: &crate::ContainerConfig) -> health::HealthLogFile {
    let path = match flags::log_directory(config.health_log_destination.as_deref()) {
        Some(dir) => Path::new(dir).join(format!("{}-healthcheck.log", config.id)),
        None => {
            let run_dir = store.runtime_dir(&config.id);
            run_dir.parent().map(PathBuf::from).unwrap_or(run_dir).join("healthcheck.log")
        }
    };
    health::HealthLogFile::at(path)
}

/// The log `container`'s checks are recorded in, keeping what its `--health-max-log-*` allow.
pub fn recording_log(store: &Store, config: &crate::ContainerConfig) -> health::HealthLogFile {
    log_file(store, config).with_limits(config.health_log_limits())
}

/// The health of `container`: `None` when it has no health check; otherwise its results
/// (status `starting`, `healthy`, `unhealthy`, or empty before its first start). An unreadable
/// log counts as no results, as `inspect` shows in Podman. This is what auto-update and `ps`
/// read.
pub fn container_health(store: &Store, container: &Container) -> Option<HealthResults> {
    container.config.health_check()?;
    Some(log_file(store, &container.config).read().unwrap_or_default())
}

/// Go's `time.Duration.String()` for the durations health checks use: `30s`, `1m30s`,
/// `1.5s`, `500ms`, `1h0m0s`.
pub(crate) fn go_duration(duration: std::time::Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1_000_000_000 {
        let (unit, scale) = match nanos {
            n if n < 1_000 => ("ns", 1),
            n if n < 1_000_000 => ("µs", 1_000),
            _ => ("ms", 1_000_000),
        };
        return format!("{}{unit}", decimal(nanos, scale));
    }
    let (hours, rest) = (nanos / 3_600_000_000_000, nanos % 3_600_000_000_000);
    let (minutes, rest) = (rest / 60_000_000_000, rest % 60_000_000_000);
    let seconds = format!("{}s", decimal(rest, 1_000_000_000));
    match (hours, minutes) {
        (0, 0) => seconds,
        (0, m) => format!("{m}m{seconds}"),
        (h, m) => format!("{h}h{m}m{seconds}"),
    }
}

/// `value / scale` with the fraction's trailing zeros dropped.
fn decimal(value: u128, scale: u128) -> String {
    let (whole, fraction) = (value / scale, value % scale);
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = scale.ilog10() as usize;
    format!("{whole}.{}", format!("{fraction:0digits$}").trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn durations_print_as_go_prints_them() {
        for (duration, text) in [
            (Duration::ZERO, "0s"),
            (Duration::from_secs(30), "30s"),
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_micros(1500), "1.5ms"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::from_secs(3725), "1h2m5s"),
        ] {
            assert_eq!(go_duration(duration), text);
        }
    }
}
