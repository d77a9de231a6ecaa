//! The local image commands through the real binary: import, images, tag/untag, rmi (and its
//! refusals), image inspect/exists/prune, with Podman's texts; bad input fails with one line
//! and changes nothing.

use rpod_e2e::{RunResult, TestEnv, TestImage, TestRegistry};
use serde_json::Value;

const IMAGE: &str = "quay.io/rpod-test/busybox:1";

/// Imports a busybox image whose `/version` says `version` as `name`; returns its full ID.
fn import(env: &TestEnv, name: &str, version: &str, changes: &[&str]) -> String {
    let tarball = env.dir().join(format!("{version}.tar"));
    TestImage::busybox(&[("version", version)], &[]).write_rootfs(&tarball);
    let mut args = vec!["import".to_string()];
    for change in changes {
        args.extend(["--change".to_string(), change.to_string()]);
    }
    args.extend([tarball.to_string_lossy().into_owned(), name.to_string()]);
    let out = env.run(&args).success();
    let id = out.trim().strip_prefix("sha256:").unwrap_or_else(|| panic!("import prints sha256:ID, got {out:?}"));
    assert_eq!(id.len(), 64, "a full image ID: {id}");
    id.to_string()
}

/// `images --format` rows as `repository:tag id` lines, sorted.
fn listing(env: &TestEnv) -> Vec<String> {
    let out = env.run(&["images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]).success();
    let mut rows: Vec<String> = out.lines().map(str::to_string).collect();
    rows.sort();
    rows
}

fn inspect(env: &TestEnv, name: &str) -> Value {
    let json: Value =
        serde_json::from_str(&env.run(&["image", "inspect", name]).success()).expect("inspect prints JSON");
    json[0].clone()
}

/// A container using `image` (created, not started: no runtime needed).
fn create(env: &TestEnv, image: &str) -> String {
    env.run(&["create", image, "true"]).success().trim().to_string()
}

#[test]
fn import_lists_the_image_like_podman() {
    let env = TestEnv::new();
    let id = import(&env, IMAGE, "1", &[]);
    let table = env.run(&["images"]).success();
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(header, ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]);
    let row: Vec<&str> = lines.next().unwrap().split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(row[..3], ["quay.io/rpod-test/busybox", "1", &id[..12]]);
    assert!(row[3].ends_with("ago"), "CREATED is a human duration: {row:?}");
    assert!(row[4].ends_with("MB") || row[4].ends_with("kB"), "SIZE is human: {row:?}");
    assert!(lines.next().is_none());

    assert_eq!(env.run(&["images", "-q"]).success(), format!("{}\n", &id[..12]));
    assert_eq!(env.run(&["images", "-q", "--no-trunc"]).success(), format!("sha256:{id}\n"));
    assert_eq!(env.run(&["image", "ls", "-q"]).success(), format!("{}\n", &id[..12]), "image ls is images");
    let digests = env.run(&["images", "--digests"]).success();
    assert!(digests.lines().next().unwrap().contains("DIGEST"), "{digests}");
    let digest = inspect(&env, IMAGE)["Digest"].as_str().unwrap().to_string();
    assert!(digests.contains(&digest), "{digests} lacks {digest}");
    let json: Value = serde_json::from_str(&env.run(&["images", "--format", "json"]).success()).unwrap();
    assert_eq!(json[0]["Id"], id);
    assert_eq!(json[0]["Names"], serde_json::json!([IMAGE]));
    assert_eq!(json[0]["Containers"], 0);
    create(&env, IMAGE);
    let json: Value = serde_json::from_str(&env.run(&["images", "--format", "json"]).success()).unwrap();
    assert_eq!(json[0]["Containers"], 1, "podman images' JSON counts the containers");

    // `-q` still prints the ID, as Podman's does; `image import` is the same command.
    let tarball = env.dir().join("1.tar");
    let quiet = env.run(&["image", "import", "-q", tarball.to_str().unwrap(), "localhost/other:2"]).success();
    assert!(quiet.starts_with("sha256:") && quiet.trim().len() == 71, "sha256:ID only: {quiet:?}");
}

#[test]
fn import_applies_changes_and_inspect_shows_podmans_keys() {
    let env = TestEnv::new();
    let changes = [
        r#"CMD=["sleep","5"]"#,
        r#"ENTRYPOINT=["/bin/sh","-c"]"#,
        "ENV=A=b c",
        "WORKDIR=/tmp",
        "USER=nobody",
        "LABEL=k=v",
        "STOPSIGNAL=SIGINT",
    ];
    let id = import(&env, IMAGE, "1", &changes);
    let image = inspect(&env, IMAGE);
    assert_eq!(image["Id"], id);
    assert_eq!(image["RepoTags"], serde_json::json!([IMAGE]));
    let digest = image["Digest"].as_str().unwrap();
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "{digest}");
    assert_eq!(image["RepoDigests"], serde_json::json!([format!("quay.io/rpod-test/busybox@{digest}")]));
    let config = &image["Config"];
    assert_eq!(config["Cmd"], serde_json::json!(["sleep", "5"]));
    assert_eq!(config["Entrypoint"], serde_json::json!(["/bin/sh", "-c"]));
    assert!(config["Env"].as_array().unwrap().contains(&Value::from("A=b c")), "{config}");
    assert_eq!(config["WorkingDir"], "/tmp");
    assert_eq!(config["User"], "nobody");
    assert_eq!(config["Labels"]["k"], "v");
    assert_eq!(config["StopSignal"], "SIGINT");
    assert_eq!(image["Os"], "linux");
    assert!(image["Architecture"].as_str().is_some_and(|a| !a.is_empty()));
    assert!(image["Size"].as_u64().unwrap() > 100_000, "busybox is in the layer");
    assert!(image["Created"].as_str().is_some());
    assert_eq!(image["RootFS"]["Layers"].as_array().unwrap().len(), 1);

    let out = env.run(&["image", "inspect", "--format", "{{.Id}} {{.Config.User}} {{.Os}}", &id[..12]]).success();
    assert_eq!(out, format!("{id} nobody linux\n"), "a short ID and a template");
    let out = env.run(&["image", "inspect", "--format", "{{.Id}}", &format!("sha256:{id}")]).success();
    assert_eq!(out.trim(), id, "a sha256: prefixed ID");
}

#[test]
fn tag_untag_and_short_names_like_podman() {
    let env = TestEnv::new();
    let id = import(&env, IMAGE, "1", &[]);
    env.run(&["tag", IMAGE, "app:2", "quay.io/other/app"]).success();
    assert_eq!(
        listing(&env),
        [
            format!("localhost/app:2 sha256:{id}"),
            format!("quay.io/other/app:latest sha256:{id}"),
            format!("quay.io/rpod-test/busybox:1 sha256:{id}")
        ],
        "a short name is stored under localhost/, the default tag is latest"
    );
    // Short names find images as libimage does: localhost/ first, then a repository suffix.
    for name in ["app:2", "localhost/app:2", "busybox:1", "rpod-test/busybox:1", "other/app", &id[..5]] {
        assert_eq!(env.run(&["image", "exists", name]).code, Some(0), "{name} exists");
    }
    for name in ["app:3", "busybox", "test/busybox:1", "quay.io/busybox:1", "0000000"] {
        let out = env.run(&["image", "exists", name]);
        assert_eq!((out.code, out.stdout.as_str(), out.stderr.as_str()), (Some(1), "", ""), "{name} does not exist");
    }

    env.run(&["untag", IMAGE, "app:2"]).success();
    assert_eq!(listing(&env).len(), 2);
    let err = env.run(&["untag", IMAGE, "quay.io/other/app", "nope:1"]).failure();
    assert_eq!(err, "Error: localhost/nope:1: tag not known");
    assert_eq!(listing(&env).len(), 2, "a bad name untags nothing");
    env.run(&["image", "untag", &id]).success();
    assert_eq!(listing(&env), [format!("<none>:<none> sha256:{id}")], "untag without names takes them all");
    env.run(&["image", "tag", &id, IMAGE]).success();
    assert_eq!(inspect(&env, IMAGE)["Id"], id);
}

#[test]
fn a_moved_tag_leaves_the_old_image_dangling_until_prune() {
    let env = TestEnv::new();
    let old = import(&env, IMAGE, "1", &[]);
    let new = import(&env, IMAGE, "2", &[]);
    assert_ne!(old, new);
    assert_eq!(listing(&env), [format!("<none>:<none> sha256:{old}"), format!("{IMAGE} sha256:{new}")]);
    assert_eq!(inspect(&env, &old)["RepoTags"], serde_json::json!([]));
    assert_eq!(inspect(&env, &old)["Dangling"], true);
    assert_eq!(env.run(&["images", "-q", "--filter", "dangling=true"]).success(), format!("{}\n", &old[..12]));
    assert_eq!(env.run(&["images", "-q", "--filter", "dangling!=true"]).success(), format!("{}\n", &new[..12]));
    let bare = env.run(&["images", "--noheading", "-f", "dangling=false"]).success();
    assert!(bare.starts_with("quay.io/rpod-test/busybox ") && bare.lines().count() == 1, "no header: {bare:?}");

    let ctr = create(&env, &old);
    assert_eq!(env.run(&["image", "prune", "-f"]).success(), "", "a dangling image a container uses stays");
    env.run(&["rm", &ctr]).success();
    assert_eq!(env.run(&["image", "prune", "-f"]).success(), format!("{old}\n"));
    assert_eq!(listing(&env), [format!("{IMAGE} sha256:{new}")]);
    let blobs = env.root().join("storage/blobs/sha256");
    assert!(!blobs.join(&old).exists(), "the old config blob is gone");
    assert!(blobs.join(&new).exists());

    // -a removes named images too, unless a container uses them.
    let other = import(&env, "localhost/other:1", "3", &[]);
    create(&env, IMAGE);
    assert_eq!(env.run(&["image", "prune", "-a", "-f"]).success(), format!("{other}\n"));
    assert_eq!(listing(&env), [format!("{IMAGE} sha256:{new}")]);
    assert_eq!(env.run(&["run", "--rm", IMAGE, "cat", "/version"]).success(), "2", "the remaining image still runs");
}

/// Runs a failing `rmi`, checks Podman's exit code for it (1 not known, 2 in use, 125 other)
/// and returns its stderr.
fn rmi_error(env: &TestEnv, args: &[&str], code: i32) -> String {
    let out = env.run(args);
    assert_eq!(out.code, Some(code), "{args:?}: {out:?}");
    out.stderr.trim_end().to_string()
}

#[test]
fn rmi_tries_every_argument_and_reports_all_errors_like_podman() {
    let env = TestEnv::new();
    let id = import(&env, IMAGE, "1", &[]);
    let other = import(&env, "localhost/other:1", "2", &[]);
    assert_eq!(rmi_error(&env, &["rmi", "nope"], 1), "Error: nope: image not known");
    assert_eq!(listing(&env).len(), 2, "nothing removed");
    let ctr = create(&env, IMAGE);
    let out = env.run(&["rmi", IMAGE, "nope", "localhost/other:1"]);
    assert_eq!(out.code, Some(2), "in use wins over not known: {out:?}");
    assert_eq!(
        out.stdout,
        format!("Untagged: localhost/other:1\nDeleted: {other}\n"),
        "the other arguments are still done"
    );
    assert_eq!(
        out.stderr,
        format!("Error: 2 errors occurred:\n\t* nope: image not known\n\t* image used by {ctr}: image is in use by a container: consider listing external containers and force-removing image\n"),
        "not-known errors first, as Podman orders them"
    );
    assert_eq!(listing(&env), [format!("{IMAGE} sha256:{id}")]);
}

#[test]
fn rmi_refuses_an_image_a_container_uses_unless_forced() {
    let env = TestEnv::new();
    let id = import(&env, IMAGE, "1", &[]);
    let ctr = create(&env, IMAGE);
    let err = rmi_error(&env, &["rmi", IMAGE], 2);
    assert_eq!(err, format!("Error: image used by {ctr}: image is in use by a container: consider listing external containers and force-removing image"));
    assert_eq!(listing(&env).len(), 1, "nothing removed");

    let out = env.run(&["rmi", "-f", IMAGE]).success();
    assert_eq!(out, format!("Untagged: {IMAGE}\nDeleted: {id}\n"));
    assert_eq!(env.run(&["ps", "-a", "-q"]).success(), "", "-f removed the container");
    assert!(listing(&env).is_empty());
    assert_eq!(std::fs::read_dir(env.root().join("storage/blobs/sha256")).unwrap().count(), 0, "no blob left");

    // A running container is stopped and removed too.
    let id = import(&env, IMAGE, "1", &[]);
    let running = env.run(&["run", "-d", IMAGE, "sleep", "100"]).success();
    assert!(rmi_error(&env, &["rmi", IMAGE], 2).contains(running.trim()));
    assert_eq!(env.run(&["rmi", "-f", IMAGE]).success(), format!("Untagged: {IMAGE}\nDeleted: {id}\n"));
    assert_eq!(env.run(&["ps", "-a", "-q"]).success(), "");
}

#[test]
fn rmi_untags_a_name_and_needs_force_for_an_id_with_several_names() {
    let env = TestEnv::new();
    let id = import(&env, IMAGE, "1", &[]);
    env.run(&["tag", IMAGE, "localhost/a", "b:1"]).success();
    assert_eq!(env.run(&["rmi", "b:1"]).success(), "Untagged: localhost/b:1\n");
    let err = rmi_error(&env, &["rmi", &id[..12]], 125);
    assert_eq!(
        err,
        format!("Error: unable to delete image \"{id}\" by ID with more than one tag ([localhost/a:latest {IMAGE}]): please force removal")
    );
    assert_eq!(listing(&env).len(), 2);
    let out = env.run(&["image", "rm", "-f", &id]).success();
    assert_eq!(out, format!("Untagged: localhost/a:latest\nUntagged: {IMAGE}\nDeleted: {id}\n"));
    assert!(listing(&env).is_empty());

    // rmi -a deletes every image, whatever its names.
    let first = import(&env, IMAGE, "1", &[]);
    env.run(&["tag", IMAGE, "localhost/a"]).success();
    let second = import(&env, "localhost/c:1", "2", &[]);
    let out = env.run(&["rmi", "-a"]).success();
    assert!(out.contains(&format!("Deleted: {first}\n")) && out.contains(&format!("Deleted: {second}\n")), "{out}");
    assert!(listing(&env).is_empty());
}

/// Runs `args`, expects Podman's one-line failure, and that the image listing did not change.
fn refused(env: &TestEnv, args: &[&str]) -> String {
    let before = listing(env);
    let out: RunResult = env.run(args);
    let line = out.failure();
    assert_eq!(listing(env), before, "{args:?} changed the store");
    line
}

#[test]
fn bad_input_fails_with_one_line_and_changes_nothing() {
    let env = TestEnv::new();
    import(&env, IMAGE, "1", &[]);
    let text = env.dir().join("not-a-tar.txt");
    std::fs::write(&text, "hello\n").unwrap();
    let tarball = env.dir().join("1.tar");
    let pinned = format!("quay.io/x/app@sha256:{}", "a".repeat(64));
    let cases: &[(&[&str], &str)] = &[
        (&["tag", "nope", "x"], "Error: nope: image not known"),
        (&["untag", "nope"], "Error: nope: image not known"),
        (&["image", "inspect", "nope"], "Error: nope: image not known"),
        (&["image", "inspect", IMAGE, "nope"], "Error: nope: image not known"),
        (
            &["tag", IMAGE, "Bad Name"],
            "Error: invalid reference format: repository name must be lowercase: \"Bad Name\"",
        ),
        (&["tag", IMAGE, "localhost/fine:1", "Bad Name"], "Error: invalid reference format"),
        (&["tag", IMAGE, &pinned], &format!("Error: {pinned}: tag by digest not supported")),
        (&["rmi"], "Error: image name or ID must be specified"),
        (&["images", "--filter", "dangling=maybe"], "Error: non-boolean value \"dangling\" for maybe filter"),
        (&["images", "--filter", "label=a"], "Error: unsupported image filter \"label\""),
        (&["import", text.to_str().unwrap(), "localhost/x:1"], "Error: the tarball is not a tar archive"),
        (&["import", "/nonexistent.tar"], "Error: opening /nonexistent.tar"),
        (
            &["import", "--change", "FOO=bar", tarball.to_str().unwrap()],
            "Error: invalid image config: invalid change \"FOO=bar\"",
        ),
        (
            &["import", tarball.to_str().unwrap(), "UPPER:1"],
            "Error: invalid reference format: repository name must be lowercase",
        ),
    ];
    for (args, want) in cases {
        let line = refused(&env, args);
        assert!(line.starts_with(want), "{args:?}: {line:?} does not start with {want:?}");
    }
    let blobs = std::fs::read_dir(env.root().join("storage/blobs/sha256")).unwrap().count();
    assert_eq!(blobs, 3, "a refused import stores no blob (layer, config, manifest remain)");
}

#[test]
fn a_corrupted_blob_is_detected_when_a_container_needs_its_layer() {
    let env = TestEnv::new();
    let id = import(&env, IMAGE, "1", &[]);
    let layer = inspect(&env, IMAGE)["RootFS"]["Layers"][0].as_str().unwrap().trim_start_matches("sha256:").to_string();
    let blob = env.root().join("storage/blobs/sha256").join(&layer);
    let mut bytes = std::fs::read(&blob).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    let out = env.run(&["run", "--rm", &id, "true"]);
    assert_ne!(out.code, Some(0), "a corrupted layer must not become a rootfs: {out:?}");
    assert!(
        out.stderr.contains(&layer[..12]) || out.stderr.contains("digest"),
        "the error names the layer: {}",
        out.stderr
    );
}

#[test]
fn imports_racing_prunes_in_other_processes_all_succeed_and_leave_whole_images() {
    let env = TestEnv::new();
    let tarballs: Vec<std::path::PathBuf> = (0..4)
        .map(|i| {
            let path = env.dir().join(format!("race-{i}.tar"));
            TestImage::busybox(&[("version", &i.to_string())], &[]).write_rootfs(&path);
            path
        })
        .collect();
    std::thread::scope(|scope| {
        for (i, tarball) in tarballs.iter().enumerate() {
            let env = &env;
            scope.spawn(move || {
                for round in 0..5 {
                    // The same name each round: every import leaves the previous image dangling.
                    let out = env.run(&["import", tarball.to_str().unwrap(), &format!("localhost/race{i}:latest")]);
                    assert_eq!(out.code, Some(0), "import {i}/{round} failed: {}", out.stderr);
                }
            });
        }
        let env = &env;
        scope.spawn(move || {
            for _ in 0..15 {
                env.run(&["image", "prune", "-f"]).success();
            }
        });
    });
    env.run(&["image", "prune", "-f"]).success();
    let rows = listing(&env);
    assert_eq!(rows.len(), 4, "one image per name, the dangling ones pruned: {rows:?}");
    let blobs = env.root().join("storage/blobs/sha256");
    for i in 0..4 {
        let image = inspect(&env, &format!("localhost/race{i}"));
        let layer = image["RootFS"]["Layers"][0].as_str().unwrap().trim_start_matches("sha256:").to_string();
        let id = image["Id"].as_str().unwrap();
        assert!(blobs.join(id).exists() && blobs.join(&layer).exists(), "race{i} lost a blob");
    }
    let db = rusqlite::Connection::open(env.root().join("storage/images.db")).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    assert_eq!(env.run(&["run", "--rm", "localhost/race3", "cat", "/version"]).success(), "3");
}

#[test]
fn an_image_pulled_by_digest_has_no_tag_but_a_repo_digest() {
    let registry = TestRegistry::start();
    let env = TestEnv::new();
    let digest = registry.publish("pinned/app", "1", &TestImage::busybox(&[], &[]));
    let pinned = format!("{}/pinned/app@{digest}", registry.host());
    env.run(&["pull", "-q", "--tls-verify=false", &pinned]).success();
    let rows = env.run(&["images", "--format", "{{.Repository}} {{.Tag}}"]).success();
    assert_eq!(rows, format!("{}/pinned/app <none>\n", registry.host()), "Podman's row for a digest-only name");
    let image = inspect(&env, &pinned);
    assert_eq!(image["RepoTags"], serde_json::json!([]), "a digest is no tag");
    assert_eq!(image["RepoDigests"], serde_json::json!([pinned]));
    assert_eq!(image["Dangling"], false);
    // The same image pulled again by tag keeps the name it had.
    let tagged = registry.image("pinned/app", "1");
    env.run(&["pull", "-q", "--tls-verify=false", &tagged]).success();
    let image = inspect(&env, &pinned);
    assert_eq!(image["RepoTags"], serde_json::json!([tagged]));
    let rows = env.run(&["images", "--format", "{{.Tag}}"]).success();
    assert_eq!(rows.lines().collect::<Vec<_>>(), ["1", "<none>"], "two names, one image, two rows");
    env.run(&["tag", &pinned, "localhost/named:1"]).success();
    assert_eq!(inspect(&env, "named:1")["RepoTags"], serde_json::json!([tagged, "localhost/named:1"]));
    assert_eq!(inspect(&env, "named:1")["RepoDigests"].as_array().unwrap().len(), 2, "one per repository");
}
