//! Pull, push, login and the image store against a real registry (Debian's docker-registry on
//! loopback), including authentication, TLS, multi-arch indexes, corrupted blobs and a pull
//! killed half-way.

use std::path::Path;
use std::time::Duration;

use rpod_e2e::{registry::TEST_PASSWORD, registry::TEST_USER, RegistryOptions, TestEnv, TestImage, TestRegistry};
use sha2::Digest;

fn image_ids(env: &TestEnv) -> Vec<String> {
    env.run(&["images", "-q", "--no-trunc"]).success().lines().map(str::to_string).collect()
}

#[test]
fn pull_then_a_moved_tag_gives_a_new_image_and_leaves_the_old_one_dangling() {
    let registry = TestRegistry::start();
    let env = TestEnv::new();
    let name = registry.image("app", "v1");
    let first = registry.publish("app", "v1", &TestImage::busybox(&[("VERSION", "1")], &[]));
    let out = env.run(&["pull", "--tls-verify=false", &name]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.starts_with(&format!("Trying to pull {name}...")), "{}", out.stderr);
    let id1 = out.stdout.trim().to_string();
    let digest = env.run(&["image", "inspect", "--format", "{{.Digest}}", &name]).success();
    assert_eq!(digest.trim(), first);

    registry.publish("app", "v1", &TestImage::busybox(&[("VERSION", "2")], &[]));
    let id2 = env.run(&["pull", "--tls-verify=false", "-q", &name]).success().trim().to_string();
    assert_ne!(id1, id2);
    let listing = env.run(&["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]).success();
    assert!(listing.contains(&format!("<none>:<none> {}", &id1[..12])), "{listing}");
    assert!(listing.contains(&format!("{name} {}", &id2[..12])), "{listing}");
    env.run(&["image", "prune", "-f"]).success();
    assert_eq!(image_ids(&env), [format!("sha256:{id2}")]);
}

#[test]
fn push_and_pull_back_and_missing_tags() {
    let registry = TestRegistry::start();
    let (source, target) = (TestEnv::new(), TestEnv::new());
    let tarball = source.dir().join("rootfs.tar");
    TestImage::busybox(&[("HELLO", "pushed")], &[]).write_rootfs(&tarball);
    source.run(&["import", "-q", tarball.to_str().unwrap(), "localhost/app:1"]).success();
    let remote = registry.image("pushed/app", "1");
    source.run(&["push", "--tls-verify=false", "localhost/app:1", &remote]).success();
    target.run(&["pull", "--tls-verify=false", &remote]).success();
    let source_id = source.run(&["image", "inspect", "--format", "{{.Id}}", "localhost/app:1"]).success();
    assert_eq!(target.run(&["image", "inspect", "--format", "{{.Id}}", &remote]).success(), source_id);
    let err = target.run(&["pull", "--tls-verify=false", &registry.image("pushed/app", "nope")]).error_line();
    assert!(err.contains("manifest unknown"), "{err}");
    let err = target.run(&["pull", "busybox"]).error_line();
    assert!(err.contains("short-name"), "{err}");
}

#[test]
fn authentication_never_echoes_the_password() {
    let registry = TestRegistry::start_with(RegistryOptions { tls: false, auth: true });
    registry.publish("private/app", "1", &TestImage::busybox(&[], &[]));
    let env = TestEnv::new();
    let name = registry.image("private/app", "1");
    let err = env.run(&["pull", "--tls-verify=false", &name]).error_line();
    assert!(err.contains("authentication required"), "{err}");

    let authfile = env.dir().join("auth.json");
    let wrong = "Wr0ng-secret-value";
    let out = env.run(&[
        "login",
        "--tls-verify=false",
        "--authfile",
        authfile.to_str().unwrap(),
        "-u",
        TEST_USER,
        "-p",
        wrong,
        &registry.host(),
    ]);
    assert_eq!(out.code, Some(125));
    assert!(!out.stderr.contains(wrong) && !out.stdout.contains(wrong), "the password leaked: {}", out.stderr);
    assert!(!authfile.exists(), "a failed login saves nothing");

    let mut login = env.command();
    login.args([
        "login",
        "--tls-verify=false",
        "--authfile",
        authfile.to_str().unwrap(),
        "-u",
        TEST_USER,
        "--password-stdin",
        &registry.host(),
    ]);
    let child = login
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.as_ref().unwrap().write_all(format!("{TEST_PASSWORD}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::os::unix::fs::MetadataExt::mode(&std::fs::metadata(&authfile).unwrap()) & 0o777, 0o600);

    let out = env.run(&["pull", "--tls-verify=false", "--authfile", authfile.to_str().unwrap(), &name]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(!out.stderr.contains(TEST_PASSWORD) && !out.stdout.contains(TEST_PASSWORD));
    let missing = env.run(&["pull", "--authfile", "/nonexistent/auth.json", &name]).error_line();
    assert!(missing.contains("credential file is not accessible"), "{missing}");
    env.run(&["logout", "--authfile", authfile.to_str().unwrap(), &registry.host()]).success();
}

#[test]
fn tls_is_verified_unless_turned_off() {
    let registry = TestRegistry::start_with(RegistryOptions { tls: true, auth: false });
    registry.publish("secure/app", "1", &TestImage::busybox(&[], &[]));
    let env = TestEnv::new();
    let name = registry.image("secure/app", "1");
    let err = env.run(&["pull", &name]).error_line();
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    assert!(image_ids(&env).is_empty());
    env.run(&["pull", "--tls-verify=false", &name]).success();

    let trusted = TestEnv::new();
    let cert_dir = trusted.dir().join("certs");
    std::fs::create_dir(&cert_dir).unwrap();
    std::fs::copy(registry.ca_certificate(), cert_dir.join("ca.crt")).unwrap();
    trusted.run(&["pull", "-q", "--cert-dir", cert_dir.to_str().unwrap(), &name]).success();
    let bad_dir = trusted.dir().join("bad-certs");
    std::fs::create_dir(&bad_dir).unwrap();
    std::fs::write(bad_dir.join("ca.crt"), "not a certificate").unwrap();
    let err = trusted.run(&["pull", "--cert-dir", bad_dir.to_str().unwrap(), &name]).error_line();
    assert!(err.contains("certificate"), "{err}");

    let other = TestEnv::new();
    let conf = other.dir().join("registries.conf");
    std::fs::write(&conf, format!("[[registry]]\nlocation = \"{}\"\ninsecure = true\n", registry.host())).unwrap();
    let out = other.command().env("CONTAINERS_REGISTRIES_CONF", &conf).args(["pull", &name]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_multi_arch_index_resolves_to_this_machines_platform() {
    let registry = TestRegistry::start();
    let ours = TestImage::busybox(&[("ARCH", "ours")], &[]);
    let other = TestImage::busybox(&[("ARCH", "other")], &[]);
    let ours_digest = registry.publish("multi", "ours", &ours);
    let other_digest = registry.publish("multi", "other", &other);
    let arch = if cfg!(target_arch = "x86_64") { "amd64" } else { "arm64" };
    let foreign = if arch == "amd64" { "s390x" } else { "amd64" };
    let index = registry.publish_index(
        "multi",
        "latest",
        &[(&other_digest, other.manifest.len(), foreign), (&ours_digest, ours.manifest.len(), arch)],
    );
    let env = TestEnv::new();
    let name = registry.image("multi", "latest");
    env.run(&["pull", "--tls-verify=false", &name]).success();
    let digest = env.run(&["image", "inspect", "--format", "{{.Digest}}", &name]).success();
    assert_eq!(digest.trim(), ours_digest, "the platform's manifest, not the foreign one");
    let repo_digests = env.run(&["image", "inspect", "--format", "{{.RepoDigests}}", &name]).success();
    assert!(repo_digests.contains(&index), "the list digest is kept for update checks: {repo_digests}");
}

/// Replaces the content of every blob in the registry's storage that has `content`.
fn corrupt_registry_blob(storage: &Path, content: &[u8]) {
    let hex = hex::encode(sha2::Sha256::digest(content));
    let path = storage.join(format!("docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2]));
    let mut bytes = std::fs::read(&path).expect("the blob in registry storage");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
}

#[test]
fn a_blob_that_does_not_match_its_digest_is_refused_and_nothing_is_stored() {
    let registry = TestRegistry::start();
    let image = TestImage::busybox(&[("X", "y")], &[]);
    registry.publish("bad", "1", &image);
    corrupt_registry_blob(&registry.storage(), &image.layer);
    let env = TestEnv::new();
    let err = env.run(&["pull", "--tls-verify=false", &registry.image("bad", "1")]).error_line();
    assert!(err.to_lowercase().contains("digest"), "{err}");
    assert!(image_ids(&env).is_empty());
    let blobs = env.root().join("storage/blobs/sha256");
    for entry in std::fs::read_dir(&blobs).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            let content = std::fs::read(entry.path()).unwrap();
            assert_eq!(hex::encode(sha2::Sha256::digest(&content)), name, "a stored blob does not match its name");
        }
    }
}

#[test]
fn a_pull_killed_half_way_leaves_no_image_and_the_next_pull_succeeds() {
    let registry = TestRegistry::start();
    // 48 MiB of incompressible data makes the pull take long enough to kill it mid-way.
    let mut noise = vec![0u8; 48 << 20];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for chunk in noise.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
    }
    let noise = String::from_utf8_lossy(&noise).into_owned();
    let image = TestImage::busybox(&[("noise", &noise)], &[]);
    registry.publish("big", "1", &image);
    let env = TestEnv::new();
    let name = registry.image("big", "1");
    for delay in [50u64, 150, 400] {
        let mut child = env
            .command()
            .args(["pull", "--tls-verify=false", &name])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        let ids = image_ids(&env);
        assert!(ids.is_empty() || ids.len() == 1, "at most the finished image: {ids:?}");
        if ids.len() == 1 {
            env.run(&["rmi", &name]).success();
        }
    }
    env.run(&["pull", "--tls-verify=false", "-q", &name]).success();
    assert_eq!(image_ids(&env).len(), 1);
}

#[test]
fn login_and_logout_follow_registry_auth_file() {
    let registry = TestRegistry::start_with(RegistryOptions { tls: false, auth: true });
    registry.publish("private/env", "1", &TestImage::busybox(&[], &[]));
    let env = TestEnv::new();
    let authfile = env.dir().join("by-env.json");
    let with_env = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut cmd = env.command();
        cmd.args(args).env("REGISTRY_AUTH_FILE", &authfile);
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        rpod_e2e::RunResult::from(child.wait_with_output().unwrap())
    };
    let host = registry.host();
    let login = ["login", "--tls-verify=false", "-u", TEST_USER, "--password-stdin", host.as_str()];
    assert_eq!(with_env(&login, &format!("{TEST_PASSWORD}\n")).success().trim(), "Login Succeeded!");
    assert!(authfile.exists(), "login writes $REGISTRY_AUTH_FILE");
    with_env(&["pull", "-q", "--tls-verify=false", &registry.image("private/env", "1")], "").success();

    let removed = with_env(&["logout", &host], "").success();
    assert_eq!(removed.trim(), format!("Removed login credentials for {host}"));
    let err = with_env(&["logout", &host], "").error_line();
    assert!(err.contains(&format!("not logged into {host}")), "{err}");

    with_env(&login, &format!("{TEST_PASSWORD}\n")).success();
    assert_eq!(with_env(&["logout", "-a"], "").success().trim(), "Removed login credentials for all registries");
    let err = with_env(&["pull", "--tls-verify=false", &registry.image("private/env", "1")], "").error_line();
    assert!(err.contains("authentication required"), "{err}");
}

#[test]
fn plain_http_blocked_registries_and_foreign_platforms() {
    let registry = TestRegistry::start();
    let ours = TestImage::busybox(&[("ARCH", "ours")], &[]);
    let theirs = TestImage::busybox(&[("ARCH", "theirs")], &[]);
    let ours_digest = registry.publish("plat", "ours", &ours);
    let theirs_digest = registry.publish("plat", "theirs", &theirs);
    let arch = if cfg!(target_arch = "x86_64") { "amd64" } else { "arm64" };
    registry.publish_index(
        "plat",
        "latest",
        &[(&ours_digest, ours.manifest.len(), arch), (&theirs_digest, theirs.manifest.len(), "s390x")],
    );
    let name = registry.image("plat", "latest");
    let env = TestEnv::new();

    // A registry that is not insecure is never spoken to over plain HTTP.
    let err = env.run(&["pull", &name]).error_line();
    assert!(err.contains(&registry.host()), "{err}");
    assert!(image_ids(&env).is_empty());

    let s390x = env.run(&["pull", "--tls-verify=false", "--platform", "linux/s390x", &name]).success();
    let digest = env.run(&["image", "inspect", "--format", "{{.Digest}}", &name]).success();
    assert_eq!(digest.trim(), theirs_digest, "{s390x}");
    let err = env.run(&["pull", "--tls-verify=false", "--platform", "linux/mips64le", &name]).error_line();
    assert!(err.contains("no image for platform linux/mips64le"), "{err}");

    let conf = env.dir().join("registries.conf");
    std::fs::write(&conf, format!("[[registry]]\nlocation = \"{}\"\nblocked = true\n", registry.host())).unwrap();
    let mut blocked = env.command();
    blocked.env("CONTAINERS_REGISTRIES_CONF", &conf).args([
        "pull",
        "--tls-verify=false",
        &registry.image("plat", "ours"),
    ]);
    let err = rpod_e2e::RunResult::from(blocked.output().unwrap()).error_line();
    assert!(err.contains("blocked in registries.conf"), "{err}");
}

#[test]
fn a_mirror_from_registries_conf_is_tried_first() {
    let mirror = TestRegistry::start();
    let image = TestImage::busybox(&[("FROM", "mirror")], &[]);
    let digest = mirror.publish("cache/app", "1", &image);
    // The registry itself does not exist: only the mirror can serve the pull.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let env = TestEnv::new();
    let conf = env.dir().join("registries.conf");
    let text = format!(
        "[[registry]]\nlocation = \"{dead}\"\n[[registry.mirror]]\nlocation = \"{}/cache\"\ninsecure = true\n",
        mirror.host()
    );
    std::fs::write(&conf, text).unwrap();
    let name = format!("{dead}/app:1");
    let run = |args: &[&str]| {
        rpod_e2e::RunResult::from(env.command().env("CONTAINERS_REGISTRIES_CONF", &conf).args(args).output().unwrap())
    };
    run(&["pull", "-q", &name]).success();
    assert_eq!(run(&["image", "inspect", "--format", "{{.Digest}}", &name]).success().trim(), digest);

    std::fs::write(&conf, format!("[[registry]]\nlocation = \"{dead}\"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = \"{}/cache\"\ninsecure = true\n", mirror.host())).unwrap();
    let err = run(&["pull", "--tls-verify=false", &format!("{dead}/app:1")]).error_line();
    assert!(err.contains(&dead), "a tag is not looked up on a by-digest mirror: {err}");
    run(&["pull", "-q", &format!("{dead}/app@{digest}")]).success();
}

#[test]
fn create_pulls_as_the_pull_policy_says() {
    let registry = TestRegistry::start();
    let env = TestEnv::new();
    let name = registry.image("policy/app", "1");
    let (v1, v2) =
        (TestImage::busybox(&[("V", "1")], &["CMD=sleep 1"]), TestImage::busybox(&[("V", "2")], &["CMD=sleep 1"]));
    registry.publish("policy/app", "1", &v1);
    let create = |ctr: &str, policy: &str| {
        env.run(&["create", "--name", ctr, &format!("--pull={policy}"), "--tls-verify=false", &name])
    };
    let image_of = |ctr: &str| env.run(&["inspect", "--format", "{{.Image}}", ctr]).success().trim().to_string();

    let err = create("never-missing", "never").error_line();
    assert!(err.contains("image not known"), "{err}");
    let missing = create("missing", "missing");
    assert!(missing.stderr.contains("Trying to pull"), "{}", missing.stderr);
    let id1 = image_of("missing");

    registry.publish("policy/app", "1", &v2);
    let same = create("never", "never");
    assert!(!same.stderr.contains("Trying to pull"), "{}", same.stderr);
    assert_eq!(image_of("never"), id1);
    assert!(!create("missing-again", "missing").stderr.contains("Trying to pull"));

    let newer = create("newer", "newer");
    assert!(newer.stderr.contains("Trying to pull"), "the tag moved: {}", newer.stderr);
    let id2 = image_of("newer");
    assert_ne!(id2, id1);
    let unchanged = create("newer-again", "newer");
    assert!(!unchanged.stderr.contains("Trying to pull"), "nothing newer: {}", unchanged.stderr);
    assert_eq!(image_of("newer-again"), id2);
    assert!(create("always", "always").stderr.contains("Trying to pull"));
}

#[test]
fn on_a_terminal_pull_draws_a_bar_per_blob() {
    let registry = TestRegistry::start();
    let env = TestEnv::new();
    registry.publish("tty/app", "1", &TestImage::busybox(&[], &[]));
    let name = registry.image("tty/app", "1");
    let rpod = rpod_e2e::rpod_binary();
    let line = format!(
        "{} --root {} --runroot {} pull --tls-verify=false {name}",
        rpod.display(),
        env.root().display(),
        env.runroot().display()
    );
    // util-linux `script` gives the pull a pseudo-terminal.
    let out =
        std::process::Command::new("script").args(["-qec", &line, "/dev/null"]).env("TERM", "xterm").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Trying to pull") && text.contains("Copying blob") && text.contains("done"), "{text}");
    assert_eq!(env.run(&["images", "-q"]).success().lines().count(), 1);
}

#[test]
fn a_registry_that_never_answers_fails_the_pull_instead_of_hanging() {
    // Accepts connections and never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let env = TestEnv::new();
    let err = env.run(&["pull", "--tls-verify=false", &format!("{host}/silent/app:1")]).error_line();
    assert!(err.contains(&host) && err.contains("did not answer"), "{err}");
}

#[test]
fn docker_schema2_images_with_gzip_layers_pull_with_their_config() {
    let registry = TestRegistry::start();
    let env = TestEnv::new();
    let image = TestImage::busybox(&[("FROM", "docker")], &["CMD=cat /FROM"]);
    let digest = registry.publish_docker("docker/app", "1", &image);
    let name = registry.image("docker/app", "1");
    let id = env.run(&["pull", "-q", "--tls-verify=false", &name]).success();
    assert_eq!(env.run(&["image", "inspect", "--format", "{{.Digest}}", &name]).success().trim(), digest);
    let cmd = env.run(&["image", "inspect", "--format", "{{.Config.Cmd}}", id.trim()]).success();
    assert!(cmd.contains("cat /FROM"), "{cmd}");
}

#[test]
fn push_to_a_registry_that_requires_login() {
    let public = TestRegistry::start();
    let private = TestRegistry::start_with(RegistryOptions { tls: false, auth: true });
    let env = TestEnv::new();
    public.publish("src/app", "1", &TestImage::busybox(&[("P", "1")], &[]));
    let source = public.image("src/app", "1");
    env.run(&["pull", "-q", "--tls-verify=false", &source]).success();
    let destination = private.image("team/app", "1");
    let nobody = env.dir().join("nobody.json");
    std::fs::write(&nobody, "{}").unwrap();
    let err = env
        .run(&["push", "--tls-verify=false", "--authfile", nobody.to_str().unwrap(), &source, &destination])
        .error_line();
    assert!(err.contains("authentication required"), "{err}");

    let authfile = env.dir().join("auth.json");
    private.write_authfile(&authfile);
    env.run(&["push", "--tls-verify=false", "--authfile", authfile.to_str().unwrap(), &source, &destination]).success();
    let fresh = TestEnv::new();
    let pulled = fresh
        .run(&["pull", "-q", "--tls-verify=false", "--authfile", authfile.to_str().unwrap(), &destination])
        .success();
    assert_eq!(pulled.trim(), env.run(&["image", "inspect", "--format", "{{.Id}}", &source]).success().trim());
}

#[test]
fn even_trace_logs_never_show_the_password() {
    let registry = TestRegistry::start_with(RegistryOptions { tls: false, auth: true });
    registry.publish("private/trace", "1", &TestImage::busybox(&[], &[]));
    let env = TestEnv::new();
    let authfile = env.dir().join("auth.json");
    registry.write_authfile(&authfile);
    let authfile = authfile.to_str().unwrap();
    let pull = env.run(&[
        "--log-level",
        "trace",
        "pull",
        "--tls-verify=false",
        "--authfile",
        authfile,
        &registry.image("private/trace", "1"),
    ]);
    let login = env.run(&[
        "--log-level",
        "trace",
        "login",
        "--tls-verify=false",
        "-u",
        TEST_USER,
        "-p",
        TEST_PASSWORD,
        "--authfile",
        authfile,
        &registry.host(),
    ]);
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{TEST_USER}:{TEST_PASSWORD}"));
    for out in [pull, login] {
        let text = format!("{}{}", out.stdout, out.stderr);
        assert_eq!(out.code, Some(0), "{text}");
        assert!(text.contains("TRACE") || text.contains("DEBUG"), "trace logging is on: {text}");
        assert!(!text.contains(TEST_PASSWORD) && !text.contains(&encoded), "a secret in the logs");
    }
}

#[test]
fn bearer_tokens_from_a_token_service() {
    let registry = TestRegistry::start_with_token_auth();
    registry.publish("tokens/app", "1", &TestImage::busybox(&[("T", "1")], &[]));
    let env = TestEnv::new();
    let name = registry.image("tokens/app", "1");
    let authfile = env.dir().join("auth.json");
    let authfile = authfile.to_str().unwrap();

    let err = env.run(&["pull", "--tls-verify=false", &name]).error_line();
    assert!(err.contains("authentication required"), "an anonymous token grants nothing: {err}");
    let wrong = env.run(&[
        "login",
        "--tls-verify=false",
        "--authfile",
        authfile,
        "-u",
        TEST_USER,
        "-p",
        "Not-The-Pa55",
        &registry.host(),
    ]);
    assert_eq!(wrong.code, Some(125), "{}", wrong.stderr);
    assert!(!wrong.stderr.contains("Not-The-Pa55"), "{}", wrong.stderr);
    let login = env.run(&[
        "login",
        "--tls-verify=false",
        "--authfile",
        authfile,
        "-u",
        TEST_USER,
        "-p",
        TEST_PASSWORD,
        &registry.host(),
    ]);
    assert_eq!(login.success().trim(), "Login Succeeded!");
    env.run(&["pull", "-q", "--tls-verify=false", "--authfile", authfile, &name]).success();
    env.run(&["push", "--tls-verify=false", "--authfile", authfile, &name, &registry.image("tokens/copy", "2")])
        .success();
    TestEnv::new()
        .run(&["pull", "-q", "--tls-verify=false", "--authfile", authfile, &registry.image("tokens/copy", "2")])
        .success();
}

#[test]
fn login_writes_a_private_file_and_through_no_planted_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let registry = TestRegistry::start_with(RegistryOptions { tls: false, auth: true });
    let env = TestEnv::new();
    // A directory anyone may write to, as /tmp is: another user planted a link at the name.
    let shared = env.dir().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let victim = env.dir().join("victim.json");
    std::fs::write(&victim, "{}").unwrap();
    let authfile = shared.join("auth.json");
    std::os::unix::fs::symlink(&victim, &authfile).unwrap();
    // An older rpod wrote through `.PID.tmp` beside the file: links at the names of the next
    // PIDs the kernel hands out catch a writer that uses such a predictable name.
    let last_pid: u32 = std::fs::read_to_string("/proc/sys/kernel/ns_last_pid").unwrap().trim().parse().unwrap();
    let planted: Vec<String> = (last_pid + 1..last_pid + 3000).map(|pid| format!(".{pid}.tmp")).collect();
    for name in &planted {
        std::os::unix::fs::symlink(&victim, shared.join(name)).unwrap();
    }
    let host = registry.host();
    let login = env.run(&[
        "login",
        "--tls-verify=false",
        "--authfile",
        authfile.to_str().unwrap(),
        "-u",
        TEST_USER,
        "-p",
        TEST_PASSWORD,
        host.as_str(),
    ]);
    assert_eq!(login.success().trim(), "Login Succeeded!");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "{}", "the link's target is untouched");
    let written = std::fs::symlink_metadata(&authfile).unwrap();
    assert!(written.file_type().is_file(), "the link was replaced by a file of rpod's own");
    assert_eq!(written.permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&authfile).unwrap().contains(&host));
    let mut names: Vec<String> =
        std::fs::read_dir(&shared).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.retain(|name| !planted.contains(name));
    assert_eq!(names, ["auth.json"], "no temporary file left beside it");
    assert!(planted.iter().all(|name| shared.join(name).is_symlink()), "the planted links are still only links");
}
