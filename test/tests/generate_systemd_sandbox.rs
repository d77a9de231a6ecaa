//! Units from `rpod generate systemd --new` under a real systemd (the test sandbox), with runc:
//! create → generate `--new --files` → `systemctl start` → active, the container runs from the
//! image with exactly its arguments and environment → `systemctl stop` → container gone.
//! Also a `--template` instance. Ports bats 250-systemd's service, envar and template cases.

use rpod_e2e::{RunResult, Sandbox, TestEnv, TestImage};

const IMAGE: &str = "quay.io/libpod/busybox:latest";

/// Records its arguments (NUL-separated) and environment, then waits for SIGTERM.
const RECORDER: &str = "printf '%s\\0' \"$@\" > /args; env > /env; trap 'exit 0' TERM; while :; do sleep 1; done";

/// Arguments systemd would split, expand, unquote or cut off if they were written naively.
const HOSTILE: &[&str] = &[
    "two words",
    "line1\nline2",
    "$HOME",
    "${HOME}",
    "%n",
    "100%",
    "it's",
    "\"quoted\"",
    "back\\slash",
    ";",
    "",
    "-d",
    "--name",
    "tab\there",
    "ünï",
];

/// An environment value that would end an `Environment=` line if written raw.
const MULTILINE: &str = "multi\nline $x %y \"q\" 'sq' \\";

fn rpod(env: &TestEnv, args: &[&str], vars: &[(&str, &str)]) -> RunResult {
    env.command().args(args).envs(vars.iter().copied()).output().expect("running rpod").into()
}

/// Creates `web` (env from this process as bats does: `FOO=value BAR=%s rpod create --env FOO
/// -e BAR --env MYVAR=myval`), writes its `--new` unit and its template into `units/`, and
/// removes the container, as the unit creates its own.
fn prepare(env: &TestEnv) -> (String, String) {
    let tarball = env.dir().join("busybox.tar");
    TestImage::busybox(&[("VERSION", "1")], &[]).write_rootfs(&tarball);
    rpod(env, &["import", tarball.to_str().expect("UTF-8 path"), IMAGE], &[]).success();
    let mut create = vec![
        "create",
        "--name",
        "web",
        "--env",
        "FOO",
        "-e",
        "BAR",
        "--env",
        "MYVAR=myval",
        "-e",
        "NL",
        IMAGE,
        "sh",
        "-c",
        RECORDER,
        "sh",
    ];
    create.extend_from_slice(HOSTILE);
    rpod(env, &create, &[("FOO", "value"), ("BAR", "%s"), ("NL", MULTILINE)]).success();

    let units = env.dir().join("units");
    std::fs::create_dir(&units).expect("a directory for unit files");
    for flags in [&["--new"][..], &["--template"]] {
        let mut cmd = env.command();
        cmd.args(["generate", "systemd", "--files", "--name"]).args(flags).arg("web").current_dir(&units);
        let written: RunResult = cmd.output().expect("running rpod").into();
        assert!(written.success().ends_with(".service\n"));
    }
    rpod(env, &["rm", "web"], &[]).success();
    let read = |name: &str| std::fs::read_to_string(units.join(name)).expect("the generated unit");
    (read("container-web.service"), read("container-web@.service"))
}

#[test]
fn new_unit_runs_the_container_and_stop_removes_it() {
    let env = TestEnv::new();
    let (unit, template) = prepare(&env);
    let sandbox = Sandbox::start();
    sandbox.install_unit("container-web.service", &unit);
    sandbox.install_unit("container-web@.service", &template);

    sandbox.start_unit("container-web.service");
    assert_eq!(sandbox.unit_state("container-web.service"), "active");
    let state = sandbox
        .rpod(
            &env,
            &[
                "inspect",
                "--format",
                "{{.State.Status}} {{.ImageName}} {{index .Config.Labels \"PODMAN_SYSTEMD_UNIT\"}}",
                "web",
            ],
        )
        .success();
    assert_eq!(state, format!("running {IMAGE} container-web.service\n"));

    let args = sandbox.rpod(&env, &["exec", "web", "cat", "/args"]).success();
    let mut want: Vec<&str> = HOSTILE.to_vec();
    want.push("");
    assert_eq!(args.split('\0').collect::<Vec<_>>(), want, "systemd ran exactly the created arguments");
    let container_env = sandbox.rpod(&env, &["exec", "web", "cat", "/env"]).success();
    for var in ["FOO=value", "BAR=%s", "MYVAR=myval"] {
        assert!(container_env.lines().any(|line| line == var), "{var} in\n{container_env}");
    }
    assert!(container_env.contains(&format!("NL={MULTILINE}\n")), "the multi-line value in\n{container_env}");

    sandbox.check(&["systemctl", "stop", "container-web.service"]);
    assert_eq!(sandbox.unit_state("container-web.service"), "inactive");
    assert_eq!(sandbox.rpod(&env, &["ps", "-a", "-q"]).success(), "", "stopping the unit removed the container");

    sandbox.start_unit("container-web@1.service");
    assert_eq!(sandbox.unit_state("container-web@1.service"), "active");
    let instance = sandbox
        .rpod(
            &env,
            &["inspect", "--format", "{{.State.Status}} {{index .Config.Labels \"PODMAN_SYSTEMD_UNIT\"}}", "web-1"],
        )
        .success();
    // Podman's template text sets PODMAN_SYSTEMD_UNIT=%n-%i, which systemd expands like this.
    assert_eq!(instance, "running container-web@1.service-1\n");
    sandbox.check(&["systemctl", "stop", "container-web@1.service"]);
    assert_eq!(sandbox.rpod(&env, &["ps", "-a", "-q"]).success(), "", "stopping the instance removed its container");
}
