//! Crash safety (issue 8): `pull`, `create` and `auto-update` killed with SIGKILL at random
//! points. Afterwards nothing partial is listed, both SQLite databases pass
//! `PRAGMA integrity_check`, and running the command again completes.
//!
//! The kill points are random; the seed is printed (and can be set with `RPOD_CRASH_SEED`) so a
//! failing run can be repeated.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rpod_e2e::{RunResult, Sandbox, TestEnv, TestImage, TestRegistry};
use sha2::Digest;

/// A small xorshift generator: reproducible kill points without another dependency.
struct KillPoints(u64);

impl KillPoints {
    fn new(test: &str) -> KillPoints {
        let seed = std::env::var("RPOD_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1
        });
        eprintln!("{test}: RPOD_CRASH_SEED={seed}");
        KillPoints(seed)
    }

    /// A delay spread over `[0, span)`.
    fn within(&mut self, span: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        span.mul_f64((self.0 % 10_000) as f64 / 10_000.0)
    }
}

/// Runs `cmd` and sends it SIGKILL after `delay` (if it is still running then).
fn kill_after(mut cmd: Command, delay: Duration) {
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("starting rpod");
    std::thread::sleep(delay);
    let _ = child.kill();
    let _ = child.wait();
}

/// How long `cmd` takes to complete, which it must.
fn timed(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let out: RunResult = cmd.output().expect("running rpod").into();
    out.success();
    start.elapsed()
}

fn assert_integrity(db: &Path) {
    if !db.exists() {
        return;
    }
    let conn = rusqlite::Connection::open(db).expect("opening a database");
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(check, "ok", "{}", db.display());
}

fn assert_databases_intact(env: &TestEnv) {
    assert_integrity(&env.root().join("rpod.db"));
    assert_integrity(&env.root().join("storage/images.db"));
}

/// Every blob in the store holds exactly what its name (its digest) says: a killed download
/// may leave a temporary file but never a wrong blob under a digest.
fn assert_blobs_match_their_names(env: &TestEnv) {
    let Ok(entries) = std::fs::read_dir(env.root().join("storage/blobs/sha256")) else { return };
    for entry in entries {
        let entry = entry.expect("a blob entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
            let content = std::fs::read(entry.path()).expect("reading a blob");
            assert_eq!(hex::encode(sha2::Sha256::digest(&content)), name, "a stored blob does not match its name");
        }
    }
}

fn image_ids(env: &TestEnv) -> Vec<String> {
    env.run(&["images", "-q", "--no-trunc"]).success().lines().map(str::to_string).collect()
}

/// Incompressible text: a layer big enough that a kill lands inside the download.
fn noise(bytes: usize) -> String {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let text: String = (0..bytes / 8)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            format!("{:016x}", state)
        })
        .collect();
    text
}

#[test]
fn pull_killed_at_random_points_leaves_no_partial_image() {
    const TRIALS: usize = 50;
    let registry = TestRegistry::start();
    let name = registry.image("crash/app", "1");
    registry.publish("crash/app", "1", &TestImage::busybox(&[("noise", &noise(4 << 20))], &[]));
    let env = TestEnv::new();
    let pull = || {
        let mut cmd = env.command();
        cmd.args(["pull", "-q", "--tls-verify=false", &name]);
        cmd
    };
    let full = timed(&mut pull());
    let id = image_ids(&env).pop().expect("the pulled image");
    env.run(&["rmi", &name]).success();
    let mut points = KillPoints::new("pull");
    let mut interrupted = 0;
    for trial in 0..TRIALS {
        let delay = points.within(full.mul_f64(1.2));
        kill_after(pull(), delay);
        let ids = image_ids(&env);
        assert!(
            ids.is_empty() || ids == [id.clone()],
            "trial {trial} (killed after {delay:?}): only the whole image may be listed: {ids:?}"
        );
        assert_databases_intact(&env);
        interrupted += usize::from(ids.is_empty());
        if !ids.is_empty() {
            // A listed image is whole: its layer unpacks and runs.
            assert_eq!(env.run(&["run", "--rm", &name, "cat", "/etc/passwd"]).success().lines().count(), 2);
            env.run(&["rmi", &name]).success();
        }
    }
    eprintln!("pull: {interrupted} of {TRIALS} pulls were killed before they committed");
    assert_blobs_match_their_names(&env);
    pull().output().map(RunResult::from).expect("running rpod").success();
    assert_eq!(image_ids(&env), [id]);
    assert_eq!(env.run(&["run", "--rm", &name, "cat", "/etc/passwd"]).success().lines().count(), 2);
    assert_blobs_match_their_names(&env);
    assert_databases_intact(&env);
}

/// Config and state rows of the state database: equal in number, every config whole JSON.
fn assert_no_half_container(env: &TestEnv) {
    let conn = rusqlite::Connection::open(env.root().join("rpod.db")).expect("the state database");
    let configs: Vec<String> = {
        let mut stmt = conn.prepare("SELECT JSON FROM ContainerConfig").expect("a query");
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).expect("rows");
        rows.map(|r| r.expect("a row")).collect()
    };
    let states: i64 = conn.query_row("SELECT COUNT(*) FROM ContainerState", [], |r| r.get(0)).expect("a count");
    assert_eq!(configs.len() as i64, states, "a config without its state or the reverse");
    for json in configs {
        serde_json::from_str::<serde_json::Value>(&json).expect("a whole config document");
    }
}

#[test]
fn create_killed_at_random_points_leaves_no_partial_container() {
    const TRIALS: usize = 60;
    const IMAGE: &str = "localhost/crash/create:1";
    let env = TestEnv::new();
    let tarball = env.dir().join("rootfs.tar");
    TestImage::busybox(&[], &[]).write_rootfs(&tarball);
    env.run(&["import", tarball.to_str().expect("UTF-8 path"), IMAGE]).success();
    let create = |name: &str, replace: bool| {
        let mut cmd = env.command();
        cmd.args(["create", "--name", name]);
        if replace {
            cmd.arg("--replace");
        }
        cmd.args([IMAGE, "sleep", "1"]);
        cmd
    };
    let full = timed(&mut create("measure", false));
    env.run(&["rm", "measure"]).success();
    let mut points = KillPoints::new("create");
    let mut committed = 0;
    for trial in 0..TRIALS {
        let name = format!("crash{trial}");
        let delay = points.within(full.mul_f64(1.2));
        kill_after(create(&name, false), delay);
        assert_databases_intact(&env);
        assert_no_half_container(&env);
        let listed = env.run(&["ps", "-a", "-q", "--no-trunc"]).success();
        assert!(listed.lines().count() <= trial + 1, "trial {trial}: more containers than creates: {listed}");
        for id in listed.lines() {
            env.run(&["container", "inspect", "--format", "{{.Name}} {{.Config.Image}}", id]).success();
        }
        if env.run(&["container", "exists", &name]).code == Some(0) {
            // A create killed after its commit left a whole container: it starts.
            env.run(&["start", &name]).success();
            committed += 1;
        }
        // Running the command again completes whether or not the killed one got to commit.
        create(&name, true).output().map(RunResult::from).expect("running rpod").success();
    }
    eprintln!("create: {committed} of {TRIALS} killed creates had committed");
    let names = env.run(&["ps", "-a", "--format", "{{.Names}}"]).success();
    let mut names: Vec<&str> = names.lines().collect();
    names.sort_unstable();
    let mut expected: Vec<String> = (0..TRIALS).map(|t| format!("crash{t}")).collect();
    expected.sort_unstable();
    assert_eq!(names, expected);
    let ids = env.run(&["ps", "-a", "-q", "--no-trunc"]).success();
    for entry in std::fs::read_dir(env.root().join("containers")).expect("the containers directory") {
        let dir = entry.expect("a container directory").file_name().to_string_lossy().into_owned();
        assert!(ids.lines().any(|id| id == dir), "{dir} belongs to no container: a killed create or replace leaked it");
    }
    assert_no_half_container(&env);
    assert_databases_intact(&env);
}

const ROW: &str = "--format={{.Unit}},{{.Updated}}";

/// `PRAGMA integrity_check` inside the sandbox, where the sandbox's writes are visible.
fn assert_integrity_in(sandbox: &Sandbox, env: &TestEnv) {
    for db in [env.root().join("rpod.db"), env.root().join("storage/images.db")] {
        let answer = sandbox.check(&["sqlite3", db.to_str().expect("UTF-8 path"), "PRAGMA integrity_check"]);
        assert_eq!(answer.trim(), "ok", "{}", db.display());
    }
}

/// Waits (bounded) until systemd has finished whatever job the killed auto-update left.
fn wait_active(sandbox: &Sandbox, unit: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while sandbox.unit_state(unit) != "active" {
        if Instant::now() > deadline {
            panic!("{unit} is {}:\n{}", sandbox.unit_state(unit), sandbox.journal(unit));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn auto_update_killed_between_pull_and_restart_completes_on_the_next_run() {
    const TRIALS: usize = 12;
    let sandbox = Sandbox::start();
    let env = TestEnv::new();
    let registry = TestRegistry::start();
    let image = registry.image("crash/web", "latest");
    let rpod = |args: &[&str]| sandbox.rpod(&env, args);
    // A 2 MiB layer stretches the pull so that kills land before, inside and after it.
    let bulk = noise(2 << 20);
    let publish = |version: &str| {
        registry.publish("crash/web", "latest", &TestImage::busybox(&[("version", version), ("bulk", &bulk)], &[]))
    };

    publish("v0");
    rpod(&["pull", "-q", "--tls-verify=false", &image]).success();
    rpod(&[
        "create",
        "--name",
        "web",
        "--label",
        "io.containers.autoupdate=registry",
        &image,
        "sh",
        "-c",
        "trap 'exit 0' TERM; while :; do sleep 1; done",
    ])
    .success();
    let text = rpod(&["generate", "systemd", "--new", "--name", "web"]).success();
    let unit = "container-web.service";
    // Every trial restarts the unit up to twice within seconds; systemd's default start limit
    // (5 starts in 10 s) would fail it, which is the test's doing, not the crash's.
    let text = text.replacen("[Unit]\n", "[Unit]\nStartLimitIntervalSec=0\n", 1);
    assert!(text.contains("StartLimitIntervalSec=0"), "{text}");
    sandbox.install_unit(unit, &text);
    rpod(&["rm", "web"]).success();
    sandbox.start_unit(unit);

    publish("v1");
    let start = Instant::now();
    assert_eq!(rpod(&["auto-update", "--tls-verify=false", ROW]).success(), format!("{unit},true\n"));
    let full = start.elapsed();
    wait_active(&sandbox, unit);

    let mut last_image = rpod(&["inspect", "--format", "{{.Image}}", "web"]).success();
    let mut points = KillPoints::new("auto-update");
    let (mut before_commit, mut after_commit) = (Duration::ZERO, full);
    let root = env.root();
    let runroot = env.runroot();
    let binary = rpod_e2e::rpod_binary();
    for trial in 0..TRIALS {
        let version = format!("v{}", trial + 2);
        publish(&version);
        // Odd trials bisect between the latest kill that came before the pull's commit and the
        // earliest that came after it, closing in on the gap between pull and restart.
        let delay = if trial % 2 == 1 && before_commit < after_commit {
            (before_commit + after_commit) / 2
        } else {
            points.within(full)
        };
        let seconds = format!("{:.3}s", delay.as_secs_f64().max(0.001));
        let mut argv: Vec<std::ffi::OsString> =
            vec!["timeout".into(), "--signal=KILL".into(), seconds.clone().into(), binary.clone().into()];
        argv.extend(["--root".into(), root.clone().into(), "--runroot".into(), runroot.clone().into()]);
        argv.extend(["auto-update".into(), "--tls-verify=false".into()]);
        let killed = sandbox.exec(&argv);
        eprintln!("trial {trial}: killed after {seconds}: exit {:?}", killed.status.code());
        wait_active(&sandbox, unit);
        assert_integrity_in(&sandbox, &env);
        let pulled = rpod(&["image", "inspect", "--format", "{{.Id}}", &image]).success();
        for id in rpod(&["images", "-q", "--no-trunc"]).success().lines() {
            rpod(&["image", "inspect", "--format", "{{.Id}}", id]).success();
        }
        let running = rpod(&["inspect", "--format", "{{.Image}}", "web"]).success();
        let (pulled, restarted) = (pulled != last_image, running != last_image);
        eprintln!("trial {trial}: the killed run had pulled: {pulled}, restarted: {restarted}");
        if pulled {
            after_commit = after_commit.min(delay);
        } else {
            before_commit = before_commit.max(delay);
        }
        let rerun = rpod(&["auto-update", "--tls-verify=false", ROW]);
        assert!(
            rerun.stdout == format!("{unit},true\n") || rerun.stdout == format!("{unit},false\n"),
            "trial {trial}: {rerun:?}\n{}",
            sandbox.journal(unit)
        );
        wait_active(&sandbox, unit);
        assert_eq!(
            rpod(&["exec", "web", "cat", "/version"]).success(),
            version,
            "trial {trial}: the unit runs the newest image"
        );
        assert_eq!(rpod(&["ps", "-a", "-q"]).success().lines().count(), 1, "trial {trial}: one container for the unit");
        last_image = rpod(&["inspect", "--format", "{{.Image}}", "web"]).success();
    }
    assert_integrity_in(&sandbox, &env);
}
