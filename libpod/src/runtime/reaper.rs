//! The monitor's reaping when it is not the only one waiting for children. As the container's
//! subreaper the monitor waits for any child (the container's process and the orphans the
//! runtime leaves); the health check thread, though, waits for its own `runc exec`. A child
//! spawned through the [`Reaper`] is left to the thread that spawned it: the monitor's wait
//! looks at an exited child first (`WNOWAIT`) and reaps it only when nobody owns it.

use std::collections::HashSet;
use std::process::{Child, Command};
use std::sync::{Condvar, Mutex};

use nix::sys::wait::{waitid, waitpid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// Starts the runtime's process and is told when it has been waited for. In the monitor, which
/// reaps every child as the container's subreaper, the check's process must be left to the
/// thread that runs it ([`Reaper`]); elsewhere it is a plain spawn.
pub trait SpawnChild: Send + Sync {
    fn spawn(&self, command: &mut Command) -> std::io::Result<Child>;
    /// `pid`, spawned here, has been waited for.
    fn waited(&self, pid: u32);
}

/// A plain spawn, for processes that reap nobody else's children (`healthcheck run`).
#[derive(Debug, Default)]
pub struct DirectSpawn;

impl SpawnChild for DirectSpawn {
    fn spawn(&self, command: &mut Command) -> std::io::Result<Child> {
        command.spawn()
    }

    fn waited(&self, _pid: u32) {}
}

/// Children owned by threads of the monitor, and the wait that leaves them alone.
#[derive(Debug, Default)]
pub struct Reaper {
    owned: Mutex<HashSet<u32>>,
    released: Condvar,
}

impl Reaper {
    /// Waits for a child that nobody owns to end and reaps it; an owned child that ended is
    /// left to its owner (this waits until the owner has reaped it).
    pub fn wait_any(&self) -> nix::Result<WaitStatus> {
        loop {
            let exited = waitid(Id::All, WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT)?;
            let Some(pid) = exited.pid() else { continue };
            let mut owned = self.owned.lock().unwrap_or_else(|e| e.into_inner());
            let was_owned = owned.contains(&(pid.as_raw() as u32));
            while owned.contains(&(pid.as_raw() as u32)) {
                owned = self.released.wait(owned).unwrap_or_else(|e| e.into_inner());
            }
            drop(owned);
            if was_owned {
                continue;
            }
            match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(nix::errno::Errno::ECHILD) => continue,
                other => return other,
            }
        }
    }
}

impl SpawnChild for Reaper {
    /// Spawns under the lock, so [`Reaper::wait_any`] cannot see the child exit before it is
    /// known to be owned.
    fn spawn(&self, command: &mut Command) -> std::io::Result<Child> {
        let mut owned = self.owned.lock().unwrap_or_else(|e| e.into_inner());
        let child = command.spawn()?;
        owned.insert(child.id());
        Ok(child)
    }

    fn waited(&self, pid: u32) {
        self.owned.lock().unwrap_or_else(|e| e.into_inner()).remove(&pid);
        self.released.notify_all();
    }
}

/// Whether `status` is the end of process `pid`, and its exit code (`128 + signal` when a
/// signal ended it).
pub fn exit_code_of(status: WaitStatus, pid: i32) -> Option<i32> {
    match status {
        WaitStatus::Exited(p, code) if p == Pid::from_raw(pid) => Some(code),
        WaitStatus::Signaled(p, signal, _) if p == Pid::from_raw(pid) => Some(128 + signal as i32),
        _ => None,
    }
}
