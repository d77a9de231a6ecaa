//! Starting, stopping, signalling and waiting for containers.

use std::io::{BufRead, BufReader};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::runtime::oci::OciRuntime;
use crate::runtime::{monitor, oci};
use crate::state::ContainerStatus;
use crate::store::{Container, Store};

/// The file descriptor on which a monitor finds its report pipe.
pub const MONITOR_REPORT_FD: i32 = 3;
/// How long `stop` waits after SIGKILL before giving up.
const KILL_GRACE: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(50);

/// How to re-exec rpod as a container's monitor.
#[derive(Debug, Clone)]
pub struct MonitorCommand {
    /// The rpod binary.
    pub exe: std::path::PathBuf,
    /// Arguments before the monitor's own (root flags, `--runtime`).
    pub global_args: Vec<String>,
}

/// Starts a created or exited container: spawns its monitor and returns once the container
/// runs (and systemd was notified), or with the monitor's error. Warnings about runtimes that
/// did not work are passed to `warn`.
pub fn start_container(store: &Store, container: &Container, monitor_command: &MonitorCommand, warn: &dyn Fn(&str)) -> Result<()> {
    let id = &container.config.id;
    if container.state.state == ContainerStatus::Running {
        return Ok(());
    }
    let run_dir = store.runtime_dir(id);
    privatefs::create_dir_all(&run_dir).map_err(|source| Error::CreateDir { path: run_dir.clone(), source })?;
    let monitor_log = privatefs::options()
        .create(true)
        .append(true)
        .open(run_dir.join("monitor.log"))
        .map_err(|source| Error::Io { path: run_dir.join("monitor.log"), source })?;
    let (reader, writer) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| Error::Monitor(format!("creating a pipe: {e}")))?;
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

fn read_report(reader: OwnedFd, warn: &dyn Fn(&str)) -> Result<()> {
    for line in BufReader::new(std::fs::File::from(reader)).lines() {
        let line = line.map_err(|e| Error::Monitor(e.to_string()))?;
        if line == "ok" {
            return Ok(());
        } else if let Some(message) = line.strip_prefix("warn: ") {
            warn(message);
        } else if let Some(message) = line.strip_prefix("error: ") {
            return Err(Error::Monitor(message.to_string()));
        }
    }
    Err(Error::Monitor("the container monitor exited before the container started".into()))
}

/// Stops a running container: SIGTERM, up to `timeout` seconds (default: its stop timeout),
/// then SIGKILL. Stopping a container that is not running is not an error (Podman).
pub fn stop_container(store: &Store, container: &Container, timeout: Option<u32>) -> Result<()> {
    if container.state.state != ContainerStatus::Running {
        return Ok(());
    }
    let id = &container.config.id;
    let runtime = oci::for_container(store, container)?;
    let timeout = Duration::from_secs(timeout.unwrap_or(container.config.stop_timeout).into());
    // Tell the monitor this exit is wanted, so a --restart policy does not undo it.
    let marker = monitor::stopped_marker(store, id);
    privatefs::write(&marker, "").map_err(|source| Error::Io { path: marker, source })?;
    if runtime.kill(id, "TERM").is_ok() && wait_until_exited(store, id, timeout)? {
        return Ok(());
    }
    let _ = runtime.kill(id, "KILL");
    if wait_until_exited(store, id, KILL_GRACE)? {
        Ok(())
    } else {
        Err(Error::Monitor(format!("container {id} did not exit {}s after SIGKILL", KILL_GRACE.as_secs())))
    }
}

/// Sends `signal` to a running container.
pub fn kill_container(store: &Store, container: &Container, signal: &str) -> Result<()> {
    if container.state.state != ContainerStatus::Running {
        return Err(Error::NotRunning(container.config.id.clone()));
    }
    let runtime = oci::for_container(store, container)?;
    runtime.kill(&container.config.id, signal)
}

/// Runs a command in a running container; returns its exit code.
pub fn exec_in_container(store: &Store, container: &Container, args: &[String]) -> Result<i32> {
    if container.state.state != ContainerStatus::Running {
        return Err(Error::NotRunning(container.config.id.clone()));
    }
    let runtime = oci::for_container(store, container)?;
    runtime.exec(&container.config.id, args)
}

/// Waits until the container is no longer running and returns its exit code; a container
/// that was removed on exit (`--rm`) reports the code its monitor left behind.
pub fn wait_for_container(store: &Store, id: &str) -> Result<i32> {
    loop {
        match store.lookup(id) {
            Ok(c) if is_running(&c) => std::thread::sleep(POLL),
            Ok(c) => return Ok(c.state.exit_code),
            Err(Error::NoSuchContainer(_)) => return read_exit_code(store, id),
            Err(err) => return Err(err),
        }
    }
}

fn read_exit_code(store: &Store, id: &str) -> Result<i32> {
    let path = monitor::exit_file(store, id);
    std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| Error::NoSuchContainer(id.to_string()))
}

/// Polls until the container has exited or is gone; `false` when `timeout` passed first.
fn wait_until_exited(store: &Store, id: &str, timeout: Duration) -> Result<bool> {
    let deadline = Instant::now() + timeout;
    loop {
        match store.lookup(id) {
            Ok(c) if is_running(&c) => {}
            Ok(_) | Err(Error::NoSuchContainer(_)) => return Ok(true),
            Err(err) => return Err(err),
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        std::thread::sleep(POLL);
    }
}

/// The container with its state brought up to date: a container recorded as running whose
/// monitor is gone (killed, or the host rebooted) is recorded as exited, with the exit code
/// the monitor left if it got that far (else -1).
pub fn refreshed(store: &Store, mut container: Container) -> Result<Container> {
    if container.state.state == ContainerStatus::Running && !is_running(&container) {
        container.state.state = ContainerStatus::Exited;
        container.state.exit_code = read_exit_code(store, &container.config.id).unwrap_or(-1);
        container.state.finished_time = Some(chrono::Utc::now());
        container.state.pid = 0;
        container.state.conmon_pid = 0;
        match store.update_state(&container.config.id, &container.state) {
            Ok(()) | Err(Error::NoSuchContainer(_)) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(container)
}

/// Running, and its monitor still alive (a monitor killed with SIGKILL cannot record the exit).
fn is_running(container: &Container) -> bool {
    container.state.state == ContainerStatus::Running && monitor_alive(container.state.conmon_pid, &container.config.id)
}

/// Whether `pid` is still this container's monitor: a live process (a zombie has no command
/// line) whose command line names the container, so a reused PID does not count.
fn monitor_alive(pid: i32, id: &str) -> bool {
    if pid <= 0 {
        return false;
    }
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else { return false };
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    args.contains(&&b"container-monitor"[..]) && args.contains(&id.as_bytes())
}
