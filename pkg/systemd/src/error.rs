//! Errors of the systemd client, with the texts `podman auto-update` prints.

/// What can go wrong talking to the systemd manager.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The manager's socket could not be reached or the D-Bus handshake failed.
    #[error("connecting to systemd manager at {address}: {source}")]
    Connect {
        address: String,
        #[source]
        source: zbus::Error,
    },
    /// No address to connect to was given.
    #[error("no systemd manager address to connect to")]
    NoManager,
    /// None of the addresses answered: each attempt's error ([`Error::Connect`]), in order.
    #[error("{}", attempts.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Unreachable { attempts: Vec<Error> },
    /// A non-root user has no `$XDG_RUNTIME_DIR`, so there is no user manager to find.
    #[error("XDG_RUNTIME_DIR is not set: cannot find the user's systemd manager")]
    NoRuntimeDir,
    /// A manager method failed (unknown unit, refused job, broken connection).
    #[error("calling systemd {method} for unit {unit:?}: {source}")]
    Call {
        method: &'static str,
        unit: String,
        #[source]
        source: zbus::Error,
    },
    /// The restart job ended with a result other than `done` (`failed`, `timeout`,
    /// `canceled`, `dependency`, `skipped`); Podman 5 prints exactly this text.
    #[error("error restarting systemd unit {unit:?} expected \"done\" but received {result:?}")]
    JobFailed { unit: String, result: String },
    /// No `JobRemoved` for the restart job arrived within the caller's timeout.
    #[error("timed out after {seconds}s waiting for the restart job of systemd unit {unit:?}")]
    Timeout { unit: String, seconds: u64 },
    /// The connection closed while waiting for the job's result.
    #[error("connection to systemd closed while waiting for the restart job of unit {unit:?}")]
    Disconnected { unit: String },
}
