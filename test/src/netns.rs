//! A network namespace of the test's own, so services the tests start (nginx on port 80, redis on
//! 6379) and the clients talking to them stay off the machine's network, and two tests can use the
//! same ports at once. rpod has only host networking today: a container shares the namespace of
//! the rpod that started its monitor, so the tests start rpod inside this one (and Podman with
//! `--network host`, which then creates no bridge and no firewall rule).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::rpod::RunResult;

/// A fresh network namespace with only `lo`, up; it goes away once its holder and everything
/// started inside have ended.
pub struct NetNs {
    /// `unshare --net` running `cat` on a pipe from this process: closing the pipe (on drop, or
    /// when the test process dies in any way) ends it, so no holder outlives its test.
    holder: Child,
}

impl NetNs {
    /// Creates the namespace and waits until its loopback interface is up.
    pub fn new() -> NetNs {
        let mut holder = Command::new("unshare")
            .args(["--net", "--", "sh", "-c", "ip link set lo up && echo up && exec cat >/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("running unshare (package util-linux)");
        let mut line = String::new();
        let stdout = holder.stdout.take().expect("the holder's stdout is piped");
        BufReader::new(stdout).read_line(&mut line).expect("reading the namespace holder's output");
        assert_eq!(line, "up\n", "the network namespace did not come up (is iproute2 installed?)");
        NetNs { holder }
    }

    /// `/proc/PID/ns/net` of the holder: what `nsenter --net=` enters.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(format!("/proc/{}/ns/net", self.holder.id()))
    }

    /// `command` to run inside the namespace, through `nsenter`: the same program, arguments,
    /// environment changes and working directory.
    pub fn enter(&self, command: &Command) -> Command {
        self.handle().enter(command)
    }

    /// A handle on this namespace for what starts inside it and outlives a borrow (a registry,
    /// a systemd sandbox). The namespace must outlive the handle's use: keep the `NetNs`.
    pub fn handle(&self) -> NetNsHandle {
        NetNsHandle { path: self.path() }
    }

    /// Runs `command` inside to completion.
    pub fn run(&self, command: &Command) -> RunResult {
        self.enter(command).output().expect("running nsenter (package util-linux)").into()
    }

    /// Runs `curl -sS -o /dev/null -w %{http_code} URL` inside; returns the status code curl
    /// printed (`000` when nothing answered).
    pub fn http_status(&self, url: &str) -> String {
        let mut curl = Command::new("curl");
        curl.args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", url]);
        self.run(&curl).stdout
    }
}

/// A way into a [`NetNs`], owned by what runs inside it.
#[derive(Debug, Clone)]
pub struct NetNsHandle {
    path: PathBuf,
}

impl NetNsHandle {
    /// `command` run inside the namespace through `nsenter --net=`: the same program,
    /// arguments, environment changes and working directory.
    pub fn enter(&self, command: &Command) -> Command {
        let mut inside = Command::new("nsenter");
        inside.arg(format!("--net={}", self.path.display())).arg("--").arg(command.get_program());
        inside.args(command.get_args());
        for (key, value) in command.get_envs() {
            match value {
                Some(value) => inside.env(key, value),
                None => inside.env_remove(key),
            };
        }
        if let Some(dir) = command.get_current_dir() {
            inside.current_dir(dir);
        }
        inside
    }
}

/// `command` as it is, or entered into `netns` when there is one: how a harness part that can
/// run in the machine's namespace or a test's own starts its processes.
pub fn maybe_enter(netns: Option<&NetNsHandle>, command: Command) -> Command {
    match netns {
        Some(netns) => netns.enter(&command),
        None => command,
    }
}

impl Default for NetNs {
    fn default() -> Self {
        NetNs::new()
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        drop(self.holder.stdin.take());
        let _ = self.holder.wait();
    }
}
