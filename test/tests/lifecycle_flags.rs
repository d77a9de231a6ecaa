//! The lifecycle commands' Podman 5 flags through the real binary and runc (issue 14):
//! `restart`, `stop -t -1`, `wait --condition`, `kill -s` parsing, and the errors a runtime
//! failure shows.

use rpod_e2e::{TestEnv, TestImage};

const IMAGE: &str = "localhost/rpod-test/busybox:1";

/// A shell loop that exits 3 on SIGTERM, so a stop without SIGKILL is visible in the exit code.
const TERM_EXITS_3: &str = "trap 'exit 3' TERM; while :; do sleep 0.1; done";

fn env_with_image() -> TestEnv {
    let env = TestEnv::new();
    let tarball = env.dir().join("rootfs.tar");
    TestImage::busybox(&[], &[]).write_rootfs(&tarball);
    env.run(&["import", "--change", "CMD=[\"sh\"]", tarball.to_str().unwrap(), IMAGE]).success();
    env
}

fn started_at(env: &TestEnv, name: &str) -> String {
    env.run(&["inspect", "--format", "{{.State.StartedAt}} {{.State.Pid}}", name]).success()
}

#[test]
fn restart_stops_and_starts_again_and_prints_names_as_typed() {
    let env = env_with_image();
    env.run(&["run", "-d", "--name", "web", IMAGE, "sh", "-c", TERM_EXITS_3]).success();
    env.run(&["create", "--name", "idle", IMAGE, "sleep", "1000"]).success();
    let before = started_at(&env, "web");
    assert_eq!(env.run(&["restart", "-t", "5", "web", "idle"]).success(), "web\nidle\n");
    assert_ne!(started_at(&env, "web"), before, "a new process");
    assert_eq!(env.run(&["wait", "--condition", "running", "web", "idle"]).success(), "-1\n-1\n");
    let missing = env.run(&["restart", "web", "nosuch"]);
    assert_eq!(
        (missing.code, missing.stdout.as_str(), missing.stderr.trim_end()),
        (Some(125), "", r#"Error: no container with name or ID "nosuch" found: no such container"#),
        "a missing name fails before any container is touched"
    );
    let ids = env.run(&["restart", "--all", "--running", "-t", "0"]).success();
    assert_eq!(ids.lines().count(), 2, "both run now, printed by ID: {ids}");
    assert!(ids.lines().all(|id| id.len() == 64), "{ids}");
    assert_eq!(env.run(&["restart", "--all", "web"]).failure(), "Error: no arguments are needed with --all");
    env.run(&["rm", "-f", "-t", "0", "web", "idle"]).success();
}

#[test]
fn stop_minus_one_waits_for_the_container_and_never_kills_it() {
    let env = env_with_image();
    env.run(&["run", "-d", "--name", "web", IMAGE, "sh", "-c", TERM_EXITS_3]).success();
    assert_eq!(env.run(&["stop", "-t", "-1", "web"]).success(), "web\n");
    assert_eq!(env.run(&["wait", "web"]).success(), "3\n", "it exited on SIGTERM, not SIGKILL (137)");
    assert_eq!(
        env.run(&["stop", "-t", "x", "web"]).stderr.lines().next(),
        Some(r#"Error: invalid argument "x" for "-t, --time" flag: strconv.ParseInt: parsing "x": invalid syntax"#)
    );
}

#[test]
fn wait_conditions_and_kill_signals_are_checked_first() {
    let env = env_with_image();
    let usr1_exits_5 = "trap 'exit 5' USR1; while :; do sleep 0.1; done";
    env.run(&["create", "--name", "idle", IMAGE, "sh", "-c", usr1_exits_5]).success();
    assert_eq!(env.run(&["wait", "--condition", "created", "idle"]).success(), "-1\n");
    assert_eq!(
        env.run(&["wait", "--condition", "stopping", "idle"]).failure(),
        "Error: unknown container state: stopping: invalid argument"
    );
    assert_eq!(env.run(&["wait", "--ignore", "nosuch"]).success(), "-1\n");
    assert_eq!(env.run(&["kill", "-s", "BOGUS", "nosuch"]).failure(), "Error: invalid signal: BOGUS");
    env.run(&["start", "idle"]).success();
    assert_eq!(env.run(&["kill", "-s", "sigusr1", "idle"]).success(), "idle\n");
    assert_eq!(env.run(&["wait", "idle"]).success(), "5\n", "SIGUSR1 reached the container's shell");
}

#[test]
fn a_missing_command_is_one_line_in_podmans_words() {
    let env = env_with_image();
    let out = env.run(&["run", "--rm", IMAGE, "no-such-command"]);
    assert_eq!(out.code, Some(127), "{}", out.stderr);
    let errors: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("Error: ")).collect();
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(errors[0].ends_with(": OCI runtime attempted to invoke a command that was not found"), "{}", errors[0]);
    assert!(!out.stderr.contains("container monitor"), "{}", out.stderr);

    env.run(&["run", "-d", "--name", "web", IMAGE, "sleep", "1000"]).success();
    let out = env.run(&["exec", "web", "no-such-command"]);
    assert_eq!(out.code, Some(127), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "runc's own 'exec failed' line is not shown: {}", out.stderr);
    assert!(out.stderr.starts_with("Error: runc: exec failed: "), "{}", out.stderr);
    let own = env.run(&["exec", "web", "sh", "-c", "echo 'exec failed: mine' >&2; exit 3"]);
    assert_eq!((own.code, own.stderr.as_str()), (Some(3), "exec failed: mine\n"), "the command's own words stay");
    env.run(&["rm", "-f", "-t", "0", "web"]).success();
}
