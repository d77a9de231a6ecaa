//! A container's health: the status, the failing streak and the last results, with Podman's
//! JSON keys (`define.HealthCheckResults`, `State.Health` in `inspect`), and the rule that
//! turns one check's outcome into the next status (libpod's `updateHealthCheckLog`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How many results the log keeps by default (Podman's `DefaultHealthMaxLogCount`).
pub const MAX_LOG_ENTRIES: usize = 5;
/// How much of a check's output one result keeps by default, in bytes (Podman's
/// `DefaultHealthMaxLogSize`).
pub const MAX_OUTPUT_BYTES: usize = 500;

/// How much the log keeps (`--health-max-log-count`, `--health-max-log-size`); 0 is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLimits {
    /// Results kept, the oldest dropped first.
    pub max_count: usize,
    /// Bytes of each result's output kept.
    pub max_size: usize,
}

impl Default for LogLimits {
    fn default() -> Self {
        LogLimits { max_count: MAX_LOG_ENTRIES, max_size: MAX_OUTPUT_BYTES }
    }
}

/// The health status words `inspect`, `ps` and `healthcheck run` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum HealthStatus {
    /// Never started since it was created.
    #[default]
    #[serde(rename = "")]
    Unset,
    /// Started; no check has passed, and failures have not yet reached the retries.
    #[serde(rename = "starting")]
    Starting,
    #[serde(rename = "healthy")]
    Healthy,
    /// `Retries` consecutive checks failed after the start period.
    #[serde(rename = "unhealthy")]
    Unhealthy,
    /// A check failed because the container stopped while it ran.
    #[serde(rename = "stopped")]
    Stopped,
}

impl HealthStatus {
    /// The word, empty for [`HealthStatus::Unset`].
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Unset => "",
            HealthStatus::Starting => "starting",
            HealthStatus::Healthy => "healthy",
            HealthStatus::Unhealthy => "unhealthy",
            HealthStatus::Stopped => "stopped",
        }
    }
}

/// One check: when it ran, its exit code (0 passed, 1 failed, -1 timed out, as Podman records
/// them) and what it printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthLogEntry {
    /// RFC 3339 with nanoseconds, trailing zeros dropped (Go's `time.RFC3339Nano`).
    #[serde(rename = "Start")]
    pub start: String,
    #[serde(rename = "End")]
    pub end: String,
    #[serde(rename = "ExitCode")]
    pub exit_code: i32,
    /// The check's standard output and error together, cut to the log's limit.
    #[serde(rename = "Output")]
    pub output: String,
}

impl HealthLogEntry {
    /// The entry for a check that ran from `start` to `end`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>, exit_code: i32, output: &str) -> HealthLogEntry {
        HealthLogEntry { start: go_rfc3339_nano(start), end: go_rfc3339_nano(end), exit_code, output: output.into() }
    }
}

/// A container's health, as stored in its health check log and shown in `inspect`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HealthResults {
    #[serde(rename = "Status")]
    pub status: HealthStatus,
    /// Consecutive failed checks after the start period.
    #[serde(rename = "FailingStreak")]
    pub failing_streak: u32,
    /// The last checks ([`LogLimits`]), oldest first (`null` before the first, as in Go).
    #[serde(rename = "Log", default, serialize_with = "empty_as_null", deserialize_with = "null_as_empty")]
    pub log: Vec<HealthLogEntry>,
}

impl HealthResults {
    /// Records one check (libpod's `updateHealthCheckLog`): a pass makes the container healthy
    /// and ends the streak; a failure during the start period only adds to the log; after it,
    /// each failure extends the streak, and `retries` of them make the container unhealthy. A
    /// failure because the container stopped meanwhile says `stopped`. The log keeps what
    /// `limits` allow.
    pub fn record(
        &mut self,
        mut entry: HealthLogEntry,
        in_start_period: bool,
        retries: u32,
        container_stopped: bool,
        limits: LogLimits,
    ) {
        if limits.max_size != 0 {
            entry.output = cut(&entry.output, limits.max_size);
        }
        if entry.exit_code == 0 {
            self.status = HealthStatus::Healthy;
            self.failing_streak = 0;
        } else {
            if self.status == HealthStatus::Unset {
                self.status = HealthStatus::Healthy;
            }
            if container_stopped {
                self.status = HealthStatus::Stopped;
            } else if !in_start_period {
                self.failing_streak += 1;
                if self.failing_streak >= retries {
                    self.status = HealthStatus::Unhealthy;
                }
            }
        }
        self.log.push(entry);
        if limits.max_count != 0 {
            let excess = self.log.len().saturating_sub(limits.max_count);
            self.log.drain(..excess);
        }
    }
}

fn empty_as_null<S: serde::Serializer>(log: &[HealthLogEntry], serializer: S) -> Result<S::Ok, S::Error> {
    if log.is_empty() {
        serializer.serialize_none()
    } else {
        serializer.collect_seq(log)
    }
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<HealthLogEntry>, D::Error> {
    Ok(Option::<Vec<HealthLogEntry>>::deserialize(deserializer)?.unwrap_or_default())
}

/// `output` cut to at most `max` bytes, at a character boundary.
fn cut(output: &str, max: usize) -> String {
    let mut end = output.len().min(max);
    while !output.is_char_boundary(end) {
        end -= 1;
    }
    output[..end].to_string()
}

/// Go's `time.RFC3339Nano` format of a UTC time: nanoseconds with trailing zeros dropped.
fn go_rfc3339_nano(time: DateTime<Utc>) -> String {
    let fraction = format!("{:09}", time.timestamp_subsec_nanos());
    let fraction = fraction.trim_end_matches('0');
    let dot = if fraction.is_empty() { "" } else { "." };
    format!("{}{dot}{fraction}Z", time.format("%Y-%m-%dT%H:%M:%S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(exit_code: i32) -> HealthLogEntry {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        HealthLogEntry::new(at, at, exit_code, "out")
    }

    fn starting() -> HealthResults {
        HealthResults { status: HealthStatus::Starting, ..Default::default() }
    }

    #[test]
    fn retries_failures_in_a_row_make_a_container_unhealthy_and_a_pass_heals_it() {
        let mut health = starting();
        health.record(entry(1), false, 3, false, LogLimits::default());
        health.record(entry(1), false, 3, false, LogLimits::default());
        assert_eq!((health.status, health.failing_streak), (HealthStatus::Starting, 2));
        health.record(entry(1), false, 3, false, LogLimits::default());
        assert_eq!((health.status, health.failing_streak), (HealthStatus::Unhealthy, 3));
        health.record(entry(0), false, 3, false, LogLimits::default());
        assert_eq!((health.status, health.failing_streak), (HealthStatus::Healthy, 0));
        health.record(entry(-1), false, 3, false, LogLimits::default());
        assert_eq!((health.status, health.failing_streak), (HealthStatus::Healthy, 1), "one failure is not enough");
    }

    #[test]
    fn failures_in_the_start_period_do_not_count() {
        let mut health = starting();
        for _ in 0..5 {
            health.record(entry(1), true, 1, false, LogLimits::default());
        }
        assert_eq!((health.status, health.failing_streak), (HealthStatus::Starting, 0));
        health.record(entry(1), false, 1, false, LogLimits::default());
        assert_eq!(health.status, HealthStatus::Unhealthy);
    }

    #[test]
    fn a_failure_of_a_stopped_container_says_stopped() {
        let mut health = starting();
        health.record(entry(1), false, 3, true, LogLimits::default());
        assert_eq!((health.status, health.failing_streak), (HealthStatus::Stopped, 0));
    }

    #[test]
    fn the_log_keeps_the_last_five_results_and_500_bytes_of_output() {
        let mut health = starting();
        for code in 0..7 {
            health.record(entry(code), false, 100, false, LogLimits::default());
        }
        assert_eq!(health.log.iter().map(|e| e.exit_code).collect::<Vec<_>>(), [2, 3, 4, 5, 6]);
        let at = Utc::now();
        health.record(HealthLogEntry::new(at, at, 0, &"é".repeat(300)), false, 1, false, LogLimits::default());
        assert_eq!(health.log.last().unwrap().output.len(), 500);
        let unlimited = LogLimits { max_count: 0, max_size: 0 };
        for _ in 0..10 {
            health.record(HealthLogEntry::new(at, at, 0, &"x".repeat(900)), false, 1, false, unlimited);
        }
        assert_eq!((health.log.len(), health.log.last().unwrap().output.len()), (15, 900));
        health.record(entry(0), false, 1, false, LogLimits { max_count: 2, max_size: 1 });
        assert_eq!((health.log.len(), health.log[1].output.as_str()), (2, "o"));
    }

    #[test]
    fn results_have_podmans_keys_and_times() {
        let start = DateTime::from_timestamp(1_800_000_000, 120_000_000).unwrap();
        let end = DateTime::from_timestamp(1_800_000_001, 0).unwrap();
        let mut health = starting();
        health.record(HealthLogEntry::new(start, end, 0, "ok\n"), false, 3, false, LogLimits::default());
        assert_eq!(
            serde_json::to_string(&health).unwrap(),
            r#"{"Status":"healthy","FailingStreak":0,"Log":[{"Start":"2027-01-15T08:00:00.12Z","End":"2027-01-15T08:00:01Z","ExitCode":0,"Output":"ok\n"}]}"#
        );
        let fresh: HealthResults =
            serde_json::from_str(r#"{"Status":"starting","FailingStreak":0,"Log":null}"#).unwrap();
        assert_eq!(fresh, starting());
        assert_eq!(serde_json::to_string(&fresh).unwrap(), r#"{"Status":"starting","FailingStreak":0,"Log":null}"#);
    }
}
