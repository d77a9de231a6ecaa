//! The monitor's health check thread: while the container runs, its checks run on schedule
//! ([`health::schedule`]); the first passing one sends systemd `READY=1` for
//! `--sdnotify=healthy`, and an unhealthy result takes the `--health-on-failure` action.
//!
//! Under systemd with `--sdnotify=healthy`, a container that turns unhealthy before it was
//! ever healthy is stopped: its start has failed, and the unit's start job fails at once
//! (the monitor exits without `READY=1`) instead of waiting for `TimeoutStartSec=`, so
//! `auto-update` rolls back without delay.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use health::{CheckReport, Clock, HealthError, HealthStatus, OnFailureAction, SystemClock};

use super::exec::RuntimeCheckExecutor;
use super::recording_log;
use crate::container::healthcheck::ActionMeans;
use crate::container::Runtime;
use crate::runtime::monitor_process::{HostMonitors, Monitors};
use crate::runtime::notify;
use crate::runtime::reaper::Reaper;
use crate::store::{Container, Store};

/// `READY=1` owed to systemd once the container is healthy (`--sdnotify=healthy`), sent at
/// most once in the monitor's life, whatever restarts happen.
#[derive(Debug)]
pub(crate) struct ReadyWhenHealthy {
    socket: PathBuf,
    monitor_pid: u32,
    sent: AtomicBool,
}

impl ReadyWhenHealthy {
    pub(crate) fn new(socket: PathBuf, monitor_pid: u32) -> ReadyWhenHealthy {
        ReadyWhenHealthy { socket, monitor_pid, sent: AtomicBool::new(false) }
    }

    fn sent(&self) -> bool {
        self.sent.load(Ordering::SeqCst)
    }

    fn send(&self) {
        if self.sent.swap(true, Ordering::SeqCst) {
            return;
        }
        let message = format!("MAINPID={}\nREADY=1\n", self.monitor_pid);
        if let Err(err) = notify::send(&self.socket, &message) {
            tracing::warn!("notifying systemd at {} that the container is healthy: {err}", self.socket.display());
        }
    }
}

/// The running health check thread of one launch of a container.
pub(crate) struct HealthWatch {
    clock: SystemClock,
    thread: Option<JoinHandle<()>>,
}

impl HealthWatch {
    /// Starts the checks of container `id`, launched at `started_at`; does nothing for a
    /// container without a health check. The thread opens its own connection to the store.
    pub(crate) fn start(
        store: &Store,
        id: &str,
        started_at: DateTime<Utc>,
        reaper: Arc<Reaper>,
        ready: Option<Arc<ReadyWhenHealthy>>,
    ) -> HealthWatch {
        let clock = SystemClock::default();
        let has_check = store.lookup(id).is_ok_and(|c| c.config.health_check().is_some());
        let thread = has_check.then(|| {
            let (root, runroot, id) = (store.root().to_path_buf(), store.runroot().to_path_buf(), id.to_string());
            let clock = clock.clone();
            std::thread::spawn(move || match Store::open(&root, &runroot) {
                Ok(store) => watch(&store, &id, started_at, &reaper, ready.as_deref(), &clock),
                Err(err) => tracing::warn!("health checks of container {id}: opening the store: {err}"),
            })
        });
        HealthWatch { clock, thread }
    }

    /// Ends the checks (the container exited) and waits for the thread.
    pub(crate) fn stop(mut self) {
        self.clock.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn watch(
    store: &Store,
    id: &str,
    started_at: DateTime<Utc>,
    reaper: &Reaper,
    ready: Option<&ReadyWhenHealthy>,
    clock: &SystemClock,
) {
    let container = match store.lookup(id) {
        Ok(container) => container,
        Err(err) => return tracing::warn!("health checks of container {id}: {err}"),
    };
    let Some(config) = container.config.health_check() else { return };
    let executor = match RuntimeCheckExecutor::new(store, id, &container.state.runtime, reaper) {
        Ok(executor) => executor,
        Err(err) => return tracing::warn!("health checks of container {id}: {err}"),
    };
    let log = recording_log(store, &container.config);
    let lifecycle = Runtime::on_host(store, None);
    health::schedule::run_on_schedule(id, config, started_at, &executor, &log, clock, |report| {
        after_check(&lifecycle, &container, report, ready, clock)
    });
}

/// What follows one scheduled check; `false` ends the schedule (the container is going down).
fn after_check(
    lifecycle: &Runtime,
    container: &Container,
    report: Result<CheckReport, HealthError>,
    ready: Option<&ReadyWhenHealthy>,
    clock: &SystemClock,
) -> bool {
    let id = &container.config.id;
    let status = match report {
        Ok(report) => report.results.status,
        Err(err) => {
            tracing::warn!("health check of container {id}: {err}");
            return true;
        }
    };
    match status {
        HealthStatus::Healthy => {
            if let Some(ready) = ready {
                ready.send();
            }
            true
        }
        HealthStatus::Unhealthy => {
            let failed_start = ready.is_some_and(|ready| !ready.sent());
            let action = if failed_start { OnFailureAction::Stop } else { container.config.health_on_failure };
            if action == OnFailureAction::None {
                return true;
            }
            let means = ActionMeans {
                signal: &|name| signal_process(container.state.pid, name),
                exited_within: &|timeout| !clock.sleep(timeout),
            };
            if let Err(err) = lifecycle.act_on_unhealthy(container, action, &means) {
                tracing::warn!("container {id} is unhealthy, and {action} failed: {err}");
            }
            false
        }
        _ => true,
    }
}

/// Sends `TERM` or `KILL` to the container's process, the monitor's own child, the way `stop`
/// and `kill` do ([`Monitors::signal_child`]: never to a process group, nor to a PID reused
/// after the monitor reaped the container). Not through the OCI runtime: a `runc kill` started
/// here would be reaped by the monitor's main thread before this one could read how it ended.
fn signal_process(pid: i32, name: &str) -> crate::error::Result<()> {
    let signal = if name == "KILL" { libc::SIGKILL } else { libc::SIGTERM };
    if HostMonitors::default().signal_child(std::process::id() as i32, pid, signal) {
        Ok(())
    } else {
        Err(crate::error::Error::Monitor(format!("no container process {pid} to send SIG{name} to")))
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::net::UnixDatagram;

    use super::*;

    #[test]
    fn ready_is_sent_once_with_the_monitors_pid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let systemd = UnixDatagram::bind(&path).unwrap();
        systemd.set_nonblocking(true).unwrap();
        let ready = ReadyWhenHealthy::new(path, 42);
        assert!(!ready.sent());
        ready.send();
        ready.send();
        assert!(ready.sent());
        let mut buf = [0u8; 64];
        let n = systemd.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"MAINPID=42\nREADY=1\n");
        assert!(systemd.recv(&mut buf).is_err(), "READY=1 is sent once");
    }

    #[test]
    fn no_signal_goes_to_a_process_group() {
        assert!(signal_process(0, "TERM").is_err());
        assert!(signal_process(-1, "KILL").is_err());
    }
}
