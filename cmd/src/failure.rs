//! How a command fails: an exit code and the errors to show. Commands return it; only
//! `main` prints the `Error:` lines and exits (as Podman's `registry.SetExitCode` does).

use std::fmt::Display;

/// Podman's exit code for an error of rpod itself (as opposed to the container's).
pub const EXIT_ERROR: u8 = 125;

/// A failed command: `main` prints each error on its own `Error:` line, in order, and exits
/// with `code`. Any error converts into one with code 125, so `?` works in commands.
#[derive(Debug)]
pub struct CommandFailure {
    /// The process exit code.
    pub code: u8,
    /// What went wrong, one `Error:` line each (Podman reports every container of a
    /// multi-container command that failed).
    pub errors: Vec<anyhow::Error>,
}

/// What a command returns: the exit code (a container's own code for `run`/`wait`/`start -a`,
/// else 0), or how it failed.
pub type CommandResult = Result<u8, CommandFailure>;

impl CommandFailure {
    /// One error with a code of its own (`rmi`'s 1 and 2, a command that cannot run's 126/127).
    pub fn with_code(code: u8, error: impl Into<anyhow::Error>) -> CommandFailure {
        CommandFailure { code, errors: vec![error.into()] }
    }
}

impl<E: Into<anyhow::Error>> From<E> for CommandFailure {
    fn from(error: E) -> CommandFailure {
        CommandFailure::with_code(EXIT_ERROR, error)
    }
}

/// The exit code for a libpod error: Podman's 127/126 when the container's command could not
/// run (`run`, `start`, `exec`), else 125.
pub fn libpod_failure(err: libpod::Error) -> CommandFailure {
    match err.command_fault() {
        Some(fault) => CommandFailure::with_code(fault.exit_code(), err),
        None => err.into(),
    }
}

/// Several errors as one message, the way Podman joins them (hashicorp/go-multierror's format,
/// trimmed): one error alone, several as `N errors occurred:` and one `\t* …` line each.
pub fn join_errors<E: Display>(errors: &[E]) -> Option<String> {
    match errors {
        [] => None,
        [one] => Some(one.to_string()),
        many => {
            let lines: Vec<String> = many.iter().map(|e| format!("\t* {e}")).collect();
            Some(format!("{} errors occurred:\n{}", many.len(), lines.join("\n")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_podman() {
        let cases: Vec<(Vec<&str>, Option<&str>)> = vec![
            (vec![], None),
            (vec!["a failed"], Some("a failed")),
            (vec!["a failed", "b failed"], Some("2 errors occurred:\n\t* a failed\n\t* b failed")),
        ];
        for (errors, want) in cases {
            assert_eq!(join_errors(&errors).as_deref(), want);
        }
    }

    #[test]
    fn command_faults_get_podmans_codes() {
        let cannot_run = |fault| libpod::Error::MonitorCommandCannotRun { message: "x".into(), fault };
        assert_eq!(libpod_failure(cannot_run(libpod::CommandFault::NotFound)).code, 127);
        assert_eq!(libpod_failure(cannot_run(libpod::CommandFault::NotExecutable)).code, 126);
        assert_eq!(libpod_failure(libpod::Error::NotRunning("c".into())).code, 125);
        let from_anyhow: CommandFailure = anyhow::anyhow!("plain").into();
        assert_eq!((from_anyhow.code, from_anyhow.errors.len()), (125, 1));
    }
}
