//! The monitor as a process, seen from the commands that start and watch containers: spawning
//! it (a detached re-exec of rpod, see [`crate::monitor`]) and telling whether it still lives.
//! A trait, [`Monitors`], so that the lifecycle is unit-tested without processes.

use std::io::{BufRead, BufReader};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use crate::error::{Error, Result};
use crate::runtime::procfs::parent_of;
use crate::store::Store;

/// The file descriptor on which a monitor finds its report pipe.
pub const MONITOR_REPORT_FD: i32 = 3;

/// How to re-exec rpod as a container's monitor.
#[derive(Debug, Clone)]
pub struct MonitorCommand {
    /// The rpod binary.
    pub exe: std::path::PathBuf,
    /// Arguments before the monitor's own (root flags, `--runtime`).
    pub global_args: Vec<String>,
}

/// Container monitors as processes.
pub trait Monitors {
    /// Spawns the monitor of container `id` and returns once it reports the container running,
    /// or with the monitor's error. Warnings about runtimes that did not work go to `warn`.
    fn spawn(&self, store: &Store, id: &str, warn: &dyn Fn(&str)) -> Result<()>;
    /// Whether `pid` is still the monitor of container `id`.
    fn alive(&self, pid: i32, id: &str) -> bool;
    /// Sends `signal` to the container process `pid` of the monitor `monitor_pid` itself, while
    /// that process is still the monitor's child; `false` when it is not (or cannot be told),
    /// and the caller asks the OCI runtime instead.
    /// `signal` is the signal's number.
    fn signal_child(&self, monitor_pid: i32, pid: i32, signal: i32) -> bool;
}

/// Monitors as host processes: re-execs of rpod, found through `/proc`.
#[derive(Debug, Clone, Default)]
pub struct HostMonitors {
    command: Option<MonitorCommand>,
}

impl HostMonitors {
    /// Monitors spawned with `command`; without one (commands that never start a container),
    /// [`Monitors::spawn`] fails.
    pub fn new(command: Option<MonitorCommand>) -> HostMonitors {
        HostMonitors { command }
    }
}

impl Monitors for HostMonitors {
    fn spawn(&self, store: &Store, id: &str, warn: &dyn Fn(&str)) -> Result<()> {
        let monitor_command = self
            .command
            .as_ref()
            .ok_or_else(|| Error::Monitor(format!("no monitor command to start container {id} with")))?;
        let run_dir = store.runtime_dir(id);
        privatefs::create_dir_all(&run_dir).map_err(|source| Error::CreateDir { path: run_dir.clone(), source })?;
        let log_path = store.monitor_log(id);
        let monitor_log = privatefs::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|source| Error::Io { path: log_path.clone(), source })?;
        let (reader, writer) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
            .map_err(|e| Error::Monitor(format!("creating a pipe: {e}")))?;
        let mut cmd = Command::new(&monitor_command.exe);
        cmd.args(&monitor_command.global_args).arg("container-monitor").arg(id);
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(monitor_log);
        let writer_fd = writer.as_raw_fd();
        // SAFETY: between fork and exec only async-signal-safe calls (setsid, dup2) are made.
        unsafe {
            cmd.pre_exec(move || {
                nix::unistd::setsid().map_err(std::io::Error::from)?;
                if libc::dup2(writer_fd, MONITOR_REPORT_FD) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(|e| Error::Monitor(format!("spawning the monitor: {e}")))?;
        drop(writer);
        let outcome = read_report(reader, warn);
        // The monitor detaches into its own session; reap our direct child so it leaves no zombie.
        std::thread::spawn(move || child.wait());
        outcome
    }

    /// A live process (a zombie has no command line) whose command line names the container,
    /// so a reused PID does not count.
    fn alive(&self, pid: i32, id: &str) -> bool {
        if pid <= 0 {
            return false;
        }
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else { return false };
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        args.contains(&&b"container-monitor"[..]) && args.contains(&id.as_bytes())
    }

    /// `runc kill` only checks its state and calls kill(2), at the price of a Go process: 10 to
    /// 40 ms on a busy host, one in every unit restart. The container's process is its monitor's
    /// child (the monitor is its subreaper) until the monitor reaps it, so while its parent is
    /// that monitor its PID cannot belong to anyone else. A pidfd taken first makes the parent
    /// check and the signal refer to one process: if that process exits in between, the signal
    /// goes nowhere rather than to whoever got the PID next.
    fn signal_child(&self, monitor_pid: i32, pid: i32, signal: i32) -> bool {
        if pid <= 0 || monitor_pid <= 0 {
            return false;
        }
        let Some(pidfd) = pidfd_open(pid) else { return false };
        if parent_of(pid) != Some(monitor_pid) {
            return false;
        }
        // SAFETY: pidfd is an open pidfd; a null siginfo asks for the plain kill(2) semantics.
        let sent = unsafe { libc::syscall(libc::SYS_pidfd_send_signal, pidfd.as_raw_fd(), signal, 0usize, 0u32) };
        // A process that exited since it was checked needs no signal: `stop` sees the exit.
        sent == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
    }
}

/// A pidfd for process `pid`, or `None` when it is gone (or the kernel has no pidfds).
fn pidfd_open(pid: i32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a PID and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0u32) };
    // SAFETY: a non-negative return is a descriptor this process now owns.
    (fd >= 0).then(|| unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd as i32) })
}

fn read_report(reader: OwnedFd, warn: &dyn Fn(&str)) -> Result<()> {
    for line in BufReader::new(std::fs::File::from(reader)).lines() {
        let line = line.map_err(|e| Error::Monitor(e.to_string()))?;
        if line == "ok" {
            return Ok(());
        } else if let Some(message) = line.strip_prefix("warn: ") {
            warn(message);
        } else if let Some(err) = Error::from_monitor_report(&line) {
            return Err(err);
        }
    }
    Err(Error::Monitor("the container monitor exited before the container started".into()))
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    use super::*;

    #[test]
    fn a_monitor_child_is_signalled_directly_and_no_other_process_is() {
        let monitors = HostMonitors::default();
        let me = std::process::id() as i32;
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id() as i32;

        assert!(!monitors.signal_child(1, pid, libc::SIGTERM), "not the child of that monitor");
        assert!(child.try_wait().unwrap().is_none(), "so it was left alone");

        assert!(monitors.signal_child(me, pid, libc::SIGTERM), "the child of this (monitor) process");
        assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGTERM));

        assert!(!monitors.signal_child(me, pid, libc::SIGTERM), "reaped: its PID is nobody's any more");
    }
}
