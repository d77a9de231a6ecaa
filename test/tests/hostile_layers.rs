//! Images built to attack the host through their layers (issue 12), run by the real binary as
//! root: whiteouts and opaque markers through a symlink to a host directory, an image that
//! claims another image's layer, `/etc/passwd` pointing at a host file or being a FIFO, and
//! tarballs `import` must refuse. Each asserts that nothing outside the storage changed,
//! nothing was stored, and the error is one clear line.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use image::layers::craft::CraftedTar;
use inroot::sentinel::TreeSnapshot;
use rpod_e2e::{RunResult, TestEnv, TestImage, TestRegistry};

/// The busybox root filesystem with `hostile` entries appended after it.
fn busybox_with(files: &[(&str, &str)], hostile: CraftedTar) -> Vec<u8> {
    let mut layer = rpod_e2e::images::busybox_rootfs(files);
    layer.truncate(layer.len() - 1024);
    layer.extend(hostile.finish());
    layer
}

/// A one-layer image of `layer` whose config names `diff_id` (the layer's own digest when
/// `None`), as a hostile registry would serve it.
fn image_of(layer: Vec<u8>, diff_id: Option<&str>) -> TestImage {
    let digest = image::blobs::sha256_digest(&layer);
    let changes = [image::import::Change::parse(r#"CMD=["sh"]"#).expect("a change")];
    let built =
        image::import::one_layer_image(&digest, layer.len() as u64, &changes, chrono::Utc::now()).expect("an image");
    let mut config: serde_json::Value = serde_json::from_slice(&built.config).expect("config JSON");
    config["rootfs"]["diff_ids"] = serde_json::json!([diff_id.unwrap_or(&digest)]);
    let config = serde_json::to_vec(&config).expect("config bytes");
    let mut manifest: serde_json::Value = serde_json::from_slice(&built.manifest).expect("manifest JSON");
    manifest["config"]["digest"] = image::blobs::sha256_digest(&config).into();
    manifest["config"]["size"] = config.len().into();
    let manifest = serde_json::to_vec(&manifest).expect("manifest bytes");
    TestImage { manifest_digest: image::blobs::sha256_digest(&manifest), manifest, config, layer }
}

/// A directory the test owns outside rpod's root, with a file an attack would delete and a
/// directory it would make opaque; and its snapshot.
fn host_dir(env: &TestEnv) -> (PathBuf, TreeSnapshot) {
    let dir = env.dir().join("host");
    std::fs::create_dir_all(dir.join("sub")).expect("the host directory");
    std::fs::write(dir.join("victim"), "precious host data").expect("the victim file");
    let snapshot = TreeSnapshot::take(&dir, None);
    (dir, snapshot)
}

fn assert_unchanged(dir: &Path, before: &TreeSnapshot) {
    let after = TreeSnapshot::take(dir, None);
    assert_eq!(after.changes_since(before), Vec::<PathBuf>::new(), "the host directory changed");
    assert_eq!(std::fs::read_to_string(dir.join("victim")).expect("the victim is still a file"), "precious host data");
}

/// Pulls `image` published as `repo:1`; returns the name.
fn publish_and_pull(env: &TestEnv, registry: &TestRegistry, repo: &str, image: &TestImage) -> String {
    registry.publish(repo, "1", image);
    let name = registry.image(repo, "1");
    env.run(&["pull", "-q", "--tls-verify=false", &name]).success();
    name
}

/// Runs `rpod ARGS`, failing the test instead of hanging when it takes longer than a minute.
fn run_with_deadline(env: &TestEnv, args: &[&str]) -> RunResult {
    let mut child =
        env.command().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("running rpod");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("waiting for rpod").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rpod {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("rpod's output").into()
}

#[test]
fn whiteouts_and_opaque_markers_through_a_symlink_never_reach_the_host() {
    let env = TestEnv::new();
    let registry = TestRegistry::start();
    let (host, before) = host_dir(&env);
    let target = host.display().to_string();
    let attacks = [
        (
            "whiteout",
            CraftedTar::new().symlink("esc", &target).file("esc/.wh.victim", ""),
            "esc/.wh.victim",
            "creating its parent directory",
        ),
        (
            "opaque",
            CraftedTar::new().symlink("esc", &target).file("esc/sub/.wh..wh..opq", ""),
            "esc/sub/.wh..wh..opq",
            "creating the opaque directory",
        ),
        (
            "new opaque",
            CraftedTar::new().symlink("esc", &target).file("esc/made/.wh..wh..opq", ""),
            "esc/made/.wh..wh..opq",
            "creating the opaque directory",
        ),
        (
            "file",
            CraftedTar::new().symlink("esc", &target).file("esc/victim", "evil"),
            "esc/victim",
            "creating its parent directory",
        ),
    ];
    for (what, hostile, entry, step) in attacks {
        let name = publish_and_pull(
            &env,
            &registry,
            &format!("hostile/{}", what.replace(' ', "-")),
            &image_of(busybox_with(&[], hostile), None),
        );
        let err = env.run(&["run", "--rm", &name, "true"]).error_line();
        assert!(
            err.ends_with(&format!("entry {entry:?}: {step}: \"esc\" leads to no directory inside the root")),
            "{what}: {err}"
        );
        assert_unchanged(&host, &before);
    }
}

#[test]
fn an_absolute_symlink_parent_lands_inside_the_container() {
    let env = TestEnv::new();
    let registry = TestRegistry::start();
    let (host, before) = host_dir(&env);
    // Debian's var/run -> /run, and a link to the test's host directory that the image also
    // holds as its own path: both resolve inside the image.
    let inside = host.display().to_string();
    let hostile = CraftedTar::new()
        .dir("var")
        .symlink("var/run", "/run")
        .file("var/run/marker", "in /run")
        .dir(&format!("{}/", inside.trim_start_matches('/')))
        .symlink("esc", &inside)
        .file("esc/.wh.victim", "");
    let name = publish_and_pull(&env, &registry, "hostile/inside", &image_of(busybox_with(&[], hostile), None));
    // The whiteout hides the image's own file of that path, as overlay shows whiteouts.
    let out = env
        .run(&[
            "run",
            "--rm",
            &name,
            "sh",
            "-c",
            &format!("cat /run/marker; test -e {inside}/victim || echo ' hidden inside'"),
        ])
        .success();
    assert_eq!(out, "in /run hidden inside\n");
    assert_unchanged(&host, &before);
}

#[test]
fn an_image_claiming_another_images_layer_is_refused() {
    let env = TestEnv::new();
    let registry = TestRegistry::start();
    let honest = TestImage::busybox(&[("VERSION", "honest")], &["CMD=[\"sh\"]"]);
    let honest_diff_id = image::blobs::sha256_digest(&honest.layer);
    let evil = image_of(rpod_e2e::images::busybox_rootfs(&[("VERSION", "evil")]), Some(&honest_diff_id));
    // The evil image comes first, so that its files would be cached under the honest diff ID.
    let evil_name = publish_and_pull(&env, &registry, "hostile/claims", &evil);
    let err = env.run(&["run", "--rm", &evil_name, "cat", "/VERSION"]).error_line();
    let evil_layer = image::blobs::sha256_digest(&evil.layer);
    assert!(
        err.ends_with(&format!(
            "layer {evil_layer} unpacks to {evil_layer}, but the image config names diff_id {honest_diff_id}"
        )),
        "{err}"
    );
    let honest_name = publish_and_pull(&env, &registry, "honest/app", &honest);
    assert_eq!(env.run(&["run", "--rm", &honest_name, "cat", "/VERSION"]).success(), "honest");
}

#[test]
fn user_lookup_reads_neither_host_files_nor_fifos() {
    let env = TestEnv::new();
    let registry = TestRegistry::start();
    let host_passwd = env.dir().join("host-passwd");
    std::fs::write(&host_passwd, "hostuser:x:4242:4242::/:/bin/sh\n").expect("a host passwd");
    let linked = CraftedTar::new().symlink("etc/passwd", &host_passwd.display().to_string());
    let name = publish_and_pull(&env, &registry, "hostile/passwd-link", &image_of(busybox_with(&[], linked), None));
    let err = run_with_deadline(&env, &["run", "--rm", "--user", "hostuser", &name, "id", "-u"]).error_line();
    assert!(err.contains("unable to find user \"hostuser\""), "{err}");
    let fifo = CraftedTar::new().entry(b"etc/passwd", b'6', b"", 0o644, b"");
    let name = publish_and_pull(&env, &registry, "hostile/passwd-fifo", &image_of(busybox_with(&[], fifo), None));
    let err = run_with_deadline(&env, &["run", "--rm", "--user", "root", &name, "id", "-u"]).error_line();
    assert!(err.ends_with("reading the container's /etc/passwd to resolve --user: it is not a regular file"), "{err}");
}

/// `rpod import` of `tarball` fails with one line, and nothing is stored.
fn assert_import_refused(env: &TestEnv, tarball: &Path) -> String {
    let err = env.run(&["import", tarball.to_str().expect("a UTF-8 path"), "localhost/hostile:1"]).failure();
    assert_eq!(env.run(&["images", "-q"]).success(), "", "no image stored");
    let storage = env.root().join("storage");
    for dir in ["blobs/sha256", "layers"] {
        let left: Vec<_> = std::fs::read_dir(storage.join(dir))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{dir} holds {left:?}");
    }
    err
}

#[test]
fn import_refuses_tarballs_that_could_never_start_and_stores_nothing() {
    let env = TestEnv::new();
    let cases = [
        (
            "dotdot",
            CraftedTar::new().file("../escape", "x"),
            "Error: layer sha256:",
            "entry \"../escape\" escapes the layer directory",
        ),
        (
            "hard link to a host file",
            CraftedTar::new().hard_link("shadow", "/etc/shadow"),
            "Error: layer sha256:",
            "entry \"shadow\": linking to the target: No such file or directory (os error 2)",
        ),
        (
            "volume label",
            CraftedTar::new().entry(b"label", b'V', b"", 0o644, b""),
            "Error: layer sha256:",
            "entry \"label\": tar entry type 'V' cannot be part of a layer",
        ),
    ];
    for (what, hostile, start, end) in cases {
        let tarball = env.dir().join("hostile.tar");
        std::fs::write(&tarball, busybox_with(&[], hostile)).expect("writing the tarball");
        let err = assert_import_refused(&env, &tarball);
        assert!(err.starts_with(start) && err.ends_with(end), "{what}: {err}");
    }
}

#[test]
fn import_refuses_a_decompression_bomb_and_stores_nothing() {
    let env = TestEnv::new();
    // 80 MiB of zeros in one file, gzipped to under 100 KB: past the 64 MiB grace at ~1:1000.
    let size = 80u64 << 20;
    let mut header = tar::Header::new_gnu();
    header.set_path("zeros").expect("a name");
    header.set_size(size);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    let bomb = env.dir().join("bomb.tar.gz");
    let mut gzip = std::process::Command::new("gzip")
        .arg("-c")
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(&bomb).expect("the bomb file"))
        .spawn()
        .expect("gzip");
    {
        use std::io::Write;
        let mut input = gzip.stdin.take().expect("gzip's stdin");
        input.write_all(header.as_bytes()).expect("the header");
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..(size >> 20) + 1 {
            input.write_all(&zeros).expect("zeros");
        }
    }
    assert!(gzip.wait().expect("gzip").success());
    assert!(std::fs::metadata(&bomb).expect("the bomb").len() < 200_000);
    let err = assert_import_refused(&env, &bomb);
    assert_eq!(err, "Error: the tarball decompresses to more than 100 times its compressed size (past the first 64 MiB): refused as a decompression bomb");
}
