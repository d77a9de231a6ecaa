//! Containers run by the real OCI runtime (runc here; crun 1.8 fails on this host's cgroup
//! layout and rpod falls back), and a generated-style unit under a real systemd.

use rpod_e2e::{rpod_binary, Sandbox, TestEnv, TestImage};

const IMAGE: &str = "localhost/rpod-test/busybox:1";

/// A test environment with the busybox image imported as [`IMAGE`].
fn env_with_image() -> TestEnv {
    let env = TestEnv::new();
    let tarball = env.dir().join("rootfs.tar");
    TestImage::busybox(&[("VERSION", "1")], &[]).write_rootfs(&tarball);
    env.run(&["import", "--change", "CMD=[\"sh\"]", tarball.to_str().unwrap(), IMAGE]).success();
    env
}

#[test]
fn exit_codes_and_output_propagate() {
    let env = env_with_image();
    let out = env.run(&["run", "--rm", IMAGE, "sh", "-c", "echo hello from the container; cat /VERSION; exit 3"]);
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    assert_eq!(out.stdout, "hello from the container\n1");
    assert_eq!(env.run(&["ps", "-a", "-q"]).success(), "", "--rm removed the container");
}

#[test]
fn a_missing_command_exits_127() {
    let env = env_with_image();
    let out = env.run(&["run", "--rm", IMAGE, "no-such-command"]);
    assert_eq!(out.code, Some(127), "{}", out.stderr);
    assert!(out.stderr.contains("no-such-command"), "{}", out.stderr);
}

#[test]
fn detached_container_runs_until_stopped_and_stop_kills_after_the_timeout() {
    let env = env_with_image();
    // PID 1 of a PID namespace ignores SIGTERM without a handler, so stop must escalate.
    let id = env.run(&["run", "-d", "--name", "sleeper", IMAGE, "sleep", "1000"]).success();
    assert_eq!(id.trim().len(), 64);
    assert_eq!(env.run(&["inspect", "--format", "{{.State.Status}}", "sleeper"]).success(), "running\n");
    assert!(env.run(&["ps"]).success().contains("sleeper"));
    assert_eq!(env.run(&["exec", "sleeper", "cat", "/VERSION"]).success(), "1");
    env.run(&["stop", "-t", "1", "sleeper"]).success();
    assert_eq!(env.run(&["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "sleeper"]).success(), "exited 137\n");
    assert_eq!(env.run(&["wait", "sleeper"]).success(), "137\n");
    env.run(&["rm", "sleeper"]).success();
}

#[test]
fn logs_hold_the_output_and_replace_replaces() {
    let env = env_with_image();
    let first = env.run(&["run", "-d", "--name", "app", IMAGE, "sh", "-c", "echo one; echo two"]).success();
    assert_eq!(env.run(&["wait", "app"]).success(), "0\n");
    assert_eq!(env.run(&["logs", "app"]).success(), "one\ntwo\n");
    let refused = env.run(&["run", "-d", "--name", "app", IMAGE, "true"]).failure();
    assert!(refused.contains("already in use"), "{refused}");
    let second = env.run(&["run", "-d", "--replace", "--name", "app", IMAGE, "sleep", "100"]).success();
    assert_ne!(first, second);
    assert_eq!(env.run(&["ps", "-a", "-q", "--no-trunc"]).success(), second);
    env.run(&["rm", "-f", "-t", "0", "app"]).success();
    assert_eq!(env.run(&["ps", "-a", "-q"]).success(), "");
}

#[test]
fn cidfile_is_written_and_not_reused() {
    let env = env_with_image();
    let cidfile = env.dir().join("ctr-id");
    let id = env.run(&["create", "--cidfile", cidfile.to_str().unwrap(), IMAGE, "true"]).success();
    assert_eq!(std::fs::read_to_string(&cidfile).unwrap(), id.trim());
    let err = env.run(&["create", "--cidfile", cidfile.to_str().unwrap(), IMAGE, "true"]).failure();
    assert!(err.contains("container id file exists"), "{err}");
    assert_eq!(env.run(&["ps", "-a", "-q"]).success().lines().count(), 1, "the refused create stored nothing");
}

/// The unit shape `generate systemd --new` writes, started and stopped by a real systemd.
#[test]
fn notify_unit_reaches_active_and_stop_removes_the_container() {
    let env = env_with_image();
    let sandbox = Sandbox::start();
    let rpod = format!("{} --root {} --runroot {}", rpod_binary().display(), env.root().display(), env.runroot().display());
    let unit = format!(
        "[Service]\nEnvironment=PODMAN_SYSTEMD_UNIT=%n\nExecStart={rpod} run --cidfile=%t/%n.ctr-id --cgroups=no-conmon --rm --sdnotify=conmon -d --replace --name web {IMAGE} sleep 1000\nExecStop={rpod} stop --ignore -t 1 --cidfile=%t/%n.ctr-id\nExecStopPost={rpod} rm -f --ignore -t 1 --cidfile=%t/%n.ctr-id\nType=notify\nNotifyAccess=all\n"
    );
    sandbox.install_unit("rpod-web.service", &unit);
    sandbox.check(&["systemctl", "start", "rpod-web.service"]);
    assert_eq!(sandbox.unit_state("rpod-web.service"), "active");
    let labels = sandbox.rpod(&env, &["inspect", "--format", "{{.State.Status}} {{index .Config.Labels \"PODMAN_SYSTEMD_UNIT\"}}", "web"]).success();
    assert_eq!(labels, "running rpod-web.service\n");
    sandbox.check(&["systemctl", "stop", "rpod-web.service"]);
    assert_eq!(sandbox.unit_state("rpod-web.service"), "inactive");
    assert_eq!(sandbox.rpod(&env, &["ps", "-a", "-q"]).success(), "", "the unit's stop removed the container");
}
