//! `restart`: stop a running container, then start it again (Podman's `RestartWithTimeout`).

use super::stop::StopTimeout;
use super::Runtime;
use crate::error::Result;
use crate::store::Container;

impl Runtime<'_> {
    /// Restarts a container: a running one is stopped first (SIGTERM, `timeout`, SIGKILL; the
    /// `--restart` policy does not act on that stop), then it is started as `start` would; a
    /// created or exited one is simply started. Warnings about runtimes that did not work go
    /// to `warn`.
    pub fn restart(&self, container: &Container, timeout: StopTimeout, warn: &dyn Fn(&str)) -> Result<()> {
        self.stop(container, timeout)?;
        let stopped = self.refreshed(self.store.lookup(&container.config.id)?)?;
        self.start(&stopped, warn)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Reaction, World};
    use super::StopTimeout;
    use crate::state::ContainerStatus;

    #[test]
    fn a_running_container_is_stopped_then_started_again() {
        let world = World::new();
        let web = world.running("web", Reaction::ExitsOnTerm);
        world.runtime().restart(&web, StopTimeout::Seconds(5), &|_| {}).unwrap();
        assert_eq!(world.signals(), vec!["15"]);
        assert_eq!(world.spawned(), vec![web.config.id.clone(), web.config.id.clone()], "a second monitor");
        assert_eq!(world.lookup("web").state.state, ContainerStatus::Running);
    }

    #[test]
    fn a_created_container_is_only_started() {
        let world = World::new();
        let created = world.add("new", |_| {});
        world.runtime().restart(&created, StopTimeout::ContainerDefault, &|_| {}).unwrap();
        assert!(world.signals().is_empty());
        assert_eq!(world.spawned(), vec![created.config.id.clone()]);
        assert_eq!(world.lookup("new").state.state, ContainerStatus::Running);
    }
}
