//! `wait`, and the state brought up to date when a monitor died without recording the exit.

use super::stop::POLL;
use super::Runtime;
use crate::error::{Error, Result};
use crate::state::ContainerStatus;
use crate::store::Container;

impl Runtime<'_> {
    /// Waits until the container is no longer running and returns its exit code; a container
    /// that was removed on exit (`--rm`) reports the code its monitor left behind.
    pub fn wait(&self, id: &str) -> Result<i32> {
        loop {
            match self.store.lookup(id) {
                Ok(c) if self.is_running(&c) => self.clock.sleep(POLL),
                // Recorded as running, but the monitor is gone: it may have recorded the exit
                // and ended between the read and the check, so the record is read again (and
                // brought up to date where the monitor recorded nothing).
                Ok(c) if c.state.state == ContainerStatus::Running => {
                    return match self.store.lookup(id) {
                        Ok(again) => Ok(self.refreshed(again)?.state.exit_code),
                        Err(Error::NoSuchContainer(_)) => self.read_exit_code(id),
                        Err(err) => Err(err),
                    };
                }
                Ok(c) => return Ok(c.state.exit_code),
                Err(Error::NoSuchContainer(_)) => return self.read_exit_code(id),
                Err(err) => return Err(err),
            }
        }
    }

    /// The container with its state brought up to date: a container recorded as running whose
    /// monitor is gone (killed, or the host rebooted) is recorded as exited, with the exit code
    /// the monitor left if it got that far (else -1).
    pub fn refreshed(&self, mut container: Container) -> Result<Container> {
        if container.state.state == ContainerStatus::Running && !self.is_running(&container) {
            container.state.state = ContainerStatus::Exited;
            container.state.exit_code = self.read_exit_code(&container.config.id).unwrap_or(-1);
            container.state.finished_time = Some(self.clock.wall());
            container.state.pid = 0;
            container.state.conmon_pid = 0;
            match self.store.update_state(&container.config.id, &container.state) {
                Ok(()) | Err(Error::NoSuchContainer(_)) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(container)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Reaction, World};
    use crate::error::Error;
    use crate::state::ContainerStatus;

    #[test]
    fn wait_returns_the_recorded_exit_code() {
        let world = World::new();
        let web = world.running("web", Reaction::IgnoresTerm);
        world.runtime().record_exit(&web.config.id, 3).unwrap();
        world.monitor_died(&web.config.id);
        assert_eq!(world.runtime().wait(&web.config.id).unwrap(), 3);
    }

    #[test]
    fn wait_on_a_removed_container_reads_the_exit_file_or_fails() {
        let world = World::new();
        let web = world.add("web", |c| c.auto_remove = true);
        world.runtime().record_exit(&web.config.id, 7).unwrap();
        assert_eq!(world.runtime().wait(&web.config.id).unwrap(), 7);
        assert!(matches!(world.runtime().wait(&"f".repeat(64)), Err(Error::NoSuchContainer(_))));
    }

    #[test]
    fn a_container_whose_monitor_died_is_refreshed_as_exited() {
        let world = World::new();
        let web = world.running("web", Reaction::IgnoresTerm);
        assert_eq!(world.runtime().refreshed(web.clone()).unwrap().state, web.state, "a live one is left alone");
        world.monitor_died(&web.config.id);
        let refreshed = world.runtime().refreshed(web).unwrap();
        assert_eq!(refreshed.state.state, ContainerStatus::Exited);
        assert_eq!(refreshed.state.exit_code, -1, "no exit file: the monitor never got that far");
        assert_eq!((refreshed.state.pid, refreshed.state.conmon_pid), (0, 0));
        assert_eq!(refreshed.state.finished_time, Some(world.wall()));
        assert_eq!(world.lookup("web").state, refreshed.state, "and stored");
    }
}
