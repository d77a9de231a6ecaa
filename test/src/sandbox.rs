//! A real systemd manager for tests, booted by `test/sandbox/rpod-test-sandbox` as PID 1 of
//! private namespaces over a throwaway overlay of the host (see that script). Units, /run and
//! /tmp stay inside; files under /var/tmp are shared with the host, and the network namespace is
//! the host's ([`Sandbox::start`]) or a test's own ([`Sandbox::start_in`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::netns::{maybe_enter, NetNs, NetNsHandle};
use crate::rpod::TEST_BASE;

/// A running sandbox; powered off on drop.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// Boots a sandbox in the machine's network namespace and waits until its manager is running.
    pub fn start() -> Sandbox {
        Sandbox::boot(None)
    }

    /// Boots a sandbox whose manager, units and containers live in `netns`, the test's own
    /// network namespace: what a test that gives containers bridges and published ports needs.
    pub fn start_in(netns: &NetNs) -> Sandbox {
        Sandbox::boot(Some(netns.handle()))
    }

    fn boot(netns: Option<NetNsHandle>) -> Sandbox {
        std::fs::create_dir_all(TEST_BASE).expect("creating the test base directory");
        let dir = tempfile::Builder::new().prefix("sandbox-").tempdir_in(TEST_BASE).expect("a sandbox directory");
        let mut up = Command::new(script());
        up.arg("up").arg(dir.path());
        let out = maybe_enter(netns.as_ref(), up).output().expect("running rpod-test-sandbox");
        assert!(
            out.status.success(),
            "the systemd sandbox did not boot: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(dir.path().join("boot.log")).unwrap_or_default()
        );
        Sandbox { dir }
    }

    /// Runs a command inside the sandbox to completion.
    pub fn exec<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Output {
        Command::new(script())
            .arg("run")
            .arg(self.dir.path())
            .args(args)
            .output()
            .expect("running a command in the sandbox")
    }

    /// Runs a command inside; panics with its output unless it succeeds; returns stdout.
    pub fn check<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(&self, args: &[S]) -> String {
        let out = self.exec(args);
        assert!(
            out.status.success(),
            "{args:?} failed in the sandbox:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Installs a unit file (as `/etc/systemd/system/NAME` inside) and reloads the manager.
    pub fn install_unit(&self, name: &str, text: &str) {
        let staged = self.dir.path().join(name);
        std::fs::write(&staged, text).expect("staging the unit");
        self.check(&["cp", staged.to_str().expect("UTF-8 path"), &format!("/etc/systemd/system/{name}")]);
        self.check(&["systemctl", "daemon-reload"]);
    }

    /// `systemctl is-active UNIT` (its one-word answer).
    pub fn unit_state(&self, unit: &str) -> String {
        String::from_utf8_lossy(&self.exec(&["systemctl", "is-active", unit]).stdout).trim().to_string()
    }

    /// `systemctl start UNIT`; on failure, panics with the unit's journal.
    pub fn start_unit(&self, unit: &str) {
        let out = self.exec(&["systemctl", "start", unit]);
        assert!(
            out.status.success(),
            "{unit} did not start: {}{}",
            String::from_utf8_lossy(&out.stderr),
            self.journal(unit)
        );
    }

    /// What a failed assertion about `unit` prints: its status and the sandbox's last journal
    /// lines (the whole journal, so units it depends on show up too).
    pub fn journal(&self, unit: &str) -> String {
        let script = format!(
            "systemctl status {unit} --no-pager -l; systemctl show {unit} -p Result,ExecMainStatus,NRestarts; \
             journalctl --no-pager -n 80"
        );
        String::from_utf8_lossy(&self.exec(&["sh", "-c", &script]).stdout).into_owned()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `rpod ARGS` of `env` inside the sandbox. Once the sandbox has written to `env`'s
    /// storage, only processes inside see those writes (they land in its overlay), so tests
    /// read state through this.
    pub fn rpod<S: AsRef<std::ffi::OsStr>>(&self, env: &crate::TestEnv, args: &[S]) -> crate::RunResult {
        let mut argv: Vec<std::ffi::OsString> = vec![
            crate::rpod_binary().into(),
            "--root".into(),
            env.root().into(),
            "--runroot".into(),
            env.runroot().into(),
        ];
        argv.extend(args.iter().map(|a| a.as_ref().to_os_string()));
        self.exec(&argv).into()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("down").arg(self.dir.path()).output();
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sandbox/rpod-test-sandbox")
}
