//! `rpod auto-update` end to end: the real binary, runc, and a real systemd manager in a
//! sandbox running units made by `rpod generate systemd --new`. Ports the applicable cases of
//! Podman's test/system/255-auto-update.bats.

use std::path::Path;
use std::process::Command;

use rpod_e2e::{rpod_binary, RunResult, TestEnv};

/// A command that stops at once on SIGTERM (a plain `sleep` as PID 1 ignores it, and every
/// restart would wait for the stop timeout).
const WORKLOAD: &[&str] = &["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"];

/// One test's world: private rpod roots and a systemd sandbox whose manager runs the units.
/// Every rpod command runs inside the sandbox, so host and units see the same storage.
struct World {
    // Declared first so it is dropped (stopped) before the test directory it lives in goes.
    sandbox: sandbox::Sandbox,
    env: TestEnv,
}

impl World {
    fn new() -> World {
        let env = TestEnv::new();
        let sandbox = sandbox::Sandbox::start(&env.dir().join("sandbox"));
        let world = World { sandbox, env };
        // The units' ExecStop/ExecStopPost carry no root flags: give them this test's roots.
        world.systemctl(&[
            "set-environment",
            &format!("RPOD_ROOT={}", world.env.root().display()),
            &format!("RPOD_RUNROOT={}", world.env.runroot().display()),
        ]);
        world
    }

    /// `rpod ARGS` inside the sandbox with this test's roots.
    fn rpod(&self, args: &[&str]) -> RunResult {
        let mut cmd = Command::new(rpod_binary());
        cmd.arg("--root").arg(self.env.root()).arg("--runroot").arg(self.env.runroot()).args(args);
        self.sandbox.exec(&mut cmd).into()
    }

    fn systemctl(&self, args: &[&str]) -> RunResult {
        let result: RunResult = self.sandbox.exec(Command::new("systemctl").args(args)).into();
        assert_eq!(result.code, Some(0), "systemctl {args:?}: {}", result.stderr);
        result
    }

    /// A busybox image whose `/version` says `version`; `runnable: false` leaves out the
    /// shell, so containers of it fail to start.
    fn import(&self, name: &str, version: &str, runnable: bool) -> String {
        let rootfs = self.env.dir().join(format!("rootfs-{version}"));
        std::fs::create_dir_all(rootfs.join("bin")).expect("rootfs");
        if runnable {
            std::fs::copy("/bin/busybox", rootfs.join("bin/busybox")).expect("busybox-static is installed");
            for applet in ["sh", "sleep", "cat"] {
                let _ = std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(applet));
            }
        }
        std::fs::write(rootfs.join("version"), version).expect("version file");
        let tarball = self.env.dir().join(format!("{version}.tar"));
        let status = Command::new("tar").arg("-cf").arg(&tarball).arg("-C").arg(&rootfs).arg(".").status().expect("tar");
        assert!(status.success());
        let out = self.rpod(&["import", path(&tarball), name]).success();
        out.trim().trim_start_matches("sha256:").to_string()
    }

    /// Creates container `name` (policy label `policy`, `extra` create flags), writes its unit
    /// with `generate systemd --new` (plus `generate` flags), removes the container and starts
    /// the unit, like bats' `generate_service`. Returns the unit name.
    fn service(&self, name: &str, policy: &str, image: &str, extra: &[&str], generate: &[&str]) -> String {
        let label = format!("io.containers.autoupdate={policy}");
        let mut create = vec!["create", "--name", name, "--label", &label];
        create.extend_from_slice(extra);
        create.push(image);
        create.extend_from_slice(WORKLOAD);
        self.rpod(&create).success();
        let unit_dir = self.env.dir().join("units");
        std::fs::create_dir_all(&unit_dir).expect("unit dir");
        let mut gen = vec!["generate", "systemd", "--new", "--name"];
        gen.extend_from_slice(generate);
        gen.push(name);
        let text = self.rpod(&gen).success();
        let unit = format!("container-{name}.service");
        self.sandbox.write(&Path::new("/etc/systemd/system").join(&unit), &text);
        self.rpod(&["rm", name]).success();
        self.systemctl(&["daemon-reload"]);
        self.systemctl(&["start", &unit]);
        unit
    }

    fn inspect(&self, name: &str, field: &str) -> String {
        self.rpod(&["inspect", "--format", &format!("{{{{{field}}}}}"), name]).success().trim().to_string()
    }

    fn auto_update(&self, args: &[&str]) -> RunResult {
        self.rpod(&[&["auto-update"], args].concat())
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 test path")
}

const ROW: &str = "--format={{.Unit}},{{.Image}},{{.Updated}},{{.Policy}}";

#[test]
fn validates_input() {
    let env = TestEnv::new();
    let line = env.run(&["auto-update", "extra"]).failure();
    assert_eq!(line, "Error: `rpod auto-update` takes no arguments");
    let missing = env.dir().join("missing.json");
    let line = env.run(&["auto-update", "--authfile", path(&missing)]).failure();
    assert_eq!(line, format!("Error: credential file is not accessible: stat {}: no such file or directory", missing.display()));
    let nothing = env.run(&["auto-update"]);
    assert_eq!((nothing.code, nothing.stdout.as_str()), (Some(0), ""), "no containers, no output: {}", nothing.stderr);
}

#[test]
fn local_policy_updates_after_a_dry_run() {
    let w = World::new();
    let v1 = w.import("localhost/app:latest", "v1", true);
    let unit = w.service("web", "local", "localhost/app:latest", &[], &[]);
    let before = w.inspect("web", ".Id");
    assert_eq!(w.auto_update(&[ROW]).success(), format!("{unit},localhost/app:latest,false,local\n"));

    let v2 = w.import("localhost/app:latest", "v2", true);
    assert_eq!(w.auto_update(&["--dry-run", ROW]).success(), format!("{unit},localhost/app:latest,pending,local\n"));
    assert_eq!(w.inspect("web", ".Image"), v1, "a dry run changes nothing");

    assert_eq!(w.auto_update(&["--rollback=false", ROW]).success(), format!("{unit},localhost/app:latest,true,local\n"));
    assert_eq!(w.inspect("web", ".Image"), v2);
    assert_ne!(w.inspect("web", ".Id"), before, "the unit recreated the container");
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "v2");
    assert_eq!(w.systemctl(&["is-active", &unit]).stdout.trim(), "active");
}

#[test]
fn an_image_that_does_not_start_is_rolled_back() {
    let w = World::new();
    let v1 = w.import("localhost/app:latest", "v1", true);
    let unit = w.service("web", "local", "localhost/app:latest", &[], &[]);
    w.import("localhost/app:latest", "broken", false);
    assert_eq!(w.auto_update(&[ROW]).success(), format!("{unit},localhost/app:latest,rolled back,local\n"));
    assert_eq!(w.inspect("web", ".Image"), v1);
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "v1");
    assert_eq!(w.systemctl(&["is-active", &unit]).stdout.trim(), "active");
    let images = w.rpod(&["inspect", "--format", "{{.Image}}", "web"]).success();
    assert_eq!(images.trim(), v1, "the name points at the old image again");
}

#[test]
fn without_rollback_a_failed_restart_is_an_error() {
    let w = World::new();
    w.import("localhost/app:latest", "v1", true);
    let unit = w.service("web", "local", "localhost/app:latest", &[], &[]);
    w.import("localhost/app:latest", "broken", false);
    let result = w.auto_update(&["--rollback=false", ROW]);
    assert_eq!(result.stdout, format!("{unit},localhost/app:latest,failed,local\n"));
    assert_eq!(
        result.failure(),
        format!(
            "Error: restarting unit {unit} during update: error restarting systemd unit \"{unit}\" expected \"done\" but received \"failed\""
        )
    );
}

#[test]
fn a_child_that_requires_the_updated_unit_comes_back() {
    let w = World::new();
    w.import("localhost/app:latest", "v1", true);
    w.import("localhost/other:latest", "other", true);
    let parent = w.service("parent", "local", "localhost/app:latest", &[], &[]);
    let requires = format!("--requires={parent}");
    let child = w.service("child", "disabled", "localhost/other:latest", &[], &[&requires]);
    let child_before = w.inspect("child", ".Id");
    w.import("localhost/app:latest", "v2", true);
    assert_eq!(w.auto_update(&[ROW]).success(), format!("{parent},localhost/app:latest,true,local\n"));
    assert_eq!(w.systemctl(&["is-active", &child]).stdout.trim(), "active");
    assert_ne!(w.inspect("child", ".Id"), child_before, "systemd restarted the child with its parent");
}

#[test]
fn disabled_fake_and_json() {
    let w = World::new();
    w.import("localhost/app:latest", "v1", true);
    let unit = w.service("web", "local", "localhost/app:latest", &[], &[]);
    w.service("off", "disabled", "localhost/app:latest", &[], &[]);
    let json = w.auto_update(&["--format", "json"]).success();
    let rows: serde_json::Value = serde_json::from_str(&json).expect("JSON output");
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "disabled containers are not reported: {json}");
    let row = &rows[0];
    for key in ["Unit", "Container", "ContainerName", "ContainerID", "Image", "Policy", "Updated"] {
        assert!(row.get(key).is_some(), "{key} missing in {json}");
    }
    assert_eq!(row["Unit"], unit.as_str());
    assert!(json.contains("\n    {\n        \"Unit\""), "Podman's 4-space indent: {json}");

    w.service("fake", "fake_value", "localhost/app:latest", &[], &[]);
    let id = w.inspect("fake", ".Id");
    let result = w.auto_update(&[ROW]);
    assert_eq!(result.stdout, format!("{unit},localhost/app:latest,false,local\n"), "the others are still processed");
    assert_eq!(
        result.failure(),
        format!(
            r#"Error: auto-updating container "{id}": invalid auto-update policy "fake_value": valid policies are ["disabled" "image" "local" "registry"]"#
        )
    );
}

#[test]
fn default_table_has_podmans_leading_column() {
    let w = World::new();
    w.import("localhost/app:latest", "v1", true);
    w.service("web", "local", "localhost/app:latest", &[], &[]);
    let id = w.inspect("web", ".Id");
    let out = w.auto_update(&[]).success();
    let want = format!(
        "            UNIT                   CONTAINER           IMAGE                 POLICY      UPDATED\n            container-web.service  {} (web)  localhost/app:latest  local       false\n",
        &id[..12]
    );
    assert_eq!(out, want);
}

/// The systemd sandbox of /work/shared/harness (until the project's test/src/sandbox.rs lands).
mod sandbox {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    const SCRIPT: &str = "/work/shared/harness/systemd-sandbox";

    pub struct Sandbox {
        dir: PathBuf,
    }

    impl Sandbox {
        pub fn start(dir: &Path) -> Sandbox {
            std::fs::create_dir_all(dir).expect("sandbox dir");
            let out = Command::new(SCRIPT).arg("start").arg(dir).output().expect("start sandbox");
            assert!(out.status.success(), "sandbox: {}", String::from_utf8_lossy(&out.stderr));
            Sandbox { dir: dir.to_path_buf() }
        }

        /// Runs `cmd` inside (environment variables set on `cmd` are passed through `env`).
        pub fn exec(&self, cmd: &mut Command) -> Output {
            let mut full = Command::new(SCRIPT);
            full.arg("exec").arg(&self.dir).arg("env");
            for (k, v) in cmd.get_envs() {
                if let Some(v) = v {
                    let mut pair = k.to_os_string();
                    pair.push("=");
                    pair.push(v);
                    full.arg(pair);
                }
            }
            full.arg(cmd.get_program()).args(cmd.get_args());
            full.output().expect("exec in sandbox")
        }

        /// Writes a file inside the sandbox (the host's view of that path is not changed).
        pub fn write(&self, path: &Path, text: &str) {
            let mut child = Command::new(SCRIPT)
                .arg("exec")
                .arg(&self.dir)
                .arg("tee")
                .arg(path)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("tee in sandbox");
            if let Some(mut stdin) = child.stdin.take() {
                std::io::Write::write_all(&mut stdin, text.as_bytes()).expect("writing through tee");
            }
            assert!(child.wait().map(|s| s.success()).unwrap_or(false), "writing {}", path.display());
        }
    }

    impl Drop for Sandbox {
        fn drop(&mut self) {
            let _ = Command::new(SCRIPT).arg("stop").arg(&self.dir).status();
        }
    }
}

