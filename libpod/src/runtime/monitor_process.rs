//! The monitor as a process, seen from the commands that start and watch containers: spawning
//! it (a detached re-exec of rpod, see [`crate::monitor`]) and telling whether it still lives.
//! A trait, [`Monitors`], so that the lifecycle is unit-tested without processes.

use std::io::{BufRead, BufReader};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use crate::error::{Error, Result};
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
