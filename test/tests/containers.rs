//! The foundation through the real binary: what `create` records, what it refuses, `inspect`,
//! `ps`, `rm`, `container exists`, and many `rpod` processes writing the store at once.

use rpod_e2e::{TestEnv, TestImage};

const IMAGE: &str = "quay.io/rpod-test/busybox:1";

fn env_with_image() -> TestEnv {
    let env = TestEnv::new();
    let tarball = env.dir().join("rootfs.tar");
    TestImage::busybox(&[], &[]).write_rootfs(&tarball);
    env.run(&["import", "--change", "CMD=[\"sh\"]", tarball.to_str().unwrap(), IMAGE]).success();
    env
}

/// The stored config documents, read straight from the state database.
fn stored_configs(env: &TestEnv) -> Vec<serde_json::Value> {
    if !env.root().join("rpod.db").exists() {
        return Vec::new();
    }
    let db = rusqlite::Connection::open(env.root().join("rpod.db")).expect("the state database");
    let mut stmt = db.prepare("SELECT JSON FROM ContainerConfig").expect("a query");
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).expect("rows");
    rows.map(|json| serde_json::from_str(&json.expect("a row")).expect("JSON")).collect()
}

#[test]
fn create_records_the_raw_image_name_the_command_line_and_the_unit_label() {
    let env = env_with_image();
    let raw = "docker://quay.io/rpod-test/busybox:1";
    let typed = [
        "create",
        "--name",
        "web",
        "-l",
        "io.containers.autoupdate=registry",
        "-l",
        "PODMAN_SYSTEMD_UNIT=mine",
        raw,
        "sleep",
        "10",
    ];
    let out = env.command().env("PODMAN_SYSTEMD_UNIT", "container-web.service").args(typed).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let config = &stored_configs(&env)[0];
    assert_eq!(config["RawImageName"], raw, "the image argument exactly as typed");
    assert_eq!(config["rootfsImageName"], IMAGE);
    assert_eq!(config["labels"]["PODMAN_SYSTEMD_UNIT"], "container-web.service", "the environment wins over --label");
    assert_eq!(config["labels"]["io.containers.autoupdate"], "registry");
    let argv: Vec<String> = serde_json::from_value(config["CreateCommand"].clone()).unwrap();
    assert_eq!(argv[argv.len() - typed.len()..], typed, "the full argv of create");
    for key in ["id", "name", "createdTime", "stopTimeout"] {
        assert!(config.get(key).is_some(), "stored config lacks Podman's key {key}");
    }
}

#[test]
fn an_empty_systemd_unit_variable_still_becomes_the_label() {
    let env = env_with_image();
    let out = env.command().env("PODMAN_SYSTEMD_UNIT", "").args(["create", IMAGE]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(stored_configs(&env)[0]["labels"]["PODMAN_SYSTEMD_UNIT"], "");
}

#[test]
fn auto_update_refuses_short_names_and_other_transports_and_stores_nothing() {
    let env = env_with_image();
    env.run(&["tag", IMAGE, "shortname:latest"]).success();
    let err = env.run(&["create", "--label", "io.containers.autoupdate=registry", "shortname:latest"]).failure();
    assert_eq!(err, r#"Error: short name: auto updates require fully-qualified image reference: "shortname:latest""#);
    let err =
        env.run(&["create", "--label", "io.containers.autoupdate=image", "docker-archive:/tmp/archive.tar"]).failure();
    assert_eq!(
        err,
        r#"Error: auto updates require the docker image transport but image is of transport "docker-archive""#
    );
    assert_eq!(env.run(&["ps", "-a", "-q"]).success(), "");
    assert!(stored_configs(&env).is_empty(), "nothing stored");
    // `local` and invalid policies are accepted at create time, as in Podman.
    env.run(&["create", "--label", "io.containers.autoupdate=local", "shortname:latest"]).success();
    env.run(&["create", "--label", "io.containers.autoupdate=bogus", "shortname:latest"]).success();
}

#[test]
fn inspect_prints_podmans_keys_and_templates() {
    let env = env_with_image();
    let id = env.run(&["create", "--name", "web", "-l", "a=b", IMAGE, "sleep", "10"]).success();
    let json: serde_json::Value = serde_json::from_str(&env.run(&["inspect", "web"]).success()).unwrap();
    let first = &json[0];
    assert_eq!(first["Id"], id.trim());
    assert_eq!(first["Name"], "web");
    assert_eq!(first["ImageName"], IMAGE);
    assert_eq!(first["Image"].as_str().unwrap().len(), 64);
    assert_eq!(first["State"]["Status"], "created");
    assert_eq!(first["Config"]["Labels"]["a"], "b");
    assert_eq!(first["Config"]["Cmd"], serde_json::json!(["sleep", "10"]));
    assert!(first.get("RawImageName").is_none(), "Podman does not show RawImageName");
    let line = env.run(&["container", "inspect", "--format", "{{.Config.CreateCommand}}", "web"]).success();
    assert!(line.starts_with('[') && line.ends_with("web -l a=b quay.io/rpod-test/busybox:1 sleep 10]\n"), "{line}");
    let unlabeled = env.run(&["create", IMAGE]).success();
    assert_eq!(env.run(&["inspect", "--format", "{{.Config.Labels}}", unlabeled.trim()]).success(), "<nil>\n");
}

#[test]
fn ps_rm_and_exists() {
    let env = env_with_image();
    let id = env.run(&["create", "--name", "one", IMAGE]).success().trim().to_string();
    assert_eq!(env.run(&["ps", "-q"]).success(), "", "created containers are not running");
    assert_eq!(env.run(&["ps", "-a", "-q", "--no-trunc"]).success().trim(), id);
    let table = env.run(&["ps", "-a"]).success();
    assert!(table.starts_with("CONTAINER ID  IMAGE"), "{table}");
    assert!(table.contains("one"));
    assert_eq!(env.run(&["ps", "-a", "--format", "{{.Names}} {{.Status}}"]).success(), "one Created\n");
    assert_eq!(env.run(&["container", "exists", "one"]).code, Some(0));
    assert_eq!(env.run(&["rm", "one"]).success().trim(), id);
    assert_eq!(env.run(&["container", "exists", "one"]).code, Some(1));
    let gone = env.run(&["rm", "one"]);
    assert_eq!(gone.code, Some(1), "Podman's rm exits 1 when a container does not exist");
    assert_eq!(gone.stderr.trim_end(), r#"Error: no container with name or ID "one" found: no such container"#);
    env.run(&["rm", "--ignore", "one"]).success();
    let two = env.run(&["create", "--name", "two", IMAGE]).success().trim().to_string();
    assert_eq!(env.run(&["rm", "--all"]).success().trim(), two);
    assert_eq!(env.run(&["rm", "-f", "-a"]).success(), "", "--all with nothing left removes nothing, as Podman's");
    assert_eq!(
        env.run(&["inspect", "nope"]).failure(),
        r#"Error: no container with name or ID "nope" found: no such container"#
    );
}

#[test]
fn bad_input_is_one_clear_line_and_changes_nothing() {
    let env = env_with_image();
    for args in [
        vec!["create", "--name", "bad name", IMAGE],
        vec!["create", "--restart", "sometimes", IMAGE],
        vec!["create", "--entrypoint", "[broken", IMAGE],
        vec!["create", "quay.io/rpod-test/missing:1", "--pull=never"],
    ] {
        let line = env.run(&args).failure();
        assert!(line.len() > "Error: ".len(), "{args:?}");
    }
    let unknown = env.run(&["create", "--bogus-flag", IMAGE]);
    assert_eq!(unknown.code, Some(125));
    assert_eq!(unknown.stderr, "Error: unknown flag: --bogus-flag\nSee 'rpod create --help'\n", "Podman's two lines");
    assert!(stored_configs(&env).is_empty());
}

/// 8 processes × 200 creates at once: every one succeeds, none is lost or half-written.
#[test]
fn concurrent_creates_lose_nothing() {
    const PROCESSES: usize = 8;
    const CREATES: usize = 200;
    let env = std::sync::Arc::new(env_with_image());
    let workers: Vec<_> = (0..PROCESSES)
        .map(|worker| {
            let env = env.clone();
            std::thread::spawn(move || {
                for n in 0..CREATES {
                    let name = format!("c{worker}-{n}");
                    let out = env.run(&["create", "--name", &name, IMAGE, "true"]);
                    assert_eq!(out.code, Some(0), "create {name}: {}", out.stderr);
                    assert!(!out.stderr.contains("locked"), "{}", out.stderr);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker panicked");
    }
    let ids = env.run(&["ps", "-a", "-q", "--no-trunc"]).success();
    let unique: std::collections::HashSet<&str> = ids.lines().collect();
    assert_eq!(unique.len(), PROCESSES * CREATES);
    let configs = stored_configs(&env);
    assert_eq!(configs.len(), PROCESSES * CREATES);
    assert!(configs.iter().all(|c| c["name"].as_str().is_some_and(|n| n.starts_with('c'))));
    let db = rusqlite::Connection::open(env.root().join("rpod.db")).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

/// `create`, `rm` and `ps` from many processes at once: none fails or sees a lock error, a
/// removed container is gone for good, and the store ends empty and intact.
#[test]
fn creates_removals_and_listings_interleave_without_errors() {
    const CREATORS: usize = 4;
    const CREATES: usize = 50;
    let env = std::sync::Arc::new(env_with_image());
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let check = |out: rpod_e2e::RunResult, what: &str| {
        assert_eq!(out.code, Some(0), "{what}: {}", out.stderr);
        assert!(!out.stderr.contains("locked"), "{what}: {}", out.stderr);
        out.stdout
    };
    let creators: Vec<_> = (0..CREATORS)
        .map(|worker| {
            let env = env.clone();
            std::thread::spawn(move || {
                for n in 0..CREATES {
                    check(env.run(&["create", "--name", &format!("i{worker}-{n}"), IMAGE, "true"]), "create");
                }
            })
        })
        .collect();
    let others: Vec<_> = (0..4)
        .map(|worker| {
            let (env, done) = (env.clone(), done.clone());
            std::thread::spawn(move || {
                let mut removed = 0;
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    let ids = check(env.run(&["ps", "-a", "-q", "--no-trunc"]), "ps");
                    if worker % 2 == 0 {
                        // Removers: the other remover may win the race, hence --ignore.
                        for id in ids.lines().take(5) {
                            check(env.run(&["rm", "--ignore", id]), "rm");
                            removed += 1;
                            assert_eq!(env.run(&["container", "exists", id]).code, Some(1), "{id} survived its rm");
                        }
                    }
                }
                removed
            })
        })
        .collect();
    for creator in creators {
        creator.join().expect("a creator panicked");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let removed: usize = others.into_iter().map(|t| t.join().expect("a remover or lister panicked")).sum();
    assert!(removed > 0, "the removers ran alongside the creators");
    let rest = env.run(&["ps", "-a", "-q", "--no-trunc"]).success();
    for id in rest.lines() {
        env.run(&["rm", id]).success();
    }
    assert!(env.run(&["ps", "-a", "-q"]).success().is_empty());
    assert!(stored_configs(&env).is_empty());
    let db = rusqlite::Connection::open(env.root().join("rpod.db")).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let leftovers = std::fs::read_dir(env.root().join("containers")).map_or(0, |d| d.count());
    assert_eq!(leftovers, 0, "container directories outlived their records");
}
