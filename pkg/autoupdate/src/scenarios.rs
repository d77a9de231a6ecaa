//! Whole runs against the fake world: what gets checked, pulled, tagged and restarted, and
//! what is reported.

use std::collections::HashMap;
use std::time::Duration;

use crate::testing::{image, managed, Remote, World};
use crate::{auto_update, Backends, Error, Options, Outcome, RunLock, Status};

pub(crate) const A: &str = "reg.io/app/a:latest";
pub(crate) const B: &str = "reg.io/app/b:latest";

pub(crate) fn opts() -> Options {
    Options {
        dry_run: false,
        rollback: true,
        authfile: None,
        tls_verify: None,
        concurrency: 4,
        max_workers: 4,
        watch_window: None,
        settle_timeout: Duration::from_millis(300),
    }
}

pub(crate) fn run(world: &World, opts: &Options) -> Outcome {
    try_run(world, opts).unwrap_or_else(|e| panic!("{e}"))
}

fn try_run(world: &World, opts: &Options) -> Result<Outcome, Error> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let lock = RunLock::acquire(&dir.path().join("lock")).unwrap_or_else(|e| panic!("{e}"));
    let backends = Backends { containers: world, images: world, registry: world, units: world, clock: &world.clock };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(auto_update(&lock, &backends, opts))
}

/// The reason the fake gives when its manager is down, worded like the real client's.
const NO_MANAGER: &str = "connecting to systemd manager at unix:path=/run/systemd/private: No such file or directory";

pub(crate) fn rows(outcome: &Outcome) -> Vec<String> {
    outcome.reports.iter().map(|r| format!("{} {} {} {}", r.unit, r.container_name, r.policy, r.status)).collect()
}

pub(crate) fn errors(outcome: &Outcome) -> Vec<String> {
    outcome.errors.iter().map(ToString::to_string).collect()
}

/// One container on A (v1 locally, v2 in the registry).
pub(crate) fn updatable() -> World {
    World {
        containers: vec![managed("web", "web.service", "registry", A, "v1")],
        remote: HashMap::from([(A.to_string(), Remote::Serves(vec!["sha256:v2".into()], image("v2", &["sha256:v2"])))]),
        ..World::default()
    }
    .with_image(A, image("v1", &["sha256:v1"]))
}

#[test]
fn registry_update_pulls_and_restarts() {
    let world = updatable();
    let out = run(&world, &opts());
    assert_eq!(rows(&out), ["web.service web registry true"]);
    assert!(out.errors.is_empty(), "{:?}", errors(&out));
    assert_eq!(
        world.logged(""),
        [
            "check reg.io/app/a:latest",
            "pull reg.io/app/a:latest",
            "restart web.service",
            "previous v1 reg.io/app/a:latest",
        ],
        "the old image is kept as the name's previous one"
    );
    assert_eq!(out.reports[0].old_digest.as_deref(), Some("sha256:v1"));
    assert_eq!(out.reports[0].new_digest.as_deref(), Some("sha256:v2"));
}

#[test]
fn up_to_date_does_nothing() {
    let world = World {
        containers: vec![managed("web", "web.service", "image", A, "v1")],
        remote: HashMap::from([(A.to_string(), Remote::Serves(vec!["sha256:v1".into()], image("v1", &["sha256:v1"])))]),
        ..World::default()
    }
    .with_image(A, image("v1", &["sha256:v1"]));
    let out = run(&world, &opts());
    assert_eq!(rows(&out), ["web.service web registry false"]);
    assert_eq!(world.logged(""), ["check reg.io/app/a:latest"]);
}

#[test]
fn dry_run_never_pulls_or_restarts() {
    let world = updatable();
    let out = run(&world, &Options { dry_run: true, ..opts() });
    assert_eq!(rows(&out), ["web.service web registry pending"]);
    assert_eq!(world.logged(""), ["check reg.io/app/a:latest"]);
}

#[test]
fn fifty_containers_on_one_image_cost_one_check_and_one_pull() {
    let mut world = updatable();
    world.containers =
        (0..50).map(|i| managed(&format!("c{i:02}"), &format!("u{i:02}.service"), "registry", A, "v1")).collect();
    let out = run(&world, &opts());
    assert_eq!(out.reports.len(), 50);
    assert!(out.reports.iter().all(|r| r.status == Status::Updated));
    assert_eq!(world.logged("check").len(), 1);
    assert_eq!(world.logged("pull").len(), 1);
    assert_eq!(world.logged("restart").len(), 50);
}

#[test]
fn a_unit_with_two_updated_containers_restarts_once() {
    let mut world = updatable();
    world.containers.push(managed("sidecar", "web.service", "registry", A, "v1"));
    let out = run(&world, &opts());
    assert_eq!(rows(&out), ["web.service sidecar registry true", "web.service web registry true"]);
    assert_eq!(world.logged("restart"), ["restart web.service"]);
}

#[test]
fn failed_start_rolls_back_to_the_old_image() {
    let mut world = updatable();
    world.broken.insert(("web.service".into(), "v2".into()));
    let out = run(&world, &opts());
    assert_eq!(rows(&out), ["web.service web registry rolled back"]);
    assert_eq!(
        errors(&out),
        [
            r#"image reg.io/app/a:latest rolled back: unit web.service failed with it: error restarting systemd unit "web.service" expected "done" but received "failed""#
        ],
        "a rollback fails the run, naming the unit"
    );
    assert_eq!(world.tagged(A).as_deref(), Some("v1"));
    assert_eq!(
        world.logged(""),
        [
            "check reg.io/app/a:latest",
            "pull reg.io/app/a:latest",
            "restart web.service",
            "tag v1 reg.io/app/a:latest",
            "reset-failed web.service",
            "restart web.service",
        ]
    );
}

#[test]
fn without_rollback_a_failed_start_is_an_error() {
    let mut world = updatable();
    world.broken.insert(("web.service".into(), "v2".into()));
    let out = run(&world, &Options { rollback: false, ..opts() });
    assert_eq!(rows(&out), ["web.service web registry failed"]);
    assert_eq!(
        errors(&out),
        [
            r#"restarting unit web.service during update: error restarting systemd unit "web.service" expected "done" but received "failed""#
        ]
    );
    assert_eq!(world.tagged(A).as_deref(), Some("v2"));
}

#[test]
fn a_failed_rollback_is_an_error() {
    let mut world = updatable();
    world.broken.insert(("web.service".into(), "v2".into()));
    world.broken.insert(("web.service".into(), "v1".into()));
    let out = run(&world, &opts());
    assert_eq!(rows(&out), ["web.service web registry failed"]);
    assert_eq!(errors(&out).len(), 2);
    assert!(errors(&out)[0].starts_with("image reg.io/app/a:latest rolled back: "), "{:?}", errors(&out));
    assert!(errors(&out)[1].starts_with("restarting unit web.service during rollback: "), "{:?}", errors(&out));
}

#[test]
fn registry_failures_fail_their_containers_only() {
    let mut world = updatable();
    world.containers.push(managed("down", "down.service", "registry", B, "b1"));
    world.containers.push(managed("nopull", "nopull.service", "registry", "reg.io/app/c:1", "c1"));
    world.remote.insert(B.into(), Remote::CheckFails("pinging container registry reg.io: connection refused".into()));
    world.remote.insert(
        "reg.io/app/c:1".into(),
        Remote::PullFails(vec!["sha256:c2".into()], "500 Internal Server Error".into()),
    );
    let world =
        world.with_image(B, image("b1", &["sha256:b1"])).with_image("reg.io/app/c:1", image("c1", &["sha256:c1"]));
    let out = run(&world, &opts());
    assert_eq!(
        rows(&out),
        ["down.service down registry failed", "nopull.service nopull registry failed", "web.service web registry true"]
    );
    let ids: Vec<String> = world.containers.iter().map(|c| c.id.clone()).collect();
    assert_eq!(
        errors(&out),
        [
            format!(
                "checking image updates for container {}: pinging container registry reg.io: connection refused",
                ids[1]
            ),
            format!("updating image for container {}: 500 Internal Server Error", ids[2]),
        ]
    );
    assert_eq!(world.logged("restart"), ["restart web.service"]);
}

#[test]
fn invalid_and_disabled_policies() {
    let mut world = updatable();
    world.containers.push(managed("fake", "fake.service", "fake_value", A, "v1"));
    world.containers.push(managed("off", "off.service", "disabled", A, "v1"));
    let out = run(&world, &opts());
    assert_eq!(rows(&out), ["web.service web registry true"]);
    assert_eq!(
        errors(&out),
        [format!(
            r#"auto-updating container "{}": invalid auto-update policy "fake_value": valid policies are ["disabled" "image" "local" "registry"]"#,
            world.containers[1].id
        )]
    );
}

#[test]
fn local_policy_compares_image_ids() {
    let world = World {
        containers: vec![managed("loc", "loc.service", "local", "localhost/app:1", "old")],
        ..World::default()
    }
    .with_image("localhost/app:old", image("old", &[]))
    .with_image("localhost/app:1", image("new", &[]));
    let out = run(&world, &Options { dry_run: true, ..opts() });
    assert_eq!(rows(&out), ["loc.service loc local pending"]);
    let out = run(&world, &opts());
    assert_eq!(rows(&out), ["loc.service loc local true"]);
    assert!(world.logged("check").is_empty() && world.logged("pull").is_empty());
}

#[test]
fn digest_references_are_not_updatable_and_not_checked() {
    let pinned = "reg.io/app/a@sha256:v1";
    let world = World { containers: vec![managed("pin", "pin.service", "registry", pinned, "v1")], ..World::default() }
        .with_image(A, image("v1", &["sha256:v1"]));
    let out = run(&world, &opts());
    assert_eq!(rows(&out), ["pin.service pin registry false"]);
    assert!(out.errors.is_empty());
    assert!(world.logged("").is_empty());
}

#[test]
fn a_dependent_that_stays_down_is_reported() {
    let mut world = updatable();
    world.dependents.insert("web.service".into(), vec!["child.service".into(), "ok.service".into()]);
    world.fragile.insert("child.service".into());
    let out = run(&world, &opts());
    assert_eq!(rows(&out), ["web.service web registry true"]);
    assert_eq!(
        errors(&out),
        ["unit child.service requires web.service and is inactive after web.service was restarted"]
    );
}

#[test]
fn nothing_to_do_touches_nothing() {
    let world = World { containers: vec![managed("off", "off.service", "disabled", A, "v1")], ..World::default() };
    let out = run(&world, &opts());
    assert!(out.reports.is_empty() && out.errors.is_empty());
    assert!(world.logged("").is_empty());
}

#[test]
fn without_systemd_an_update_changes_nothing_and_says_why() {
    let registry = World { manager_down: Some(NO_MANAGER.into()), ..updatable() };
    let local = World {
        containers: vec![managed("loc", "loc.service", "local", "localhost/app:1", "old")],
        manager_down: Some(NO_MANAGER.into()),
        ..World::default()
    }
    .with_image("localhost/app:old", image("old", &[]))
    .with_image("localhost/app:1", image("new", &[]));
    for (world, name, tagged) in [(&registry, A, "v1"), (&local, "localhost/app:1", "new")] {
        let err = try_run(world, &opts()).expect_err("no manager, no run");
        assert!(matches!(err, Error::SystemdUnreachable { .. }), "{err:?}");
        assert_eq!(err.to_string(), "systemd is not reachable, so nothing was updated");
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some(NO_MANAGER), "the cause names the socket tried");
        assert!(
            world.logged("pull").is_empty() && world.logged("tag").is_empty() && world.logged("restart").is_empty(),
            "{:?}",
            world.logged("")
        );
        assert_eq!(world.tagged(name).as_deref(), Some(tagged), "the name still points at the newest image");
    }
}

#[test]
fn without_systemd_a_dry_run_or_a_run_with_nothing_to_update_still_works() {
    let world = World { manager_down: Some(NO_MANAGER.into()), ..updatable() };
    let out = run(&world, &Options { dry_run: true, ..opts() });
    assert_eq!(rows(&out), ["web.service web registry pending"]);
    let current = World {
        containers: vec![managed("web", "web.service", "registry", A, "v1")],
        remote: HashMap::from([(A.to_string(), Remote::Serves(vec!["sha256:v1".into()], image("v1", &["sha256:v1"])))]),
        manager_down: Some(NO_MANAGER.into()),
        ..World::default()
    }
    .with_image(A, image("v1", &["sha256:v1"]));
    let out = run(&current, &opts());
    assert_eq!(rows(&out), ["web.service web registry false"]);
    assert!(out.errors.is_empty(), "{:?}", errors(&out));
}

#[test]
fn an_invalid_unit_label_fails_its_container_only_and_is_never_restarted() {
    let mut world = updatable();
    for (name, unit) in [
        ("target", "reboot.target"),
        ("escape", "../../x"),
        ("template", "container-t@.service"),
        ("ansi", "\u{1b}[2J.service"),
    ] {
        world.containers.push(managed(name, unit, "registry", A, "v1"));
    }
    let out = run(&world, &opts());
    assert_eq!(
        rows(&out),
        [
            "../../x escape registry failed",
            "\\u{1b}[2J.service ansi registry failed",
            "container-t@.service template registry failed",
            "reboot.target target registry failed",
            "web.service web registry true",
        ]
    );
    let id = |name: &str| world.containers.iter().find(|c| c.name == name).map(|c| c.id.clone()).unwrap_or_default();
    assert_eq!(
        errors(&out),
        [
            format!(
                r#"auto-updating container "{}": PODMAN_SYSTEMD_UNIT label "reboot.target" is not a valid service unit name: only .service units are restarted"#,
                id("target")
            ),
            format!(
                r#"auto-updating container "{}": PODMAN_SYSTEMD_UNIT label "../../x" is not a valid service unit name: '/' is not allowed in a unit name"#,
                id("escape")
            ),
            format!(
                r#"auto-updating container "{}": PODMAN_SYSTEMD_UNIT label "container-t@.service" is not a valid service unit name: a template unit cannot be restarted, only an instance of it (name@instance.service)"#,
                id("template")
            ),
            format!(
                r#"auto-updating container "{}": PODMAN_SYSTEMD_UNIT label "\u{{1b}}[2J.service" is not a valid service unit name: '\u{{1b}}' is not allowed in a unit name"#,
                id("ansi")
            ),
        ]
    );
    assert_eq!(world.logged("restart"), ["restart web.service"]);
}
