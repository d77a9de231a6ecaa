//! Why a unit could not be generated. The texts are Podman's where Podman has one.

use crate::escape::go_quote;

/// Every way `container_unit` and the option parsing can refuse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// `--restart-policy` or the container's `--restart` is not one systemd knows.
    #[error("{} is not a valid restart policy", shown(.0))]
    InvalidRestartPolicy(String),
    /// `--new` needs the command line that created the container.
    #[error(
        "cannot use --new on container {}: no create command found: only works on containers created directly with rpod but not via REST API",
        go_quote(.0)
    )]
    NoCreateCommand(String),
    /// The create command has no `run`/`create` word to rewrite.
    #[error("container's create command is too short or invalid: [{}]", .0.join(" "))]
    CreateCommandInvalid(Vec<String>),
    /// The flags after `run`/`create` do not parse (pflag's texts).
    #[error("parsing remaining command-line arguments: {0}")]
    RunFlags(String),
    /// A unit without `--new` runs `start`, and systemd tracks the monitor through its PID file.
    #[error("conmon PID file path is empty, try to recreate the container with --conmon-pidfile flag")]
    EmptyConmonPidFile,
    /// A unit without `--new` needs the runroot for `RequiresMountsFor=`.
    #[error("could not look up container's runroot: got empty string")]
    EmptyRunRoot,
    /// `generate systemd -e =bar`.
    #[error("parsing environment variables: invalid variable: {}", go_quote(.0))]
    InvalidVariable(String),
    /// systemd ignores (with only a warning) an `Environment=` whose name is not a shell name.
    #[error(
        "environment variable {}: systemd only accepts names of ASCII letters, digits and \"_\" that do not start with a digit",
        go_quote(.0)
    )]
    InvalidEnvName(String),
    /// The service name (prefix, separator and container name) is not a valid systemd unit name.
    #[error(
        "invalid systemd unit name {}: only ASCII letters, digits, \":\", \"-\", \"_\" and \".\" are allowed, at most 255 characters with the suffix",
        go_quote(.0)
    )]
    InvalidUnitName(String),
    /// A value written verbatim (dependency, path) holds a line break or another control character.
    #[error("{what} {}: contains a control character, which would break the unit file", go_quote(.value))]
    ControlCharacter {
        /// Which option or setting, e.g. `--wants`.
        what: String,
        /// The offending value.
        value: String,
    },
    /// A path setting (`PIDFile=`, `RequiresMountsFor=`) is written without quoting.
    #[error(
        "{what} {}: a path written into a unit must not contain whitespace, quotes, backslashes or control characters",
        go_quote(.value)
    )]
    UnsafePath {
        /// Which setting, e.g. `PIDFile`.
        what: String,
        /// The offending path.
        value: String,
    },
    /// systemd cannot pass a NUL byte in any setting.
    #[error("{what} \"{value}\" contains a NUL byte, which systemd cannot pass on")]
    NulByte {
        /// Which value, e.g. `argument`.
        what: String,
        /// The value with the NUL written as `\x00`.
        value: String,
    },
}

/// A value as-is in an error, or Go-quoted when it holds control characters, so every error
/// stays one line.
fn shown(value: &str) -> String {
    if value.chars().any(char::is_control) {
        go_quote(value)
    } else {
        value.to_string()
    }
}
