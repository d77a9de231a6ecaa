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
        World { sandbox, env }
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

    /// `rpod ARGS` inside the sandbox with the storage of a second machine, the "publisher"
    /// that pushes new versions to the registry without touching this test's images.
    fn publisher(&self, args: &[&str]) -> RunResult {
        let mut cmd = Command::new(rpod_binary());
        let dir = self.env.dir();
        cmd.arg("--root").arg(dir.join("pub-root")).arg("--runroot").arg(dir.join("pub-runroot")).args(args);
        self.sandbox.exec(&mut cmd).into()
    }

    /// Publishes a busybox image (see [`World::import`]) as `name` to the registry.
    fn publish(&self, name: &str, version: &str, runnable: bool) {
        let tarball = self.tarball(version, runnable);
        self.publisher(&["import", path(&tarball), name]).success();
        self.publisher(&["push", "--tls-verify=false", name]).success();
    }

    /// Pulls `name` into this test's storage; returns the image ID.
    fn pull(&self, name: &str) -> String {
        self.rpod(&["pull", "-q", "--tls-verify=false", name]).success().trim().trim_start_matches("sha256:").to_string()
    }

    /// A busybox image whose `/version` says `version`; `runnable: false` leaves out the
    /// shell, so containers of it fail to start.
    fn import(&self, name: &str, version: &str, runnable: bool) -> String {
        let tarball = self.tarball(version, runnable);
        let out = self.rpod(&["import", path(&tarball), name]).success();
        out.trim().trim_start_matches("sha256:").to_string()
    }

    fn tarball(&self, version: &str, runnable: bool) -> std::path::PathBuf {
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
        tarball
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

/// Bats' "label=image" with its #18926 child: v2 published → `true`, the container runs the new
/// image, and the unit that `Requires=` it was restarted and runs.
#[test]
fn registry_policy_updates_and_the_child_follows() {
    let w = World::new();
    let reg = registry::Registry::start(w.env.dir());
    let image = format!("{}/app/alpine:latest", reg.address());
    w.publish(&image, "v1", true);
    let v1 = w.pull(&image);
    let parent = w.service("parent", "image", &image, &[], &[]);
    let requires = format!("--requires={parent}");
    let child = w.service("child", "disabled", &image, &[], &[&requires]);
    let child_before = w.inspect("child", ".Id");
    assert_eq!(w.auto_update(&["--tls-verify=false", ROW]).success(), format!("{parent},{image},false,registry\n"));

    w.publish(&image, "v2", true);
    assert_eq!(w.auto_update(&["--tls-verify=false", "--dry-run", ROW]).success(), format!("{parent},{image},pending,registry\n"));
    assert_eq!(w.inspect("parent", ".Image"), v1, "a dry run pulls nothing");

    let result = w.auto_update(&["--tls-verify=false", "--rollback=false", ROW]);
    assert!(result.stderr.starts_with("Trying to pull"), "pull progress on stderr: {}", result.stderr);
    assert_eq!(result.success(), format!("{parent},{image},true,registry\n"));
    assert_ne!(w.inspect("parent", ".Image"), v1);
    assert_eq!(w.rpod(&["exec", "parent", "cat", "/version"]).success(), "v2");
    assert_eq!(w.systemctl(&["is-active", &child]).stdout.trim(), "active");
    assert_ne!(w.inspect("child", ".Id"), child_before, "the child was restarted with its parent");
}

/// Bats' "label=image with rollback": a published image that cannot start is rolled back.
#[test]
fn registry_policy_rolls_back_a_broken_image() {
    let w = World::new();
    let reg = registry::Registry::start(w.env.dir());
    let image = format!("{}/app/broken:latest", reg.address());
    w.publish(&image, "v1", true);
    let v1 = w.pull(&image);
    let unit = w.service("web", "registry", &image, &[], &[]);
    w.publish(&image, "broken", false);
    assert_eq!(w.auto_update(&["--tls-verify=false", ROW]).success(), format!("{unit},{image},rolled back,registry\n"));
    assert_eq!(w.inspect("web", ".Image"), v1);
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "v1");
}

/// Bats' "multiple services": one pull per distinct image, whatever the number of containers;
/// disabled and unlabelled containers keep their image.
#[test]
fn one_pull_per_image_and_one_check_per_image() {
    let w = World::new();
    let reg = registry::Registry::start(w.env.dir());
    let (a, b) = (format!("{}/app/a:latest", reg.address()), format!("{}/app/b:latest", reg.address()));
    for image in [&a, &b] {
        w.publish(image, "v1", true);
        w.pull(image);
    }
    let units = [
        w.service("a1", "registry", &a, &[], &[]),
        w.service("a2", "image", &a, &[], &[]),
        w.service("b1", "registry", &b, &[], &[]),
    ];
    w.service("off", "disabled", &a, &[], &[]);
    let off_image = w.inspect("off", ".Image");
    for image in [&a, &b] {
        w.publish(image, "v2", true);
    }
    let checks_before = reg.manifest_requests();
    let result = w.auto_update(&["--tls-verify=false", ROW]);
    assert_eq!(result.stderr.matches("Trying to pull").count(), 2, "{}", result.stderr);
    assert_eq!(
        result.success(),
        format!("{},{a},true,registry\n{},{a},true,registry\n{},{b},true,registry\n", units[0], units[1], units[2])
    );
    assert_eq!(reg.manifest_requests() - checks_before, 2 + 2, "one check per image, then one manifest GET per pull");
    assert_eq!(w.inspect("off", ".Image"), off_image);
}

/// Fifty containers on one image cost one manifest request (Podman: fifty).
#[test]
fn fifty_containers_one_manifest_request() {
    let w = World::new();
    let reg = registry::Registry::start(w.env.dir());
    let image = format!("{}/app/many:latest", reg.address());
    w.publish(&image, "v1", true);
    w.pull(&image);
    for i in 0..50 {
        let mut cmd = Command::new(rpod_binary());
        cmd.arg("--root").arg(w.env.root()).arg("--runroot").arg(w.env.runroot());
        cmd.args(["run", "-d", "--name", &format!("c{i:02}"), "--label", "io.containers.autoupdate=registry", &image]);
        cmd.args(WORKLOAD).env("PODMAN_SYSTEMD_UNIT", format!("u{i:02}.service"));
        RunResult::from(w.sandbox.exec(&mut cmd)).success();
    }
    w.publish(&image, "v2", true);
    let before = reg.manifest_requests();
    let out = w.auto_update(&["--tls-verify=false", "--dry-run", ROW]).success();
    assert_eq!(out.lines().filter(|l| l.ends_with(",pending,registry")).count(), 50, "{out}");
    assert_eq!(reg.manifest_requests() - before, 1);
}

/// A registry that is down fails its containers with the reason; the others still update.
#[test]
fn a_registry_that_is_down_fails_only_its_containers() {
    let w = World::new();
    let reg = registry::Registry::start(w.env.dir());
    let gone = registry::Registry::start(w.env.dir());
    let (good, bad) = (format!("{}/app/good:latest", reg.address()), format!("{}/app/gone:latest", gone.address()));
    for image in [&good, &bad] {
        w.publish(image, "v1", true);
        w.pull(image);
    }
    let good_unit = w.service("good", "registry", &good, &[], &[]);
    let bad_unit = w.service("bad", "registry", &bad, &[], &[]);
    let bad_id = w.inspect("bad", ".Id");
    w.publish(&good, "v2", true);
    drop(gone);
    let result = w.auto_update(&["--tls-verify=false", ROW]);
    assert_eq!(result.stdout, format!("{bad_unit},{bad},failed,registry\n{good_unit},{good},true,registry\n"));
    assert_eq!(result.code, Some(125));
    let prefix = format!("Error: checking image updates for container {bad_id}: ");
    let line = result.stderr.lines().last().unwrap_or_default();
    assert!(line.starts_with(&prefix) && line.contains("Connection refused"), "{}", result.stderr);
    assert_eq!(w.rpod(&["exec", "good", "cat", "/version"]).success(), "v2");
}

/// A loopback registry (Debian's docker-registry) that logs every request, so tests count
/// manifest requests at the registry itself.
mod registry {
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command};

    pub struct Registry {
        child: Child,
        port: u16,
        log: PathBuf,
    }

    impl Registry {
        pub fn start(base: &Path) -> Registry {
            let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
            let dir = base.join(format!("registry-{port}"));
            std::fs::create_dir_all(dir.join("data")).expect("registry dir");
            let config = dir.join("config.yml");
            let text = format!(
                "version: 0.1\nstorage: {{ filesystem: {{ rootdirectory: {} }}, delete: {{ enabled: true }} }}\nhttp: {{ addr: 127.0.0.1:{port} }}\nlog: {{ level: info, accesslog: {{ disabled: false }} }}\n",
                dir.join("data").display()
            );
            std::fs::write(&config, text).expect("registry config");
            let log = dir.join("requests.log");
            let log_file = std::fs::File::create(&log).expect("registry log");
            let child = Command::new("docker-registry")
                .arg("serve")
                .arg(&config)
                .stdout(log_file.try_clone().expect("registry log"))
                .stderr(log_file)
                .spawn()
                .expect("docker-registry is installed");
            let registry = Registry { child, port, log };
            for _ in 0..100 {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return registry;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            panic!("docker-registry did not come up on port {port}");
        }

        pub fn address(&self) -> String {
            format!("127.0.0.1:{}", self.port)
        }

        /// Manifest requests (HEAD or GET) the registry has answered so far. The registry logs
        /// a request after answering it, so the count is read until it stops changing.
        pub fn manifest_requests(&self) -> usize {
            let count = || {
                let text = std::fs::read_to_string(&self.log).unwrap_or_default();
                text.lines().filter(|l| l.contains("/manifests/") && (l.contains("\"HEAD ") || l.contains("\"GET "))).count()
            };
            let mut last = count();
            loop {
                std::thread::sleep(std::time::Duration::from_millis(300));
                let now = count();
                if now == last {
                    return now;
                }
                last = now;
            }
        }
    }

    impl Drop for Registry {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
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
        /// Boots one; on a loaded machine the first boot can miss the script's deadline, so
        /// it is tried three times.
        pub fn start(dir: &Path) -> Sandbox {
            std::fs::create_dir_all(dir).expect("sandbox dir");
            let mut failure = String::new();
            for _ in 0..3 {
                let out = Command::new(SCRIPT).arg("start").arg(dir).output().expect("start sandbox");
                if out.status.success() {
                    return Sandbox { dir: dir.to_path_buf() };
                }
                failure = String::from_utf8_lossy(&out.stderr).into_owned();
                let _ = Command::new(SCRIPT).arg("stop").arg(dir).status();
            }
            panic!("sandbox: {failure}");
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

