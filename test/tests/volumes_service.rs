//! Issue 15's end-to-end case: data that survives an update. Under the systemd sandbox, units
//! from `generate systemd --new` run Debian's redis (append-only file in a named volume) and
//! nginx (its logs in a bind-mounted host directory); the image is updated v1 → v2 in a real
//! loopback registry and moved by `auto-update`; redis still serves the key it was given, and
//! nginx's log directory keeps receiving its access log. Podman 4.3.1 runs the same steps first.
//! The registry, the sandbox and every container live in the test's own network namespace
//! (`--network host` there), so nothing touches the machine's network.

use std::ffi::OsString;
use std::time::Duration;

use rpod_e2e::{eventually, Engine, NetNs, Podman, RunResult, Sandbox, TestEnv, TestRegistry};

/// The repository both engines pull from; each engine has a tag of its own.
const REPOSITORY: &str = "services/bookworm";

/// One engine driven inside the sandbox: its command line and environment, which its units get
/// too (`Environment=`), so the units' engine sees the same storage and configuration.
struct Side<'a> {
    engine: &'a dyn Engine,
    sandbox: &'a Sandbox,
    registries_conf: String,
}

impl Side<'_> {
    /// The engine's environment as `(name, value)` pairs, the registries.conf included.
    fn environment(&self) -> Vec<(String, String)> {
        let command = self.engine.command();
        let mut env: Vec<(String, String)> = command
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_string_lossy().into_owned(), v?.to_string_lossy().into_owned())))
            .collect();
        env.push(("CONTAINERS_REGISTRIES_CONF".into(), self.registries_conf.clone()));
        env
    }

    /// `ENGINE ARGS` inside the sandbox.
    fn run(&self, args: &[&str]) -> RunResult {
        let command = self.engine.command();
        let mut argv: Vec<OsString> = vec!["env".into()];
        argv.extend(self.environment().into_iter().map(|(k, v)| OsString::from(format!("{k}={v}"))));
        argv.push(command.get_program().to_os_string());
        argv.extend(command.get_args().map(|a| a.to_os_string()));
        argv.extend(args.iter().map(OsString::from));
        self.sandbox.exec(&argv).into()
    }

    fn check(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.code,
            Some(0),
            "{} {args:?}:\nstdout: {}\nstderr: {}",
            self.engine.name(),
            out.stdout,
            out.stderr
        );
        out.stdout
    }

    /// Creates container `name` from `create`, turns it into a `--new` unit with the engine's
    /// environment, removes the container and starts the unit; returns the unit's name.
    fn service(&self, name: &str, create: &[&str]) -> String {
        let mut args =
            vec!["create", "--name", name, "--network", "host", "--label", "io.containers.autoupdate=registry"];
        args.extend_from_slice(create);
        self.check(&args);
        let text = self.check(&["generate", "systemd", "--new", "--name", name]);
        let environment: String = self.environment().iter().map(|(k, v)| format!("Environment={k}={v}\n")).collect();
        let text = text.replacen("[Service]\n", &format!("[Service]\n{environment}"), 1);
        let unit = format!("container-{name}.service");
        self.sandbox.install_unit(&unit, &text);
        self.check(&["rm", name]);
        self.sandbox.start_unit(&unit);
        unit
    }
}

#[test]
fn redis_keeps_its_data_and_nginx_its_logs_across_an_auto_update() {
    let netns = NetNs::new();
    let registry = TestRegistry::start_in(&netns);
    let base = layered::BaseLayer::bookworm();
    let podman = Podman::new();
    let rpod = TestEnv::new();
    let registries_conf = rpod.dir().join("registries.conf");
    let insecure = format!("[[registry]]\nlocation = \"{}\"\ninsecure = true\n", registry.host());
    std::fs::write(&registries_conf, insecure).expect("writing registries.conf");
    // Declared last, so it powers off (its units removing their containers) before the rest goes.
    let sandbox = Sandbox::start_in(&netns);
    for engine in [&podman as &dyn Engine, &rpod] {
        let side = Side { engine, sandbox: &sandbox, registries_conf: registries_conf.display().to_string() };
        run_case(&side, &netns, &registry, &base, &rpod);
    }
}

/// The steps, for one engine.
fn run_case(side: &Side, netns: &NetNs, registry: &TestRegistry, base: &layered::BaseLayer, scratch: &TestEnv) {
    let who = side.engine.name();
    let image = format!("{}/{REPOSITORY}:{who}", registry.host());
    layered::publish(netns, registry, &image, base, "v1");
    side.check(&["pull", "-q", &image]);
    let logs = scratch.dir().join(format!("nginx-logs-{who}"));
    std::fs::create_dir_all(&logs).expect("the nginx log directory");
    let log_mount = format!("{}:/var/log/nginx", logs.display());

    let redis = format!("redis-{who}");
    let volume = format!("redis-data-{who}");
    let data = format!("{volume}:/data");
    let redis_args = ["--user", "redis", "-v", &data, &image, "redis-server", "--appendonly", "yes", "--dir", "/data"];
    let redis_unit = side.service(&redis, &redis_args);
    let nginx = format!("nginx-{who}");
    let nginx_unit = side.service(&nginx, &["-v", &log_mount, &image, "nginx", "-g", "daemon off;"]);

    let cli = |args: &[&str]| side.run(&[&["exec", &redis, "redis-cli"], args].concat());
    assert!(eventually(Duration::from_secs(30), || cli(&["ping"]).stdout == "PONG\n"), "{who}: redis never answered");
    assert_eq!(cli(&["set", "greeting", "kept across updates"]).stdout, "OK\n", "{who}");
    assert!(eventually(Duration::from_secs(30), || netns.http_status("http://127.0.0.1/") == "200"), "{who}: nginx");
    let access_log = logs.join("access.log").display().to_string();
    let log_lines = || String::from_utf8_lossy(&side.sandbox.exec(&["cat", &access_log]).stdout).lines().count();
    let received = eventually(Duration::from_secs(10), || log_lines() == 1);
    assert!(received, "{who}: the bind-mounted directory received nginx's access log");
    let redis_before = side.check(&["inspect", "--format", "{{.Id}}", &redis]);

    layered::publish(netns, registry, &image, base, "v2");
    let updated = side.check(&["auto-update", "--format", "{{.Unit}} {{.Updated}}"]);
    let mut rows: Vec<&str> = updated.lines().collect();
    rows.sort_unstable();
    assert_eq!(rows, [format!("{nginx_unit} true"), format!("{redis_unit} true")], "{who}: {updated}");
    assert_eq!(side.sandbox.unit_state(&redis_unit), "active", "{who}");
    let redis_after = side.check(&["inspect", "--format", "{{.Id}}", &redis]);
    assert_ne!(redis_before, redis_after, "{who}: auto-update recreated the container");
    assert_eq!(side.check(&["exec", &redis, "cat", "/version"]), "v2", "{who}: it runs the new image");

    assert!(eventually(Duration::from_secs(30), || cli(&["ping"]).stdout == "PONG\n"), "{who}: redis after the update");
    assert_eq!(cli(&["get", "greeting"]).stdout, "kept across updates\n", "{who}: the key survived the update");
    let mounts =
        side.check(&["inspect", "--format", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}", &redis]);
    assert_eq!(mounts.trim(), format!("volume {volume} /data"), "{who}");
    assert_eq!(side.check(&["volume", "ls", "--format", "{{.Name}}"]), format!("{volume}\n"), "{who}: no other volume");

    assert!(eventually(Duration::from_secs(30), || netns.http_status("http://127.0.0.1/") == "200"), "{who}: nginx v2");
    let appended = eventually(Duration::from_secs(10), || log_lines() == 2);
    assert!(appended, "{who}: the new nginx appends to the same access log");

    for unit in [&redis_unit, &nginx_unit] {
        side.sandbox.check(&["systemctl", "stop", unit]);
    }
    assert_eq!(side.check(&["ps", "-a", "--format", "{{.Names}}"]), "", "{who}: the units removed their containers");
    assert_eq!(
        side.check(&["volume", "ls", "--format", "{{.Name}}"]),
        format!("{volume}\n"),
        "{who}: the volume stays"
    );
}

/// The Debian image as two layers, published over the registry API: the bookworm root
/// filesystem (uploaded once) and a small layer with `/version`, which is all v1 and v2 differ in.
mod layered {
    use std::process::Command;

    use rpod_e2e::{NetNs, TestRegistry};

    /// The big layer: its bytes and digest, computed once for the test.
    pub struct BaseLayer {
        pub tar: Vec<u8>,
        pub digest: String,
    }

    impl BaseLayer {
        pub fn bookworm() -> BaseLayer {
            let tar = std::fs::read(rpod_e2e::debian_image::bookworm_rootfs()).expect("reading the bookworm tar");
            let digest = image::blobs::sha256_digest(&tar);
            BaseLayer { tar, digest }
        }
    }

    /// A tar holding `/version` with `text`.
    fn version_layer(text: &str) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(1_700_000_000);
        builder.append_data(&mut header, "version", text.as_bytes()).expect("the version entry");
        builder.into_inner().expect("the version layer")
    }

    /// Publishes base + `/version` = `version` as `image` (`HOST/REPO:TAG`).
    pub fn publish(netns: &NetNs, registry: &TestRegistry, image: &str, base: &BaseLayer, version: &str) {
        let (repository, tag) = image.split_once('/').and_then(|(_, path)| path.rsplit_once(':')).expect("a tag");
        let top = version_layer(version);
        let top_digest = image::blobs::sha256_digest(&top);
        let config = serde_json::to_vec(&serde_json::json!({
            "created": "2026-11-30T00:00:00Z",
            "architecture": image::Platform::host().architecture,
            "os": "linux",
            "config": {"Cmd": ["bash"], "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
            "rootfs": {"type": "layers", "diff_ids": [base.digest, top_digest]},
        }))
        .expect("an image config");
        let layer = |digest: &str, size: usize| serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": size});
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": image::blobs::sha256_digest(&config), "size": config.len()},
            "layers": [layer(&base.digest, base.tar.len()), layer(&top_digest, top.len())],
        }))
        .expect("a manifest");
        let url = |path: &str| format!("http://{}/v2/{repository}/{path}", registry.host());
        let staging = tempfile::NamedTempFile::new_in(rpod_e2e::rpod::TEST_BASE).expect("a staging file");
        for blob in [&base.tar, &top, &config] {
            let digest = image::blobs::sha256_digest(blob);
            let present = netns.http_status(&url(&format!("blobs/{digest}")));
            if present == "200" {
                continue;
            }
            let headers = curl(netns, &["-X", "POST", "-D", "-", "-o", "/dev/null", &url("blobs/uploads/")]);
            let location = headers
                .lines()
                .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("location")).map(|(_, v)| v))
                .expect("an upload location")
                .trim()
                .to_string();
            let location =
                if location.starts_with("http") { location } else { format!("http://{}{location}", registry.host()) };
            let separator = if location.contains('?') { '&' } else { '?' };
            std::fs::write(staging.path(), blob).expect("staging a blob");
            let data = format!("@{}", staging.path().display());
            // Without a content type curl sends a form, which the registry parses, eating the blob.
            let octets = "Content-Type: application/octet-stream";
            let put = format!("{location}{separator}digest={digest}");
            curl(netns, &["-X", "PUT", "-H", octets, "--data-binary", &data, &put]);
        }
        std::fs::write(staging.path(), &manifest).expect("staging the manifest");
        let content_type = "Content-Type: application/vnd.oci.image.manifest.v1+json";
        let data = format!("@{}", staging.path().display());
        curl(netns, &["-X", "PUT", "-H", content_type, "--data-binary", &data, &url(&format!("manifests/{tag}"))]);
    }

    /// curl inside the namespace; panics unless it succeeds; returns what it printed.
    fn curl(netns: &NetNs, args: &[&str]) -> String {
        let mut command = Command::new("curl");
        command.args(["-sS", "--fail-with-body"]).args(args);
        let out = netns.run(&command);
        assert_eq!(out.code, Some(0), "curl {args:?}: {}{}", out.stdout, out.stderr);
        out.stdout
    }
}
