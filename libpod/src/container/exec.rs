//! `exec`: a command inside a running container.

use super::Runtime;
use crate::create::default_term;
use crate::error::{Error, Result};
use crate::runtime::oci::ExecStdio;
use crate::state::ContainerStatus;
use crate::store::Container;

impl Runtime<'_> {
    /// Runs `args` in a running container with this process's stdout and stderr, and its stdin
    /// or a terminal as `stdio` asks (`-i`, `-t`); returns the command's exit code.
    pub fn exec(&self, container: &Container, args: &[String], stdio: ExecStdio) -> Result<i32> {
        if container.state.state != ContainerStatus::Running {
            return Err(Error::NotRunning(container.config.id.clone()));
        }
        let env = exec_env(&container.config.env, stdio);
        self.oci_runtime(container)?.exec(&container.config.id, args, &env, stdio)
    }
}

/// What `exec` adds to the container's environment: the `TERM` of a terminal (see
/// [`default_term`]).
fn exec_env(container_env: &[String], stdio: ExecStdio) -> Vec<String> {
    default_term(container_env, stdio.terminal).map(str::to_string).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_gets_term_unless_the_container_sets_it() {
        let tty = ExecStdio { stdin: true, terminal: true };
        assert_eq!(exec_env(&["PATH=/bin".into()], tty), ["TERM=xterm"]);
        assert!(exec_env(&["TERM=vt100".into()], tty).is_empty());
        assert!(exec_env(&[], ExecStdio { stdin: true, terminal: false }).is_empty());
    }
}
