//! `rpod auto-update` end to end: the real binary, runc, and a real systemd manager in a
//! sandbox running units made by `rpod generate systemd --new`. Ports the applicable cases of
//! Podman's test/system/255-auto-update.bats.

use rpod_e2e::update_world::{manifest_requests, publish, published, World, BROKEN, WORKLOAD};
use rpod_e2e::{Fault, FaultyRegistry, RunResult, TestEnv, TestRegistry};

const ROW: &str = "--format={{.Unit}},{{.Image}},{{.Updated}},{{.Policy}}";

#[test]
fn validates_input() {
    let env = TestEnv::new();
    let line = env.run(&["auto-update", "extra"]).failure();
    assert_eq!(line, "Error: `rpod auto-update` takes no arguments");
    let missing = env.dir().join("missing.json");
    let line = env.run(&["auto-update", "--authfile", missing.to_str().expect("UTF-8 path")]).failure();
    assert_eq!(
        line,
        format!("Error: credential file is not accessible: stat {}: no such file or directory", missing.display())
    );
    let nothing = env.run(&["auto-update"]);
    assert_eq!((nothing.code, nothing.stdout.as_str()), (Some(0), ""), "no containers, no output: {}", nothing.stderr);
}

#[test]
fn local_policy_updates_after_a_dry_run() {
    let w = World::new();
    let v1 = w.import("localhost/app:latest", "v1", &[]);
    let unit = w.service("web", "local", "localhost/app:latest", &[], &[]);
    let before = w.inspect("web", ".Id");
    assert_eq!(w.auto_update(&[ROW]).success(), format!("{unit},localhost/app:latest,false,local\n"));

    let v2 = w.import("localhost/app:latest", "v2", &[]);
    assert_eq!(w.auto_update(&["--dry-run", ROW]).success(), format!("{unit},localhost/app:latest,pending,local\n"));
    assert_eq!(w.inspect("web", ".Image"), v1, "a dry run changes nothing");

    assert_eq!(
        w.auto_update(&["--rollback=false", ROW]).success(),
        format!("{unit},localhost/app:latest,true,local\n")
    );
    assert_eq!(w.inspect("web", ".Image"), v2);
    assert_ne!(w.inspect("web", ".Id"), before, "the unit recreated the container");
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "v2");
    assert_eq!(w.unit_state(&unit), "active");
}

#[test]
fn an_image_that_does_not_start_is_rolled_back() {
    let w = World::new();
    let v1 = w.import("localhost/app:latest", "v1", &[]);
    let unit = w.service("web", "local", "localhost/app:latest", &[], &[]);
    w.import("localhost/app:latest", "broken", &[BROKEN]);
    let result = w.auto_update(&[ROW]);
    assert_eq!(result.stdout, format!("{unit},localhost/app:latest,rolled back,local\n"));
    assert_eq!(
        result.failure(),
        format!(
            "Error: image localhost/app:latest rolled back: unit {unit} failed with it: error restarting systemd unit \"{unit}\" expected \"done\" but received \"failed\""
        ),
        "a rollback fails the run (exit 125), naming the unit"
    );
    assert_eq!(w.inspect("web", ".Image"), v1);
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "v1");
    assert_eq!(w.unit_state(&unit), "active");
    let images = w.rpod(&["inspect", "--format", "{{.Image}}", "web"]).success();
    assert_eq!(images.trim(), v1, "the name points at the old image again");
}

#[test]
fn without_rollback_a_failed_restart_is_an_error() {
    let w = World::new();
    w.import("localhost/app:latest", "v1", &[]);
    let unit = w.service("web", "local", "localhost/app:latest", &[], &[]);
    w.import("localhost/app:latest", "broken", &[BROKEN]);
    let result = w.auto_update(&["--rollback=false", ROW]);
    assert_eq!(result.stdout, format!("{unit},localhost/app:latest,failed,local\n"));
    assert_eq!(
        result.failure(),
        format!(
            "Error: restarting unit {unit} during update: error restarting systemd unit \"{unit}\" expected \"done\" but received \"failed\""
        )
    );
}

#[test]
fn a_child_that_requires_the_updated_unit_comes_back() {
    let w = World::new();
    w.import("localhost/app:latest", "v1", &[]);
    w.import("localhost/other:latest", "other", &[]);
    let parent = w.service("parent", "local", "localhost/app:latest", &[], &[]);
    let requires = format!("--requires={parent}");
    let child = w.service("child", "disabled", "localhost/other:latest", &[], &[&requires]);
    let child_before = w.inspect("child", ".Id");
    w.import("localhost/app:latest", "v2", &[]);
    assert_eq!(w.auto_update(&[ROW]).success(), format!("{parent},localhost/app:latest,true,local\n"));
    assert_eq!(w.unit_state(&child), "active");
    assert_ne!(w.inspect("child", ".Id"), child_before, "systemd restarted the child with its parent");
}

#[test]
fn disabled_fake_and_json() {
    let w = World::new();
    w.import("localhost/app:latest", "v1", &[]);
    let unit = w.service("web", "local", "localhost/app:latest", &[], &[]);
    w.service("off", "disabled", "localhost/app:latest", &[], &[]);
    let json = w.auto_update(&["--format", "json"]).success();
    let rows: serde_json::Value = serde_json::from_str(&json).expect("JSON output");
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "disabled containers are not reported: {json}");
    let row = &rows[0];
    for key in ["Unit", "Container", "ContainerName", "ContainerID", "Image", "Policy", "Updated"] {
        assert!(row.get(key).is_some(), "{key} missing in {json}");
    }
    assert_eq!(row["Unit"], unit.as_str());
    assert!(json.contains("\n    {\n        \"Unit\""), "Podman's 4-space indent: {json}");

    w.service("fake", "fake_value", "localhost/app:latest", &[], &[]);
    let id = w.inspect("fake", ".Id");
    let result = w.auto_update(&[ROW]);
    assert_eq!(result.stdout, format!("{unit},localhost/app:latest,false,local\n"), "the others are still processed");
    assert_eq!(
        result.failure(),
        format!(
            r#"Error: auto-updating container "{id}": invalid auto-update policy "fake_value": valid policies are ["disabled" "image" "local" "registry"]"#
        )
    );
}

#[test]
fn default_table_has_podmans_leading_column() {
    let w = World::new();
    w.import("localhost/app:latest", "v1", &[]);
    w.service("web", "local", "localhost/app:latest", &[], &[]);
    let id = w.inspect("web", ".Id");
    let out = w.auto_update(&[]).success();
    let want = format!(
        "            UNIT                   CONTAINER           IMAGE                 POLICY      UPDATED\n            container-web.service  {} (web)  localhost/app:latest  local       false\n",
        &id[..12]
    );
    assert_eq!(out, want);
    let table = w.auto_update(&["--format", "table {{.Unit}}\t{{.ContainerName}}\t{{.Updated}}"]).success();
    assert_eq!(table, "UNIT                   CONTAINER NAME  UPDATED\ncontainer-web.service  web             false\n");
}

/// Bats' "label=image" with its #18926 child: v2 published → `true`, the container runs the new
/// image, and the unit that `Requires=` it was restarted and runs.
#[test]
fn registry_policy_updates_and_the_child_follows() {
    let w = World::new();
    let reg = TestRegistry::start();
    let image = reg.image("app/alpine", "latest");
    publish(&reg, &image, "v1", &[]);
    let v1 = w.pull(&image);
    let parent = w.service("parent", "image", &image, &[], &[]);
    let requires = format!("--requires={parent}");
    let child = w.service("child", "disabled", &image, &[], &[&requires]);
    let child_before = w.inspect("child", ".Id");
    assert_eq!(w.auto_update(&["--tls-verify=false", ROW]).success(), format!("{parent},{image},false,registry\n"));

    publish(&reg, &image, "v2", &[]);
    assert_eq!(
        w.auto_update(&["--tls-verify=false", "--dry-run", ROW]).success(),
        format!("{parent},{image},pending,registry\n")
    );
    assert_eq!(w.inspect("parent", ".Image"), v1, "a dry run pulls nothing");

    let result = w.auto_update(&["--tls-verify=false", "--rollback=false", ROW]);
    assert!(result.stderr.starts_with("Trying to pull"), "pull progress on stderr: {}", result.stderr);
    assert_eq!(result.success(), format!("{parent},{image},true,registry\n"));
    assert_ne!(w.inspect("parent", ".Image"), v1);
    assert_eq!(w.rpod(&["exec", "parent", "cat", "/version"]).success(), "v2");
    assert_eq!(w.unit_state(&child), "active");
    assert_ne!(w.inspect("child", ".Id"), child_before, "the child was restarted with its parent");
}

/// Bats' "label=image with rollback": a published image that cannot start is rolled back.
#[test]
fn registry_policy_rolls_back_a_broken_image() {
    let w = World::new();
    let reg = TestRegistry::start();
    let image = reg.image("app/broken", "latest");
    publish(&reg, &image, "v1", &[]);
    let v1 = w.pull(&image);
    let unit = w.service("web", "registry", &image, &[], &[]);
    publish(&reg, &image, "broken", &[BROKEN]);
    let result = w.auto_update(&["--tls-verify=false", ROW]);
    assert_eq!(result.stdout, format!("{unit},{image},rolled back,registry\n"));
    assert_eq!(result.code, Some(125));
    assert_eq!(w.inspect("web", ".Image"), v1);
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "v1");
}

/// Bats' "multiple services": one pull per distinct image, whatever the number of containers;
/// disabled and unlabelled containers keep their image.
#[test]
fn one_pull_per_image_and_one_check_per_image() {
    let w = World::new();
    let reg = TestRegistry::start();
    let (a, b) = (reg.image("app/a", "latest"), reg.image("app/b", "latest"));
    for image in [&a, &b] {
        publish(&reg, image, "v1", &[]);
        w.pull(image);
    }
    let units = [
        w.service("a1", "registry", &a, &[], &[]),
        w.service("a2", "image", &a, &[], &[]),
        w.service("b1", "registry", &b, &[], &[]),
    ];
    w.service("off", "disabled", &a, &[], &[]);
    let off_image = w.inspect("off", ".Image");
    for image in [&a, &b] {
        publish(&reg, image, "v2", &[]);
    }
    let checks_before = manifest_requests(&reg);
    let result = w.auto_update(&["--tls-verify=false", ROW]);
    assert_eq!(result.stderr.matches("Trying to pull").count(), 2, "{}", result.stderr);
    assert_eq!(
        result.success(),
        format!("{},{a},true,registry\n{},{a},true,registry\n{},{b},true,registry\n", units[0], units[1], units[2])
    );
    assert_eq!(manifest_requests(&reg) - checks_before, 2 + 2, "one check per image, then one manifest GET per pull");
    assert_eq!(w.inspect("off", ".Image"), off_image);
}

/// Fifty containers on one image cost one manifest request (Podman: fifty).
#[test]
fn fifty_containers_one_manifest_request() {
    let w = World::new();
    let reg = TestRegistry::start();
    let image = reg.image("app/many", "latest");
    publish(&reg, &image, "v1", &[]);
    w.pull(&image);
    for i in 0..50 {
        let (name, unit) = (format!("c{i:02}"), format!("PODMAN_SYSTEMD_UNIT=u{i:02}.service"));
        let mut run = vec![
            "run",
            "-d",
            "--name",
            &name,
            "--label",
            "io.containers.autoupdate=registry",
            "--label",
            &unit,
            &image,
        ];
        run.extend_from_slice(WORKLOAD);
        w.rpod(&run).success();
    }
    publish(&reg, &image, "v2", &[]);
    let before = manifest_requests(&reg);
    let out = w.auto_update(&["--tls-verify=false", "--dry-run", ROW]).success();
    assert_eq!(out.lines().filter(|l| l.ends_with(",pending,registry")).count(), 50, "{out}");
    assert_eq!(manifest_requests(&reg) - before, 1);
}

/// A registry that is down fails its containers with the reason; the others still update.
#[test]
fn a_registry_that_is_down_fails_only_its_containers() {
    let w = World::new();
    let reg = TestRegistry::start();
    let gone = TestRegistry::start();
    let (good, bad) = (reg.image("app/good", "latest"), gone.image("app/gone", "latest"));
    for (registry, image) in [(&reg, &good), (&gone, &bad)] {
        publish(registry, image, "v1", &[]);
        w.pull(image);
    }
    let good_unit = w.service("good", "registry", &good, &[], &[]);
    let bad_unit = w.service("bad", "registry", &bad, &[], &[]);
    let bad_id = w.inspect("bad", ".Id");
    publish(&reg, &good, "v2", &[]);
    drop(gone);
    let result = w.auto_update(&["--tls-verify=false", ROW]);
    assert_eq!(result.stdout, format!("{bad_unit},{bad},failed,registry\n{good_unit},{good},true,registry\n"));
    assert_eq!(result.code, Some(125));
    let prefix = format!("Error: checking image updates for container {bad_id}: ");
    let line = result.stderr.lines().last().unwrap_or_default();
    assert!(line.starts_with(&prefix) && line.contains("Connection refused"), "{}", result.stderr);
    assert_eq!(w.rpod(&["exec", "good", "cat", "/version"]).success(), "v2");
}

/// Bats' "--authfile": an htpasswd + TLS registry. Without the flags the check fails (TLS, then
/// authentication); `--authfile`, `$REGISTRY_AUTH_FILE` and the authfile label (which wins over
/// `--authfile=/dev/null`) all work.
#[test]
fn authfile_and_tls_verify() {
    let w = World::new();
    let reg = TestRegistry::start_with(rpod_e2e::RegistryOptions { tls: true, auth: true });
    let authfile = w.env.dir().join("auth.json");
    reg.write_authfile(&authfile);
    let auth = authfile.to_str().expect("UTF-8 path");
    let image = reg.image("app/private", "latest");
    publish(&reg, &image, "v1", &[]);
    w.rpod(&["pull", "-q", "--tls-verify=false", "--authfile", auth, &image]).success();
    let unit = w.service("priv", "registry", &image, &[], &[]);
    let id = w.inspect("priv", ".Id");
    let prefix = format!("Error: checking image updates for container {id}: ");

    for args in [vec![ROW], vec!["--tls-verify=false", ROW]] {
        let result = w.auto_update(&args);
        assert_eq!(result.stdout, format!("{unit},{image},failed,registry\n"), "{args:?}");
        assert_eq!(result.code, Some(125));
        assert!(result.stderr.lines().last().unwrap_or_default().starts_with(&prefix), "{args:?}: {}", result.stderr);
    }
    let want = format!("{unit},{image},false,registry\n");
    let authfile_flag = format!("--authfile={auth}");
    assert_eq!(w.auto_update(&[&authfile_flag, "--tls-verify=false", "--dry-run", ROW]).success(), want);

    let env = format!("REGISTRY_AUTH_FILE={auth}");
    let rpod = rpod_e2e::rpod_binary();
    let (root, runroot) = (w.env.root(), w.env.runroot());
    let args = [
        "env",
        &env,
        path(&rpod),
        "--root",
        path(&root),
        "--runroot",
        path(&runroot),
        "auto-update",
        "--tls-verify=false",
        "--dry-run",
        ROW,
    ];
    assert_eq!(RunResult::from(w.sandbox.exec(&args)).success(), want, "$REGISTRY_AUTH_FILE");

    let label = format!("io.containers.autoupdate.authfile={auth}");
    let labelled = w.service("labelled", "registry", &image, &["--label", &label], &[]);
    let out = w.auto_update(&["--authfile=/dev/null", "--tls-verify=false", "--dry-run", ROW]);
    assert_eq!(out.code, Some(125), "the unlabelled container fails with /dev/null: {}", out.stderr);
    assert!(out.stdout.contains(&format!("{labelled},{image},false,registry\n")), "the label wins: {}", out.stdout);
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Bats' "using systemd": the shipped service and timer (contrib/systemd), with the timer set
/// to fire at once and rpod pointed at this test's storage, update a container by themselves.
#[test]
fn the_timer_runs_auto_update() {
    let w = World::new();
    w.import("localhost/app:latest", "v1", &[]);
    w.service("web", "local", "localhost/app:latest", &[], &[]);
    let v2 = w.import("localhost/app:latest", "v2", &[]);
    let contrib = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../contrib/systemd/system");
    let rpod = rpod_e2e::rpod_binary();
    let rpod_with_roots =
        format!("{} --root {} --runroot {}", path(&rpod), path(&w.env.root()), path(&w.env.runroot()));
    let service = std::fs::read_to_string(contrib.join("rpod-auto-update.service")).expect("the shipped service");
    w.sandbox.install_unit("rpod-auto-update.service", &service.replace("@@RPOD@@", &rpod_with_roots));
    let timer = std::fs::read_to_string(contrib.join("rpod-auto-update.timer")).expect("the shipped timer");
    let timer =
        timer.replace("OnCalendar=daily", "OnActiveSec=0s").replace("RandomizedDelaySec=900", "RandomizedDelaySec=0");
    w.sandbox.install_unit("rpod-auto-update.timer", &timer);
    w.sandbox.check(&["systemctl", "start", "rpod-auto-update.timer"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    // Like bats' _confirm_update: the container may be missing for a moment while it is recreated.
    // The record shows the new image as soon as `run` created it; wait until it also runs.
    while w.rpod(&["inspect", "--format", "{{.Image}} {{.State.Status}}", "web"]).stdout.trim()
        != format!("{v2} running")
    {
        assert!(std::time::Instant::now() < deadline, "the timer's run did not update the container");
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    assert_eq!(w.rpod(&["exec", "web", "cat", "/version"]).success(), "v2");
}

/// A registry that serves a layer that does not match its digest: the pull fails, the container
/// is `failed` with the reason, nothing is restarted, and other units still update.
#[test]
fn a_corrupt_layer_fails_the_pull_only() {
    let w = World::new();
    let reg = TestRegistry::start();
    let (good, bad) = (reg.image("app/good", "latest"), reg.image("app/bad", "latest"));
    for image in [&good, &bad] {
        publish(&reg, image, "v1", &[]);
        w.pull(image);
    }
    let good_unit = w.service("good", "registry", &good, &[], &[]);
    let bad_unit = w.service("bad", "registry", &bad, &[], &[]);
    let (bad_id, bad_ctr) = (w.inspect("bad", ".Image"), w.inspect("bad", ".Id"));
    publish(&reg, &good, "v2", &[]);
    let broken = published("v2-bad", &[]);
    reg.publish("app/bad", "latest", &broken);
    let digest = image::blobs::sha256_digest(&broken.layer);
    let hex = digest.trim_start_matches("sha256:");
    let data = reg.storage().join(format!("docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2]));
    std::fs::write(&data, b"not the layer").expect("corrupting the layer in the registry's storage");

    let result = w.auto_update(&["--tls-verify=false", ROW]);
    assert_eq!(result.stdout, format!("{bad_unit},{bad},failed,registry\n{good_unit},{good},true,registry\n"));
    assert_eq!(result.code, Some(125));
    let line = result.stderr.lines().last().unwrap_or_default();
    assert!(
        line.starts_with(&format!("Error: updating image for container {bad_ctr}: ")) && line.contains(&digest),
        "{}",
        result.stderr
    );
    assert_eq!(w.inspect("bad", ".Image"), bad_id, "no restart onto a half-pulled image");
    assert_eq!(w.unit_state(&bad_unit), "active");
}

/// Two runs at once (the timer and a manual run): the run lock makes the second wait, so the
/// unit is restarted once and the second run finds the container up to date.
#[test]
fn concurrent_runs_update_once() {
    let w = World::new();
    w.import("localhost/app:latest", "v1", &[]);
    let unit = w.service("web", "local", "localhost/app:latest", &[], &[]);
    w.import("localhost/app:latest", "v2", &[]);
    let rpod = rpod_e2e::rpod_binary();
    let (root, runroot) = (w.env.root(), w.env.runroot());
    let runs: Vec<std::process::Child> = (0..2)
        .map(|_| {
            std::process::Command::new(env!("CARGO_MANIFEST_DIR").to_string() + "/sandbox/rpod-test-sandbox")
                .arg("run")
                .arg(w.sandbox.dir())
                .args([path(&rpod), "--root", path(&root), "--runroot", path(&runroot), "auto-update", ROW])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("an auto-update run")
        })
        .collect();
    let mut outputs: Vec<String> = runs
        .into_iter()
        .map(|run| String::from_utf8_lossy(&run.wait_with_output().expect("the run's output").stdout).into_owned())
        .collect();
    outputs.sort();
    assert_eq!(
        outputs,
        [format!("{unit},localhost/app:latest,false,local\n"), format!("{unit},localhost/app:latest,true,local\n")]
    );
}

/// A digest reference can never change: `false` with a warning, not a failed run (Podman
/// #21190 fails the whole run), and no registry request.
#[test]
fn a_digest_reference_is_not_updatable() {
    let w = World::new();
    let reg = TestRegistry::start();
    let image = reg.image("app/pinned", "latest");
    let digest = publish(&reg, &image, "v1", &[]);
    w.pull(&image);
    let pinned = format!("{}/app/pinned@{digest}", reg.host());
    let unit = w.service("pin", "registry", &pinned, &[], &[]);
    let before = manifest_requests(&reg);
    let result = w.auto_update(&["--tls-verify=false", ROW]);
    assert!(result.stderr.contains("digest reference"), "a note on stderr: {}", result.stderr);
    assert_eq!(result.success(), format!("{unit},{pinned},false,registry\n"));
    assert_eq!(manifest_requests(&reg), before);
}

/// Units on different images restart together (one wave); all come back on their new image.
#[test]
fn independent_units_restart_together() {
    let w = World::new();
    let names: Vec<String> = (0..6).map(|i| format!("app{i}")).collect();
    let mut want = String::new();
    for name in &names {
        let image = format!("localhost/{name}:latest");
        w.import(&image, "v1", &[]);
        let unit = w.service(name, "local", &image, &[], &[]);
        want.push_str(&format!("{unit},{image},true,local\n"));
    }
    for name in &names {
        w.import(&format!("localhost/{name}:latest"), "v2", &[]);
    }
    assert_eq!(w.auto_update(&[ROW]).success(), want);
    for name in &names {
        assert_eq!(w.rpod(&["exec", name, "cat", "/version"]).success(), "v2", "{name}");
    }
}

/// Issue 12: a registry that answers the digest check's HEAD without Docker-Content-Digest
/// and then streams an endless manifest makes that container's row failed, with the limit as
/// the reason; rpod stops reading at 4 MiB instead of holding the body in memory.
#[test]
fn a_hostile_registrys_endless_manifest_fails_its_check_at_the_limit() {
    let w = World::new();
    let registry = FaultyRegistry::start(Fault::Endless { size: 512 << 20, announced: false });
    let image = registry.image("app", "1");
    w.import(&image, "v1", &[]);
    let unit = w.service("hostile", "registry", &image, &[], &[]);
    let id = w.inspect("hostile", ".Id");
    let result = w.auto_update(&["--tls-verify=false", "--dry-run", ROW]);
    assert_eq!(result.stdout, format!("{unit},{image},failed,registry\n"), "{}", result.stderr);
    let line = result.failure();
    assert!(line.starts_with(&format!("Error: checking image updates for container {id}: ")), "{line}");
    assert!(line.ends_with(&format!("{image}: manifest exceeds the 4194304-byte limit")), "{line}");
    assert!(
        registry.bytes_sent() < (4 << 20) + (16 << 20),
        "the check kept reading: {} bytes sent",
        registry.bytes_sent()
    );
}
