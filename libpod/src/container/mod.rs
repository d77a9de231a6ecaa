//! The container lifecycle: [`Runtime`], Podman's `libpod.Runtime` — the store plus the OCI
//! runtimes, the monitor processes and the clock it acts through — with one file per
//! operation (`start.rs`, `stop.rs`, `kill.rs`, …) adding its methods.
//!
//! Every side effect goes through a trait of [`crate::runtime`], so the lifecycle's rules (a
//! stop's TERM-then-KILL escalation, `rm -f`, `--rm`, restart policies) are unit-tested with
//! fakes (`testing.rs`), without runc and without root. End-to-end tests use the real ones.

mod create;
mod exec;
mod exit;
pub(crate) mod healthcheck;
mod kill;
mod network;
mod network_connect;
mod remove;
pub mod restart;
mod restart_command;
mod signal;
mod start;
mod stop;
mod wait;
mod wait_condition;

#[cfg(test)]
mod testing;

pub use create::CreatePlacement;
pub use network_connect::ConnectError;
pub use signal::{Signal, SignalError};
pub use stop::StopTimeout;
pub use wait_condition::WaitCondition;

use crate::error::{Error, Result};
use crate::network::{ContainerNetworking, HostNetworking};
use crate::runtime::clock::{Clock, SystemClock};
use crate::runtime::monitor_process::{HostMonitors, MonitorCommand, Monitors};
use crate::runtime::oci::{InstalledRuntimes, OciRuntime, OciRuntimes};
use crate::state::ContainerStatus;
use crate::store::{Container, Store};

/// The container lifecycle over one store: create, start, stop, kill, exec, wait, remove, and
/// what the monitor records when a container exits.
pub struct Runtime<'s> {
    store: &'s Store,
    oci: Box<dyn OciRuntimes>,
    monitors: Box<dyn Monitors>,
    clock: Box<dyn Clock>,
    networking: Box<dyn ContainerNetworking>,
}

impl<'s> Runtime<'s> {
    /// The lifecycle on this host: installed runtime binaries, monitors re-exec'd with
    /// `monitor` (needed only to start containers), the system clock.
    pub fn on_host(store: &'s Store, monitor: Option<MonitorCommand>) -> Runtime<'s> {
        Runtime::with_parts(
            store,
            Box::new(InstalledRuntimes::new(store)),
            Box::new(HostMonitors::new(monitor)),
            Box::new(SystemClock),
        )
    }

    /// The lifecycle over the given OCI runtimes, monitors and clock (fakes, in unit tests).
    pub fn with_parts(
        store: &'s Store,
        oci: Box<dyn OciRuntimes>,
        monitors: Box<dyn Monitors>,
        clock: Box<dyn Clock>,
    ) -> Runtime<'s> {
        let networking = Box::new(HostNetworking::new(store.runroot()));
        Runtime { store, oci, monitors, clock, networking }
    }

    /// This lifecycle with `networking` for bridged containers' namespaces and netavark (a
    /// fake, in unit tests).
    pub fn with_networking(self, networking: Box<dyn ContainerNetworking>) -> Runtime<'s> {
        Runtime { networking, ..self }
    }

    /// The state store this lifecycle works on.
    pub fn store(&self) -> &'s Store {
        self.store
    }

    /// The OCI runtime recorded for `container` when it started.
    fn oci_runtime(&self, container: &Container) -> Result<Box<dyn OciRuntime>> {
        self.oci.recorded(&container.state.runtime)
    }

    /// Running, and its monitor still alive (a monitor killed with SIGKILL cannot record the exit).
    fn is_running(&self, container: &Container) -> bool {
        container.state.state == ContainerStatus::Running
            && self.monitors.alive(container.state.conmon_pid, &container.config.id)
    }

    /// The exit code the monitor left in the store's exit file.
    fn read_exit_code(&self, id: &str) -> Result<i32> {
        std::fs::read_to_string(self.store.exit_file(id))
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .ok_or_else(|| Error::NoSuchContainer(id.to_string()))
    }
}
