//! `exec`: a command inside a running container.

use super::Runtime;
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
        self.oci_runtime(container)?.exec(&container.config.id, args, stdio)
    }
}
