//! Health checks end to end with runc: `--health-*` flags, the monitor's scheduled checks,
//! `healthcheck run` and its exit codes, `State.Health` in `inspect`, `(healthy)` in `ps`,
//! `ps --filter health=`, timeouts that kill a hanging check, the `--health-on-failure`
//! actions, a real service (Debian's nginx checked over HTTP), and `--sdnotify=healthy` units
//! under the systemd sandbox. Podman 4.3.1 runs the same `healthcheck run` cases side by side
//! (it schedules checks with systemd timers, so scheduled checks are rpod's alone).

use std::time::{Duration, Instant};

use rpod_e2e::{
    eventually, ContainerGuard, DebianEngines, Engine, EngineInNetNs, Podman, RunResult, Sandbox, TestEnv, TestImage,
    TestRegistry, DEBIAN_IMAGE,
};

const BUSYBOX: &str = "localhost/health/busybox:latest";

/// A test environment holding the busybox image as [`BUSYBOX`].
fn busybox_env() -> TestEnv {
    let env = TestEnv::new();
    let tarball = env.dir().join("busybox.tar");
    TestImage::busybox(&[], &[]).write_rootfs(&tarball);
    env.check(&["import", "-q", tarball.to_str().expect("UTF-8 path"), BUSYBOX]);
    env
}

/// A shell that ends on SIGTERM (PID 1 ignores signals it has no handler for).
const SERVE: &str = "trap 'exit 0' TERM; while :; do sleep 0.2; done";

fn health(engine: &dyn Engine, container: &str) -> String {
    engine.inspect(container, "{{.State.Health.Status}} {{.State.Health.FailingStreak}}")
}

/// `healthcheck run` by hand, with both engines: statuses, streaks, exit codes, messages, the
/// log entries and the stored config.
#[test]
fn healthcheck_run_reports_like_podman() {
    let engines = DebianEngines::shared();
    for engine in engines.both() {
        let name = engine.name();
        let _guard = ContainerGuard::new(engine, "hc-manual");
        let _bare = ContainerGuard::new(engine, "hc-bare");
        engine.check(&[
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            "hc-manual",
            "--health-cmd",
            "echo checking; test -e /tmp/ok",
            "--health-interval",
            "disable",
            "--health-retries",
            "2",
            DEBIAN_IMAGE,
            "sleep",
            "1000",
        ]);
        assert_eq!(health(engine, "hc-manual"), "starting 0", "{name}");
        assert_eq!(
            engine.inspect("hc-manual", "{{.Config.Healthcheck.Test}} {{.Config.Healthcheck.Retries}}"),
            "[CMD-SHELL echo checking; test -e /tmp/ok] 2",
            "{name}"
        );
        let failed = engine.run(&["healthcheck", "run", "hc-manual"]);
        assert_eq!((failed.code, failed.stdout.as_str()), (Some(1), "unhealthy\n"), "{name}: {}", failed.stderr);
        assert_eq!(health(engine, "hc-manual"), "starting 1", "{name}: one failure of two allowed");
        assert_eq!(engine.run(&["healthcheck", "run", "hc-manual"]).code, Some(1), "{name}");
        assert_eq!(health(engine, "hc-manual"), "unhealthy 2", "{name}");
        // The engines are shared with the nginx case, whose container may be (un)healthy too.
        let mine = ["ps", "--filter", "name=hc-", "--format"];
        let listed = engine.check(&[&mine[..], &["{{.Names}} {{.Status}}", "--filter", "health=unhealthy"]].concat());
        assert!(listed.starts_with("hc-manual Up ") && listed.trim_end().ends_with("(unhealthy)"), "{name}: {listed}");

        engine.check(&["exec", "hc-manual", "touch", "/tmp/ok"]);
        let passed = engine.run(&["healthcheck", "run", "hc-manual"]);
        assert_eq!((passed.code, passed.stdout.as_str()), (Some(0), ""), "{name}: {}", passed.stderr);
        assert_eq!(health(engine, "hc-manual"), "healthy 0", "{name}");
        let log =
            engine.inspect("hc-manual", "{{len .State.Health.Log}} {{range .State.Health.Log}}{{.ExitCode}}{{end}}");
        assert_eq!(log, "3 110", "{name}");
        let output = engine.inspect("hc-manual", "{{(index .State.Health.Log 2).Output}}");
        assert_eq!(output, "checking", "{name}");
        let inspected: serde_json::Value =
            serde_json::from_str(&engine.check(&["inspect", "hc-manual"])).expect("inspect JSON");
        let keys = |value: &serde_json::Value| {
            value.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default()
        };
        let state_health = &inspected[0]["State"]["Health"];
        assert_eq!(keys(state_health), ["FailingStreak", "Log", "Status"], "{name}");
        assert_eq!(keys(&state_health["Log"][0]), ["End", "ExitCode", "Output", "Start"], "{name}");
        let start = state_health["Log"][0]["Start"].as_str().unwrap_or_default();
        assert!(chrono::DateTime::parse_from_rfc3339(start).is_ok(), "{name}: {start}");
        assert_eq!(inspected[0]["Config"]["HealthcheckOnFailureAction"], "none", "{name}");
        assert_eq!(
            engine.check(&[&mine[..], &["{{.Names}}", "--filter", "health=healthy"]].concat()),
            "hc-manual\n",
            "{name}"
        );

        engine.check(&["run", "-d", "--network", "none", "--name", "hc-bare", DEBIAN_IMAGE, "sleep", "1000"]);
        let none = engine.run(&["healthcheck", "run", "hc-bare"]);
        assert_eq!(none.code, Some(125), "{name}: {}", none.stderr);
        assert!(none.stderr.contains("has no defined healthcheck"), "{name}: {}", none.stderr);
        engine.check(&["stop", "-t", "0", "hc-manual"]);
        let stopped = engine.run(&["healthcheck", "run", "hc-manual"]);
        assert_eq!(stopped.code, Some(125), "{name}: {}", stopped.stderr);
        assert!(stopped.stderr.contains("is not running"), "{name}: {}", stopped.stderr);
        let missing = engine.run(&["healthcheck", "run", "hc-nonesuch"]);
        assert_eq!(missing.code, Some(125), "{name}");
    }
}

/// The monitor runs checks on schedule: a passing one makes the container healthy, a failing
/// one unhealthy after its retries; `ps` shows both. The log keeps what
/// `--health-max-log-count`/`--health-max-log-size` allow (Podman 5's flags).
#[test]
fn scheduled_checks_make_containers_healthy_or_unhealthy() {
    let env = busybox_env();
    let _guards = [ContainerGuard::new(&env, "good"), ContainerGuard::new(&env, "bad")];
    let run = |name: &str, check: &str| {
        env.check(&[
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            name,
            "--health-cmd",
            check,
            "--health-interval",
            "1s",
            "--health-retries",
            "2",
            "--health-max-log-count",
            "2",
            "--health-max-log-size",
            "4",
            BUSYBOX,
            "sh",
            "-c",
            SERVE,
        ]);
    };
    let logs = env.dir().join("health-logs");
    std::fs::create_dir(&logs).expect("a log directory");
    env.check(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "good",
        "--health-cmd",
        "true",
        "--health-interval",
        "1s",
        "--health-log-destination",
        logs.to_str().expect("UTF-8 path"),
        BUSYBOX,
        "sh",
        "-c",
        SERVE,
    ]);
    run("bad", "echo failing >&2; exit 3");
    assert!(eventually(Duration::from_secs(10), || health(&env, "good") == "healthy 0"), "{}", health(&env, "good"));
    assert!(eventually(Duration::from_secs(10), || health(&env, "bad") == "unhealthy 2"), "{}", health(&env, "bad"));
    let last = env.inspect("bad", "{{(index .State.Health.Log 1).ExitCode}} {{(index .State.Health.Log 1).Output}}");
    assert_eq!(last, "1 fail", "a failure is recorded with exit code 1 and 4 bytes of the check's stderr");
    let kept = || env.inspect("bad", "{{len .State.Health.Log}} {{.Config.HealthcheckMaxLogCount}}");
    assert!(eventually(Duration::from_secs(5), || health(&env, "bad") == "unhealthy 3"), "{}", health(&env, "bad"));
    assert_eq!(kept(), "2 2", "two results kept after three checks");
    let id = env.inspect("good", "{{.Id}}");
    assert!(logs.join(format!("{id}-healthcheck.log")).is_file(), "--health-log-destination holds the log");
    assert_eq!(env.inspect("good", "{{.Config.HealthLogDestination}}"), logs.to_str().expect("UTF-8 path"));
    let table = env.check(&["ps", "--format", "{{.Names}} {{.Status}}"]);
    assert!(table.lines().any(|l| l.starts_with("good Up ") && l.ends_with(" (healthy)")), "{table}");
    assert!(table.lines().any(|l| l.starts_with("bad Up ") && l.ends_with(" (unhealthy)")), "{table}");
    let json: serde_json::Value = serde_json::from_str(&env.check(&["ps", "--format", "json"])).expect("ps json");
    let statuses: Vec<&str> = json.as_array().expect("an array").iter().filter_map(|c| c["Status"].as_str()).collect();
    assert!(statuses.contains(&"healthy") && statuses.contains(&"unhealthy"), "{json}");
    assert_eq!(env.check(&["ps", "-a", "--filter", "health=none", "--format", "{{.Names}}"]), "");
    env.check(&["rm", "-f", "-t", "0", "good", "bad"]);
}

/// Whether a process runs `sleep 4242` anywhere on the host.
fn hanging_check_alive() -> bool {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .any(|entry| std::fs::read(entry.path().join("cmdline")).is_ok_and(|cmdline| cmdline == b"sleep\x004242\x00"))
}

/// A check that hangs is killed at its timeout, with everything it started, and counts as a
/// failure: `healthcheck run` fails with Podman 5's error, the log says -1, and the monitor's
/// scheduled checks do the same.
#[test]
fn a_hanging_check_is_killed_at_its_timeout() {
    let env = busybox_env();
    let _guards = [ContainerGuard::new(&env, "hangs"), ContainerGuard::new(&env, "hangs-scheduled")];
    env.check(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "hangs",
        "--health-cmd",
        "sleep 4242; true",
        "--health-timeout",
        "1s",
        "--health-interval",
        "disable",
        BUSYBOX,
        "sh",
        "-c",
        SERVE,
    ]);
    let begun = Instant::now();
    let out = env.run(&["healthcheck", "run", "hangs"]);
    assert!(begun.elapsed() < Duration::from_secs(5), "took {:?}", begun.elapsed());
    assert_eq!(out.code, Some(125), "{out:?}");
    assert_eq!(out.stderr, "Error: healthcheck command exceeded timeout of 1s\n");
    assert_eq!(env.inspect("hangs", "{{(index .State.Health.Log 0).ExitCode}}"), "-1");
    assert!(eventually(Duration::from_secs(2), || !hanging_check_alive()), "the check's sleep was killed");

    env.check(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "hangs-scheduled",
        "--health-cmd",
        "sleep 4242",
        "--health-timeout",
        "1s",
        "--health-interval",
        "1s",
        "--health-retries",
        "1",
        BUSYBOX,
        "sh",
        "-c",
        SERVE,
    ]);
    let unhealthy = eventually(Duration::from_secs(10), || health(&env, "hangs-scheduled") == "unhealthy 1");
    assert!(unhealthy, "{}", health(&env, "hangs-scheduled"));
    env.check(&["rm", "-f", "-t", "0", "hangs", "hangs-scheduled"]);
    assert!(eventually(Duration::from_secs(3), || !hanging_check_alive()), "no check is left running");
}

fn started(env: &TestEnv, name: &str) -> String {
    env.inspect(name, "{{.State.StartedAt}} {{.State.Pid}}")
}

/// `--health-on-failure`: `restart` starts the container again in place (its monitor does),
/// `stop` leaves it exited, `kill` SIGKILLs it.
#[test]
fn on_failure_actions_restart_stop_and_kill() {
    let env = busybox_env();
    let _guards = ["restarts", "stops", "killed"].map(|name| ContainerGuard::new(&env, name));
    let run = |name: &str, action: &str| {
        env.check(&[
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            name,
            "--health-cmd",
            "test ! -e /dev/shm/broken",
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
            "--health-on-failure",
            action,
            "--stop-timeout",
            "2",
            BUSYBOX,
            "sh",
            "-c",
            SERVE,
        ]);
    };
    for (name, action) in [("restarts", "restart"), ("stops", "stop"), ("killed", "kill")] {
        run(name, action);
    }
    for name in ["restarts", "stops", "killed"] {
        assert!(
            eventually(Duration::from_secs(10), || health(&env, name) == "healthy 0"),
            "{name}: {}",
            health(&env, name)
        );
    }
    let before = started(&env, "restarts");
    for name in ["restarts", "stops", "killed"] {
        env.check(&["exec", name, "sh", "-c", "echo > /dev/shm/broken"]);
    }
    let restarted = eventually(Duration::from_secs(15), || {
        let now = started(&env, "restarts");
        now != before && env.inspect("restarts", "{{.State.Status}}") == "running"
    });
    assert!(restarted, "still {before}");
    assert!(
        eventually(Duration::from_secs(10), || health(&env, "restarts") == "healthy 0"),
        "a fresh /dev/shm makes it healthy again: {}",
        health(&env, "restarts")
    );
    let exited = |name: &str| env.inspect(name, "{{.State.Status}} {{.State.ExitCode}}");
    assert!(eventually(Duration::from_secs(10), || exited("stops") == "exited 0"), "{}", exited("stops"));
    assert!(eventually(Duration::from_secs(10), || exited("killed") == "exited 137"), "{}", exited("killed"));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(exited("stops"), "exited 0", "a stopped container stays stopped");
    env.check(&["rm", "-f", "-t", "0", "restarts", "stops", "killed"]);
}

/// Bad flag values are refused in Podman's words, before anything is created: side by side
/// with Podman 4.3.1, which has all but `--sdnotify=healthy` (Podman 4.7's words for that one).
#[test]
fn bad_health_flags_and_sdnotify_healthy_without_a_check_are_refused() {
    let env = busybox_env();
    let podman = Podman::new();
    let tarball = env.dir().join("busybox.tar");
    podman.check(&["import", "-q", tarball.to_str().expect("UTF-8 path"), BUSYBOX]);
    let both: &[(&[&str], &str)] = &[
        (&["--health-cmd", "true", "--no-healthcheck"], "cannot specify both --no-healthcheck and --health-cmd"),
        (&["--health-cmd", "true", "--health-retries", "0"], "healthcheck-retries must be greater than 0"),
        (&["--health-cmd", "true", "--health-timeout", "0s"], "healthcheck-timeout must be at least 1 second"),
        (
            &["--health-cmd", "true", "--health-timeout", "5"],
            r#"invalid healthcheck-timeout: time: missing unit in duration "5""#,
        ),
        (
            &["--health-cmd", "true", "--health-interval", "often"],
            r#"invalid healthcheck-interval: time: invalid duration "often""#,
        ),
        (
            &["--health-cmd", "true", "--health-start-period", "-1s"],
            "healthcheck-start-period must be 0 seconds or greater",
        ),
        (&["--health-cmd", "[]"], "must define a healthcheck command for all healthchecks"),
        (
            &["--health-on-failure", "reboot"],
            r#"invalid on-failure action "reboot" for health check: supported actions are none,kill,restart,stop"#,
        ),
    ];
    let needs_check = r#"invalid argument: sdnotify policy "healthy" requires a healthcheck to be set"#;
    let rpod_only: &[(&[&str], &str)] =
        &[(&["--sdnotify=healthy"], needs_check), (&["--sdnotify=healthy", "--no-healthcheck"], needs_check)];
    let engines: [&dyn Engine; 2] = [&podman, &env];
    let runs = both.iter().flat_map(|case| engines.map(|engine| (engine, case)));
    for (engine, (flags, message)) in runs.chain(rpod_only.iter().map(|case| (&env as &dyn Engine, case))) {
        let mut args = vec!["create", "--pull", "never", "--name", "refused"];
        args.extend_from_slice(flags);
        args.extend_from_slice(&[BUSYBOX, "true"]);
        let out = engine.run(&args);
        let error = format!("Error: {message}");
        assert_eq!((out.code, out.stderr.trim_end()), (Some(125), error.as_str()), "{}: {flags:?}", engine.name());
    }
    for engine in engines {
        assert_eq!(engine.check(&["ps", "-a", "-q"]), "", "{}: nothing was created", engine.name());
    }
}

/// Debian's nginx, checked by bash talking HTTP to it (the image has no curl): healthy while it
/// serves its page, unhealthy once the page is gone. Both engines, by `healthcheck run`.
#[test]
fn nginx_is_checked_over_http() {
    const CHECK: &str =
        "exec 3<>/dev/tcp/127.0.0.1/80 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '";
    let engines = DebianEngines::shared();
    for engine in engines.both() {
        let name = engine.name();
        let inside = EngineInNetNs::new(engine);
        let _guard = ContainerGuard::new(&inside, "web");
        inside.check(&[
            "run",
            "-d",
            "--network",
            "host",
            "--name",
            "web",
            "--health-cmd",
            &format!("[\"bash\", \"-c\", \"{CHECK}\"]"),
            "--health-interval",
            "disable",
            "--health-retries",
            "1",
            DEBIAN_IMAGE,
            "nginx",
            "-g",
            "daemon off;",
        ]);
        let healthy =
            eventually(Duration::from_secs(20), || inside.run(&["healthcheck", "run", "web"]).code == Some(0));
        assert!(healthy, "{name}: {}", health(&inside, "web"));
        assert_eq!(health(&inside, "web"), "healthy 0", "{name}");
        inside.check(&["exec", "web", "rm", "/var/www/html/index.nginx-debian.html"]);
        let out: RunResult = inside.run(&["healthcheck", "run", "web"]);
        assert_eq!((out.code, out.stdout.as_str()), (Some(1), "unhealthy\n"), "{name}: {}", out.stderr);
        assert_eq!(health(&inside, "web"), "unhealthy 1", "{name}");
        inside.check(&["rm", "-f", "-t", "0", "web"]);
    }
}

/// `--sdnotify=healthy` under systemd, in units from `generate systemd --new`: the start job
/// finishes only once the check passes (after the application got ready), and a container
/// whose check fails makes the start job fail at once — what `auto-update` rolls back on.
#[test]
fn sdnotify_healthy_units_start_only_when_healthy() {
    let env = busybox_env();
    let units = env.dir().join("units");
    std::fs::create_dir(&units).expect("a directory for unit files");
    let ready_later = format!("sleep 2; echo > /tmp/ready; {SERVE}");
    let cases: [(&str, &[&str]); 2] = [
        ("ok", &["--health-cmd", "test -e /tmp/ready", "--health-start-period", "20s"]),
        ("sick", &["--health-cmd", "echo sick; false"]),
    ];
    for (name, check) in cases {
        let mut create =
            vec!["create", "--name", name, "--network", "none", "--sdnotify=healthy", "--stop-timeout", "2"];
        create.extend_from_slice(check);
        create.extend_from_slice(&[
            "--health-interval",
            "1s",
            "--health-retries",
            "2",
            BUSYBOX,
            "sh",
            "-c",
            &ready_later,
        ]);
        env.check(&create);
        let mut generate = env.command();
        generate.args(["generate", "systemd", "--files", "--new", "--name", name]).current_dir(&units);
        let written: RunResult = generate.output().expect("running rpod").into();
        assert!(written.success().ends_with(".service\n"));
        env.check(&["rm", name]);
    }
    let unit = |name: &str| std::fs::read_to_string(units.join(format!("container-{name}.service"))).expect("a unit");
    assert!(unit("ok").contains("\t--sdnotify=healthy \\\n"), "the flag is kept: {}", unit("ok"));
    assert!(unit("ok").contains("Type=notify"), "{}", unit("ok"));

    let sandbox = Sandbox::start();
    for name in ["ok", "sick"] {
        sandbox.install_unit(&format!("container-{name}.service"), &unit(name));
    }
    let begun = Instant::now();
    sandbox.start_unit("container-ok.service");
    assert!(begun.elapsed() >= Duration::from_secs(2), "READY waited for the check: {:?}", begun.elapsed());
    assert_eq!(sandbox.unit_state("container-ok.service"), "active");
    let status = sandbox.rpod(&env, &["inspect", "--format", "{{.State.Health.Status}}", "ok"]).success();
    assert_eq!(status, "healthy\n");

    let begun = Instant::now();
    let failed = sandbox.exec(&["systemctl", "start", "container-sick.service"]);
    assert!(!failed.status.success(), "the start job of an unhealthy container fails");
    assert!(begun.elapsed() < Duration::from_secs(20), "without waiting for a timeout: {:?}", begun.elapsed());
    let result = sandbox.check(&["systemctl", "show", "--property=Result", "--value", "container-sick.service"]);
    assert_ne!(result.trim(), "success", "systemd saw the start fail");
    assert_ne!(sandbox.unit_state("container-sick.service"), "active", "(Restart=on-failure may be retrying it)");
    sandbox.check(&["systemctl", "stop", "container-sick.service"]);

    sandbox.check(&["systemctl", "stop", "container-ok.service"]);
    assert_eq!(sandbox.rpod(&env, &["ps", "-a", "-q"]).success(), "", "the units removed their containers");
}

/// `image` with `check` as its config's `Healthcheck` (the config and manifest digests redone).
fn with_healthcheck(image: TestImage, check: serde_json::Value) -> TestImage {
    let mut config: serde_json::Value = serde_json::from_slice(&image.config).expect("the image config");
    config["config"]["Healthcheck"] = check;
    let config = serde_json::to_vec(&config).expect("a config");
    let mut manifest: serde_json::Value = serde_json::from_slice(&image.manifest).expect("the manifest");
    manifest["config"]["digest"] = image::blobs::sha256_digest(&config).into();
    manifest["config"]["size"] = config.len().into();
    let manifest = serde_json::to_vec(&manifest).expect("a manifest");
    TestImage { manifest_digest: image::blobs::sha256_digest(&manifest), manifest, config, layer: image.layer }
}

/// A container keeps its image's `Healthcheck` (a `HEALTHCHECK` of its Dockerfile), with the
/// timing flags given laid over it; `--no-healthcheck` drops it.
#[test]
fn the_images_health_check_is_kept_unless_replaced() {
    let registry = TestRegistry::start();
    let check =
        serde_json::json!({"Test": ["CMD-SHELL", "test -e /tmp/up"], "Interval": 1_000_000_000u64, "Retries": 1});
    let name = registry.image("health/checked", "1");
    registry.publish("health/checked", "1", &with_healthcheck(TestImage::busybox(&[], &[]), check));
    let env = TestEnv::new();
    let _guards = ["kept", "tuned", "off"].map(|name| ContainerGuard::new(&env, name));
    env.check(&["pull", "-q", "--tls-verify=false", &name]);
    let serve = format!("echo > /tmp/up; {SERVE}");
    env.check(&["run", "-d", "--network", "none", "--name", "kept", &name, "sh", "-c", &serve]);
    let config = "{{.Config.Healthcheck.Test}} {{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.Retries}}";
    // Go durations: Podman's template prints `1s` (time.Duration's String), rpod's the JSON number.
    assert_eq!(env.inspect("kept", config), "[CMD-SHELL test -e /tmp/up] 1000000000 1");
    assert!(eventually(Duration::from_secs(10), || health(&env, "kept") == "healthy 0"), "{}", health(&env, "kept"));
    env.check(&["create", "--name", "tuned", "--health-retries", "5", &name, "true"]);
    assert_eq!(env.inspect("tuned", config), "[CMD-SHELL test -e /tmp/up] 1000000000 5");
    env.check(&["create", "--name", "off", "--no-healthcheck", &name, "true"]);
    let inspected: serde_json::Value = serde_json::from_str(&env.check(&["inspect", "off"])).expect("inspect JSON");
    assert_eq!(inspected[0]["Config"]["Healthcheck"]["Test"], serde_json::json!(["NONE"]));
    assert!(inspected[0]["State"].get("Health").is_none(), "no health without a check: {}", inspected[0]["State"]);
    env.check(&["rm", "-f", "-t", "0", "kept", "tuned", "off"]);
}
