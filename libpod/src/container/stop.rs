//! `stop`: SIGTERM, the stop timeout, then SIGKILL.

use std::time::{Duration, Instant};

use super::signal::Signal;
use super::Runtime;
use crate::error::{Error, Result};
use crate::state::ContainerStatus;
use crate::store::Container;

/// How long `stop` waits after SIGKILL before giving up.
pub(super) const KILL_GRACE: Duration = Duration::from_secs(30);
/// How often `stop` and `wait` look at the container again.
pub(super) const POLL: Duration = Duration::from_millis(50);

/// How long `stop` waits between SIGTERM and SIGKILL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopTimeout {
    /// The container's own `--stop-timeout`.
    ContainerDefault,
    /// This many seconds (0: SIGKILL at once).
    Seconds(u32),
    /// No SIGKILL: wait for the container to exit (Podman 5's `stop -t -1`).
    Forever,
}

impl StopTimeout {
    /// Podman 5's `-t/--time` value: a negative number waits forever.
    pub fn from_flag(seconds: i64) -> StopTimeout {
        match u32::try_from(seconds) {
            Ok(n) => StopTimeout::Seconds(n),
            Err(_) if seconds < 0 => StopTimeout::Forever,
            Err(_) => StopTimeout::Seconds(u32::MAX),
        }
    }
}

impl From<Option<u32>> for StopTimeout {
    /// Seconds given, or the container's own timeout.
    fn from(seconds: Option<u32>) -> StopTimeout {
        seconds.map_or(StopTimeout::ContainerDefault, StopTimeout::Seconds)
    }
}

impl Runtime<'_> {
    /// Stops a running container: SIGTERM, up to `timeout`, then SIGKILL. Stopping a container
    /// that is not running is not an error (Podman). The stopped marker it leaves tells the
    /// monitor not to apply the `--restart` policy.
    pub fn stop(&self, container: &Container, timeout: impl Into<StopTimeout>) -> Result<()> {
        if container.state.state != ContainerStatus::Running {
            return Ok(());
        }
        let id = &container.config.id;
        let runtime = self.oci_runtime(container)?;
        let timeout = match timeout.into() {
            StopTimeout::ContainerDefault => Some(container.config.stop_timeout),
            StopTimeout::Seconds(seconds) => Some(seconds),
            StopTimeout::Forever => None,
        }
        .map(|seconds| Duration::from_secs(seconds.into()));
        let marker = self.store.stopped_marker(id);
        privatefs::write(&marker, "").map_err(|source| Error::Io { path: marker, source })?;
        if self.deliver(container, runtime.as_ref(), Signal::TERM).is_ok() && self.wait_until_exited(id, timeout)? {
            return Ok(());
        }
        let _ = self.deliver(container, runtime.as_ref(), Signal::KILL);
        if self.wait_until_exited(id, Some(KILL_GRACE))? {
            Ok(())
        } else {
            Err(Error::Monitor(format!("container {id} did not exit {}s after SIGKILL", KILL_GRACE.as_secs())))
        }
    }

    /// Polls until the container has exited or is gone; `false` when `timeout` (if any)
    /// passed first.
    fn wait_until_exited(&self, id: &str, timeout: Option<Duration>) -> Result<bool> {
        let deadline: Option<Instant> = timeout.map(|t| self.clock.now() + t);
        loop {
            match self.store.lookup(id) {
                Ok(c) if self.is_running(&c) => {}
                Ok(_) | Err(Error::NoSuchContainer(_)) => return Ok(true),
                Err(err) => return Err(err),
            }
            if deadline.is_some_and(|deadline| self.clock.now() >= deadline) {
                return Ok(false);
            }
            self.clock.sleep(POLL);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::testing::{Reaction, World};
    use super::{StopTimeout, KILL_GRACE};
    use crate::error::Error;

    #[test]
    fn a_container_that_exits_on_term_is_not_killed() {
        let world = World::new();
        let web = world.running("web", Reaction::ExitsOnTerm);
        world.runtime().stop(&web, Some(10)).unwrap();
        assert_eq!(world.signals(), vec!["15"]);
        assert!(world.elapsed() < Duration::from_secs(1), "{:?}", world.elapsed());
        assert!(world.store.stopped_marker(&web.config.id).exists(), "the monitor is told not to restart it");
    }

    #[test]
    fn a_container_ignoring_term_is_killed_after_the_timeout() {
        let world = World::new();
        let web = world.running("web", Reaction::IgnoresTerm);
        world.runtime().stop(&web, Some(10)).unwrap();
        assert_eq!(world.signals(), vec!["15", "9"]);
        let waited = world.elapsed();
        assert!(waited >= Duration::from_secs(10) && waited < Duration::from_secs(11), "{waited:?}");
    }

    #[test]
    fn the_timeout_defaults_to_the_containers_stop_timeout() {
        let world = World::new();
        let web = world.add_running("web", Reaction::IgnoresTerm, |c| c.stop_timeout = 3);
        world.runtime().stop(&web, None).unwrap();
        let waited = world.elapsed();
        assert!(waited >= Duration::from_secs(3) && waited < Duration::from_secs(4), "{waited:?}");
    }

    #[test]
    fn a_term_the_runtime_cannot_deliver_goes_straight_to_kill() {
        let world = World::new();
        let web = world.running("web", Reaction::TermFails);
        world.runtime().stop(&web, Some(10)).unwrap();
        assert_eq!(world.signals(), vec!["15", "9"]);
        assert!(world.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn a_container_surviving_kill_is_an_error_after_the_grace() {
        let world = World::new();
        let web = world.running("web", Reaction::Unkillable);
        let err = world.runtime().stop(&web, Some(2)).unwrap_err();
        assert!(matches!(err, Error::Monitor(ref m) if m.contains("did not exit 30s after SIGKILL")), "{err}");
        assert!(world.elapsed() >= Duration::from_secs(2) + KILL_GRACE);
    }

    #[test]
    fn a_negative_time_is_no_timeout() {
        assert_eq!(StopTimeout::from_flag(-1), StopTimeout::Forever);
        assert_eq!(StopTimeout::from_flag(-7), StopTimeout::Forever);
        assert_eq!(StopTimeout::from_flag(0), StopTimeout::Seconds(0));
        assert_eq!(StopTimeout::from_flag(5), StopTimeout::Seconds(5));
        assert_eq!(StopTimeout::from(None), StopTimeout::ContainerDefault);
        let world = World::new();
        let web = world.running("web", Reaction::ExitsOnTerm);
        world.runtime().stop(&web, StopTimeout::Forever).unwrap();
        assert_eq!(world.signals(), vec!["15"]);
    }

    #[test]
    fn stopping_a_container_that_is_not_running_does_nothing() {
        let world = World::new();
        let created = world.add("web", |_| {});
        world.runtime().stop(&created, Some(10)).unwrap();
        assert!(world.signals().is_empty());
    }

    #[test]
    fn a_dead_monitor_counts_as_exited() {
        let world = World::new();
        let web = world.running("web", Reaction::IgnoresTerm);
        world.monitor_died(&web.config.id);
        world.runtime().stop(&web, Some(10)).unwrap();
        assert_eq!(world.signals(), vec!["15"]);
    }
}
