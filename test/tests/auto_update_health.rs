//! Health-verified updates end to end under the systemd sandbox: units from
//! `generate systemd --new` with `--sdnotify=healthy`, a registry, and `rpod auto-update`.
//! (a) a healthy v2 is kept; (b) a v2 whose check fails never gets READY and is rolled back;
//! (c) a v2 that turns unhealthy after it was healthy is rolled back inside the watch window
//! and kept outside it.

use rpod_e2e::update_world::{publish, World};
use rpod_e2e::TestRegistry;

const ROW: &str = "--format={{.Unit}},{{.Image}},{{.Updated}}";

/// The health check of every test: v1 and v2 are healthy; `bad` never is; `late` passes its
/// first check (READY) and fails every later one.
const CHECK: &str =
    "case $(cat /version) in bad) exit 1;; late) test ! -e /tmp/seen || exit 1; echo > /tmp/seen;; esac";

/// A unit with `--sdnotify=healthy` and [`CHECK`] on v1 of `image`; the unit's name.
fn healthy_service(w: &World, reg: &TestRegistry, image: &str) -> String {
    publish(reg, image, "v1", &[]);
    w.pull(image);
    let flags = ["--sdnotify=healthy", "--health-cmd", CHECK, "--health-interval", "1s", "--health-retries", "1"];
    let unit = w.service("web", "registry", image, &flags, &[]);
    assert_eq!(w.inspect("web", ".State.Health.Status"), "healthy");
    unit
}

#[test]
fn a_healthy_v2_is_kept() {
    let w = World::new();
    let reg = TestRegistry::start();
    let image = reg.image("app/health", "latest");
    let unit = healthy_service(&w, &reg, &image);
    publish(&reg, &image, "v2", &[]);
    let result = w.auto_update(&["--tls-verify=false", ROW]);
    assert_eq!(result.stdout, format!("{unit},{image},true\n"), "{}{}", result.stderr, w.sandbox.journal(&unit));
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "v2");
    assert_eq!(w.inspect("web", ".State.Health.Status"), "healthy");
}

#[test]
fn a_v2_whose_check_fails_is_rolled_back() {
    let w = World::new();
    let reg = TestRegistry::start();
    let image = reg.image("app/health", "latest");
    let unit = healthy_service(&w, &reg, &image);
    publish(&reg, &image, "bad", &[]);
    let result = w.auto_update(&["--tls-verify=false", ROW]);
    assert_eq!(result.stdout, format!("{unit},{image},rolled back\n"), "{}{}", result.stderr, w.sandbox.journal(&unit));
    let line = result.error_line();
    assert!(line.starts_with(&format!("Error: image {image} rolled back: unit {unit} failed with it: ")), "{line}");
    assert_eq!(w.unit_state(&unit), "active");
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "v1", "v1 serves again");
}

#[test]
fn a_v2_that_turns_unhealthy_after_ready_is_rolled_back_inside_the_watch_window_only() {
    let w = World::new();
    let reg = TestRegistry::start();
    let image = reg.image("app/health", "latest");
    let unit = healthy_service(&w, &reg, &image);

    publish(&reg, &image, "late", &[]);
    let result = w.auto_update(&["--tls-verify=false", "--watch-window=20s", ROW]);
    assert_eq!(result.stdout, format!("{unit},{image},rolled back\n"), "{}", result.stderr);
    let line = result.error_line();
    assert!(line.contains(&format!("unit {unit} failed with it: container web turned unhealthy")), "{line}");
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "v1");

    // Published anew (another digest), and this time the window closes before the second check.
    publish(&reg, &image, "late", &["ENV=AGAIN=1"]);
    let result = w.auto_update(&["--tls-verify=false", "--watch-window=100ms", ROW]);
    assert_eq!(result.success(), format!("{unit},{image},true\n"));
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "late");
}
