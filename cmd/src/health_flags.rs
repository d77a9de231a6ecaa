//! The health check flags of `create` and `run` (flattened into
//! [`crate::commands::create::CreateArgs`]), checked into libpod's
//! [`HealthRequest`](libpod::health::flags::HealthRequest) with Podman's errors.

use clap::Args;
use libpod::health::flags::{HealthFlags, HealthRequest};

/// `--health-*`, `--no-healthcheck`.
#[derive(Debug, Clone, Args)]
pub struct HealthFlagArgs {
    /// Set a healthcheck command for the container ('none' disables the existing healthcheck)
    #[arg(long = "health-cmd", value_name = "COMMAND", allow_hyphen_values = true)]
    pub cmd: Option<String>,
    /// Set an interval for the healthcheck (a value of disable results in no automatic checks) (default 30s)
    #[arg(long = "health-interval", value_name = "INTERVAL", allow_hyphen_values = true)]
    pub interval: Option<String>,
    /// The number of retries allowed before a healthcheck is considered to be unhealthy (default 3)
    #[arg(long = "health-retries", value_name = "RETRIES")]
    pub retries: Option<u32>,
    /// The maximum time allowed to complete the healthcheck before an interval is considered failed and SIGKILL is sent to the healthcheck process (default 30s)
    #[arg(long = "health-timeout", value_name = "TIMEOUT", allow_hyphen_values = true)]
    pub timeout: Option<String>,
    /// The initialization time needed for a container to bootstrap (default 0s)
    #[arg(long = "health-start-period", value_name = "PERIOD", allow_hyphen_values = true)]
    pub start_period: Option<String>,
    /// Time between checks during the start period, until one passes (default: the interval)
    #[arg(long = "health-start-interval", value_name = "INTERVAL", allow_hyphen_values = true)]
    pub start_interval: Option<String>,
    /// Action to take once the container turns unhealthy: none, kill, restart, stop (default none)
    #[arg(long = "health-on-failure", value_name = "ACTION")]
    pub on_failure: Option<String>,
    /// Disable healthchecks on container
    #[arg(long = "no-healthcheck")]
    pub no_healthcheck: bool,
    /// Set maximum number of attempts in the HealthCheck log file ('0' value means an infinite number of attempts in the log file) (default 5)
    #[arg(long = "health-max-log-count", value_name = "COUNT")]
    pub max_log_count: Option<u32>,
    /// Set maximum length in characters of stored HealthCheck log ('0' value means an infinite log length) (default 500)
    #[arg(long = "health-max-log-size", value_name = "SIZE")]
    pub max_log_size: Option<u32>,
    /// Set the destination of the HealthCheck log. Directory path, local or events_logger (local use container state file) (default "local")
    #[arg(long = "health-log-destination", value_name = "DESTINATION")]
    pub log_destination: Option<String>,
}

impl HealthFlagArgs {
    /// The flags checked; the image's check is merged in at create.
    pub fn request(&self) -> libpod::Result<HealthRequest> {
        let flags = HealthFlags {
            cmd: self.cmd.clone(),
            interval: self.interval.clone(),
            retries: self.retries,
            timeout: self.timeout.clone(),
            start_period: self.start_period.clone(),
            start_interval: self.start_interval.clone(),
            on_failure: self.on_failure.clone(),
            no_healthcheck: self.no_healthcheck,
            max_log_count: self.max_log_count,
            max_log_size: self.max_log_size,
            log_destination: self.log_destination.clone(),
        };
        Ok(flags.request()?)
    }
}
