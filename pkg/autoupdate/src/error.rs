//! Everything that can go wrong in a run. Most are collected per container or unit (the
//! run goes on and `rpod auto-update` lists them at the end, exit 125); the texts are Podman 5's.

use std::path::PathBuf;

use crate::backends::BackendError;
use crate::policy::InvalidPolicy;

/// One error of an auto-update run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The container's `io.containers.autoupdate` label is not a policy (prefixed with the
    /// container ID since Podman 5.6).
    #[error("auto-updating container \"{id}\": {source}")]
    InvalidPolicy { id: String, source: InvalidPolicy },
    /// The container was not created by a systemd unit (`generate systemd --new`), so there
    /// is nothing to restart.
    #[error("auto-updating container \"{id}\": no PODMAN_SYSTEMD_UNIT label found")]
    NoUnitLabel { id: String },
    /// The container's `PODMAN_SYSTEMD_UNIT` label is not a service unit systemd could
    /// restart (`reboot.target`, `../../x`, a template): it never reaches the manager, and the
    /// container's row says `failed`.
    #[error("auto-updating container \"{id}\": PODMAN_SYSTEMD_UNIT label {unit:?} is not a valid service unit name: {source}")]
    InvalidUnitName {
        id: String,
        unit: String,
        #[source]
        source: systemd::InvalidUnitName,
    },
    /// The container's image is gone from local storage.
    #[error("internal error: no image found for ID {image_id}")]
    NoImage { image_id: String },
    /// The container was created from `--rootfs`, not from an image.
    #[error("locally auto-updating container \"{id}\": raw-image name is empty")]
    EmptyRawImageName { id: String },
    /// The registry (or, for `local`, the image store) could not say whether there is an update.
    #[error("checking image updates for container {id}: {reason}")]
    Check { id: String, reason: String },
    /// The pull of the new image failed.
    #[error("updating image for container {id}: {reason}")]
    Pull { id: String, reason: String },
    /// The unit did not come back with the new image and `--rollback=false`.
    #[error("restarting unit {unit} during update: {reason}")]
    RestartDuringUpdate { unit: String, reason: String },
    /// Re-tagging the previous image for a rollback failed.
    #[error("rolling back image for container {id} in unit {unit}: {reason}")]
    RollbackImage { id: String, unit: String, reason: String },
    /// The unit did not come back even with the previous image.
    #[error("restarting unit {unit} during rollback: {reason}")]
    RestartDuringRollback { unit: String, reason: String },
    /// A unit that requires the restarted one was active before and is not any more (systemd
    /// restarts `Requires=` dependents along; a dead dependent must not go unnoticed).
    #[error("unit {dependent} requires {unit} and is {state} after {unit} was restarted")]
    DependentDown { unit: String, dependent: String, state: String },
    /// Reading the container list or the image store failed; nothing can be done.
    #[error("{what}: {reason}")]
    Storage { what: String, reason: String },
    /// `--authfile` names a file that cannot be read.
    #[error("credential file is not accessible: stat {}: {reason}", path.display())]
    AuthfileNotAccessible { path: PathBuf, reason: String },
    /// The systemd manager cannot be reached, so no unit could be restarted: the run stopped
    /// before pulling, tagging or restarting anything (the source says which socket or bus
    /// was tried, and why it failed).
    #[error("systemd is not reachable, so nothing was updated")]
    SystemdUnreachable {
        #[source]
        source: BackendError,
    },
    /// The run lock could not be taken.
    #[error("locking {}: {source}", path.display())]
    Lock { path: PathBuf, source: std::io::Error },
}

/// Go's `os.Stat` wording for the common causes, so `credential file is not accessible`
/// reads like Podman's.
pub fn stat_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authfile_error_reads_like_go() {
        let err = Error::AuthfileNotAccessible {
            path: "/no/auth.json".into(),
            reason: stat_reason(&std::io::Error::from(std::io::ErrorKind::NotFound)),
        };
        assert_eq!(err.to_string(), "credential file is not accessible: stat /no/auth.json: no such file or directory");
    }
}
