//! `rpod generate systemd` against the real binary: Podman's e2e cases
//! (test/e2e/generate_systemd_test.go) that apply to containers, with every generated unit
//! checked by `systemd-analyze verify` (systemd's parser; no manager is started).
//!
//! The containers are written into the state store with libpod's own store API, with the create
//! command `rpod create` records; once `rpod create` is on main these records come from it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::json;

/// A private `--root`/`--runroot` under /var/tmp (never /tmp: the systemd sandbox hides it).
struct Rpod {
    dir: tempfile::TempDir,
}

impl Rpod {
    fn new() -> Rpod {
        let base = Path::new("/var/tmp/rpod-tests");
        std::fs::create_dir_all(base).expect("creating /var/tmp/rpod-tests");
        Rpod { dir: tempfile::tempdir_in(base).expect("a test directory") }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn runroot(&self) -> PathBuf {
        self.dir.path().join("runroot")
    }

    fn binary() -> PathBuf {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/rpod");
        assert!(bin.exists(), "{} is missing: build it first (cargo build -p rpod, or test/run)", bin.display());
        bin.canonicalize().expect("the rpod path")
    }

    /// Runs `rpod --root R --runroot RR ARGS` in `cwd` (the test directory by default).
    fn run_in(&self, cwd: &Path, args: &[&str]) -> Output {
        Command::new(Self::binary())
            .arg("--root")
            .arg(self.root())
            .arg("--runroot")
            .arg(self.runroot())
            .args(args)
            .current_dir(cwd)
            .env_remove("RPOD_ROOT")
            .env_remove("RPOD_RUNROOT")
            .output()
            .expect("running rpod")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in(self.dir.path(), args)
    }

    /// `generate systemd ARGS`, which must succeed; its stdout.
    fn generate(&self, args: &[&str]) -> String {
        let out = self.run(&[&["generate", "systemd"], args].concat());
        assert!(out.status.success(), "generate systemd {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// `generate systemd ARGS`, which must fail with exit code 125 and a message containing `want`.
    fn generate_fails(&self, args: &[&str], want: &str) {
        let out = self.run(&[&["generate", "systemd"], args].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "generate systemd {args:?} should fail: {stderr}");
        assert!(stderr.contains(&format!("Error: {want}")), "generate systemd {args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "no output on error");
    }

    /// Stores a container as `rpod create CREATE_ARGS` would (libpod's create leaves the monitor
    /// PID file path empty); returns its ID.
    fn create(&self, name: &str, create_args: &[&str], env: &[&str], restart_policy: &str) -> String {
        let store = libpod::Store::open(&self.root(), &self.runroot()).expect("opening the store");
        let id = format!("{:0>64}", format!("{:x}", name.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b.into()))));
        let root = self.root().display().to_string();
        let runroot = self.runroot().display().to_string();
        let command: Vec<&str> = ["rpod", "--root", &root, "--runroot", &runroot, "create"]
            .into_iter()
            .chain(create_args.iter().copied())
            .collect();
        let config: libpod::ContainerConfig = serde_json::from_value(json!({
            "id": id,
            "name": name,
            "CreateCommand": command,
            "RawImageName": "quay.io/libpod/alpine:latest",
            "stopTimeout": 10,
            "createdTime": "2026-11-29T00:00:00Z",
            "env": env,
            "restart_policy": restart_policy,
        }))
        .expect("a valid container config");
        store.add_container(&config, &libpod::ContainerState::default()).expect("storing the container");
        id
    }
}

/// systemd's parser must accept the unit without a single complaint.
fn verify(name: &str, text: &str) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("writing the unit");
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("systemd-analyze (package systemd) must be installed");
    let complaints = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && complaints.trim().is_empty(), "systemd-analyze verify {name}:\n{complaints}\n{text}");
}

/// The first line names the unit: `# container-foo.service` → `container-foo.service`.
fn unit_name(text: &str) -> String {
    text.lines().next().and_then(|l| l.strip_prefix("# ")).expect("a header line").to_string()
}

/// Generates and has systemd verify the unit.
fn generate_and_verify(rpod: &Rpod, args: &[&str]) -> String {
    let text = rpod.generate(args);
    verify(&unit_name(&text), &text);
    text
}

#[test]
fn bogus_container() {
    Rpod::new().generate_fails(
        &["foobar"],
        "foobar does not refer to a container or pod: no pod with name or ID foobar found: no such pod: no container with name or ID \"foobar\" found: no such container",
    );
}

#[test]
fn flag_errors() {
    let rpod = Rpod::new();
    rpod.create("nginx", &["--name", "nginx", "quay.io/libpod/alpine:latest"], &[], "");
    let cases: &[(&[&str], &str)] = &[
        (&["--time", "-1", "nginx"], "invalid argument \"-1\" for \"-t, --time\" flag: strconv.ParseUint: parsing \"-1\": invalid syntax"),
        (&["--restart-policy", "bogus", "nginx"], "bogus is not a valid restart policy"),
        (&["--stop-timeout", "5", "-t", "5", "nginx"], "stop-timeout and time are redundant and cannot be used together"),
        (&["--new=false", "--template", "nginx"], "--template cannot be set with --new=false"),
        (&["--format", "yaml", "nginx"], "unknown --format argument: yaml"),
        (&["--env", "=bar", "nginx"], "parsing environment variables: invalid variable: \"=bar\""),
        (&["--container-prefix", "a\nb", "nginx"], "invalid systemd unit name \"a\\nb-"),
        (&["--wants", "x.service\nExecStartPre=/bin/evil", "nginx"], "--wants \"x.service\\nExecStartPre=/bin/evil\": contains a control character"),
    ];
    for (args, want) in cases {
        rpod.generate_fails(args, want);
    }
    // Nothing was written by the failed --files runs.
    rpod.generate_fails(&["--files", "--format", "yaml", "nginx"], "unknown --format argument: yaml");
    assert!(!rpod.dir.path().join("container-nginx.service").exists());
}

#[test]
fn headers_timeouts_and_names() {
    let rpod = Rpod::new();
    let id = rpod.create("nginx", &["--name", "nginx", "quay.io/libpod/alpine:latest"], &[], "");
    for args in [&["--no-header", "nginx"][..], &["--no-header=true", "nginx"]] {
        assert!(!generate_and_verify(&rpod, args).contains("autogenerated by"), "{args:?}");
    }
    let text = generate_and_verify(&rpod, &["--no-header=false", "nginx"]);
    assert!(text.contains(&format!("# autogenerated by rpod {}\n", env!("CARGO_PKG_VERSION"))));
    let time = text.lines().nth(2).expect("a time line");
    assert!(time.len() == 30 && time.starts_with("# ") && &time[21..26] == " UTC ", "Go's UnixDate: {time:?}");

    let text = generate_and_verify(&rpod, &["--time", "1234", "nginx"]);
    assert!(text.contains("TimeoutStopSec=1294") && text.contains("-t 1234"));
    assert!(text.starts_with(&format!("# container-{id}.service\n")));
    assert!(text.contains(&format!(" start {id}\n")));
    assert!(!text.contains(" --runroot"), "root flags are not part of a start unit");

    let text = generate_and_verify(&rpod, &["--time", "5", "nginx"]);
    assert!(text.contains("TimeoutStopSec=65") && !text.contains("TimeoutStartSec=") && text.contains("-t 5"));
    let text = generate_and_verify(&rpod, &["--stop-timeout", "5", "--start-timeout", "123", "nginx"]);
    assert!(text.contains("TimeoutStartSec=123") && text.contains("TimeoutStopSec=65") && text.contains("-t 5"));
    assert!(generate_and_verify(&rpod, &["--restart-sec", "15", "nginx"]).contains("\nRestartSec=15\n"));

    let prefixes: &[(&[&str], &str)] = &[
        (&["--name", "--container-prefix", "con", "nginx"], "# con-nginx.service\n"),
        (&["--name", "--container-prefix", "", "nginx"], "# nginx.service\n"),
        (&["--name", "--separator", "_", "nginx"], "# container_nginx.service\n"),
    ];
    for (args, want) in prefixes {
        assert!(generate_and_verify(&rpod, args).starts_with(want), "{args:?}");
    }
}

#[test]
fn unit_without_new_is_podmans() {
    let rpod = Rpod::new();
    let id = rpod.create("web", &["--name", "web", "quay.io/libpod/alpine:latest", "top"], &[], "");
    let text = generate_and_verify(&rpod, &["--name", "--no-header", "web"]);
    let exe = Rpod::binary().display().to_string();
    let runroot = rpod.runroot().display().to_string();
    assert_eq!(
        text,
        format!(
            "# container-web.service\n\n[Unit]\nDescription=Podman container-web.service\n\
             Documentation=man:podman-generate-systemd(1)\nWants=network-online.target\nAfter=network-online.target\n\
             RequiresMountsFor={runroot}\n\n[Service]\nEnvironment=PODMAN_SYSTEMD_UNIT=%n\nRestart=on-failure\n\
             TimeoutStopSec=70\nExecStart={exe} start web\nExecStop={exe} stop  \\\n\t-t 10 web\n\
             ExecStopPost={exe} stop  \\\n\t-t 10 web\nPIDFile={runroot}/containers/{id}/userdata/conmon.pid\n\
             Type=forking\n\n[Install]\nWantedBy=default.target\n"
        )
    );
}

#[test]
fn restart_policy_warning() {
    let rpod = Rpod::new();
    let id = rpod.create("web", &["--name", "web", "--restart=always", "quay.io/libpod/alpine:latest"], &[], "always");
    let out = rpod.run(&["generate", "systemd", "web"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("Container {id} has restart policy \"always\" which can lead to issues on shutdown")),
        "{stderr}"
    );
    let out = rpod.run(&["generate", "systemd", "--new", "web"]);
    assert!(out.status.success() && !String::from_utf8_lossy(&out.stderr).contains("restart policy"));
}

#[test]
fn dependencies() {
    let rpod = Rpod::new();
    rpod.create("nginx", &["--name", "nginx", "quay.io/libpod/alpine:latest"], &[], "");
    let text = rpod.generate(&[
        "--wants", "foobar.service", "--wants", "barfoo.service", "--after", "foobar.service", "--after",
        "barfoo.service", "--requires", "foobar.service", "--requires", "barfoo.service", "nginx",
    ]);
    for line in ["# User-defined dependencies", "Wants=foobar.service barfoo.service", "After=foobar.service barfoo.service", "Requires=foobar.service barfoo.service"] {
        assert!(text.contains(line), "{line}");
    }
    verify_with_stubs(&text, &["foobar.service", "barfoo.service"]);
}

/// `Requires=` must name units that exist for systemd-analyze: add stubs beside the unit.
fn verify_with_stubs(text: &str, stubs: &[&str]) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for stub in stubs {
        std::fs::write(dir.path().join(stub), "[Service]\nExecStart=/bin/true\n").expect("writing a stub");
    }
    let path = dir.path().join(unit_name(text));
    std::fs::write(&path, text).expect("writing the unit");
    let out = Command::new("systemd-analyze").args(["verify", "--man=no"]).arg(&path).output().expect("systemd-analyze");
    let complaints = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && complaints.trim().is_empty(), "{complaints}\n{text}");
}

#[test]
fn new_units() {
    let rpod = Rpod::new();
    rpod.create("foo", &["--name", "foo", "--label", "key={{someval}}", "quay.io/libpod/alpine:latest", "top"], &[], "");
    rpod.create("bar", &["--name=bar", "-d", "quay.io/libpod/alpine:latest"], &[], "");
    let text = generate_and_verify(&rpod, &["--new", "--name", "foo"]);
    for want in ["# container-foo.service\n", "\t--replace \\\n", "\t--runroot ", "\t-d \\\n", "--name foo \\\n\t--label key={{someval}} quay.io/libpod/alpine:latest top\n", "RequiresMountsFor=%t/containers\n", "Type=notify\nNotifyAccess=all\n"] {
        assert!(text.contains(want), "{want:?} in\n{text}");
    }
    let text = generate_and_verify(&rpod, &["--new=true", "--name", "bar"]);
    assert!(text.contains("\t--sdnotify=conmon \\\n\t--replace \\\n\t--name=bar \\\n\t-d quay.io/libpod/alpine:latest\n"), "{text}");
    assert!(!generate_and_verify(&rpod, &["--new=false", "--name", "bar"]).contains(" run "));
}

#[test]
fn environment() {
    let rpod = Rpod::new();
    rpod.create(
        "envs",
        &["--name", "envs", "--env", "FOO", "-e", "BAR", "--env", "USER", "quay.io/libpod/alpine:latest"],
        &["FOO=abc", "BAR=my test", "USER=%a"],
        "",
    );
    let text = generate_and_verify(&rpod, &["--new", "--name", "envs"]);
    assert!(text.contains("Environment=FOO=abc \"BAR=my test\" USER=%%a\n"), "{text}");
    for new in [&["--new"][..], &[]] {
        let text = generate_and_verify(&rpod, &[new, &["--env", "foo=bar", "-e", "hoge=fuga", "envs"]].concat());
        assert!(text.contains("Environment=foo=bar\nEnvironment=hoge=fuga\n"), "{text}");
    }
    let out = Command::new(Rpod::binary())
        .arg("--root")
        .arg(rpod.root())
        .arg("--runroot")
        .arg(rpod.runroot())
        .args(["generate", "systemd", "--env", "FOO1", "--env", "GLOB*", "envs"])
        .env("FOO1", "BAR1")
        .env("GLOB1", "one")
        .env("GLOB2", "two words")
        .output()
        .expect("running rpod");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Environment=FOO1=BAR1\nEnvironment=GLOB1=one\nEnvironment=\"GLOB2=two words\"\n"), "{text}");
}

#[test]
fn files_json_and_templates() {
    let rpod = Rpod::new();
    rpod.create("nginx", &["--name", "nginx", "quay.io/libpod/alpine:latest"], &[], "");
    let cwd = rpod.dir.path().join("units");
    std::fs::create_dir(&cwd).expect("a directory for the unit files");

    let out = rpod.run_in(&cwd, &["generate", "systemd", "--files", "--name", "nginx"]);
    assert!(out.status.success());
    let path = cwd.join("container-nginx.service");
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{}\n", path.display()));
    verify("container-nginx.service", &std::fs::read_to_string(&path).expect("the unit file"));

    let out = rpod.run_in(&cwd, &["generate", "systemd", "--template", "--files", "--name", "--format", "json", "nginx"]);
    assert!(out.status.success());
    let template = cwd.join("container-nginx@.service");
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(parsed, json!({ "container-nginx": template.display().to_string() }));
    let text = std::fs::read_to_string(&template).expect("the template file");
    assert!(text.starts_with("# container-nginx@.service\n") && text.contains("\t--name nginx-%i"), "{text}");
    verify("container-nginx@.service", &text);

    let parsed: serde_json::Value = serde_json::from_str(&rpod.generate(&["--format", "json", "--new", "--name", "nginx"])).expect("valid JSON");
    let unit = parsed["container-nginx"].as_str().expect("the unit text");
    assert!(unit.starts_with("# container-nginx.service\n") && unit.contains("ExecStart="));
}

#[test]
fn hostile_arguments_cannot_inject() {
    let rpod = Rpod::new();
    rpod.create(
        "evil",
        &[
            "--name", "evil", "--label", "a=b\nExecStartPre=/bin/sh -c 'touch /tmp/pwned'", "-e", "X", "quay.io/libpod/alpine:latest",
            "sh", "-c", "echo $HOME %n; echo done", ";", "it's", "",
        ],
        &["X=multi\nline $x %y"],
        "",
    );
    let text = generate_and_verify(&rpod, &["--new", "--name", "evil"]);
    assert!(!text.lines().any(|l| l.starts_with("ExecStartPre")), "{text}");
    assert!(text.contains("\t--label \"a=b\\nExecStartPre=/bin/sh -c 'touch /tmp/pwned'\""), "{text}");
    assert!(text.contains("Environment=\"X=multi\\nline $x %%y\"\n"), "{text}");
    assert!(text.contains(" \"echo $$HOME %%n; echo done\" \";\" \"it's\" \"\"\n"), "{text}");
}
