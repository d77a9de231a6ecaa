//! `rpod auto-update` beyond Podman, end to end under the systemd sandbox: units restarted
//! together with the rollback decided per image, the watch window after READY, and the
//! previous image kept for a rollback by hand.

use rpod_e2e::update_world::{manifest_requests, publish, publish_image, World};
use rpod_e2e::{TestImage, TestRegistry};

const ROW: &str = "--format={{.Unit}},{{.Image}},{{.Updated}}";

/// A v1 with a user `app` that v2 lacks: a container run as `--user app` starts on v1 only,
/// so exactly one unit fails on v2.
fn with_app_user(version: &str) -> TestImage {
    let passwd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/:/bin/sh\n";
    TestImage::busybox(&[("version", version), ("etc/passwd", passwd)], &[])
}

#[test]
fn one_unit_failing_on_a_shared_image_rolls_it_back_for_every_unit() {
    let w = World::new();
    let reg = TestRegistry::start();
    let (a, b) = (reg.image("app/shared", "latest"), reg.image("app/other", "latest"));
    publish_image(&reg, &a, &with_app_user("v1"));
    publish(&reg, &b, "v1", &[]);
    let v1 = w.pull(&a);
    w.pull(&b);
    let fine = [w.service("a1", "registry", &a, &[], &[]), w.service("a2", "registry", &a, &[], &[])];
    let picky = w.service("a3", "registry", &a, &["--user", "app"], &[]);
    let other = w.service("b1", "registry", &b, &[], &[]);
    publish(&reg, &a, "v2", &[]);
    publish(&reg, &b, "v2", &[]);

    let result = w.auto_update(&["--tls-verify=false", "--max-workers=4", ROW]);
    assert_eq!(
        result.stdout,
        format!(
            "{},{a},rolled back\n{},{a},rolled back\n{picky},{a},rolled back\n{other},{b},true\n",
            fine[0], fine[1]
        ),
        "{}",
        result.stderr
    );
    let line = result.error_line();
    assert!(
        line.starts_with(&format!("Error: image {a} rolled back: unit {picky} failed with it: ")),
        "the error names the unit that failed: {line}"
    );
    for (name, unit) in [("a1", &fine[0]), ("a2", &fine[1]), ("a3", &picky)] {
        assert_eq!(w.unit_state(unit), "active", "{unit}");
        assert_eq!(w.inspect(name, ".Image"), v1, "{name} runs v1 again");
        assert_eq!(w.rpod(&["exec", name, "cat", "/version"]).success(), "v1");
    }
    assert_eq!(w.rpod(&["exec", "b1", "cat", "/version"]).success(), "v2", "the other image keeps its update");
}

#[test]
fn six_units_on_three_images_update_together_with_two_manifest_requests_per_image() {
    let w = World::new();
    let reg = TestRegistry::start();
    let images: Vec<String> = (0..3).map(|i| reg.image(&format!("app/i{i}"), "latest")).collect();
    let mut want = String::new();
    for (i, image) in images.iter().enumerate() {
        publish(&reg, image, "v1", &[]);
        w.pull(image);
        for j in 0..2 {
            let unit = w.service(&format!("c{i}{j}"), "registry", image, &[], &[]);
            want.push_str(&format!("{unit},{image},true\n"));
        }
    }
    for image in &images {
        publish(&reg, image, "v2", &[]);
    }
    let before = manifest_requests(&reg);
    assert_eq!(w.auto_update(&["--tls-verify=false", ROW]).success(), want);
    assert!(manifest_requests(&reg) - before <= 2 * images.len(), "at most a check and a pull per image");
    for i in 0..3 {
        assert_eq!(w.rpod(&["exec", &format!("c{i}1"), "cat", "/version"]).success(), "v2");
    }
}

/// v2 starts (READY) and its process exits two seconds later; systemd restarts it.
const CRASHES_LATER: &[&str] = &[
    "sh",
    "-c",
    "trap 'exit 0' TERM; if test \"$(cat /version)\" = v2; then sleep 2; exit 3; fi; while :; do sleep 1; done",
];

/// A unit running [`CRASHES_LATER`] on `image` (v1 now), and v2 published.
fn crashing_update(w: &World, reg: &TestRegistry, image: &str) -> String {
    publish(reg, image, "v1", &[]);
    w.pull(image);
    let label = "io.containers.autoupdate=registry";
    let mut create = vec!["create", "--name", "web", "--label", label, image];
    create.extend_from_slice(CRASHES_LATER);
    w.rpod(&create).success();
    let text = w.rpod(&["generate", "systemd", "--new", "--name", "web"]).success();
    let unit = "container-web.service".to_string();
    w.sandbox.install_unit(&unit, &text);
    w.rpod(&["rm", "web"]).success();
    w.sandbox.start_unit(&unit);
    publish(reg, image, "v2", &[]);
    unit
}

#[test]
fn inside_the_watch_window_an_image_that_exits_after_ready_is_rolled_back() {
    let w = World::new();
    let reg = TestRegistry::start();
    let image = reg.image("app/crash", "latest");
    let unit = crashing_update(&w, &reg, &image);
    let result = w.auto_update(&["--tls-verify=false", "--watch-window=10s", ROW]);
    assert_eq!(result.stdout, format!("{unit},{image},rolled back\n"), "{}", result.stderr);
    let line = result.error_line();
    assert!(line.starts_with(&format!("Error: image {image} rolled back: unit {unit} failed with it: ")), "{line}");
    assert_eq!(w.unit_state(&unit), "active");
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "v1");
}

#[test]
fn outside_the_watch_window_nothing_is_rolled_back() {
    let w = World::new();
    let reg = TestRegistry::start();
    let image = reg.image("app/crash", "latest");
    let unit = crashing_update(&w, &reg, &image);
    assert_eq!(
        w.auto_update(&["--tls-verify=false", "--watch-window=500ms", ROW]).success(),
        format!("{unit},{image},true\n")
    );
}

#[test]
fn the_previous_image_survives_prune_and_a_unit_goes_back_to_it_by_hand() {
    let w = World::new();
    let v1 = w.import("localhost/app:latest", "v1", &[]);
    let unit = w.service("web", "local", "localhost/app:latest", &[], &[]);
    let v2 = w.import("localhost/app:latest", "v2", &[]);
    assert_eq!(w.auto_update(&[ROW]).success(), format!("{unit},localhost/app:latest,true\n"));
    w.rpod(&["image", "prune", "-f"]).success();
    w.rpod(&["image", "exists", &v1]).success();

    let back = w.auto_update(&["--rollback-to-previous", &unit, ROW]);
    assert_eq!(back.success(), format!("{unit},localhost/app:latest,rolled back\n"));
    assert_eq!(w.unit_state(&unit), "active");
    assert_eq!(w.inspect("web", ".Image"), v1);
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "v1");
    w.rpod(&["image", "prune", "-f"]).success();
    w.rpod(&["image", "exists", &v2]).success();

    let refused = w.auto_update(&["--rollback-to-previous", "container-none.service"]);
    assert_eq!(refused.failure(), "Error: no running container has PODMAN_SYSTEMD_UNIT=container-none.service");
}
