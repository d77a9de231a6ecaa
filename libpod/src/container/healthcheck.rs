//! `healthcheck run`, and what happens when a container turns unhealthy
//! (`--health-on-failure`), whether the monitor's scheduled check or `healthcheck run` found it.

use std::path::PathBuf;
use std::time::Duration;

use health::{CheckReport, HealthStatus, OnFailureAction};

use super::Runtime;
use crate::error::Result;
use crate::health::exec::RuntimeCheckExecutor;
use crate::health::{recording_log, HealthCheckError};
use crate::runtime::reaper::DirectSpawn;
use crate::store::{Container, Store};

/// The file the restart action leaves for the monitor: the exit it causes is followed by a
/// start, whatever the `--restart` policy (Podman: `shouldRestart` on an unhealthy container).
pub(crate) fn restart_marker(store: &Store, id: &str) -> PathBuf {
    store.runtime_dir(id).join("restart-unhealthy")
}

impl Runtime<'_> {
    /// Runs `container`'s health check once, records the result, and takes the on-failure
    /// action when the container is unhealthy after it (Podman's `healthcheck run`). A check
    /// that fails is not an error: the report says so.
    pub fn healthcheck_run(&self, container: &Container) -> Result<CheckReport> {
        let id = &container.config.id;
        if !self.is_running(container) {
            return Err(HealthCheckError::NotRunning(id.clone()).into());
        }
        let config = container.config.health_check().ok_or_else(|| health::HealthError::NotDefined(id.clone()));
        let config = config.map_err(HealthCheckError::from)?;
        let executor = RuntimeCheckExecutor::new(self.store, id, &container.state.runtime, &DirectSpawn)?;
        let started_at = container.state.started_time.unwrap_or_else(|| self.clock.wall());
        let clock = health::SystemClock::default();
        let log = recording_log(self.store, &container.config);
        let report =
            health::run_check(id, config, started_at, &executor, &log, &clock).map_err(HealthCheckError::from)?;
        if report.results.status == HealthStatus::Unhealthy {
            let runtime = self.oci_runtime(container)?;
            let means = ActionMeans {
                signal: &|name| runtime.kill(id, name),
                exited_within: &|timeout| self.exited_or_restarted(container, timeout),
            };
            self.act_on_unhealthy(container, container.config.health_on_failure, &means)?;
        }
        Ok(report)
    }

    /// Waits up to `timeout` for the run of `container` to end: it is gone, not running, or
    /// running again as another process (its monitor restarted it).
    fn exited_or_restarted(&self, container: &Container, timeout: Duration) -> bool {
        let deadline = self.clock.now() + timeout;
        loop {
            match self.store.lookup(&container.config.id) {
                Ok(now) if self.is_running(&now) && now.state.pid == container.state.pid => {}
                _ => return true,
            }
            if self.clock.now() >= deadline {
                return false;
            }
            self.clock.sleep(super::stop::POLL);
        }
    }

    /// Takes `action` on an unhealthy `container`: `kill` sends SIGKILL (its `--restart` policy
    /// then applies), `stop` stops it as `rpod stop` would, `restart` stops it and leaves its
    /// monitor the marker that starts it again: SIGTERM, then SIGKILL unless the run ended
    /// within the stop timeout.
    pub(crate) fn act_on_unhealthy(
        &self,
        container: &Container,
        action: OnFailureAction,
        means: &ActionMeans,
    ) -> Result<()> {
        let id = &container.config.id;
        let marker = match action {
            OnFailureAction::None => return Ok(()),
            OnFailureAction::Kill => return (means.signal)("KILL"),
            OnFailureAction::Stop => self.store.stopped_marker(id),
            OnFailureAction::Restart => restart_marker(self.store, id),
        };
        tracing::info!("container {id} is unhealthy: {action}");
        privatefs::write(&marker, "").map_err(|source| crate::error::Error::Io { path: marker, source })?;
        let timeout = Duration::from_secs(container.config.stop_timeout.into());
        if (means.signal)("TERM").is_ok() && (means.exited_within)(timeout) {
            return Ok(());
        }
        (means.signal)("KILL")
    }
}

/// How an on-failure action reaches a container. `healthcheck run` signals through the OCI
/// runtime and watches the store; the monitor, whose every child process its main thread reaps,
/// signals the container's process itself and learns of its exit from its own wait.
pub(crate) struct ActionMeans<'a> {
    /// Sends the signal named (`TERM`, `KILL`) to the container's process.
    pub signal: &'a dyn Fn(&str) -> Result<()>,
    /// Waits up to the duration; whether the container's run ended meanwhile.
    pub exited_within: &'a dyn Fn(Duration) -> bool,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use health::OnFailureAction;

    use super::super::testing::{Reaction, World};
    use super::{restart_marker, ActionMeans};

    #[test]
    fn stop_and_restart_send_term_then_kill_and_leave_their_marker() {
        let world = World::new();
        let runtime = world.runtime();
        let web = world.add_running("web", Reaction::ExitsOnTerm, |c| c.stop_timeout = 5);
        let oci = runtime.oci_runtime(&web).unwrap();
        let means = ActionMeans {
            signal: &|name| oci.kill(&web.config.id, name),
            exited_within: &|timeout| runtime.exited_or_restarted(&web, timeout),
        };
        runtime.act_on_unhealthy(&web, OnFailureAction::Stop, &means).unwrap();
        assert_eq!(world.signals(), ["TERM"]);
        assert!(world.store.stopped_marker(&web.config.id).exists(), "a stopped container stays stopped");
        assert_eq!(runtime.restart_policy_after_exit(&web.config.id, 143, 0), None);

        let stuck = world.add_running("stuck", Reaction::IgnoresTerm, |c| c.stop_timeout = 5);
        let means = ActionMeans {
            signal: &|name| oci.kill(&stuck.config.id, name),
            exited_within: &|timeout| runtime.exited_or_restarted(&stuck, timeout),
        };
        runtime.act_on_unhealthy(&stuck, OnFailureAction::Restart, &means).unwrap();
        assert_eq!(world.signals(), ["TERM", "TERM", "KILL"]);
        assert!(world.elapsed() >= Duration::from_secs(5), "SIGKILL came after the stop timeout");
        assert!(restart_marker(&world.store, &stuck.config.id).exists());
        let policy = runtime.restart_policy_after_exit(&stuck.config.id, 137, 0);
        assert_eq!(policy.as_deref(), Some("health-on-failure"), "restarted whatever its --restart policy");
        assert!(!restart_marker(&world.store, &stuck.config.id).exists(), "the marker is used once");
    }

    #[test]
    fn kill_sends_sigkill_and_none_does_nothing() {
        let world = World::new();
        let runtime = world.runtime();
        let web = world.running("web", Reaction::IgnoresTerm);
        let oci = runtime.oci_runtime(&web).unwrap();
        let means = ActionMeans { signal: &|name| oci.kill(&web.config.id, name), exited_within: &|_| true };
        runtime.act_on_unhealthy(&web, OnFailureAction::None, &means).unwrap();
        assert!(world.signals().is_empty());
        runtime.act_on_unhealthy(&web, OnFailureAction::Kill, &means).unwrap();
        assert_eq!(world.signals(), ["KILL"]);
        assert!(!world.store.stopped_marker(&web.config.id).exists(), "its --restart policy still applies");
    }
}
