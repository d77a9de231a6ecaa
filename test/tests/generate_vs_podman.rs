//! Side by side with the real Podman (Debian's 4.3.1): the same `create` arguments, then
//! `generate systemd` from both, must give the same unit. What may differ is only what is meant
//! to: the program and its root flags at the start of each command line (rpod repeats its root
//! flags on stop/rm, Podman 3.3+ does not), Podman 4.3's `ExecStartPre=/bin/rm` (gone in 4.4+,
//! rpod targets 5.x), and the runroot and PID file paths of units without `--new`. (`--restart-sec`
//! is not compared: 4.3 ignored it for containers.)

use std::process::Command;

use rpod_e2e::{RunResult, TestEnv, TestImage};

const IMAGE: &str = "quay.io/libpod/alpine:latest";

/// The `create` arguments of each comparison (after `create`); every container is named, as
/// IDs differ between the two tools.
const CASES: &[&[&str]] = &[
    &[
        "--name",
        "web",
        "--label",
        "io.containers.autoupdate=registry",
        "-e",
        "FOO=bar",
        "--restart=on-failure:3",
        IMAGE,
        "top",
    ],
    &[
        "--name=web2",
        "--replace=false",
        "--sdnotify=ignore",
        "-h",
        "myhost",
        "-t",
        "-i",
        IMAGE,
        "sh",
        "-c",
        "echo $HOME 100% \"q\" it's",
    ],
    &[
        "--name",
        "web3",
        "--sdnotify",
        "container",
        "--restart",
        "no",
        "--rm",
        "--cgroups=enabled",
        "-l",
        "k=v with space",
        "-e",
        "X=a\\b",
        IMAGE,
        "top",
    ],
    &["--entrypoint", "[\"sh\",\"-c\",\"date +%s\"]", "--name", "web4", "-w", "/tmp", "-u", "1000", IMAGE],
    &["--name", "web6", "--restart", "unless-stopped", IMAGE, "top"],
    &[
        "--name",
        "web5",
        "--stop-timeout",
        "42",
        "--env",
        "FOO",
        "--label",
        "tmpl={{.Name}}",
        IMAGE,
        "prog",
        "--detach=false",
        "-d",
        "--rm",
    ],
];

/// Podman with its own storage in the test directory.
fn podman(env: &TestEnv, args: &[&str]) -> RunResult {
    Command::new("podman")
        .arg("--root")
        .arg(env.dir().join("podman-root"))
        .arg("--runroot")
        .arg(env.dir().join("podman-runroot"))
        .args(["--storage-driver", "vfs", "--events-backend", "none"])
        .args(args)
        .env("FOO", "from-host")
        .env_remove("PODMAN_SYSTEMD_UNIT")
        .current_dir(env.dir())
        .output()
        .expect("podman (package podman) must be installed")
        .into()
}

fn rpod(env: &TestEnv, args: &[&str]) -> RunResult {
    env.command().args(args).env("FOO", "from-host").output().expect("running rpod").into()
}

/// Replaces, in every `Exec…=` line, the program and root flags before `subcommand` with `<rpod>`,
/// and drops the lines that differ by design.
fn normalize(text: &str) -> String {
    let mut out = text.replace("ExecStartPre=/bin/rm \\\n\t-f %t/%n.ctr-id\n", "");
    for (key, subcommand) in [
        ("ExecStart=", " run \\\n"),
        ("ExecStart=", " start "),
        ("ExecStop=", " stop "),
        ("ExecStopPost=", " rm \\\n"),
        ("ExecStopPost=", " stop "),
    ] {
        let Some(start) = out.find(&format!("\n{key}")).map(|i| i + 1 + key.len()) else { continue };
        let Some(end) = out[start..].find(subcommand).map(|i| start + i) else { continue };
        if out[start..end].contains("\n[") || out[start..end].contains("\nExec") {
            continue;
        }
        out.replace_range(start..end, "<rpod>");
    }
    out.lines()
        .filter(|line| !line.starts_with("RequiresMountsFor=/") && !line.starts_with("PIDFile="))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn units_match_podmans() {
    let env = TestEnv::new();
    let tarball = env.dir().join("image.tar");
    TestImage::busybox(&[], &[]).write_rootfs(&tarball);
    let tarball = tarball.to_str().expect("UTF-8 path");
    podman(&env, &["import", tarball, IMAGE]).success();
    rpod(&env, &["import", tarball, IMAGE]).success();

    for create in CASES {
        let args = [&["create"], *create].concat();
        podman(&env, &args).success();
        rpod(&env, &args).success();
        let name = create.iter().find_map(|a| a.strip_prefix("--name=")).unwrap_or_else(|| {
            create.iter().position(|a| *a == "--name").map(|i| create[i + 1]).expect("every case is named")
        });
        for flags in [
            &["--new"][..],
            &[],
            &["--new", "--restart-policy", "always", "--stop-timeout", "7"],
            &["--wants", "a.service", "--after", "b.service"],
        ] {
            let gen = [&["generate", "systemd", "--name", "--no-header"], flags, &[name]].concat();
            let theirs = normalize(&podman(&env, &gen).success());
            let ours = normalize(&rpod(&env, &gen).success());
            assert!(ours.contains("\nExecStart=<rpod> ") && ours.contains("\nExecStop=<rpod> "), "normalized:\n{ours}");
            assert_eq!(ours, theirs, "rpod {args:?} / generate {flags:?}\n--- rpod\n{ours}\n--- podman\n{theirs}");
        }
    }
}
