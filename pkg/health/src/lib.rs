//! Container health checks, as Podman ≥4.7 has them (`--health-cmd` and friends, `State.Health`
//! in `inspect`, `healthcheck run`), run by rpod's container monitor rather than by systemd
//! timers.
//!
//! The crate is the part that needs no container: the configuration with Podman's JSON keys
//! ([`HealthConfig`], [`OnFailureAction`]), the results and the state machine that turns one
//! check's outcome into `starting`/`healthy`/`unhealthy` ([`HealthResults`]), when the next check
//! is due ([`schedule`]), the results file shared by the monitor and `healthcheck run`
//! ([`HealthLogFile`]), and one check end to end ([`run_check`]) over two small traits: running
//! the command ([`CheckExecutor`]) and the clock ([`Clock`]). `libpod` implements both with
//! the OCI runtime and the system clock; [`testing`] has fakes.

mod check;
mod config;
mod error;
mod log_file;
mod results;
pub mod schedule;
pub mod testing;

pub use check::{run_check, CheckExecutor, CheckOutcome, CheckReport, CheckRun, Clock, SystemClock};
pub use config::{HealthConfig, OnFailureAction, DEFAULT_INTERVAL, DEFAULT_RETRIES, DEFAULT_TIMEOUT};
pub use error::HealthError;
pub use log_file::HealthLogFile;
pub use results::{HealthLogEntry, HealthResults, HealthStatus, LogLimits, MAX_LOG_ENTRIES, MAX_OUTPUT_BYTES};
