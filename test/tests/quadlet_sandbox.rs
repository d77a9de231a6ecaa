//! Quadlet end to end under a real systemd manager (the sandbox): the generator installed by
//! contrib/systemd/install-generator.sh; a `.container` with `AutoUpdate=registry` and a
//! `Volume=` of a `.volume` file installed by `rpod quadlet install`, whose reload makes the
//! units; the service starts (its volume unit first), `rpod auto-update` moves it to v2
//! keeping the volume's data, and a broken v3 is rolled back; then `rpod quadlet list`, `print`
//! and `rm` (refused while running, `--force` stops the service). A second test, in its own
//! network namespace, covers the keys that need networks and health checks: a `.network`
//! file, `PublishPort=`, `Notify=healthy` with `HealthCmd=`, through an update.

use std::path::Path;

use quadlet_support::generator;
use rpod_e2e::{RunResult, Sandbox, TestEnv, TestImage, TestRegistry};

// Shared with the case runners, which use the rest of it.
#[allow(dead_code)]
mod quadlet_support;

/// Appends the image's version to the volume, then waits; stops at once on SIGTERM.
const EXEC: &str =
    r#"Exec=sh -c "cat /version >> /data/log; echo >> /data/log; trap 'exit 0' TERM; while :; do sleep 1; done""#;

struct World {
    // Declared first so it is powered off before the test directory goes.
    sandbox: Sandbox,
    env: TestEnv,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = self.sandbox.exec(&["systemctl", "stop", "web.service", "data-volume.service"]);
        let _ = self.rpod(&["rm", "--force", "--all", "--time", "0"]);
    }
}

impl World {
    fn rpod(&self, args: &[&str]) -> RunResult {
        self.sandbox.rpod(&self.env, args)
    }

    fn exec_in_web(&self, args: &[&str]) -> String {
        self.rpod(&[&["exec", "web"], args].concat()).success()
    }
}

fn publish(reg: &TestRegistry, version: &str, changes: &[&str]) {
    reg.publish("app/web", "latest", &TestImage::busybox(&[("version", version)], changes));
}

#[test]
fn a_quadlet_service_starts_and_auto_update_moves_it_keeping_its_volume() {
    let w = World { sandbox: Sandbox::start(), env: TestEnv::new() };
    let reg = TestRegistry::start();
    let image = reg.image("app/web", "latest");
    publish(&reg, "v1", &[]);
    w.rpod(&["pull", "-q", "--tls-verify=false", &image]).success();

    let quadlet = generator().canonicalize().expect("rpod-quadlet is built");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contrib/systemd/install-generator.sh");
    w.sandbox.check(&["bash", script.to_str().unwrap(), "--quadlet", quadlet.to_str().unwrap(), "--no-reload"]);

    let global = format!("GlobalArgs=--root {} --runroot {}", w.env.root().display(), w.env.runroot().display());
    let volume = format!("[Volume]\n{global}\nVolumeName=webdata\n");
    let container = format!(
        "[Unit]\nDescription=web, kept up to date\n\n[Container]\n{global}\nImage={image}\nContainerName=web\n\
         AutoUpdate=registry\nVolume=data.volume:/data\nNetwork=host\n{EXEC}\n\n[Service]\nTimeoutStartSec=60\n\n\
         [Install]\nWantedBy=multi-user.target\n"
    );
    // `rpod quadlet install DIR` copies the directory's Quadlet files and reloads systemd.
    let staged = w.sandbox.dir().join("quadlets");
    std::fs::create_dir_all(&staged).unwrap();
    std::fs::write(staged.join("data.volume"), &volume).unwrap();
    std::fs::write(staged.join("web.container"), &container).unwrap();
    std::fs::write(staged.join("README"), "not a Quadlet file").unwrap();
    assert_eq!(
        w.rpod(&["quadlet", "install", staged.to_str().unwrap()]).success(),
        "/etc/containers/systemd/data.volume\n/etc/containers/systemd/web.container\n"
    );

    let unit = w.sandbox.check(&["systemctl", "cat", "web.service"]);
    let rpod = quadlet.with_file_name("rpod");
    assert!(unit.contains(&format!("ExecStart={} --root", rpod.display())), "{unit}");
    assert!(unit.contains("Requires=data-volume.service"), "{unit}");
    assert_eq!(w.sandbox.check(&["systemctl", "is-enabled", "web.service"]).trim(), "generated");
    let wants = w.sandbox.check(&["readlink", "/run/systemd/generator/multi-user.target.wants/web.service"]);
    assert_eq!(wants.trim(), "../web.service", "[Install] WantedBy= became a link");

    w.sandbox.start_unit("web.service");
    assert_eq!(w.sandbox.unit_state("data-volume.service"), "active");
    assert_eq!(w.sandbox.unit_state("web.service"), "active");
    assert_eq!(w.rpod(&["volume", "ls", "--format", "{{.Name}}"]).success(), "webdata\n");
    assert_eq!(w.exec_in_web(&["cat", "/data/log"]), "v1\n");
    let labels =
        "{{index .Config.Labels \"io.containers.autoupdate\"}} {{index .Config.Labels \"PODMAN_SYSTEMD_UNIT\"}}";
    assert_eq!(w.rpod(&["inspect", "--format", labels, "web"]).success().trim(), "registry web.service");

    const ROW: &str = "--format={{.Unit}},{{.Image}},{{.Updated}},{{.Policy}}";
    publish(&reg, "v2", &[]);
    assert_eq!(
        w.rpod(&["auto-update", "--tls-verify=false", ROW]).success(),
        format!("web.service,{image},true,registry\n")
    );
    assert_eq!(w.sandbox.unit_state("web.service"), "active");
    assert_eq!(w.exec_in_web(&["cat", "/version"]), "v2");
    assert_eq!(w.exec_in_web(&["cat", "/data/log"]), "v1\nv2\n", "the volume's data outlived the old container");
    let v2 = w.rpod(&["inspect", "--format", "{{.Image}}", "web"]).success();

    publish(&reg, "broken", &[r#"ENTRYPOINT=["/nonexistent"]"#]);
    // Whether a rollback also fails the command is auto-update's business (Podman's exits 125).
    let rollback = w.rpod(&["auto-update", "--tls-verify=false", ROW]);
    assert_eq!(rollback.stdout, format!("web.service,{image},rolled back,registry\n"), "{}", rollback.stderr);
    assert_eq!(w.sandbox.unit_state("web.service"), "active");
    assert_eq!(w.rpod(&["inspect", "--format", "{{.Image}}", "web"]).success(), v2);
    assert_eq!(w.exec_in_web(&["cat", "/data/log"]), "v1\nv2\nv2\n", "back on v2, with the same volume");

    let rows = w.rpod(&["quadlet", "list", "--format", "{{.Name}} {{.UnitName}} {{.Status}}"]).success();
    assert_eq!(rows, "data.volume data-volume.service active/exited\nweb.container web.service active/running\n");
    let table = w.rpod(&["quadlet", "list"]).success();
    let header: Vec<&str> = table.lines().next().unwrap_or_default().split("  ").filter(|c| !c.is_empty()).collect();
    let header: Vec<&str> = header.iter().map(|c| c.trim()).collect();
    assert_eq!(header, ["NAME", "UNIT NAME", "PATH ON DISK", "STATUS", "APPLICATION"], "{table}");
    assert_eq!(w.rpod(&["quadlet", "print", "data.volume"]).success(), volume);
    let refused = w.rpod(&["quadlet", "rm", "web.container"]);
    assert_eq!(refused.code, Some(125));
    assert_eq!(
        refused.stderr,
        "Error: unable to remove Quadlet web.container: quadlet web.container is running and force is not set, \
         refusing to remove\nError: some quadlets could not be removed\n"
    );
    assert_eq!(w.rpod(&["quadlet", "rm", "--force", "web.container"]).success(), "web.container\n");
    assert_eq!(w.sandbox.unit_state("web.service"), "inactive");
    assert_eq!(w.rpod(&["container", "exists", "web"]).code, Some(1), "stopping the unit removed the container");
    let listed = w.rpod(&["quadlet", "list", "--noheading", "--format", "table {{.Name}}"]).success();
    assert_eq!(listed, "data.volume\n");
}

/// The keys that need a network and health checks, in the test's own network namespace: a
/// `.network` file makes the network its container joins, `PublishPort=` answers on 127.0.0.1,
/// `Notify=healthy` holds the start until the first passing `HealthCmd=`, and auto-update's
/// restart of the unit waits for the new container to be healthy too.
#[test]
fn a_published_healthy_service_on_a_quadlet_network_updates() {
    let netns = rpod_e2e::NetNs::new();
    let reg = TestRegistry::start_in(&netns);
    let w = World { sandbox: Sandbox::start_in(&netns), env: TestEnv::new() };
    let image = reg.image("app/web", "latest");
    publish(&reg, "v1", &[]);
    w.rpod(&["pull", "-q", "--tls-verify=false", &image]).success();
    let quadlet = generator().canonicalize().expect("rpod-quadlet is built");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contrib/systemd/install-generator.sh");
    w.sandbox.check(&["bash", script.to_str().unwrap(), "--quadlet", quadlet.to_str().unwrap(), "--no-reload"]);

    let global = format!("GlobalArgs=--root {} --runroot {}", w.env.root().display(), w.env.runroot().display());
    let staged = w.sandbox.dir().join("quadlets");
    std::fs::create_dir_all(&staged).unwrap();
    // The container resolves no names. With DNS on, netavark currently fails in the sandbox to
    // create aardvark-dns's directory (left to the network work, issue 16).
    std::fs::write(staged.join("front.network"), format!("[Network]\n{global}\nNetworkName=front\nDisableDNS=true\n"))
        .unwrap();
    let exec = r#"Exec=sh -c "sleep 1; echo > /tmp/ready; exec busybox httpd -f -p 8080 -h /""#;
    std::fs::write(
        staged.join("web.container"),
        format!(
            "[Container]\n{global}\nImage={image}\nContainerName=web\nAutoUpdate=registry\nNetwork=front.network\n\
             PublishPort=127.0.0.1:18080:8080\nNotify=healthy\nHealthCmd=test -e /tmp/ready\nHealthInterval=1s\n\
             HealthStartPeriod=20s\nStopTimeout=2\n{exec}\n\n[Service]\nTimeoutStartSec=60\n"
        ),
    )
    .unwrap();
    w.rpod(&["quadlet", "install", staged.to_str().unwrap()]).success();

    let begun = std::time::Instant::now();
    w.sandbox.start_unit("web.service");
    assert!(begun.elapsed() >= std::time::Duration::from_secs(1), "READY waited for the health check");
    assert_eq!(w.sandbox.unit_state("front-network.service"), "active");
    assert_eq!(w.rpod(&["inspect", "--format", "{{.State.Health.Status}}", "web"]).success(), "healthy\n");
    let fetch = || w.sandbox.check(&["curl", "-sS", "--max-time", "5", "http://127.0.0.1:18080/version"]);
    assert_eq!(fetch(), "v1");

    publish(&reg, "v2", &[]);
    const ROW: &str = "--format={{.Unit}},{{.Updated}}";
    assert_eq!(w.rpod(&["auto-update", "--tls-verify=false", ROW]).success(), "web.service,true\n");
    assert_eq!(w.rpod(&["inspect", "--format", "{{.State.Health.Status}}", "web"]).success(), "healthy\n");
    assert_eq!(fetch(), "v2");
    w.sandbox.check(&["systemctl", "stop", "web.service"]);
}
