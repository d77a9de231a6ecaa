//! Running the real `rpod` binary with a private `--root`/`--runroot`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where test directories live: under /var/tmp, never /tmp, because the systemd sandbox gives
/// its processes a private /tmp and they must see the same roots.
pub const TEST_BASE: &str = "/var/tmp/rpod-tests";

/// One test's rpod: its own storage and runtime directories, removed on drop.
pub struct TestEnv {
    dir: tempfile::TempDir,
}

/// What a finished `rpod` invocation left.
#[derive(Debug)]
pub struct RunResult {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl RunResult {
    /// Panics with the command's output unless it exited 0; returns stdout.
    pub fn success(self) -> String {
        assert_eq!(self.code, Some(0), "rpod failed:\nstdout: {}\nstderr: {}", self.stdout, self.stderr);
        self.stdout
    }

    /// Panics unless it failed with Podman's exit code 125 and one `Error: …` line; returns it.
    pub fn failure(self) -> String {
        assert_eq!(self.code, Some(125), "expected exit 125:\nstdout: {}\nstderr: {}", self.stdout, self.stderr);
        let line = self.stderr.trim_end().to_string();
        assert!(line.starts_with("Error: ") && !line.contains('\n'), "expected one Error: line, got {line:?}");
        line
    }
}

impl RunResult {
    /// Panics unless it failed with exit code 125; returns the final `Error: …` line (commands
    /// such as pull print progress lines on stderr before it).
    pub fn error_line(self) -> String {
        assert_eq!(self.code, Some(125), "expected exit 125:\nstdout: {}\nstderr: {}", self.stdout, self.stderr);
        let line = self.stderr.trim_end().lines().last().unwrap_or_default().to_string();
        assert!(line.starts_with("Error: "), "expected a final Error: line, got {:?}", self.stderr);
        assert_eq!(self.stderr.matches("Error: ").count(), 1, "one error only: {:?}", self.stderr);
        line
    }
}

impl From<Output> for RunResult {
    fn from(out: Output) -> Self {
        RunResult {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl TestEnv {
    /// A fresh environment under [`TEST_BASE`].
    pub fn new() -> TestEnv {
        std::fs::create_dir_all(TEST_BASE).expect("creating the test base directory");
        let env = TestEnv { dir: tempfile::tempdir_in(TEST_BASE).expect("a test directory") };
        std::fs::write(env.containers_conf(), env.conf_text("host")).expect("writing the test's containers.conf");
        env
    }

    /// The test's containers.conf, read last by every `rpod` of [`TestEnv::command`]
    /// (`CONTAINERS_CONF_OVERRIDE`): containers share the network namespace rpod runs in unless
    /// they name a network (`netns = "host"`), and network definitions stay in the test
    /// directory. Without it, rootful rpod's default, a bridge, would be set up in the
    /// machine's own namespace.
    pub fn containers_conf(&self) -> PathBuf {
        self.dir().join("containers.conf")
    }

    /// Makes containers created without `--network` get `netns` (`private`: Podman's default
    /// for root, a bridge on the default network). Only for tests inside a namespace of their own.
    pub fn set_default_netns(&self, netns: &str) {
        std::fs::write(self.containers_conf(), self.conf_text(netns)).expect("writing the test's containers.conf");
    }

    /// Where network definitions live for this test's rpod.
    pub fn network_config_dir(&self) -> PathBuf {
        self.dir().join("networks")
    }

    fn conf_text(&self, netns: &str) -> String {
        format!(
            "[containers]\nnetns = \"{netns}\"\n\n[network]\nnetwork_config_dir = \"{}\"\n",
            self.network_config_dir().display()
        )
    }

    /// The test's own directory (roots live inside it; tests may put files there too).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn root(&self) -> PathBuf {
        self.dir().join("root")
    }

    pub fn runroot(&self) -> PathBuf {
        self.dir().join("runroot")
    }

    /// `rpod --root R --runroot RR` with nothing else set; add arguments and environment.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(rpod_binary());
        cmd.arg("--root").arg(self.root()).arg("--runroot").arg(self.runroot());
        cmd.env_remove("RPOD_ROOT").env_remove("RPOD_RUNROOT").env_remove("PODMAN_SYSTEMD_UNIT");
        cmd.env("CONTAINERS_CONF_OVERRIDE", self.containers_conf());
        cmd.current_dir(self.dir());
        cmd
    }

    /// Runs `rpod ARGS` to completion.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> RunResult {
        self.command().args(args).output().expect("running rpod").into()
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        TestEnv::new()
    }
}

/// The `rpod` built from this workspace (`test/run` builds it before the tests): it sits in
/// the profile directory above this test executable's `deps/`, wherever the target directory
/// and the target triple put that.
pub fn rpod_binary() -> PathBuf {
    let test_exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = test_exe.parent().and_then(Path::parent).expect("a test executable lives in <profile>/deps");
    let bin = profile_dir.join("rpod");
    assert!(bin.exists(), "{} is missing: run `cargo build -p rpod` (test/run does)", bin.display());
    bin.canonicalize().expect("the rpod path")
}
