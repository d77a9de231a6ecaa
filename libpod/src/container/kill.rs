//! `kill`: one signal to a running container.

use super::signal::Signal;
use super::Runtime;
use crate::error::{Error, Result};
use crate::runtime::oci::OciRuntime;
use crate::state::ContainerStatus;
use crate::store::Container;

impl Runtime<'_> {
    /// Sends `signal` to a running container; a container that is not running is Podman 5's
    /// `can only kill running containers` (`container state improper`).
    pub fn kill(&self, container: &Container, signal: Signal) -> Result<()> {
        if container.state.state != ContainerStatus::Running {
            return Err(Error::KillNotRunning { id: container.config.id.clone(), state: container.state.state });
        }
        self.deliver(container, self.oci_runtime(container)?.as_ref(), signal)
    }

    /// Sends `signal` to the running container's process: straight to the monitor's child when
    /// it still is one (see [`crate::runtime::monitor_process::Monitors::signal_child`]), else
    /// through `runtime`.
    pub(super) fn deliver(&self, container: &Container, runtime: &dyn OciRuntime, signal: Signal) -> Result<()> {
        if self.monitors.signal_child(container.state.conmon_pid, container.state.pid, signal.number().into()) {
            return Ok(());
        }
        runtime.kill(&container.config.id, &signal.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Reaction, World};
    use super::Signal;
    use crate::error::Error;

    #[test]
    fn kill_sends_the_signal_given() {
        let world = World::new();
        let web = world.running("web", Reaction::IgnoresTerm);
        world.runtime().kill(&web, Signal::parse("HUP").unwrap()).unwrap();
        world.runtime().kill(&web, Signal::KILL).unwrap();
        assert_eq!(world.signals(), vec!["1", "9"], "runtimes are given the number");
        assert!(!world.store.stopped_marker(&web.config.id).exists(), "a kill is no stop: the restart policy applies");
    }

    #[test]
    fn killing_a_container_that_is_not_running_is_refused() {
        let world = World::new();
        let created = world.add("web", |_| {});
        let err = world.runtime().kill(&created, Signal::TERM).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "can only kill running containers. {} is in state created: container state improper",
                created.config.id
            )
        );
        assert!(world.signals().is_empty());
    }

    #[test]
    fn a_runtime_no_longer_installed_is_reported() {
        let world = World::new();
        let web = world.add_running("web", Reaction::IgnoresTerm, |_| {});
        let mut state = web.state.clone();
        state.runtime = "gone".into();
        world.store.update_state(&web.config.id, &state).unwrap();
        let err = world.runtime().kill(&world.lookup("web"), Signal::TERM).unwrap_err();
        assert!(matches!(err, Error::NoRuntime(ref name) if name == "gone"), "{err}");
    }
}
