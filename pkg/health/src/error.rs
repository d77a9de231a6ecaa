//! Why a health check could not be configured, run or recorded.

use std::path::PathBuf;

/// The errors of this crate, in Podman's words where Podman has them.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    /// `--health-cmd '[]'`.
    #[error("must define a healthcheck command for all healthchecks")]
    NoCommand,
    /// `--health-on-failure` with an unknown word.
    #[error("invalid on-failure action {0:?} for health check: supported actions are none,kill,restart,stop")]
    InvalidOnFailure(String),
    /// The container's test is empty or `NONE`.
    #[error("container {0} has no defined healthcheck")]
    NotDefined(String),
    /// The command could not be started at all (the OCI runtime could not run).
    #[error("running the health check of container {id}")]
    Exec {
        id: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The results file could not be read, parsed or written.
    #[error("health check log {}", path.display())]
    LogFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
