//! `rpod volume …` (issue 15) beside Podman 4.3.1: the same commands against both, comparing
//! tables byte for byte and inspect's JSON keys and values, after replacing what must differ
//! (storage roots, creation times, random names).

use std::collections::BTreeMap;
use std::io::Write;
use std::process::Stdio;

use rpod_e2e::{Engine, Podman, RunResult, TestEnv};
use serde_json::Value;

/// Runs `ENGINE ARGS` with `input` on its standard input.
fn run_with_input(engine: &dyn Engine, args: &[&str], input: &str) -> RunResult {
    let mut child = engine
        .command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the engine");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("writing stdin");
    child.wait_with_output().expect("waiting for the engine").into()
}

/// The volumes every comparison starts from: a plain one, one with a label and an owner, one
/// with mount options, and one with a random name (returned).
fn populate(engine: &dyn Engine) -> String {
    assert_eq!(engine.check(&["volume", "create", "myvol"]), "myvol\n");
    engine.check(&["volume", "create", "--label", "x=1", "--opt", "o=uid=0", "lab"]);
    engine.check(&["volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "tv"]);
    let random = engine.check(&["volume", "create"]).trim().to_string();
    assert!(random.len() == 64 && random.chars().all(|c| c.is_ascii_hexdigit()), "{random:?}");
    random
}

/// `volume inspect` of `names`, with the mountpoint's root replaced and the time checked, then
/// replaced: what may differ between two engines.
fn normalised_inspect(engine: &dyn Engine, root: &str, names: &[&str]) -> Value {
    let mut args = vec!["volume", "inspect"];
    args.extend(names);
    let mut json: Value = serde_json::from_str(&engine.check(&args)).expect("inspect prints JSON");
    for volume in json.as_array_mut().expect("an array") {
        let mountpoint = volume["Mountpoint"].as_str().expect("a mountpoint").replace(root, "<root>");
        volume["Mountpoint"] = Value::from(mountpoint);
        let created = volume["CreatedAt"].as_str().expect("a creation time");
        chrono::DateTime::parse_from_rfc3339(created).expect("an RFC 3339 time");
        volume["CreatedAt"] = Value::from("<time>");
    }
    json
}

#[test]
fn tables_and_json_match_podman() {
    let (rpod, podman) = (TestEnv::new(), Podman::new());
    let rpod_random = populate(&rpod);
    let podman_random = populate(&podman);
    let commands: &[&[&str]] = &[
        &["volume", "ls"],
        &["volume", "ls", "-q"],
        &["volume", "ls", "--noheading"],
        &["volume", "list", "--format", "table {{.Name}}\t{{.Labels}}\t{{.Scope}}"],
        &["volume", "ls", "--format", "{{.Name}} {{.Driver}} {{.Options}}"],
        &["volume", "ls", "--filter", "label=x"],
        &["volume", "ls", "--filter", "name=vol", "--filter", "name=la"],
        &["volume", "ls", "--filter", "dangling=true", "-q"],
        &["volume", "inspect", "--all", "--format", "{{.Name}} {{.Labels}}"],
    ];
    for args in commands {
        let ours = rpod.check(args).replace(&rpod_random, "<random>");
        let theirs = podman.check(args).replace(&podman_random, "<random>");
        assert_eq!(ours, theirs, "{args:?}");
    }
    let root = |dir: &std::path::Path| dir.join("root").display().to_string();
    let names = ["lab", "myvol", "tv"];
    assert_eq!(
        normalised_inspect(&rpod, &root(rpod.dir()), &names),
        normalised_inspect(&podman, &root(podman.dir()), &names)
    );
    let ls_json = |engine: &dyn Engine| -> Vec<Vec<String>> {
        let json: Value = serde_json::from_str(&engine.check(&["volume", "ls", "--format", "json"])).unwrap();
        json.as_array().unwrap().iter().map(|v| v.as_object().unwrap().keys().cloned().collect()).collect()
    };
    assert_eq!(ls_json(&rpod), ls_json(&podman));
}

#[test]
fn errors_and_exit_codes_match_podman() {
    let (rpod, podman) = (TestEnv::new(), Podman::new());
    for engine in [&rpod as &dyn Engine, &podman] {
        for name in ["myvol", "abc1", "abc2", "xyz"] {
            engine.check(&["volume", "create", name]);
        }
    }
    let commands: &[&[&str]] = &[
        &["volume", "create", "myvol"],
        &["volume", "create", "a/b"],
        &["volume", "create", "--", "-x"],
        &["volume", "create", "--driver", "foo", "z"],
        &["volume", "create", "--opt", "bad=1", "z"],
        &["volume", "inspect", "nope"],
        &["volume", "rm", "nope"],
        &["volume", "rm"],
        &["volume", "rm", "--all", "myvol"],
        &["volume", "ls", "--filter", "bogus=1"],
        &["volume", "ls", "--format", "{{.Bogus}}"],
        &["volume", "inspect"],
        &["volume", "inspect", "--all", "myvol"],
        &["volume", "create", "a", "b"],
        &["volume", "exists", "nope"],
        &["volume", "exists", "a/b"],
        &["volume", "exists", "myvol"],
        &["volume", "exists", "my"],
        &["volume", "inspect", "abc"],
        &["volume", "rm", "abc"],
        &["volume", "inspect", "--format", "{{.Name}}", "xy"],
        &["volume", "rm", "xy"],
        &["volume", "rm", "abc1", "abc2"],
    ];
    for args in commands {
        let (ours, theirs) = (rpod.run(args), podman.run(args));
        assert_eq!(ours.code, theirs.code, "{args:?}: rpod {ours:?}, podman {theirs:?}");
        assert_eq!(ours.stderr, theirs.stderr, "{args:?}");
        assert_eq!(ours.stdout, theirs.stdout, "{args:?}");
    }
    // Known difference: Podman 5 refuses a prune filter other than label/until; 4.3.1 ignored it.
    let prune_by_name = ["volume", "prune", "--force", "--filter", "name=x"];
    let line = rpod.run(&prune_by_name).failure();
    assert_eq!(line, "Error: \"name\" is an invalid volume filter");
    assert_eq!(podman.check(&prune_by_name), "");
    // Nothing refused was stored, in the database or on disk.
    assert_eq!(rpod.check(&["volume", "ls", "-q"]), "myvol\n");
    let on_disk: Vec<_> =
        std::fs::read_dir(rpod.root().join("volumes")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(on_disk, ["myvol"]);
}

#[test]
fn bad_names_are_one_error_line_and_store_nothing() {
    let rpod = TestEnv::new();
    for name in ["a/b", "/abs", "..", ".hidden", "x y", "a:b"] {
        let line = rpod.run(&["volume", "create", "--", name]).failure();
        assert_eq!(
            line,
            "Error: running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"
        );
    }
    assert_eq!(rpod.check(&["volume", "ls", "-q"]), "");
    let entries = std::fs::read_dir(rpod.root().join("volumes")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(entries, 0);
}

#[test]
fn create_ignore_rm_and_prune() {
    let rpod = TestEnv::new();
    for name in ["a", "b", "c"] {
        rpod.check(&["volume", "create", "--label", &format!("n={name}"), name]);
    }
    let data = rpod.root().join("volumes/a/_data");
    assert!(data.is_dir());
    std::fs::write(data.join("kept"), "x").unwrap();
    assert_eq!(rpod.check(&["volume", "create", "--ignore", "a"]), "a\n");
    assert!(data.join("kept").exists(), "--ignore keeps the existing volume");

    let declined = run_with_input(&rpod, &["volume", "prune"], "n\n");
    assert_eq!(declined.code, Some(0));
    assert!(declined.stdout.starts_with("WARNING! This will remove all volumes not used by at least one container."));
    assert!(declined.stdout.contains("\na\nb\nc\nAre you sure you want to continue? [y/N] "), "{}", declined.stdout);
    assert_eq!(rpod.check(&["volume", "ls", "-q"]), "a\nb\nc\n");

    assert_eq!(rpod.check(&["volume", "prune", "-f", "--filter", "label=n=b"]), "b\n");
    assert_eq!(rpod.check(&["volume", "rm", "a"]), "a\n");
    assert!(!rpod.root().join("volumes/a").exists());
    assert_eq!(rpod.check(&["volume", "ls", "-q"]), "c\n");
    assert_eq!(rpod.check(&["volume", "rm", "--all"]), "c\n");
    assert_eq!(rpod.check(&["volume", "ls"]), "DRIVER      VOLUME NAME\n");
    let nothing = run_with_input(&rpod, &["volume", "prune"], "");
    assert!(nothing.stdout.ends_with("The following volumes will be removed:\nNo dangling volumes found\n"));
}

#[test]
fn prune_without_confirmation_matches_podman() {
    let (rpod, podman) = (TestEnv::new(), Podman::new());
    let outputs: Vec<BTreeMap<&str, String>> = [&rpod as &dyn Engine, &podman]
        .into_iter()
        .map(|engine| {
            engine.check(&["volume", "create", "pv"]);
            let asked = run_with_input(engine, &["volume", "prune"], "n\n").stdout;
            let pruned = run_with_input(engine, &["volume", "prune"], "y\n").stdout;
            let empty = engine.check(&["volume", "prune", "--force"]);
            [("asked", asked), ("pruned", pruned), ("empty", empty)].into()
        })
        .collect();
    assert_eq!(outputs[0], outputs[1]);
}

/// Both engines with the same imported busybox image and a created (never started) container
/// `c1` using the named volume `data`; returns each container's ID.
fn container_using_data(engines: [&dyn Engine; 2], dir: &std::path::Path) -> Vec<String> {
    let tarball = dir.join("rootfs.tar");
    rpod_e2e::TestImage::busybox(&[], &[]).write_rootfs(&tarball);
    let tarball = tarball.to_str().expect("a UTF-8 path");
    let image = "quay.io/rpod-test/busybox:1";
    engines
        .iter()
        .map(|engine| {
            engine.check(&["import", "--change", "CMD=[\"sh\"]", tarball, image]);
            engine.check(&["create", "--name", "c1", "-v", "data:/data", image]).trim().to_string()
        })
        .collect()
}

#[test]
fn a_volume_in_use_is_kept_until_forced_as_podman_does() {
    let (rpod, podman) = (TestEnv::new(), Podman::new());
    let engines: [&dyn Engine; 2] = [&rpod, &podman];
    let ids = container_using_data(engines, rpod.dir());
    let commands: &[&[&str]] = &[
        &["volume", "ls"],
        &["volume", "ls", "--filter", "dangling=false", "-q"],
        &["volume", "ls", "--filter", "dangling=true", "-q"],
        &["volume", "rm", "data"],
        &["volume", "prune", "--force"],
        &["volume", "rm", "--force", "data"],
        &["container", "exists", "c1"],
        &["volume", "ls", "-q"],
    ];
    for args in commands {
        let results: Vec<RunResult> = engines.iter().map(|e| e.run(args)).collect();
        let text = |r: &RunResult, id: &str| (r.code, r.stdout.replace(id, "<id>"), r.stderr.replace(id, "<id>"));
        assert_eq!(text(&results[0], &ids[0]), text(&results[1], &ids[1]), "{args:?}");
        if *args == ["volume", "rm", "data"] {
            let refused = format!("Error: volume data is being used by the following container(s): {}", ids[0]);
            assert_eq!(results[0].code, Some(2));
            assert!(results[0].stderr.starts_with(&refused), "{:?}", results[0].stderr);
        }
    }
    assert!(!rpod.root().join("volumes/data").exists());
}

#[test]
fn racing_creates_of_one_name_make_one_volume() {
    let rpod = TestEnv::new();
    let children: Vec<_> = (0..6)
        .map(|_| {
            rpod.command()
                .args(["volume", "create", "shared"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("starting rpod")
        })
        .collect();
    let results: Vec<RunResult> = children.into_iter().map(|c| c.wait_with_output().expect("rpod").into()).collect();
    assert_eq!(results.iter().filter(|r| r.code == Some(0)).count(), 1, "{results:?}");
    for refused in results.into_iter().filter(|r| r.code != Some(0)) {
        assert_eq!(refused.failure(), "Error: volume with name shared already exists: volume already exists");
    }
    assert_eq!(rpod.check(&["volume", "ls", "-q"]), "shared\n");
    assert!(rpod.root().join("volumes/shared/_data").is_dir());
}
