//! `wait`, and the state brought up to date when a monitor died without recording the exit.

use std::time::Duration;

use super::stop::POLL;
use super::wait_condition::WaitCondition;
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

    /// Waits until the container meets one of `conditions` (Podman 5's `wait --condition`),
    /// looking every `interval`: an exit condition returns the exit code, a state condition
    /// -1 (as Podman prints), and so does a health condition (`healthy`, `unhealthy`), which
    /// Podman refuses for a container without a health check.
    pub fn wait_for(&self, id: &str, conditions: &[WaitCondition], interval: Duration) -> Result<i32> {
        let health: Vec<&'static str> =
            conditions.iter().filter_map(|c| if let WaitCondition::Health(h) = c { Some(*h) } else { None }).collect();
        if let Some(condition) = health.first() {
            if self.store.lookup(id)?.config.health_check().is_none() {
                return Err(Error::NoHealthCheck { condition, id: id.to_string() });
            }
        }
        let wants = |wanted: WaitCondition| conditions.contains(&wanted);
        loop {
            match self.store.lookup(id) {
                Ok(c) => {
                    let alive = self.is_running(&c);
                    if conditions.iter().any(|condition| condition.met_by(c.state.state, alive)) {
                        return Ok(-1);
                    }
                    let status = crate::health::container_health(self.store, &c).map(|h| h.status.as_str());
                    if status.is_some_and(|status| health.contains(&status)) {
                        return Ok(-1);
                    }
                    if wants(WaitCondition::Exited) && !alive {
                        return self.wait(id);
                    }
                }
                Err(Error::NoSuchContainer(_)) if wants(WaitCondition::Removing) => {
                    return Ok(self.read_exit_code(id).unwrap_or(-1));
                }
                Err(Error::NoSuchContainer(_)) if wants(WaitCondition::Exited) => return self.read_exit_code(id),
                Err(err) => return Err(err),
            }
            self.clock.sleep(interval);
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
    use std::time::Duration;

    use super::super::testing::{Reaction, World};
    use super::WaitCondition;
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

    #[test]
    fn conditions_decide_what_wait_returns() {
        let world = World::new();
        let interval = Duration::from_millis(250);
        let created = world.add("new", |_| {});
        let web = world.running("web", Reaction::IgnoresTerm);
        let wait = |id: &str, conditions: &[WaitCondition]| world.runtime().wait_for(id, conditions, interval);
        assert_eq!(wait(&web.config.id, &[WaitCondition::Running]).unwrap(), -1, "a state prints -1");
        assert_eq!(wait(&created.config.id, &[WaitCondition::Created, WaitCondition::Running]).unwrap(), -1);
        world.runtime().record_exit(&web.config.id, 4).unwrap();
        world.monitor_died(&web.config.id);
        assert_eq!(wait(&web.config.id, &[WaitCondition::Running, WaitCondition::Exited]).unwrap(), 4);
        assert!(matches!(wait(&"f".repeat(64), &[WaitCondition::Running]), Err(Error::NoSuchContainer(_))));
        assert_eq!(wait(&"f".repeat(64), &[WaitCondition::Removing]).unwrap(), -1, "gone, with no exit code left");
        let err = wait(&created.config.id, &[WaitCondition::Health("healthy")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("cannot use condition \"healthy\": container {} has no healthcheck", created.config.id)
        );
    }
}
