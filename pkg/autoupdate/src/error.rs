//! Everything that can go wrong in a run. Most are collected per container or unit (the
//! run goes on and `rpod auto-update` lists them at the end, exit 125); the texts are Podman 5's.

use std::fmt;
use std::path::PathBuf;

use image::RawImageName;

use crate::backends::{BackendError, SharedCause};
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
    #[error("checking image updates for container {id}: {source}")]
    Check {
        id: String,
        #[source]
        source: SharedCause,
    },
    /// The pull of the new image failed.
    #[error("updating image for container {id}: {source}")]
    Pull {
        id: String,
        #[source]
        source: SharedCause,
    },
    /// The unit did not come back with the new image and `--rollback=false`.
    #[error("restarting unit {unit} during update: {source}")]
    RestartDuringUpdate {
        unit: String,
        #[source]
        source: SharedCause,
    },
    /// A unit failed on a new image (its restart job failed, or it went down or turned
    /// unhealthy in its watch window), so the image name went back to the previous image and
    /// every unit on it was restarted onto that. Unlike Podman (exit 0), a run that rolled
    /// back fails, so a timer's failure shows in `systemctl --failed` and `OnFailure=`.
    #[error("image {image} rolled back: unit {unit} failed with it: {source}")]
    RolledBack {
        image: String,
        unit: String,
        #[source]
        source: SharedCause,
    },
    /// Pointing an image name back at its previous image failed.
    #[error("rolling back image {image} to {old}: {source}")]
    RetagFailed {
        image: String,
        old: String,
        #[source]
        source: BackendError,
    },
    /// `--rollback-to-previous` names no service unit.
    #[error("{unit:?} is not a valid service unit name: {source}")]
    NotAServiceUnit {
        unit: String,
        #[source]
        source: systemd::InvalidUnitName,
    },
    /// `--rollback-to-previous`: rpod knows no running container of the unit.
    #[error("no running container has PODMAN_SYSTEMD_UNIT={unit}")]
    NoContainersInUnit { unit: String },
    /// `--rollback-to-previous`: the image name was never updated by `rpod auto-update` (or its
    /// previous image was removed), so there is nothing to go back to.
    #[error("unit {unit}: {image} has no previous image (one is kept only after an update by rpod auto-update)")]
    NoPreviousImage { unit: String, image: String },
    /// The container's `io.containers.autoupdate.watch-window` label is not a duration.
    #[error("auto-updating container \"{id}\": invalid {label} label: {source}")]
    InvalidWatchWindow {
        id: String,
        label: &'static str,
        #[source]
        source: libpod::flag_values::GoDurationError,
    },
    /// The unit did not come back even with the previous image.
    #[error("restarting unit {unit} during rollback: {source}")]
    RestartDuringRollback {
        unit: String,
        #[source]
        source: BackendError,
    },
    /// A unit that requires the restarted one was active before and is not any more (systemd
    /// restarts `Requires=` dependents along; a dead dependent must not go unnoticed).
    #[error("unit {dependent} requires {unit} and is {state} after {unit} was restarted")]
    DependentDown { unit: String, dependent: String, state: String },
    /// Reading the container list or the image store failed; nothing can be done.
    #[error("{what}: {source}")]
    Storage {
        what: String,
        #[source]
        source: BackendError,
    },
    /// `--authfile` names a file that cannot be read.
    #[error("credential file is not accessible: stat {}: {source}", path.display())]
    AuthfileNotAccessible {
        path: PathBuf,
        #[source]
        source: StatError,
    },
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

/// Why a check or pull has no answer although no backend failed: the cause of
/// [`Error::Check`] or [`Error::Pull`] when there is no backend error to report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoAnswer {
    /// The plan has no answer for the task's registry question or local name.
    #[error("internal error: image was not checked")]
    NotChecked,
    /// The registry answered the check with no digest at all.
    #[error("registry returned no digest for {0}")]
    NoDigest(RawImageName),
    /// Local policy: the `RawImageName` no longer names an image in local storage.
    #[error("{0}: image not known")]
    ImageNotKnown(RawImageName),
    /// The plan says pull, but the run has no result of that pull.
    #[error("internal error: image was not pulled")]
    NotPulled,
}

/// A failed `stat` of a file the user named, worded like Go's `os.Stat` (see
/// [`stat_reason`]). The wording replaces the `io::Error`'s own text, so the `io::Error` is
/// kept ([`StatError::io_error`]) but not reported as a further source: printing the chain
/// would repeat the cause in Rust's words.
#[derive(Debug)]
pub struct StatError(pub std::io::Error);

impl StatError {
    /// The error `stat` returned.
    pub fn io_error(&self) -> &std::io::Error {
        &self.0
    }
}

impl fmt::Display for StatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&stat_reason(&self.0))
    }
}

impl std::error::Error for StatError {}

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
            source: StatError(std::io::Error::from(std::io::ErrorKind::NotFound)),
        };
        assert_eq!(err.to_string(), "credential file is not accessible: stat /no/auth.json: no such file or directory");
        let cause = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(cause.as_deref(), Some("no such file or directory"));
    }

    /// `rpod` prints an error with its chain of sources, leaving out a source whose text the
    /// previous message already ends with; so each source here must be such a suffix, or the
    /// cause would be printed twice.
    #[test]
    fn every_source_is_already_in_the_message() {
        let backend = |text: &str| BackendError::from(text);
        let missing = || StatError(std::io::Error::from(std::io::ErrorKind::NotFound));
        let errors = vec![
            Error::Check { id: "c1".into(), source: SharedCause::from(backend("unauthorized")) },
            Error::Pull { id: "c1".into(), source: std::sync::Arc::new(NoAnswer::NotPulled) },
            Error::RestartDuringUpdate { unit: "u.service".into(), source: SharedCause::from(backend("job failed")) },
            Error::RolledBack {
                image: "q.io/a:1".into(),
                unit: "u.service".into(),
                source: SharedCause::from(backend("job failed")),
            },
            Error::RetagFailed { image: "q.io/a:1".into(), old: "abc".into(), source: backend("no image") },
            Error::RestartDuringRollback { unit: "u.service".into(), source: backend("job failed") },
            Error::Storage { what: "listing containers".into(), source: backend("database is locked") },
            Error::AuthfileNotAccessible { path: "/no/auth.json".into(), source: missing() },
        ];
        for err in &errors {
            let mut message = err.to_string();
            let mut source = std::error::Error::source(err);
            assert!(source.is_some(), "{err:?} keeps no source");
            while let Some(cause) = source {
                let text = cause.to_string();
                assert!(message.ends_with(&text), "{message:?} does not end with its source {text:?}");
                message = text;
                source = cause.source();
            }
        }
    }

    #[test]
    fn shared_causes_print_once_and_stay_reachable() {
        let cause: SharedCause = std::sync::Arc::new(NoAnswer::NotPulled);
        let err = Error::Pull { id: "c1".into(), source: cause };
        assert_eq!(err.to_string(), "updating image for container c1: internal error: image was not pulled");
        let source = std::error::Error::source(&err).expect("a source");
        assert_eq!(source.to_string(), "internal error: image was not pulled");
    }
}
