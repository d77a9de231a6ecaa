//! `rpod generate systemd` against the real binary: Podman's e2e cases
//! (test/e2e/generate_systemd_test.go) that apply to containers, with every generated unit
//! checked by `systemd-analyze verify` (systemd's parser; no manager is started).

use std::process::Command;

use rpod_e2e::{rpod_binary, TestEnv};
use serde_json::json;

/// The image every container here is created from: a one-file image imported under a
/// fully-qualified name, with alpine's `CMD ["/bin/sh"]` (create refuses an image without a
/// command, as Podman does); the units are only generated and parsed, never run.
const IMAGE: &str = "quay.io/libpod/alpine:latest";

/// A test environment with [`IMAGE`] in its store.
struct Rpod {
    env: TestEnv,
}

impl Rpod {
    fn new() -> Rpod {
        let env = TestEnv::new();
        let rootfs = env.dir().join("rootfs");
        std::fs::create_dir_all(rootfs.join("etc")).expect("a rootfs directory");
        std::fs::write(rootfs.join("etc/hostname"), "test\n").expect("a rootfs file");
        let tarball = env.dir().join("rootfs.tar");
        let tar = Command::new("tar").arg("-cf").arg(&tarball).arg("-C").arg(&rootfs).arg(".").status().expect("tar");
        assert!(tar.success(), "tar failed");
        let import = ["import".as_ref(), "--change".as_ref(), r#"CMD ["/bin/sh"]"#.as_ref(), tarball.as_os_str()];
        env.run(&[&import[..], &[IMAGE.as_ref()]].concat()).success();
        Rpod { env }
    }

    /// `generate systemd ARGS`, which must succeed; its stdout.
    fn generate(&self, args: &[&str]) -> String {
        self.env.run(&[&["generate", "systemd"], args].concat()).success()
    }

    /// `generate systemd ARGS`, which must fail with exit code 125 and a message starting with `want`.
    fn generate_fails(&self, args: &[&str], want: &str) {
        let result = self.env.run(&[&["generate", "systemd"], args].concat());
        assert!(result.stdout.is_empty(), "no output on error: {}", result.stdout);
        let line = result.failure();
        assert!(line.starts_with(&format!("Error: {want}")), "generate systemd {args:?}: {line}");
    }

    /// `rpod create ARGS` with `env` set in its environment; returns the container ID.
    fn create_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = self.env.command().arg("create").args(args).envs(env.iter().copied()).output().expect("running rpod");
        let result: rpod_e2e::RunResult = out.into();
        result.success().trim().to_string()
    }

    fn create(&self, args: &[&str]) -> String {
        self.create_with_env(args, &[])
    }
}

/// systemd's parser must accept the unit without a single complaint.
fn verify(name: &str, text: &str) {
    verify_with_stubs(name, text, &[]);
}

/// [`verify`], with stub services beside the unit for the ones its `Requires=` names.
fn verify_with_stubs(name: &str, text: &str, stubs: &[&str]) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for stub in stubs {
        std::fs::write(dir.path().join(stub), "[Service]\nExecStart=/bin/true\n").expect("writing a stub");
    }
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("writing the unit");
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("systemd-analyze (package systemd) must be installed");
    let complaints = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success() && complaints.trim().is_empty(),
        "systemd-analyze verify {name}:\n{complaints}\n{text}"
    );
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
    rpod.create(&["--name", "nginx", IMAGE]);
    let cases: &[(&[&str], &str)] = &[
        (
            &["--time", "-1", "nginx"],
            "invalid argument \"-1\" for \"-t, --time\" flag: strconv.ParseUint: parsing \"-1\": invalid syntax",
        ),
        (&["--restart-policy", "bogus", "nginx"], "bogus is not a valid restart policy"),
        (
            &["--stop-timeout", "5", "-t", "5", "nginx"],
            "stop-timeout and time are redundant and cannot be used together",
        ),
        (&["--new=false", "--template", "nginx"], "--template cannot be set with --new=false"),
        (&["--format", "yaml", "nginx"], "unknown --format argument: yaml"),
        (&["--env", "=bar", "nginx"], "parsing environment variables: invalid variable: \"=bar\""),
        (&["--container-prefix", "a\nb", "nginx"], "invalid systemd unit name \"a\\nb-"),
        (
            &["--wants", "x.service\nExecStartPre=/bin/evil", "nginx"],
            "--wants \"x.service\\nExecStartPre=/bin/evil\": contains a control character",
        ),
    ];
    for (args, want) in cases {
        rpod.generate_fails(args, want);
    }
    rpod.generate_fails(&["--files", "--format", "yaml", "nginx"], "unknown --format argument: yaml");
    assert!(!rpod.env.dir().join("container-nginx.service").exists(), "nothing is written on error");
}

#[test]
fn headers_timeouts_and_names() {
    let rpod = Rpod::new();
    let id = rpod.create(&["--name", "nginx", IMAGE]);
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
    assert!(!text.contains("--runroot"), "root flags are not part of a start unit");

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
    let id = rpod.create(&["--name", "web", IMAGE, "top"]);
    let text = generate_and_verify(&rpod, &["--name", "--no-header", "web"]);
    let exe = rpod_binary().display().to_string();
    let runroot = rpod.env.runroot().display().to_string();
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
fn unit_with_new_is_podmans() {
    let rpod = Rpod::new();
    rpod.create(&["--name", "web", "--label", "io.containers.autoupdate=registry", IMAGE, "top"]);
    let text = generate_and_verify(&rpod, &["--new", "--name", "--no-header", "web"]);
    let exe = rpod_binary().display().to_string();
    let (root, runroot) = (rpod.env.root().display().to_string(), rpod.env.runroot().display().to_string());
    assert_eq!(
        text,
        format!(
            "# container-web.service\n\n[Unit]\nDescription=Podman container-web.service\n\
             Documentation=man:podman-generate-systemd(1)\nWants=network-online.target\nAfter=network-online.target\n\
             RequiresMountsFor=%t/containers\n\n[Service]\nEnvironment=PODMAN_SYSTEMD_UNIT=%n\nRestart=on-failure\n\
             TimeoutStopSec=70\nExecStart={exe} \\\n\t--root {root} \\\n\t--runroot {runroot} run \\\n\
             \t--cidfile=%t/%n.ctr-id \\\n\t--cgroups=no-conmon \\\n\t--rm \\\n\t--sdnotify=conmon \\\n\t-d \\\n\
             \t--replace \\\n\t--name web \\\n\t--label io.containers.autoupdate=registry {IMAGE} top\n\
             ExecStop={exe} \\\n\t--root {root} \\\n\t--runroot {runroot} stop \\\n\t--ignore -t 10 \\\n\t--cidfile=%t/%n.ctr-id\n\
             ExecStopPost={exe} \\\n\t--root {root} \\\n\t--runroot {runroot} rm \\\n\t-f \\\n\t--ignore -t 10 \\\n\t--cidfile=%t/%n.ctr-id\n\
             Type=notify\nNotifyAccess=all\n\n[Install]\nWantedBy=default.target\n"
        )
    );
}

/// Storage chosen by `RPOD_ROOT`/`RPOD_RUNROOT` is not in the create command, yet the unit's
/// run, stop and rm must use it: without `--root`/`--runroot` the unit's container would land
/// in the default storage, which lacks the image. `CreateCommand` stays the argv as typed.
#[test]
fn storage_from_the_environment_reaches_new_units() {
    let rpod = Rpod::new();
    let (root, runroot) = (rpod.env.root().display().to_string(), rpod.env.runroot().display().to_string());
    let with_env = |args: &[&str]| -> rpod_e2e::RunResult {
        let mut cmd = Command::new(rpod_binary());
        cmd.args(args).env("RPOD_ROOT", &root).env("RPOD_RUNROOT", &runroot).env_remove("PODMAN_SYSTEMD_UNIT");
        cmd.current_dir(rpod.env.dir()).output().expect("running rpod").into()
    };
    with_env(&["create", "--name", "envweb", IMAGE, "top"]).success();
    let recorded = rpod.env.run(&["inspect", "--format", "{{.Config.CreateCommand}}", "envweb"]).success();
    assert!(!recorded.contains("--root"), "the create command is recorded as typed: {recorded}");
    let text = with_env(&["generate", "systemd", "--new", "--name", "--no-header", "envweb"]).success();
    verify(&unit_name(&text), &text);
    let exe = rpod_binary().display().to_string();
    for verb in ["run", "stop", "rm"] {
        let want = format!("{exe} \\\n\t--root {root} \\\n\t--runroot {runroot} {verb} \\\n");
        assert!(text.contains(&want), "{verb} gets the storage:\n{text}");
    }
    let by_flags = rpod.generate(&["--new", "--name", "--no-header", "envweb"]);
    assert_eq!(by_flags, text, "the storage named by flags at generate time gives the same unit");
}

#[test]
fn restart_policies() {
    let rpod = Rpod::new();
    let id = rpod.create(&["--name", "web", "--restart=always", IMAGE]);
    let result = rpod.env.run(&["generate", "systemd", "web"]);
    assert!(
        result
            .stderr
            .contains(&format!("Container {id} has restart policy \"always\" which can lead to issues on shutdown")),
        "{}",
        result.stderr
    );
    result.success();
    let result = rpod.env.run(&["generate", "systemd", "--new", "web"]);
    assert!(!result.stderr.contains("restart policy"), "{}", result.stderr);
    assert!(result.success().contains("\nRestart=always\n"));
    assert!(
        generate_and_verify(&rpod, &["--new", "--restart-policy=on-failure", "web"]).contains("\nRestart=on-failure\n")
    );

    rpod.create(&["--name", "us", "--restart", "unless-stopped", IMAGE]);
    assert!(generate_and_verify(&rpod, &["--new", "us"]).contains("\nRestart=always\n"));
    rpod.create(&["--name", "of", "--restart=on-failure:42", IMAGE]);
    assert!(generate_and_verify(&rpod, &["--new", "of"]).contains("\nRestart=on-failure\nStartLimitBurst=42\n"));
}

#[test]
fn dependencies() {
    let rpod = Rpod::new();
    rpod.create(&["--name", "nginx", IMAGE]);
    let text = rpod.generate(&[
        "--wants",
        "foobar.service",
        "--wants",
        "barfoo.service",
        "--after",
        "foobar.service",
        "--after",
        "barfoo.service",
        "--requires",
        "foobar.service",
        "--requires",
        "barfoo.service",
        "nginx",
    ]);
    for line in [
        "# User-defined dependencies",
        "Wants=foobar.service barfoo.service",
        "After=foobar.service barfoo.service",
        "Requires=foobar.service barfoo.service",
    ] {
        assert!(text.contains(line), "{line}");
    }
    verify_with_stubs(&unit_name(&text), &text, &["foobar.service", "barfoo.service"]);
}

#[test]
fn new_units() {
    let rpod = Rpod::new();
    rpod.create(&["--name", "foo", "--label", "key={{someval}}", IMAGE, "top"]);
    rpod.create(&["--name=bar", "--replace=false", IMAGE]);
    let text = generate_and_verify(&rpod, &["--new", "--name", "foo"]);
    for want in [
        "# container-foo.service\n",
        "\t--replace \\\n",
        "\t--runroot ",
        "\t-d \\\n",
        "--name foo \\\n\t--label key={{someval}} quay.io/libpod/alpine:latest top\n",
    ] {
        assert!(text.contains(want), "{want:?} in\n{text}");
    }
    let text = generate_and_verify(&rpod, &["--new=true", "--name", "bar"]);
    assert!(text.contains("\t-d \\\n\t--replace \\\n\t--name=bar quay.io/libpod/alpine:latest\n"), "{text}");
    assert!(!generate_and_verify(&rpod, &["--new=false", "--name", "bar"]).contains(" run "));
}

#[test]
fn environment() {
    let rpod = Rpod::new();
    rpod.create_with_env(
        &["--name", "envs", "--env", "FOO", "-e", "BAR", "--env", "USER", "--env", "MYVAR=myval", IMAGE],
        &[("FOO", "abc"), ("BAR", "my test"), ("USER", "%a")],
    );
    let text = generate_and_verify(&rpod, &["--new", "--name", "envs"]);
    assert!(text.contains("Environment=FOO=abc \"BAR=my test\" USER=%%a\n"), "{text}");
    for new in [&["--new"][..], &[]] {
        let text = generate_and_verify(&rpod, &[new, &["--env", "foo=bar", "-e", "hoge=fuga", "envs"]].concat());
        assert!(text.contains("Environment=foo=bar\nEnvironment=hoge=fuga\n"), "{text}");
    }
    let out = rpod
        .env
        .command()
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
    rpod.create(&["--name", "nginx", IMAGE]);
    let cwd = rpod.env.dir().join("units");
    std::fs::create_dir(&cwd).expect("a directory for the unit files");
    let in_cwd = |args: &[&str]| -> String {
        let out = rpod.env.command().args(args).current_dir(&cwd).output().expect("running rpod");
        let result: rpod_e2e::RunResult = out.into();
        result.success()
    };

    let path = cwd.join("container-nginx.service");
    assert_eq!(in_cwd(&["generate", "systemd", "--files", "--name", "nginx"]), format!("{}\n", path.display()));
    verify("container-nginx.service", &std::fs::read_to_string(&path).expect("the unit file"));

    let out = in_cwd(&["generate", "systemd", "--template", "--files", "--name", "--format", "json", "nginx"]);
    let template = cwd.join("container-nginx@.service");
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(parsed, json!({ "container-nginx": template.display().to_string() }));
    let text = std::fs::read_to_string(&template).expect("the template file");
    assert!(text.starts_with("# container-nginx@.service\n") && text.contains("\t--name nginx-%i"), "{text}");
    assert!(
        text.contains("Description=Podman container-nginx.service for %I\n")
            && text.contains("PODMAN_SYSTEMD_UNIT=%n-%i\n")
    );
    verify("container-nginx@.service", &text);

    let parsed: serde_json::Value =
        serde_json::from_str(&rpod.generate(&["--format", "json", "--new", "--name", "nginx"])).expect("valid JSON");
    let unit = parsed["container-nginx"].as_str().expect("the unit text");
    assert!(unit.starts_with("# container-nginx.service\n") && unit.contains("ExecStart="));
}

#[test]
fn hostile_arguments_cannot_inject() {
    let rpod = Rpod::new();
    rpod.create_with_env(
        &[
            "--name",
            "evil",
            "--label",
            "a=b\nExecStartPre=/bin/sh -c 'touch /tmp/pwned'",
            "-e",
            "X",
            IMAGE,
            "sh",
            "-c",
            "echo $HOME %n; echo done",
            ";",
            "it's",
            "",
        ],
        &[("X", "multi\nline $x %y")],
    );
    let text = generate_and_verify(&rpod, &["--new", "--name", "evil"]);
    assert!(!text.lines().any(|l| l.starts_with("ExecStartPre")), "{text}");
    assert!(text.contains("\t--label \"a=b\\nExecStartPre=/bin/sh -c 'touch /tmp/pwned'\""), "{text}");
    assert!(text.contains("Environment=\"X=multi\\nline $x %%y\"\n"), "{text}");
    assert!(text.contains(" \"echo $$HOME %%n; echo done\" \";\" \"it's\" \"\"\n"), "{text}");
}
