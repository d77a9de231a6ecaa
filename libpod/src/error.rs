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
    /// Podman's refusal of a filter key it does not know.
    #[error("{0} is an invalid filter")]
    UnknownFilterKey(String),
    /// A filter key Podman knows and rpod does not filter on yet.
    #[error("the {0:?} filter is not supported by rpod yet")]
    UnsupportedFilter(String),
    /// Podman's refusal of a state name it does not know (`ps --filter status=`).
    #[error("unknown container state: {0}: invalid argument")]
    UnknownState(String),
    /// Podman's refusal to remove a running container without `--force`.
    #[error("cannot remove container {0} as it is running - running or paused containers cannot be removed without force: container state improper")]
    RemoveRunning(String),
    #[error("container {0} has no command to run: the image sets none and none was given")]
    NoCommand(String),
    /// Podman 4's refusal at create time of an image with neither entrypoint nor command.
    #[error("no command or entrypoint provided, and no CMD or ENTRYPOINT from image")]
    NoCommandOrEntrypoint,
    /// Resource limits Podman refuses at create time.
    #[error(transparent)]
    Limits(#[from] crate::limits::LimitsError),
    /// Name-resolution settings Podman refuses at create time.
    #[error(transparent)]
    NameResolution(#[from] crate::name_resolution::NameResolutionError),
    /// A container's /etc/hosts that cannot be written as asked.
    #[error(transparent)]
    EtcFiles(#[from] crate::runtime::etc_files::EtcFilesError),
    /// containers.conf exists but cannot be read or decoded.
    #[error(transparent)]
    ContainersConf(#[from] containersconf::Error),
    /// A bridged container's namespace or netavark failed.
    #[error(transparent)]
    Network(#[from] crate::network::NetworkSetupError),
    /// Network flags Podman refuses at create time.
    #[error(transparent)]
    NetworkRequest(#[from] crate::network::NetworkRequestError),
    /// Named volumes: bad names, taken names, volumes in use.
    #[error(transparent)]
    Volume(#[from] crate::volume::VolumeError),
    /// Health check flags Podman refuses, and `healthcheck run` failures.
    #[error(transparent)]
    Health(#[from] crate::health::HealthCheckError),
    /// A security profile Podman refuses at create time, or one that cannot be applied at start.
    #[error(transparent)]
    Security(#[from] crate::security::SecurityError),
    #[error("unable to find user {0:?} in the container's /etc/passwd or /etc/group")]
    UnknownUser(String),
    /// The container's `/etc/passwd` or `/etc/group` exists but cannot serve a `--user` lookup:
    /// a FIFO, device or directory, or a file over [`crate::runtime::spec::USER_FILE_LIMIT`].
    #[error("reading the container's {file} to resolve --user: {source}")]
    UserFile {
        file: &'static str,
        #[source]
        source: inroot::ReadError,
    },
    #[error("building the OCI spec: {0}")]
    Spec(String),
    /// An OCI runtime command (`op`) that failed, with what the runtime said, worded as Podman 5
    /// words it: `runc: <what runc said>: OCI runtime error`.
    #[error("{runtime}: {message}: OCI runtime error")]
    Runtime { runtime: String, op: &'static str, message: String },
    /// The OCI runtime could not run the container's command: it does not exist or is not
    /// executable (`fault`), with what the runtime said, worded as Podman 5 words it
    /// (`runc: …: OCI runtime attempted to invoke a command that was not found`).
    #[error("{runtime}: {message}: {}", fault.podman_reason())]
    CommandCannotRun { runtime: String, op: &'static str, message: String, fault: CommandFault },
    /// The container monitor reported that the container's command could not be run; the
    /// message is the monitor's error as the user should see it.
    #[error("{message}")]
    MonitorCommandCannotRun { message: String, fault: CommandFault },
    #[error("no OCI runtime found (looked for {0}): install runc or crun")]
    NoRuntime(String),
    /// What went wrong in or with a container monitor: an error it reported while starting the
    /// container (shown as the monitor worded it), or one of starting or reaching it.
    #[error("{0}")]
    Monitor(String),
    #[error("container {0} is not running: container state improper")]
    NotRunning(String),
    /// Podman 5's refusal to signal a container that is not running.
    #[error("can only kill running containers. {id} is in state {}: container state improper", state.as_str())]
    KillNotRunning { id: String, state: crate::state::ContainerStatus },
    /// Podman's refusal to wait for a health state of a container without a health check.
    #[error("cannot use condition {condition:?}: container {id} has no healthcheck")]
    NoHealthCheck { condition: &'static str, id: String },
    /// The monitor could not wire the container's stdin pipe or terminal (`-i`, `-t`).
    #[error("setting up the container's standard streams: {0}")]
    Stdio(#[source] std::io::Error),
    /// The attach socket of a running container could not be reached, or this process's
    /// terminal could not be set up to talk to it.
    #[error("attaching to container {id}: {source}")]
    Attach {
        id: String,
        #[source]
        source: std::io::Error,
    },
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

/// Why a container's command could not be run; Podman tells the two apart by exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandFault {
    /// The command does not exist in the container (`podman run` and `exec` exit 127).
    NotFound,
    /// The command exists but cannot be executed (`podman run` and `exec` exit 126).
    NotExecutable,
}

impl CommandFault {
    /// Podman's words for the fault at the end of a runtime error (`define.ErrOCIRuntimeNotFound`,
    /// `define.ErrOCIRuntimePermissionDenied`).
    pub fn podman_reason(self) -> &'static str {
        match self {
            CommandFault::NotFound => "OCI runtime attempted to invoke a command that was not found",
            CommandFault::NotExecutable => "OCI permission denied",
        }
    }

    /// Podman's exit code for the fault (`define.ExecErrorCodeNotFound`, `…CannotInvoke`).
    pub fn exit_code(self) -> u8 {
        match self {
            CommandFault::NotFound => 127,
            CommandFault::NotExecutable => 126,
        }
    }

    /// The fault an OCI runtime's complaint describes (runc and crun word them as Go's
    /// `exec`: `executable file not found`, `no such file or directory`, `permission denied`).
    pub fn from_runtime_message(message: &str) -> Option<CommandFault> {
        if message.contains("executable file not found") || message.contains("no such file or directory") {
            Some(CommandFault::NotFound)
        } else if message.contains("permission denied") {
            Some(CommandFault::NotExecutable)
        } else {
            None
        }
    }
}

impl Error {
    /// How a container monitor reports this error to the `start` waiting for it: one line,
    /// `error: …`, or `error 127: …`/`error 126: …` when the container's command could not
    /// be run, so the fault survives the pipe (see [`Error::from_monitor_report`]).
    pub fn monitor_report(&self) -> String {
        match self.command_fault() {
            Some(fault) => format!("error {}: {self}", fault.exit_code()),
            None => format!("error: {self}"),
        }
    }

    /// The error a monitor's report line carries, if the line is an error.
    pub fn from_monitor_report(line: &str) -> Option<Error> {
        if let Some(message) = line.strip_prefix("error: ") {
            return Some(Error::Monitor(message.to_string()));
        }
        let (code, message) = line.strip_prefix("error ")?.split_once(": ")?;
        let fault = [CommandFault::NotFound, CommandFault::NotExecutable]
            .into_iter()
            .find(|f| f.exit_code().to_string() == code)?;
        Some(Error::MonitorCommandCannotRun { message: message.to_string(), fault })
    }

    /// Whether this error says the container's command could not be run, and why.
    pub fn command_fault(&self) -> Option<CommandFault> {
        match self {
            Error::CommandCannotRun { fault, .. } | Error::MonitorCommandCannotRun { fault, .. } => Some(*fault),
            _ => None,
        }
    }
}

/// Result of libpod operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_complaints_name_the_fault() {
        let cases = [
            (r#"runc create failed: exec: "nope": executable file not found in $PATH"#, Some(CommandFault::NotFound)),
            (r#"exec: "/bin/nope": stat /bin/nope: no such file or directory"#, Some(CommandFault::NotFound)),
            (r#"exec: "/etc": permission denied"#, Some(CommandFault::NotExecutable)),
            ("cgroup: mount failed", None),
        ];
        for (message, want) in cases {
            assert_eq!(CommandFault::from_runtime_message(message), want, "{message}");
        }
        assert_eq!(CommandFault::NotFound.exit_code(), 127);
        assert_eq!(CommandFault::NotExecutable.exit_code(), 126);
    }

    #[test]
    fn monitor_reports_keep_the_fault() {
        let missing = Error::CommandCannotRun {
            runtime: "runc".into(),
            op: "create",
            message: "exec: \"x\": executable file not found in $PATH".into(),
            fault: CommandFault::NotFound,
        };
        let line = missing.monitor_report();
        assert_eq!(line, "error 127: runc: exec: \"x\": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found");
        let read = Error::from_monitor_report(&line).unwrap();
        assert_eq!(read.command_fault(), Some(CommandFault::NotFound));
        assert_eq!(read.to_string(), missing.to_string(), "shown as the monitor worded it, with no prefix");
        let plain = Error::from_monitor_report(&Error::NotRunning("c".into()).monitor_report()).unwrap();
        assert_eq!(plain.to_string(), "container c is not running: container state improper");
        assert_eq!(plain.command_fault(), None);
        assert!(Error::from_monitor_report("warn: x").is_none());
        assert!(Error::from_monitor_report("ok").is_none());
    }

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
