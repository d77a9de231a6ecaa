//! Driving an OCI runtime binary (`crun`, `runc`) through its command line.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::console::StandInTerminal;
use super::exec_stderr::StderrRelay;
use crate::error::{CommandFault, Error, Result};

/// What the lifecycle needs from an OCI runtime.
pub trait OciRuntime {
    /// The runtime's name (`runc`), recorded with the container.
    fn name(&self) -> &str;
    /// Creates the container from `bundle`; its process waits for [`OciRuntime::start`], with
    /// the standard streams `stdio` gives it.
    fn create(&self, id: &str, bundle: &Path, pid_file: &Path, stdio: CreateStdio) -> Result<()>;
    fn start(&self, id: &str) -> Result<()>;
    /// Sends `signal` (a name such as `TERM` or a number) to the container's init process.
    fn kill(&self, id: &str, signal: &str) -> Result<()>;
    /// Deletes the runtime's record of the container (`force` also kills it).
    fn delete(&self, id: &str, force: bool) -> Result<()>;
    /// Runs `args` inside the running container, with `env` (`NAME=value`) added to its
    /// environment, this process's standard output and error, and its stdin or a terminal as
    /// `stdio` asks.
    fn exec(&self, id: &str, args: &[String], env: &[String], stdio: ExecStdio) -> Result<i32>;
}

/// The standard streams of a container being created.
#[derive(Debug)]
pub struct CreateStdio {
    /// The container's stdin: the reading end of a pipe the monitor writes to (`-i`); none
    /// gives it /dev/null.
    pub stdin: Option<OwnedFd>,
    /// The container's output (the log file); the runtime's own messages land there too.
    pub output: std::fs::File,
    /// `--console-socket` (`-t`): the container's stdio is a terminal whose master the runtime
    /// sends over this socket, and `stdin`/`output` serve the runtime alone.
    pub console_socket: Option<PathBuf>,
}

/// What an `exec`'d process gets besides this process's stdout and stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExecStdio {
    /// `-i`: this process's stdin; without it the process reads /dev/null, as with Podman.
    pub stdin: bool,
    /// `-t`: a terminal the runtime makes and relays to this process's own (raw mode and
    /// window size changes included: runc and crun do both in the foreground), or to a
    /// [`StandInTerminal`] when this process has none.
    pub terminal: bool,
}
/// A runtime binary with its own state directory under the runroot.
#[derive(Debug, Clone)]
pub struct RuntimeBinary {
    name: String,
    path: PathBuf,
    state_dir: PathBuf,
}

impl RuntimeBinary {
    /// The runtime `name` found in `PATH` (or an absolute path), keeping state in `state_dir`.
    pub fn find(name: &str, state_dir: &Path) -> Option<RuntimeBinary> {
        let path = if name.contains('/') {
            PathBuf::from(name)
        } else {
            let search = std::env::var_os("PATH")
                .unwrap_or_else(|| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
            std::env::split_paths(&search).map(|dir| dir.join(name)).find(|p| p.is_file())?
        };
        path.is_file().then(|| RuntimeBinary {
            name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| name.to_string()),
            path,
            state_dir: state_dir.to_path_buf(),
        })
    }

    pub(crate) fn command(&self) -> Command {
        let mut cmd = Command::new(&self.path);
        cmd.arg("--root").arg(&self.state_dir);
        // runc and crun proxy NOTIFY_SOCKET themselves when they see it; readiness is the
        // monitor's job, so the runtime must not.
        cmd.env_remove("NOTIFY_SOCKET");
        cmd
    }

    /// Runs the runtime and turns a failure into an error carrying what it printed.
    fn run(&self, op: &'static str, mut cmd: Command) -> Result<()> {
        let out = cmd.stdin(Stdio::null()).output().map_err(|e| self.failed(op, e.to_string()))?;
        if out.status.success() {
            Ok(())
        } else {
            let text = format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
            Err(self.complaint(op, text.trim().to_string()))
        }
    }

    fn failed(&self, op: &'static str, message: String) -> Error {
        Error::Runtime { runtime: self.name.clone(), op, message }
    }

    /// What the runtime said when `op` failed. The one place a runtime's words are read: a
    /// create, start or exec that could not run the container's command becomes
    /// [`Error::CommandCannotRun`], so callers match on the fault and never on text.
    fn complaint(&self, op: &'static str, message: String) -> Error {
        let runs_command = matches!(op, "create" | "start" | "exec");
        match CommandFault::from_runtime_message(&message).filter(|_| runs_command) {
            Some(fault) => Error::CommandCannotRun { runtime: self.name.clone(), op, message, fault },
            None => self.failed(op, message),
        }
    }
}

impl OciRuntime for RuntimeBinary {
    fn name(&self) -> &str {
        &self.name
    }

    fn create(&self, id: &str, bundle: &Path, pid_file: &Path, stdio: CreateStdio) -> Result<()> {
        let log = bundle.join("runtime.log");
        let mut cmd = self.command();
        cmd.arg("--log").arg(&log).arg("--log-format").arg("text");
        cmd.arg("create").arg("--bundle").arg(bundle).arg("--pid-file").arg(pid_file);
        if let Some(socket) = &stdio.console_socket {
            cmd.arg("--console-socket").arg(socket);
        }
        cmd.arg(id);
        let CreateStdio { stdin, output, .. } = stdio;
        let err = output.try_clone().map_err(|e| self.failed("create", e.to_string()))?;
        let status = cmd
            .stdin(stdin.map(Stdio::from).unwrap_or_else(Stdio::null))
            .stdout(output)
            .stderr(err)
            .status()
            .map_err(|e| self.failed("create", e.to_string()))?;
        if status.success() {
            return Ok(());
        }
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        let line = logged.lines().rev().find(|l| l.contains("level=error")).unwrap_or(logged.trim());
        Err(self.complaint("create", log_message(line)))
    }

    fn start(&self, id: &str) -> Result<()> {
        let mut cmd = self.command();
        cmd.arg("start").arg(id);
        self.run("start", cmd)
    }

    fn kill(&self, id: &str, signal: &str) -> Result<()> {
        let mut cmd = self.command();
        cmd.arg("kill").arg(id).arg(signal);
        self.run("kill", cmd)
    }

    fn delete(&self, id: &str, force: bool) -> Result<()> {
        // runc and crun keep a container under `<state dir>/<id>`. Without it there is nothing
        // to delete: the monitor deleted the container when it exited, and `rm` after it (each
        // restart of a `--new` unit) would start a runtime process only to hear "container does
        // not exist" — 10 to 40 ms of runc per restart.
        if !self.state_dir.join(id).exists() {
            return Ok(());
        }
        let mut cmd = self.command();
        cmd.arg("delete");
        if force {
            cmd.arg("--force");
        }
        cmd.arg(id);
        self.run("delete", cmd)
    }

    fn exec(&self, id: &str, args: &[String], env: &[String], stdio: ExecStdio) -> Result<i32> {
        // The runtime exits 255 both when it cannot run the command (not found, not
        // executable) and when the command exits 255: an error in its own log, fresh for this
        // call, tells the two apart.
        let failed = |e: std::io::Error| self.failed("exec", e.to_string());
        let log = tempfile::NamedTempFile::new().map_err(failed)?;
        let mut cmd = self.command();
        cmd.arg("--log").arg(log.path()).arg("--log-format").arg("text");
        cmd.arg("exec");
        if stdio.terminal {
            cmd.arg("--tty");
        }
        for entry in env {
            cmd.arg("--env").arg(entry);
        }
        cmd.arg(id).args(args);
        let stand_in = if stdio.terminal && StandInTerminal::needed() {
            Some(StandInTerminal::open().map_err(failed)?)
        } else {
            None
        };
        if let Some(terminal) = &stand_in {
            let (input, output) = terminal.runtime_side().map_err(failed)?;
            cmd.stdin(input).stdout(output);
        } else if !stdio.stdin {
            cmd.stdin(Stdio::null());
        }
        let (stderr_reader, stderr_writer) = std::io::pipe().map_err(failed)?;
        cmd.stderr(stderr_writer);
        let mut child = cmd.spawn().map_err(failed)?;
        // The command holds handles on the stand-in's slave and the stderr pipe: they must
        // close with the runtime.
        drop(cmd);
        let stderr = StderrRelay::start(stderr_reader.into());
        let relay = stand_in.map(|t| t.relay(stdio.stdin)).transpose().map_err(failed)?;
        let status = child.wait().map_err(failed)?;
        if let Some(relay) = relay {
            relay.finish();
        }
        let logged = std::fs::read_to_string(log.path()).unwrap_or_default();
        let failure = logged.lines().rev().find(|l| l.contains("level=error")).map(log_message);
        match failure.filter(|_| !status.success()) {
            Some(message) => {
                stderr.finish(Some(&message));
                Err(self.complaint("exec", message))
            }
            None => {
                stderr.finish(None);
                Ok(status.code().unwrap_or(125))
            }
        }
    }
}

/// The `msg="…"` part of a runtime's text log line (runc and crun write logrus format), unquoted.
pub(crate) fn log_message(line: &str) -> String {
    match line.split_once("msg=\"") {
        Some((_, rest)) => {
            let end = rest.rfind('"').unwrap_or(rest.len());
            rest[..end].replace("\\\"", "\"")
        }
        None => line.to_string(),
    }
}

/// The runtimes to try, in order: the one asked for (`--runtime` or containers.conf `[engine]
/// runtime`), else Podman's default list, crun then runc; only those installed. A default
/// runtime that already failed to create a container on this boot is left out (see
/// [`remember_broken`]) so its warning is not repeated on every start.
pub fn candidates(requested: Option<&str>, state_dir: &Path) -> Result<Vec<RuntimeBinary>> {
    let explicit = match requested.filter(|n| !n.is_empty()) {
        Some(name) => Some(name.to_string()),
        None => containersconf::ContainersConf::load_host()?.engine.runtime,
    };
    let names: Vec<String> = match &explicit {
        Some(name) => vec![name.clone()],
        None => vec!["crun".to_string(), "runc".to_string()],
    };
    let mut found: Vec<RuntimeBinary> = names.iter().filter_map(|n| RuntimeBinary::find(n, state_dir)).collect();
    if found.is_empty() {
        return Err(Error::NoRuntime(names.join(", ")));
    }
    if explicit.is_none() && found.len() > 1 {
        let working: Vec<RuntimeBinary> =
            found.iter().filter(|r| !broken_marker(r, state_dir).exists()).cloned().collect();
        if !working.is_empty() {
            for skipped in found.iter().filter(|r| broken_marker(r, state_dir).exists()) {
                tracing::debug!("skipping {}: it failed earlier on this boot", skipped.name);
            }
            found = working;
        }
    }
    Ok(found)
}

/// Notes that `runtime` could not create a container here, with its error, under the
/// runroot (a tmpfs: forgotten at reboot, when the host may have changed).
pub fn remember_broken(runtime: &RuntimeBinary, state_dir: &Path, err: &Error) {
    let marker = broken_marker(runtime, state_dir);
    if let Some(dir) = marker.parent() {
        let _ = privatefs::create_dir_all(dir);
    }
    let _ = privatefs::write(&marker, err.to_string());
}

fn broken_marker(runtime: &RuntimeBinary, state_dir: &Path) -> PathBuf {
    state_dir.join(format!("{}.broken", runtime.name))
}

/// The OCI runtimes a container's lifecycle can reach, by the name recorded with the container
/// when it started (`ociRuntime` in its state).
pub trait OciRuntimes {
    /// The runtime named `name`; [`Error::NoRuntime`] when it is not installed.
    fn recorded(&self, name: &str) -> Result<Box<dyn OciRuntime>>;
}

/// The runtime binaries installed on the host, keeping their state under the runroot.
#[derive(Debug, Clone)]
pub struct InstalledRuntimes {
    state_dir: PathBuf,
}

impl InstalledRuntimes {
    /// The installed runtimes, with their state in `store`'s runtime state directory.
    pub fn new(store: &crate::store::Store) -> InstalledRuntimes {
        InstalledRuntimes { state_dir: store.runtime_state_dir() }
    }
}

impl OciRuntimes for InstalledRuntimes {
    fn recorded(&self, name: &str) -> Result<Box<dyn OciRuntime>> {
        let runtime = RuntimeBinary::find(name, &self.state_dir).ok_or_else(|| Error::NoRuntime(name.to_string()))?;
        Ok(Box::new(runtime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_log_lines_are_reduced_to_their_message() {
        let line = r#"time="2026-11-29T01:14:48Z" level=error msg="runc create failed: exec: \"nope\": executable file not found in $PATH""#;
        assert_eq!(log_message(line), r#"runc create failed: exec: "nope": executable file not found in $PATH"#);
        assert_eq!(log_message("plain text"), "plain text");
    }

    #[test]
    fn delete_runs_the_runtime_only_for_a_container_it_holds() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let calls = dir.path().join("calls");
        let fake = dir.path().join("fake-runc");
        std::fs::write(&fake, format!("#!/bin/sh\necho \"$*\" >>{}\n", calls.display())).unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let state_dir = dir.path().join("state");
        let runtime = RuntimeBinary::find(fake.to_str().unwrap(), &state_dir).unwrap();

        runtime.delete("gone", true).unwrap();
        assert!(!calls.exists(), "no runtime process for a container it does not hold");

        std::fs::create_dir_all(state_dir.join("held")).unwrap();
        runtime.delete("held", true).unwrap();
        let logged = std::fs::read_to_string(&calls).unwrap();
        assert!(logged.trim_end().ends_with("delete --force held"), "{logged}");
    }
}
