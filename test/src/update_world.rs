//! The world of the auto-update tests: private rpod roots and a systemd sandbox whose manager
//! runs units from `rpod generate systemd --new`, images to import or publish, and the
//! registry's manifest request count.

use crate::{RunResult, Sandbox, TestEnv, TestImage, TestRegistry};

/// A command that stops at once on SIGTERM (a plain `sleep` as PID 1 ignores it, and every
/// restart would wait for the stop timeout).
pub const WORKLOAD: &[&str] = &["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"];

/// An image config whose entrypoint does not exist: its containers fail to start, so the
/// restart job of their unit fails.
pub const BROKEN: &str = r#"ENTRYPOINT=["/nonexistent"]"#;

/// One test's world: private rpod roots and a systemd sandbox whose manager runs the units.
/// Every rpod command runs inside the sandbox, so the tests and the units see the same storage.
pub struct World {
    // Declared first so it is dropped (powered off) before the test directory goes.
    pub sandbox: Sandbox,
    pub env: TestEnv,
}

impl Drop for World {
    /// Containers started outside units die with the sandbox, before any monitor deletes their
    /// runtime state: removing them first keeps their cgroups from outliving the test on the host.
    fn drop(&mut self) {
        let _ = self.rpod(&["rm", "--force", "--all", "--time", "0"]);
    }
}

impl Default for World {
    fn default() -> World {
        World::new()
    }
}

impl World {
    pub fn new() -> World {
        World { sandbox: Sandbox::start(), env: TestEnv::new() }
    }

    /// `rpod ARGS` inside the sandbox with this test's roots.
    pub fn rpod(&self, args: &[&str]) -> RunResult {
        self.sandbox.rpod(&self.env, args)
    }

    pub fn unit_state(&self, unit: &str) -> String {
        self.sandbox.unit_state(unit)
    }

    /// Imports a busybox image whose `/version` says `version` as `name`, with image config
    /// `changes`; returns its ID.
    pub fn import(&self, name: &str, version: &str, changes: &[&str]) -> String {
        let tarball = self.env.dir().join(format!("{version}.tar"));
        TestImage::busybox(&[("version", version)], &[]).write_rootfs(&tarball);
        let mut args = vec!["import"];
        for change in changes {
            args.extend(["--change", change]);
        }
        args.extend([tarball.to_str().expect("UTF-8 path"), name]);
        self.rpod(&args).success().trim().trim_start_matches("sha256:").to_string()
    }

    /// Pulls `name` into this test's storage; returns the image ID.
    pub fn pull(&self, name: &str) -> String {
        self.rpod(&["pull", "-q", "--tls-verify=false", name])
            .success()
            .trim()
            .trim_start_matches("sha256:")
            .to_string()
    }

    /// Creates container `name` (policy label `policy`, `extra` create flags), writes its unit
    /// with `generate systemd --new` (plus `generate` flags), removes the container and starts
    /// the unit, like bats' `generate_service`. Returns the unit name.
    pub fn service(&self, name: &str, policy: &str, image: &str, extra: &[&str], generate: &[&str]) -> String {
        let label = format!("io.containers.autoupdate={policy}");
        let mut create = vec!["create", "--name", name, "--label", &label];
        create.extend_from_slice(extra);
        create.push(image);
        create.extend_from_slice(WORKLOAD);
        self.rpod(&create).success();
        let mut gen = vec!["generate", "systemd", "--new", "--name"];
        gen.extend_from_slice(generate);
        gen.push(name);
        let text = self.rpod(&gen).success();
        let unit = format!("container-{name}.service");
        self.sandbox.install_unit(&unit, &text);
        self.rpod(&["rm", name]).success();
        self.sandbox.start_unit(&unit);
        unit
    }

    pub fn inspect(&self, name: &str, field: &str) -> String {
        self.rpod(&["inspect", "--format", &format!("{{{{{field}}}}}"), name]).success().trim().to_string()
    }

    pub fn auto_update(&self, args: &[&str]) -> RunResult {
        self.rpod(&[&["auto-update"], args].concat())
    }
}

/// A busybox image for the registry whose `/version` says `version`.
pub fn published(version: &str, changes: &[&str]) -> TestImage {
    TestImage::busybox(&[("version", version)], changes)
}

/// Publishes a busybox image (see [`published`]) as `image` (`HOST/REPO:TAG`) to `registry`;
/// returns the manifest digest.
pub fn publish(registry: &TestRegistry, image: &str, version: &str, changes: &[&str]) -> String {
    publish_image(registry, image, &published(version, changes))
}

/// Publishes `content` as `image` (`HOST/REPO:TAG`) to `registry`; returns the manifest digest.
pub fn publish_image(registry: &TestRegistry, image: &str, content: &TestImage) -> String {
    let path = image.split_once('/').map_or(image, |(_, path)| path);
    let (repo, tag) = path.rsplit_once(':').unwrap_or((path, "latest"));
    registry.publish(repo, tag, content)
}

/// Manifest requests (HEAD or GET) the registry has served. It logs a request after answering
/// it, so the count is read until it stops changing.
pub fn manifest_requests(registry: &TestRegistry) -> usize {
    let count = || registry.count_requests("HEAD", "/manifests/") + registry.count_requests("GET", "/manifests/");
    let mut last = count();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let now = count();
        if now == last {
            return now;
        }
        last = now;
    }
}
