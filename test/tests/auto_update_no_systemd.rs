//! `rpod auto-update` where no systemd manager can be reached must change nothing: it used to
//! tag the new image, fail the restart and roll the name back to the old image, leaving the
//! new one `<none>` for the shipped service's `image prune -f` to delete.
//!
//! Runs on the host, outside the systemd sandbox. So that a host whose PID 1 is systemd makes
//! no difference, rpod runs in a private mount namespace with an empty `/run/systemd` (no
//! private socket) and a system bus address that leads nowhere.

use std::process::Command;

use rpod_e2e::{rpod_binary, RunResult, TestEnv, TestImage};

const NAME: &str = "localhost/app:latest";
const UNIT: &str = "container-web.service";
/// Stops at once on SIGTERM, so removing it is quick.
const WORKLOAD: &[&str] = &["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"];

/// Imports a busybox image whose `/version` says `version` as [`NAME`]; returns its ID.
fn import(env: &TestEnv, version: &str) -> String {
    let tarball = env.dir().join(format!("{version}.tar"));
    TestImage::busybox(&[("version", version)], &[]).write_rootfs(&tarball);
    env.run(&["import", tarball.to_str().expect("UTF-8 path"), NAME])
        .success()
        .trim()
        .trim_start_matches("sha256:")
        .to_string()
}

/// `rpod auto-update ARGS` with no systemd manager to reach (see the module comment).
fn auto_update_without_systemd(env: &TestEnv, args: &[&str]) -> RunResult {
    let no_bus = env.dir().join("no-such-bus");
    let script = "mount -t tmpfs rpod-test-no-systemd /run/systemd && exec \"$@\"";
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-c", script, "sh"]);
    cmd.arg(rpod_binary())
        .arg("--root")
        .arg(env.root())
        .arg("--runroot")
        .arg(env.runroot())
        .arg("auto-update")
        .args(args);
    cmd.env("DBUS_SYSTEM_BUS_ADDRESS", format!("unix:path={}", no_bus.display()));
    cmd.env_remove("PODMAN_SYSTEMD_UNIT").env_remove("RPOD_ROOT").env_remove("RPOD_RUNROOT");
    cmd.output().expect("running rpod in a mount namespace").into()
}

/// Every image name with its image, and how many images have no name.
fn image_names(env: &TestEnv) -> String {
    env.run(&["images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]).success()
}

#[test]
fn without_a_systemd_manager_auto_update_changes_nothing_and_says_so() {
    let env = TestEnv::new();
    let v1 = import(&env, "v1");
    let label = format!("PODMAN_SYSTEMD_UNIT={UNIT}");
    let mut run =
        vec!["run", "-d", "--name", "web", "--label", "io.containers.autoupdate=local", "--label", &label, NAME];
    run.extend_from_slice(WORKLOAD);
    env.run(&run).success();
    let v2 = import(&env, "v2");
    assert_ne!(v1, v2);
    let before = image_names(&env);
    assert!(
        before.contains(&format!("{NAME} sha256:{v2}")) && before.contains(&format!("<none>:<none> sha256:{v1}")),
        "{before}"
    );

    // A dry run restarts nothing, so it needs no manager and still reports the update.
    let dry = auto_update_without_systemd(&env, &["--dry-run", "--format", "{{.Unit}},{{.Image}},{{.Updated}}"]);
    assert_eq!(
        (dry.code, dry.stdout.as_str()),
        (Some(0), format!("{UNIT},{NAME},pending\n").as_str()),
        "{}",
        dry.stderr
    );

    let out = auto_update_without_systemd(&env, &[]);
    assert_eq!(out.stdout, "", "no report: nothing was attempted");
    let line = out.failure();
    assert!(line.starts_with("Error: systemd is not reachable, so nothing was updated: "), "{line}");
    assert!(
        line.contains("connecting to systemd manager at unix:path=/run/systemd/private: "),
        "names the socket tried: {line}"
    );
    assert!(line.contains("connecting to systemd manager at the system bus: "), "and the bus tried: {line}");

    assert_eq!(image_names(&env), before, "no image was tagged, untagged or removed");
    assert_eq!(
        env.run(&["inspect", "--format", "{{.Image}} {{.State.Status}}", "web"]).success().trim(),
        format!("{v1} running")
    );
    env.run(&["rm", "-f", "-t", "0", "web"]).success();
}

/// A `PODMAN_SYSTEMD_UNIT` that is no service unit fails its container's row and is never
/// sent to a manager, so this run needs none even though a newer image is there.
#[test]
fn a_unit_label_that_is_no_service_fails_its_row_and_reaches_no_manager() {
    let env = TestEnv::new();
    let v1 = import(&env, "v1");
    let mut run = vec![
        "run",
        "-d",
        "--name",
        "web",
        "--label",
        "io.containers.autoupdate=local",
        "--label",
        "PODMAN_SYSTEMD_UNIT=reboot.target",
        NAME,
    ];
    run.extend_from_slice(WORKLOAD);
    let id = env.run(&run).success().trim().to_string();
    import(&env, "v2");
    let before = image_names(&env);
    let out = auto_update_without_systemd(&env, &["--format", "{{.Unit}},{{.Image}},{{.Updated}}"]);
    assert_eq!(out.stdout, format!("reboot.target,{NAME},failed\n"));
    assert_eq!(
        out.failure(),
        format!(
            r#"Error: auto-updating container "{id}": PODMAN_SYSTEMD_UNIT label "reboot.target" is not a valid service unit name: only .service units are restarted"#
        )
    );
    assert_eq!(image_names(&env), before);
    assert_eq!(env.run(&["inspect", "--format", "{{.Image}}", "web"]).success().trim(), v1);
    env.run(&["rm", "-f", "-t", "0", "web"]).success();
}
