//! What happens when a container's process has exited: the monitor asks whether to restart
//! it ([`Runtime::restart_policy_after_exit`]) and otherwise records the exit
//! ([`Runtime::record_exit`]). The monitor's process-level work (waiting for the process,
//! launching it again) stays in [`crate::monitor`]; the decisions are here, unit-tested.

use std::path::Path;

use super::restart::should_restart;
use super::Runtime;
use crate::error::{Error, Result};
use crate::state::{ContainerState, ContainerStatus};
use crate::store::Container;

impl Runtime<'_> {
    /// After the container `id` exited with `exit_code`, having been restarted `restarts`
    /// times: its `--restart` policy when that policy starts it again, else `None` (also when
    /// the container is gone). Consumes the stopped marker `stop` left, so a stopped container
    /// stays stopped whatever its policy. An exit caused by `--health-on-failure=restart` is
    /// restarted whatever the policy (`health-on-failure` is returned).
    pub fn restart_policy_after_exit(&self, id: &str, exit_code: i32, restarts: u32) -> Option<String> {
        let config = self.store.lookup(id).ok()?.config;
        let stopped = std::fs::remove_file(self.store.stopped_marker(id)).is_ok();
        let unhealthy = std::fs::remove_file(super::healthcheck::restart_marker(self.store, id)).is_ok();
        if unhealthy && !stopped {
            return Some("health-on-failure".to_string());
        }
        should_restart(&config.restart_policy, config.restart_retries, exit_code, restarts, stopped)
            .then_some(config.restart_policy)
    }

    /// Records the exit of container `id`: its exit file (which outlives a `--rm` container so
    /// `run` and `wait` can still report the code), then its state `exited` with the code and
    /// the finish time — or, for an auto-remove (`--rm`) container, its removal. A container
    /// removed meanwhile is not an error.
    pub fn record_exit(&self, id: &str, exit_code: i32) -> Result<()> {
        let _ = write_file(&self.store.exit_file(id), &exit_code.to_string());
        let container = match self.store.lookup(id) {
            Ok(container) => container,
            Err(Error::NoSuchContainer(_)) => return Ok(()),
            Err(err) => return Err(err),
        };
        let state = ContainerState {
            state: ContainerStatus::Exited,
            pid: 0,
            conmon_pid: 0,
            exit_code,
            finished_time: Some(self.clock.wall()),
            oom_killed: crate::runtime::cgroup::take_oom_marker(self.store, id),
            ..container.state.clone()
        };
        if container.config.auto_remove {
            // Removed while still recorded as running, as Podman's `run --rm` returns only once
            // the container is gone: `run`, `wait` and `stop` wait for a running container, so
            // they return after the removal (with the code from the exit file), and a following
            // `rmi` does not find the image still in use.
            let exited = Container { state, ..container };
            return match self.remove(&exited, false, None) {
                Ok(()) => crate::mounts::volumes::remove_anonymous(self.store, &exited.config),
                Err(Error::NoSuchContainer(_)) => Ok(()),
                Err(err) => Err(err),
            };
        }
        match self.store.update_state(id, &state) {
            Ok(()) | Err(Error::NoSuchContainer(_)) => Ok(()),
            Err(err) => Err(err),
        }
    }
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        privatefs::create_dir_all(dir).map_err(|source| Error::CreateDir { path: dir.to_path_buf(), source })?;
    }
    privatefs::write(path, text).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Reaction, World};
    use crate::error::Error;
    use crate::state::ContainerStatus;

    #[test]
    fn an_exit_is_recorded_in_the_state_and_the_exit_file() {
        let world = World::new();
        let web = world.running("web", Reaction::IgnoresTerm);
        world.runtime().record_exit(&web.config.id, 42).unwrap();
        let exited = world.lookup("web");
        assert_eq!(exited.state.state, ContainerStatus::Exited);
        assert_eq!(exited.state.exit_code, 42);
        assert_eq!((exited.state.pid, exited.state.conmon_pid), (0, 0));
        assert_eq!(exited.state.finished_time, Some(world.wall()));
        assert_eq!(exited.state.started_time, web.state.started_time, "the rest of the state is kept");
        assert_eq!(exited.state.runtime, "fake");
        assert_eq!(std::fs::read_to_string(world.store.exit_file(&web.config.id)).unwrap(), "42");
        assert!(world.deleted().is_empty(), "a kept container stays known to nothing but the store");
    }

    #[test]
    fn an_oom_kill_the_monitor_noted_is_recorded_once() {
        let world = World::new();
        let web = world.running("web", Reaction::IgnoresTerm);
        let marker = crate::runtime::cgroup::oom_marker(&world.store, &web.config.id);
        std::fs::create_dir_all(marker.parent().unwrap()).unwrap();
        std::fs::write(marker, "").unwrap();
        world.runtime().record_exit(&web.config.id, 137).unwrap();
        assert!(world.lookup("web").state.oom_killed);
        world.runtime().record_exit(&web.config.id, 0).unwrap();
        assert!(!world.lookup("web").state.oom_killed, "the mark counts for one exit");
    }

    #[test]
    fn an_rm_container_is_removed_after_its_exit_and_its_code_kept() {
        let world = World::new();
        let web = world.add_running("web", Reaction::IgnoresTerm, |c| c.auto_remove = true);
        world.runtime().record_exit(&web.config.id, 1).unwrap();
        assert!(matches!(world.store.lookup("web"), Err(Error::NoSuchContainer(_))));
        assert!(!world.store.container_dir(&web.config.id).exists());
        assert_eq!(world.deleted(), vec![(web.config.id.clone(), true)]);
        assert_eq!(world.runtime().wait(&web.config.id).unwrap(), 1);
    }

    #[test]
    fn the_exit_of_a_container_removed_meanwhile_is_still_written() {
        let world = World::new();
        let web = world.add("web", |_| {});
        world.store.remove(&web.config.id).unwrap();
        world.runtime().record_exit(&web.config.id, 5).unwrap();
        assert_eq!(std::fs::read_to_string(world.store.exit_file(&web.config.id)).unwrap(), "5");
    }

    #[test]
    fn the_restart_policy_is_applied_unless_the_container_was_stopped() {
        let world = World::new();
        let always = world.add_running("always", Reaction::ExitsOnTerm, |c| c.restart_policy = "always".into());
        assert_eq!(world.runtime().restart_policy_after_exit(&always.config.id, 0, 3).as_deref(), Some("always"));
        world.runtime().stop(&always, Some(10)).unwrap();
        assert_eq!(world.runtime().restart_policy_after_exit(&always.config.id, 143, 0), None, "stopped by the user");
        assert_eq!(
            world.runtime().restart_policy_after_exit(&always.config.id, 143, 0).as_deref(),
            Some("always"),
            "the marker counts for one exit only"
        );
    }

    #[test]
    fn on_failure_counts_its_retries_and_no_never_restarts() {
        let world = World::new();
        let limited = world.add("limited", |c| {
            c.restart_policy = "on-failure".into();
            c.restart_retries = Some(2);
        });
        let after = |code, restarts| world.runtime().restart_policy_after_exit(&limited.config.id, code, restarts);
        assert_eq!(after(1, 0).as_deref(), Some("on-failure"));
        assert_eq!(after(1, 1).as_deref(), Some("on-failure"));
        assert_eq!(after(1, 2), None);
        assert_eq!(after(0, 0), None);
        let never = world.add("never", |c| c.restart_policy = "no".into());
        assert_eq!(world.runtime().restart_policy_after_exit(&never.config.id, 1, 0), None);
        let gone = world.add("gone", |c| c.restart_policy = "always".into());
        world.store.remove(&gone.config.id).unwrap();
        assert_eq!(
            world.runtime().restart_policy_after_exit(&gone.config.id, 1, 0),
            None,
            "a removed container is not restarted"
        );
    }
}
