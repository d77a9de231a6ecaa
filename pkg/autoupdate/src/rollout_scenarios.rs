//! Whole runs against the fake world at scale: concurrent restarts, `Requires=` order, the
//! per-image rollback and the watch window (on the fake clock).

use std::time::Duration;

use crate::scenarios::{errors, opts, rows, run, updatable, A, B};
use crate::task::WATCH_WINDOW_LABEL;
use crate::testing::{image, managed, Remote, Sickness, World};
use crate::{Options, Status};

const RESTART_FAILED: &str = "expected \"done\" but received \"failed\"";

/// `n` units on A (v1 locally, v2 in the registry), `u0.service` … .
fn units_on_a(n: usize) -> World {
    let mut world = updatable();
    world.containers =
        (0..n).map(|i| managed(&format!("c{i}"), &format!("u{i}.service"), "registry", A, "v1")).collect();
    world
}

#[test]
fn units_restart_concurrently_up_to_max_workers() {
    for (workers, want) in [(1, 1), (3, 3), (8, 8), (64, 10)] {
        let world = units_on_a(10);
        let out = run(&world, &Options { max_workers: workers, ..opts() });
        assert!(out.reports.iter().all(|r| r.status == Status::Updated), "{:?}", rows(&out));
        assert_eq!(world.logged("restart").len(), 10);
        assert_eq!(world.in_flight.lock().map(|f| f.1).unwrap_or(0), want, "--max-workers {workers}");
    }
}

#[test]
fn a_unit_restarts_after_the_unit_it_requires() {
    let mut world = units_on_a(3);
    // u2 requires u0: it restarts in a later wave; u1 is independent and goes with u0.
    world.dependents.insert("u0.service".into(), vec!["u2.service".into()]);
    let out = run(&world, &Options { max_workers: 8, ..opts() });
    assert!(out.errors.is_empty(), "{:?}", errors(&out));
    assert_eq!(world.logged("restart"), ["restart u0.service", "restart u1.service", "restart u2.service"]);
    assert_eq!(world.in_flight.lock().map(|f| f.1).unwrap_or(0), 2, "u0 and u1 at once, then u2");
}

#[test]
fn one_failing_unit_rolls_its_image_back_for_every_unit() {
    let mut world = units_on_a(3);
    world.containers.push(managed("other", "other.service", "registry", B, "b1"));
    world.remote.insert(B.into(), Remote::Serves(vec!["sha256:b2".into()], image("b2", &["sha256:b2"])));
    let mut world = world.with_image(B, image("b1", &["sha256:b1"]));
    world.broken.insert(("u1.service".into(), "v2".into()));
    let out = run(&world, &opts());
    assert_eq!(
        rows(&out),
        [
            "other.service other registry true",
            "u0.service c0 registry rolled back",
            "u1.service c1 registry rolled back",
            "u2.service c2 registry rolled back",
        ]
    );
    assert_eq!(
        errors(&out),
        [format!(
            "image {A} rolled back: unit u1.service failed with it: error restarting systemd unit \"u1.service\" {RESTART_FAILED}"
        )]
    );
    assert_eq!(world.tagged(A).as_deref(), Some("v1"));
    assert_eq!(world.tagged(B).as_deref(), Some("b2"), "the other image keeps its update");
    assert_eq!(world.logged("previous"), [format!("previous b1 {B}")], "only a kept update has a previous image");
    assert_eq!(world.logged("tag"), [format!("tag v1 {A}")], "the name goes back once");
    assert_eq!(world.logged("reset-failed").len(), 3, "{:?}", world.logged(""));
    let restarts = world.logged("restart");
    assert_eq!(restarts.len(), 4 + 3, "{restarts:?}");
    assert_eq!(restarts.iter().filter(|r| r.as_str() == "restart other.service").count(), 1);
    let started = world.started.lock().map(|s| s.clone()).unwrap_or_default();
    for c in ["c0", "c1", "c2"] {
        assert_eq!(started.get(c).map(|s| s.0.as_str()), Some("v1"), "{c} runs the old image again");
    }
}

#[test]
fn a_unit_with_two_images_that_fails_rolls_back_both() {
    let mut world = units_on_a(1);
    world.containers.push(managed("side", "u0.service", "registry", B, "b1"));
    world.containers.push(managed("onb", "onb.service", "registry", B, "b1"));
    world.remote.insert(B.into(), Remote::Serves(vec!["sha256:b2".into()], image("b2", &["sha256:b2"])));
    let mut world = world.with_image(B, image("b1", &["sha256:b1"]));
    world.broken.insert(("u0.service".into(), "v2".into()));
    let out = run(&world, &opts());
    assert_eq!(
        rows(&out),
        [
            "onb.service onb registry rolled back",
            "u0.service c0 registry rolled back",
            "u0.service side registry rolled back"
        ]
    );
    assert_eq!(errors(&out).len(), 2, "one per image: {:?}", errors(&out));
    assert!(errors(&out).iter().all(|e| e.contains("unit u0.service failed with it")), "{:?}", errors(&out));
    assert_eq!((world.tagged(A).as_deref(), world.tagged(B).as_deref()), (Some("v1"), Some("b1")));
}

#[test]
fn a_later_unit_on_a_rolled_back_image_is_not_moved_onto_it() {
    let mut world = units_on_a(2);
    world.dependents.insert("u0.service".into(), vec!["u1.service".into()]);
    world.broken.insert(("u0.service".into(), "v2".into()));
    let out = run(&world, &opts());
    assert_eq!(rows(&out), ["u0.service c0 registry rolled back", "u1.service c1 registry rolled back"]);
    assert_eq!(
        world.logged("restart"),
        ["restart u0.service", "restart u0.service"],
        "u1 waits for u0, and by then A is back on v1"
    );
}

#[test]
fn without_rollback_each_failing_unit_is_an_error_and_the_rest_update() {
    let mut world = units_on_a(3);
    world.broken.insert(("u1.service".into(), "v2".into()));
    let out = run(&world, &Options { rollback: false, ..opts() });
    assert_eq!(
        rows(&out),
        ["u0.service c0 registry true", "u1.service c1 registry failed", "u2.service c2 registry true"]
    );
    assert_eq!(errors(&out).len(), 1);
    assert!(errors(&out)[0].starts_with("restarting unit u1.service during update: "));
    assert!(world.logged("tag").is_empty() && world.logged("reset-failed").is_empty());
}

/// One unit on A whose v2 turns bad `after` its start.
fn sick_world(after: Duration, how: Sickness) -> World {
    let mut world = updatable();
    world.sick.insert("v2".into(), (after, how));
    world
}

#[test]
fn inside_the_watch_window_an_image_that_goes_bad_is_rolled_back() {
    for how in [Sickness::Unhealthy, Sickness::Exits] {
        let world = sick_world(Duration::from_secs(5), how);
        let out = run(&world, &Options { watch_window: Some(Duration::from_secs(10)), ..opts() });
        assert_eq!(rows(&out), ["web.service web registry rolled back"], "{how:?}");
        let errors = errors(&out);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let want = match how {
            Sickness::Unhealthy => "container web turned unhealthy 5.0s after the unit was ready",
            Sickness::Exits => "unit is failed 5.0s after it was ready",
        };
        assert_eq!(errors[0], format!("image {A} rolled back: unit web.service failed with it: {want}"));
        assert_eq!(world.tagged(A).as_deref(), Some("v1"));
        assert_eq!(world.logged("reset-failed"), ["reset-failed web.service"]);
        assert_eq!(world.logged("restart"), ["restart web.service", "restart web.service"]);
    }
}

#[test]
fn outside_the_watch_window_or_without_one_nothing_is_rolled_back() {
    for window in [None, Some(Duration::from_secs(3))] {
        let world = sick_world(Duration::from_secs(5), Sickness::Unhealthy);
        let out = run(&world, &Options { watch_window: window, ..opts() });
        assert_eq!(rows(&out), ["web.service web registry true"], "{window:?}");
        assert!(out.errors.is_empty(), "{:?}", errors(&out));
        assert_eq!(world.tagged(A).as_deref(), Some("v2"));
        let waited = world.clock.elapsed();
        assert!(waited <= window.unwrap_or_default() + Duration::from_secs(1), "watched {waited:?}");
    }
}

#[test]
fn the_label_sets_a_containers_own_window() {
    for (label, flag, want) in
        [("10s", None, Status::RolledBack), ("0", Some(Duration::from_secs(10)), Status::Updated)]
    {
        let mut world = sick_world(Duration::from_secs(5), Sickness::Exits);
        world.containers[0].labels.insert(WATCH_WINDOW_LABEL.into(), label.into());
        let out = run(&world, &Options { watch_window: flag, ..opts() });
        assert_eq!(out.reports[0].status, want, "label {label}, flag {flag:?}");
    }
    let mut world = updatable();
    world.containers[0].labels.insert(WATCH_WINDOW_LABEL.into(), "soon".into());
    let out = run(&world, &opts());
    assert!(out.reports.is_empty());
    assert_eq!(
        errors(&out),
        [format!(
            "auto-updating container \"{}\": invalid {WATCH_WINDOW_LABEL} label: time: invalid duration \"soon\"",
            world.containers[0].id
        )]
    );
}

#[test]
fn a_watched_failure_rolls_back_every_unit_of_the_image() {
    let mut world = units_on_a(3);
    world.sick.insert("v2".into(), (Duration::from_secs(2), Sickness::Unhealthy));
    world.containers[2].labels.insert(WATCH_WINDOW_LABEL.into(), "30s".into());
    let out = run(&world, &opts());
    assert_eq!(
        rows(&out),
        [
            "u0.service c0 registry rolled back",
            "u1.service c1 registry rolled back",
            "u2.service c2 registry rolled back"
        ]
    );
    assert_eq!(errors(&out).len(), 1);
    assert!(errors(&out)[0].contains("unit u2.service failed with it: container c2 turned unhealthy"));
    assert_eq!(world.logged("restart").len(), 6);
}

#[test]
fn the_default_of_max_workers_is_three_per_cpu_plus_one() {
    let workers = crate::default_max_workers();
    assert!(workers >= 4 && (workers - 1).is_multiple_of(3), "{workers}");
}
