//! Running a health check inside a container: `runc exec` (or crun) with the check's argv,
//! standard output and error captured together, and the timeout enforced — a check still
//! running when it expires is killed with everything it started, and counts as a failure.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use health::{CheckExecutor, CheckRun, HealthError};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::runtime::oci::{self, RuntimeBinary};
use crate::runtime::procfs::parent_of;
use crate::runtime::reaper::SpawnChild;
use crate::state::ContainerStatus;
use crate::store::Store;

/// How much of a check's output is read into memory (the results keep 500 bytes unless
/// `--health-max-log-size` says otherwise); the rest is read and dropped.
const OUTPUT_LIMIT: usize = 64 * 1024;
/// How often the runtime's exit is looked for while a check runs.
const POLL: Duration = Duration::from_millis(20);
/// How long the output is waited for once the check ended (a process it left behind in the
/// background may hold the pipe open).
const OUTPUT_GRACE: Duration = Duration::from_secs(1);

/// Runs checks in one running container through the OCI runtime that runs it.
pub struct RuntimeCheckExecutor<'a> {
    store: &'a Store,
    id: String,
    runtime: RuntimeBinary,
    spawner: &'a dyn SpawnChild,
}

impl<'a> RuntimeCheckExecutor<'a> {
    /// The executor for container `id`, run by the runtime named `runtime` (as its state
    /// records it).
    pub fn new(
        store: &'a Store,
        id: &str,
        runtime: &str,
        spawner: &'a dyn SpawnChild,
    ) -> crate::error::Result<RuntimeCheckExecutor<'a>> {
        let runtime = RuntimeBinary::find(runtime, &store.runtime_state_dir())
            .ok_or_else(|| crate::error::Error::NoRuntime(runtime.to_string()))?;
        Ok(RuntimeCheckExecutor { store, id: id.to_string(), runtime, spawner })
    }

    fn exec_error(&self, source: std::io::Error) -> HealthError {
        HealthError::Exec { id: self.id.clone(), source: Box::new(source) }
    }
}

impl CheckExecutor for RuntimeCheckExecutor<'_> {
    fn run(&self, argv: &[String], timeout: Duration) -> Result<CheckRun, HealthError> {
        let scratch = tempfile::tempdir().map_err(|e| self.exec_error(e))?;
        let (log, pid_file) = (scratch.path().join("runtime.log"), scratch.path().join("exec.pid"));
        let mut command = self.runtime.command();
        command.arg("--log").arg(&log).arg("--log-format").arg("text");
        command.arg("exec").arg("--pid-file").arg(&pid_file).arg(&self.id).args(argv);
        let (reader, writer) = std::io::pipe().map_err(|e| self.exec_error(e))?;
        let writer_too = writer.try_clone().map_err(|e| self.exec_error(e))?;
        command.stdin(Stdio::null()).stdout(writer).stderr(writer_too);
        let mut child = self.spawner.spawn(&mut command).map_err(|e| self.exec_error(e))?;
        // The command holds the pipe's writing ends: they must close with the runtime.
        drop(command);
        let output = Output::collect(reader);
        let ended = wait_until(&mut child, Instant::now() + timeout);
        let status = match ended {
            Ok(Some(status)) => status,
            Ok(None) | Err(_) => {
                kill_check(&pid_file, &mut child);
                self.spawner.waited(child.id());
                return Ok(CheckRun::TimedOut { output: output.text() });
            }
        };
        self.spawner.waited(child.id());
        let output = output.text();
        if !status.success() {
            let logged = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(line) = logged.lines().rev().find(|l| l.contains("level=error")) {
                return Ok(CheckRun::CannotRun { output: oci::log_message(line) });
            }
        }
        Ok(CheckRun::Exited { code: status.code().unwrap_or(1), output })
    }

    fn container_stopped(&self) -> bool {
        match self.store.lookup(&self.id) {
            Ok(container) => {
                container.state.state != ContainerStatus::Running
                    || container.state.pid <= 0
                    || kill(Pid::from_raw(container.state.pid), None).is_err()
            }
            Err(_) => true,
        }
    }
}

/// Waits for `child` until `deadline`; `None` when it is still running then.
fn wait_until(child: &mut Child, deadline: Instant) -> std::io::Result<Option<std::process::ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(POLL);
    }
}

/// Kills a check that ran too long: the process the runtime started in the container and
/// everything it started (SIGKILL, descendants first), then the runtime itself.
fn kill_check(pid_file: &Path, runtime: &mut Child) {
    let check = std::fs::read_to_string(pid_file).ok().and_then(|t| t.trim().parse::<i32>().ok()).filter(|p| *p > 0);
    if let Some(check) = check {
        for pid in descendants(check).into_iter().rev().chain([check]) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
    let _ = runtime.kill();
    let _ = runtime.wait();
}

/// The processes below `root`, parents before their children (read from `/proc/*/stat`).
fn descendants(root: i32) -> Vec<i32> {
    let parents: Vec<(i32, i32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect();
    let mut found = vec![root];
    let mut next = 0;
    while next < found.len() {
        let parent = found[next];
        found.extend(parents.iter().filter(|(_, p)| *p == parent).map(|(pid, _)| *pid));
        next += 1;
    }
    found.remove(0);
    found
}

/// A check's output, read on a thread of its own so a check that prints much cannot block.
struct Output {
    text: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

impl Output {
    fn collect(mut reader: std::io::PipeReader) -> Output {
        let text = Arc::new(Mutex::new(Vec::new()));
        let (tell, done) = mpsc::channel();
        let sink = text.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = reader.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                let mut kept = sink.lock().unwrap_or_else(|e| e.into_inner());
                let room = OUTPUT_LIMIT.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..n.min(room)]);
            }
            let _ = tell.send(());
        });
        Output { text, done }
    }

    /// What was printed, once the pipe closed or [`OUTPUT_GRACE`] passed.
    fn text(self) -> String {
        let _ = self.done.recv_timeout(OUTPUT_GRACE);
        let kept = self.text.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&kept).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_tree_is_found_below_its_root() {
        let mut shell =
            std::process::Command::new("/bin/sh").args(["-c", "sleep 30 & sleep 30 & wait"]).spawn().unwrap();
        let root = shell.id() as i32;
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut found = descendants(root);
        while found.len() < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
            found = descendants(root);
        }
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|pid| parent_of(*pid) == Some(root)));
        for pid in found {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        shell.wait().unwrap();
    }
}
