//! `start`: bringing a created or exited container up through its monitor.

use super::Runtime;
use crate::error::Result;
use crate::state::ContainerStatus;
use crate::store::Container;

impl Runtime<'_> {
    /// Starts a created or exited container: spawns its monitor and returns once the container
    /// runs (and systemd was notified), or with the monitor's error. Warnings about runtimes
    /// that did not work are passed to `warn`. Starting a running container does nothing.
    pub fn start(&self, container: &Container, warn: &dyn Fn(&str)) -> Result<()> {
        if container.state.state == ContainerStatus::Running {
            return Ok(());
        }
        self.monitors.spawn(self.store, &container.config.id, warn)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::World;
    use crate::state::ContainerStatus;

    #[test]
    fn start_spawns_the_monitor_once() {
        let world = World::new();
        let created = world.add("web", |_| {});
        world.runtime().start(&created, &|_| {}).unwrap();
        let running = world.lookup("web");
        assert_eq!(running.state.state, ContainerStatus::Running);
        assert_eq!(world.spawned(), vec![created.config.id.clone()]);
        world.runtime().start(&running, &|_| {}).unwrap();
        assert_eq!(world.spawned().len(), 1, "a running container is not started again");
    }
}
