//! Errors of the state store and container lifecycle, with Podman's wording where users see it.

use std::path::PathBuf;

/// Everything that can go wrong in `libpod`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Podman: `no container with name or ID "x" found: no such container`.
    #[error("no container with name or ID {0:?} found: no such container")]
    NoSuchContainer(String),
    /// An ID prefix that matches more than one container.
    #[error("more than one result for container name or ID prefix {0:?}: more than one container matches")]
    AmbiguousContainer(String),
    /// Podman: `the container name "x" is already in use by <id>. You have to remove …`.
    #[error("the container name {name:?} is already in use by {id}. You have to remove that container to be able to reuse that name: that name is already in use")]
    NameInUse { name: String, id: String },
    /// A name that breaks Podman's naming rule.
    #[error("container name {0:?} is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*")]
    InvalidName(String),
    /// Podman 4.3+: an auto-update label on a short image name.
    #[error("short name: auto updates require fully-qualified image reference: {0:?}")]
    AutoUpdateShortName(String),
    /// Podman 4.3+: an auto-update label on an image of another transport.
    #[error("auto updates require the docker image transport but image is of transport {0:?}")]
    AutoUpdateTransport(String),
    #[error("--entrypoint {0:?} is not a JSON array of strings")]
    InvalidEntrypoint(String),
    #[error("invalid environment variable {0:?}: the name is empty")]
    EmptyEnvName(String),
    #[error("invalid restart policy {0:?}: valid policies are no, always, on-failure[:max-retries], unless-stopped")]
    InvalidRestartPolicy(String),
    /// Podman's refusal to reuse a container ID file that holds an ID.
    #[error("container id file exists. Ensure another container is not using it or delete {}", .0.display())]
    CidFileExists(PathBuf),
    #[error("container id file {}: {source}", path.display())]
    CidFile { path: PathBuf, source: std::io::Error },
    #[error("invalid filter {0:?}")]
    InvalidFilter(String),
    /// Podman's refusal to remove a running container without `--force`.
    #[error("cannot remove container {0} as it is running - running or paused containers cannot be removed without force: container state improper")]
    RemoveRunning(String),
    #[error("container {0} has no command to run: the image sets none and none was given")]
    NoCommand(String),
    #[error("unable to find user {0:?} in the container's /etc/passwd or /etc/group")]
    UnknownUser(String),
    /// The container's `/etc/passwd` or `/etc/group` exists but cannot serve a `--user` lookup:
    /// a FIFO, device or directory, or a file over [`crate::runtime::spec::USER_FILE_LIMIT`].
    #[error("reading the container's {file} to resolve --user: {source}")]
    UserFile { file: &'static str, #[source] source: inroot::ReadError },
    #[error("building the OCI spec: {0}")]
    Spec(String),
    /// An OCI runtime command that failed, with what the runtime said.
    #[error("OCI runtime {runtime} failed to {op} the container: {message}")]
    Runtime { runtime: String, op: &'static str, message: String },
    #[error("no OCI runtime found (looked for {0}): install runc or crun")]
    NoRuntime(String),
    #[error("container monitor: {0}")]
    Monitor(String),
    #[error("container {0} is not running: container state improper")]
    NotRunning(String),
    #[error(transparent)]
    Image(#[from] image::Error),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("creating directory {path}: {source}")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Database(#[from] statedb::Error),
    #[error("state database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored record that no longer parses: the store is damaged or from a newer rpod.
    #[error("decoding the stored record of container {id}: {source}")]
    Corrupt { id: String, source: serde_json::Error },
    #[error("encoding a container record: {0}")]
    Encode(serde_json::Error),
}

/// Result of libpod operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_podman() {
        assert_eq!(
            Error::NoSuchContainer("x".into()).to_string(),
            r#"no container with name or ID "x" found: no such container"#
        );
        assert_eq!(
            Error::NameInUse { name: "web".into(), id: "abc".into() }.to_string(),
            r#"the container name "web" is already in use by abc. You have to remove that container to be able to reuse that name: that name is already in use"#
        );
    }
}
