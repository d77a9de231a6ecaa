//! rpod's own Quadlet cases (test/quadlet-cases/, in the `## assert-…` style of Podman's):
//! what Podman's corpus does not cover — rpod's binary in every `Exec*=` line, every key the
//! issue lists, drop-ins at each level, `[Install]` links, quoting and continuations, and the
//! failures that must cost only the file at fault. Every case must pass.

mod quadlet_support;

use std::path::Path;

use quadlet_support::{load_cases, run_case};

#[test]
fn rpod_quadlet_cases_pass() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("quadlet-cases");
    let failures: Vec<String> = load_cases(&source)
        .iter()
        .filter_map(|case| run_case(&source, case).err().map(|why| format!("--- {}: {why}", case.file)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The output of `rpod ARGS` (a `--help`).
fn help_of(args: &[&str]) -> String {
    let out = std::process::Command::new(rpod_e2e::rpod_binary()).args(args).output().expect("running rpod");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether `help` (a `--help` text) lists `flag`.
fn lists(help: &str, flag: &str) -> bool {
    help.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == '=').any(|word| word == flag)
}

/// The keys the generator warns about are exactly those whose flag rpod does not take yet; the
/// keys of issue 18 become flags rpod takes. When rpod gains a flag, this test names the entry
/// of `quadlet::convert::keys::NOT_YET_RUN` (and the row of docs/rpod-systemd.unit.md) to drop.
#[test]
fn not_yet_accepted_flags_are_refused_by_rpod() {
    let help = format!("{}\n{}", help_of(&["create", "--help"]), help_of(&["--help"]));
    for (key, flag) in quadlet::convert::keys::NOT_YET_RUN {
        assert!(!lists(&help, flag), "rpod now accepts {flag}: {key}= is no longer a 'not yet' key");
    }
    let volume_help = help_of(&["volume", "create", "--help"]);
    for (key, flag) in quadlet::convert::keys::NOT_YET_VOLUME_CREATE {
        assert!(!lists(&volume_help, flag), "rpod volume create now accepts {flag}: {key}= is no longer 'not yet'");
    }
    let issue_keys = [
        ("ContainerName", "--name"),
        ("AutoUpdate", "--label"),
        ("Pull", "--pull"),
        ("Entrypoint", "--entrypoint"),
        ("Environment", "--env"),
        ("EnvironmentFile", "--env-file"),
        ("Volume", "--volume"),
        ("Mount", "--mount"),
        ("Tmpfs", "--tmpfs"),
        ("Network", "--network"),
        ("NetworkAlias", "--network-alias"),
        ("PublishPort", "--publish"),
        ("IP", "--ip"),
        ("HostName", "--hostname"),
        ("DNS", "--dns"),
        ("DNSOption", "--dns-option"),
        ("DNSSearch", "--dns-search"),
        ("AddHost", "--add-host"),
        ("User", "--user"),
        ("WorkingDir", "--workdir"),
        ("Notify", "--sdnotify"),
        ("HealthCmd", "--health-cmd"),
        ("HealthInterval", "--health-interval"),
        ("HealthOnFailure", "--health-on-failure"),
        ("HealthRetries", "--health-retries"),
        ("HealthStartPeriod", "--health-start-period"),
        ("HealthTimeout", "--health-timeout"),
        ("ReadOnly", "--read-only"),
        ("AddCapability", "--cap-add"),
        ("DropCapability", "--cap-drop"),
        ("SeccompProfile", "--security-opt"),
        ("Memory", "--memory"),
        ("PidsLimit", "--pids-limit"),
        ("ShmSize", "--shm-size"),
        ("StopTimeout", "--stop-timeout"),
        ("Sysctl", "--sysctl"),
        ("Ulimit", "--ulimit"),
        ("GlobalArgs", "--root"),
    ];
    for (key, flag) in issue_keys {
        assert!(lists(&help, flag), "{key}= becomes {flag}, which rpod does not list");
    }
}
