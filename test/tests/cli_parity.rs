//! Podman parity of the command line (issue 19): each row is one command line, run against rpod
//! and against Podman (Debian's 4.3.1) over the same image and container, comparing the exit
//! codes exactly and the first `Error:` line after replacing `podman` with `rpod`.
//!
//! rpod follows Podman 5; where 4.3.1 predates that behaviour (or rpod knowingly differs) a row
//! says so with [`Known::Differs`] (why, rpod's line, 4.3.1's line), and both sides are still
//! checked, so the note stays true.
//! Rows never create network namespaces: containers are created, never started.
//! Network rows only read definitions or are refused before writing one (each side reads its
//! own network config directory); `test/tests/volumes.rs` and `test/tests/networks_config.rs`
//! compare every `volume` and `network` table and JSON key with Podman's.

use std::process::Command;

use rpod_e2e::{RunResult, TestEnv, TestImage};

const IMAGE: &str = "localhost/parity:latest";
const CONTAINER: &str = "c1";

/// What may differ between the two for a row.
#[derive(Debug, Clone, Copy)]
enum Known {
    /// Same exit code and the same first `Error:` line.
    Same,
    /// A documented difference: why, rpod's first `Error:` line and 4.3.1's ("" for none:
    /// success).
    Differs(&'static str, &'static str, &'static str),
}

use Known::{Differs, Same};

/// The rows: arguments after the root flags, and what may differ. One line each.
#[rustfmt::skip]
const ROWS: &[(&[&str], Known)] = &[
    // Flags: unknown, missing values, bad values.
    (&["create", "--bogus", IMAGE], Same),
    (&["--bogus", "ps"], Same),
    (&["ps", "--bogus"], Same),
    (&["ps", "-z"], Same),
    (&["create", "-Z", IMAGE], Same),
    (&["images", "--bogus"], Same),
    (&["inspect", "--bogus", CONTAINER], Same),
    (&["generate", "systemd", "--bogus", CONTAINER], Same),
    (&["auto-update", "--bogus"], Same),
    (&["rm", "--bogus", CONTAINER], Same),
    (&["kill", "--bogus", CONTAINER], Same),
    (&["stop", "--bogus", CONTAINER], Same),
    (&["wait", "--bogus", CONTAINER], Same),
    (&["restart", "--bogus", CONTAINER], Same),
    (&["create", "--name"], Same),
    (&["ps", "--format"], Same),
    (&["ps", "--filter"], Same),
    (&["inspect", "--format"], Same),
    (&["stop", "-t"], Same),
    (&["create", "--rm=maybe", IMAGE], Same),
    (&["create", "--replace=maybe", IMAGE], Same),
    (&["stop", "--ignore=maybe", CONTAINER], Same),
    (&["stop", "-t", "abc", CONTAINER], Differs("Podman 5's -t is an int", "Error: invalid argument \"abc\" for \"-t, --time\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax", "Error: invalid argument \"abc\" for \"-t, --time\" flag: strconv.ParseUint: parsing \"abc\": invalid syntax")),
    (&["stop", "-t", "-1", CONTAINER], Differs("Podman 5's stop -t -1 waits without a limit", "", "Error: invalid argument \"-1\" for \"-t, --time\" flag: strconv.ParseUint: parsing \"-1\": invalid syntax")),
    // Commands and arguments.
    (&["bogus"], Same),
    (&["container", "bogus"], Same),
    (&["image", "bogus"], Same),
    (&["generate", "bogus"], Same),
    (&["create"], Same),
    (&["tag", IMAGE], Same),
    (&["start"], Same),
    (&["kill"], Same),
    (&["stop"], Same),
    (&["restart"], Same),
    (&["wait"], Same),
    (&["inspect"], Same),
    (&["ps", "x"], Same),
    (&["version", "x"], Same),
    (&["stop", "--all", CONTAINER], Same),
    (&["kill", "--all", CONTAINER], Same),
    (&["restart", "--all", CONTAINER], Same),
    (&["restart", "--running"], Same),
    (&["stop", "--cidfile", "x", CONTAINER], Same),
    (&["restart", "--filter", "name=c1", CONTAINER], Same),
    // Unknown containers and images.
    (&["stop", "nosuch"], Same),
    (&["stop", "--ignore", "nosuch"], Same),
    (&["kill", "nosuch"], Same),
    (&["wait", "nosuch"], Same),
    (&["start", "nosuch"], Same),
    (&["logs", "nosuch"], Same),
    (&["restart", "nosuch"], Same),
    (&["container", "exists"], Same),
    (&["image", "exists"], Same),
    (&["volume", "exists"], Same),
    (&["volume", "inspect", "nosuch"], Same),
    (&["volume", "rm", "nosuch"], Same),
    (&["volume", "create", "a/b"], Same),
    (&["create", "--image-volume", "anonymous", IMAGE], Same),
    (&["volume", "ls", "--bogus"], Same),
    (&["volume", "ls", "--filter", "bogus=1"], Same),
    (&["network", "exists"], Same),
    (&["network", "exists", "nosuch"], Same),
    (&["healthcheck", "run"], Same),
    (&["healthcheck", "run", "nosuch"], Same),
    (&["network", "inspect"], Same),
    (&["network", "inspect", "nosuch"], Differs("Podman 5 dropped the inspect error's prefixes", "Error: network nosuch: unable to find network with name or ID nosuch: network not found", "Error: inspecting object: network nosuch: unable to find network with name or ID nosuch: network not found")),
    (&["network", "rm"], Same),
    (&["network", "rm", "nosuch"], Same),
    (&["network", "rm", "-t", "5", "nosuch"], Same),
    (&["network", "bogus"], Same),
    (&["network", "ls", "--bogus"], Same),
    (&["network", "ls", "x"], Same),
    (&["network", "ls", "--filter", "bogus=1"], Same),
    (&["network", "ls", "--filter", "dangling=maybe"], Same),
    (&["network", "ls", "--filter", "name"], Same),
    (&["network", "ls", "--filter", "until=soon"], Same),
    (&["network", "prune", "-f", "--filter", "name=x"], Same),
    (&["network", "create", "--bogus"], Same),
    (&["network", "create", "a b"], Same),
    (&["network", "create", "host"], Same),
    (&["network", "create", "podman"], Same),
    (&["network", "create", "-d", "foo", "x"], Same),
    (&["network", "create", "--gateway", "bogus", "x"], Same),
    (&["network", "create", "--gateway", "10.1.1.1", "x"], Same),
    (&["network", "create", "--subnet", "bogus", "x"], Same),
    (&["network", "create", "--subnet", "10.9.0.0/24", "--ip-range", "a", "--ip-range", "b", "x"], Same),
    (&["container", "exists", "nosuch"], Same),
    (&["rmi", "localhost/nosuch"], Same),
    (&["image", "exists", "localhost/nosuch"], Same),
    // Bad values that reach the commands.
    (&["kill", "-s", "BOGUS", CONTAINER], Same),
    (&["kill", "-s", "0", CONTAINER], Same),
    (&["kill", "-s", "99", CONTAINER], Same),
    (&["kill", "-s", "rtmin+16", CONTAINER], Same),
    (&["kill", "-s", "SIGRTMAX-1", "nosuch"], Same),
    (&["kill", "-s", "TERM", CONTAINER], Same),
    (&["ps", "--filter", "status=bogus"], Same),
    (&["ps", "--filter", "bogus=1"], Same),
    (&["ps", "--filter", "label"], Same),
    (&["wait", "--condition", "bogus", CONTAINER], Same),
    (&["wait", "--condition", "configured", CONTAINER], Same),
    (&["wait", "--condition", "created", CONTAINER], Same),
    (&["wait", "--interval", "abc", CONTAINER], Same),
    (&["wait", "--interval", "5x", CONTAINER], Same),
    (&["wait", "--condition", "healthy", CONTAINER], Differs("Podman 5 accepts health conditions and refuses them for a container without a health check", "Error: cannot use condition \"healthy\": container <ID> has no healthcheck", "Error: unknown container state: healthy: invalid argument")),
    // Templates.
    (&["ps", "-a", "--format", "{{.Nope}}"], Same),
    (&["ps", "-a", "--format", "table {{.Nope}}"], Same),
    (&["ps", "-a", "--format", "{{.Names"], Same),
    (&["ps", "-a", "--format", "{{.Names}}{{"], Same),
    (&["ps", "-a", "--format", "{{.Names}}{{end}}"], Same),
    (&["ps", "-a", "--format", "{{.Labels.nope}}"], Same),
    (&["images", "--format", "{{.Nope}}"], Same),
    (&["inspect", "--format", "{{.Nope}}", CONTAINER], Differs("Podman 5 dropped the inspect error's prefixes", "Error: template: inspect:1:13: executing \"inspect\" at <.Nope>: can't evaluate field Nope in type interface {}", "Error: inspecting object: printing inspect output: template: inspect:1:13: executing \"inspect\" at <.Nope>: can't evaluate field Nope in type interface {}")),
    (&["inspect", "--format", "{{.Config.Nope}}", CONTAINER], Differs("Podman 5 dropped the inspect error's prefixes", "Error: template: inspect:1:20: executing \"inspect\" at <.Config.Nope>: can't evaluate field Nope in type *define.InspectContainerConfig", "Error: inspecting object: printing inspect output: template: inspect:1:20: executing \"inspect\" at <.Config.Nope>: can't evaluate field Nope in type *define.InspectContainerConfig")),
    (&["inspect", "--format", "{{.Config.Labels.nope}}", CONTAINER], Same),
    (&["image", "inspect", "--format", "{{.RootFS.Nope}}", IMAGE], Differs("Podman 5 dropped the inspect error's prefixes", "Error: template: inspect:1:20: executing \"inspect\" at <.RootFS.Nope>: can't evaluate field Nope in type *inspect.RootFS", "Error: inspecting object: printing inspect output: template: inspect:1:20: executing \"inspect\" at <.RootFS.Nope>: can't evaluate field Nope in type *inspect.RootFS")),
    (&["network", "ls", "--format", "{{.Nope}}"], Same),
    (&["network", "inspect", "--format", "{{.Nope}}", "podman"], Differs("Podman 5 dropped the inspect error's prefixes", "Error: template: inspect:1:13: executing \"inspect\" at <.Nope>: can't evaluate field Nope in type interface {}", "Error: inspecting object: printing inspect output: template: inspect:1:13: executing \"inspect\" at <.Nope>: can't evaluate field Nope in type interface {}")),
    (&["auto-update", "--format", "{{.Nope}}"], Same),
    (&["rm", "nosuch"], Same),
    // Ports and network flags (issue 16): refused before anything is created.
    (&["port"], Same),
    (&["port", CONTAINER, "80", "x"], Same),
    (&["port", CONTAINER, "80/tcp/x"], Same),
    (&["port", "nosuch"], Same),
    (&["create", "-p", "80/tcp/udp", IMAGE], Same),
    (&["create", "-p", "0", IMAGE], Same),
    (&["create", "-p", "8000-8001:80", IMAGE], Same),
    (&["create", "-p", "nope:80:80", IMAGE], Same),
    (&["create", "--ip", "1.2.3", IMAGE], Same),
    (&["create", "--network", "nosuchnet", IMAGE, "true"], Same),
    // Fields rpod offers that 4.3.1 lacks.
    (&["ps", "-a", "--format", "{{.Restarts}}"], Differs("Podman 5's psReporter has Restarts", "", "Error: template: ps:1:13: executing \"ps\" at <.Restarts>: can't evaluate field Restarts in type containers.psReporter")),
    (&["ps", "-a", "--format", "{{.CIDFile}}"], Differs("Podman 5's ListContainer has CIDFile", "", "Error: template: ps:1:13: executing \"ps\" at <.CIDFile>: can't evaluate field CIDFile in type containers.psReporter")),
    (&["inspect", "--format", "{{.LogPath}}", CONTAINER], Differs("rpod's inspect has LogPath; Podman's keeps it in HostConfig.LogConfig.Path", "", "Error: inspecting object: printing inspect output: template: inspect:1:13: executing \"inspect\" at <.LogPath>: can't evaluate field LogPath in type interface {}")),
    (&["network", "ls", "--format", "{{.Routes}}"], Differs("Podman 5's network has static routes", "", "Error: template: ls:1:13: executing \"ls\" at <.Routes>: can't evaluate field Routes in type network.ListPrintReports")),
    (&["network", "ls", "--format", "{{.NetworkDNSServers}}"], Differs("Podman 5's network has DNS servers", "", "Error: template: ls:1:13: executing \"ls\" at <.NetworkDNSServers>: can't evaluate field NetworkDNSServers in type network.ListPrintReports")),
    (&["inspect", "--format", "{{.Config.Domainname}}", CONTAINER], Differs("rpod's templates see JSON keys; Podman 5's field is DomainName (JSON Domainname), 4.3.1 has none", "", "Error: inspecting object: printing inspect output: template: inspect:1:20: executing \"inspect\" at <.Config.Domainname>: can't evaluate field Domainname in type *define.InspectContainerConfig")),
];

/// Every field rpod's `ps`, `images`, `inspect`, `image inspect` and `auto-update` templates
/// offer: each must work in both (exit 0).
const PS_FIELDS: &[&str] = &[
    "ID",
    "Image",
    "ImageID",
    "Command",
    "CreatedHuman",
    "CreatedAt",
    "Created",
    "Status",
    "State",
    "Ports",
    "Names",
    "Labels",
    "AutoRemove",
    "Exited",
    "ExitedAt",
    "ExitCode",
    "Pid",
    "StartedAt",
    "IsInfra",
    "Mounts",
    "Networks",
    "Pod",
    "PodName",
    "RunningFor",
    "Size",
    "Cgroup",
    "IPC",
    "MNT",
    "NET",
    "PIDNS",
    "User",
    "UTS",
];
const NETWORK_LS_FIELDS: &[&str] = &[
    "Name",
    "ID",
    "Driver",
    "NetworkInterface",
    "Created",
    "Subnets",
    "IPv6Enabled",
    "Internal",
    "DNSEnabled",
    "Labels",
    "Options",
    "IPAMOptions",
];
const IMAGES_FIELDS: &[&str] = &["Repository", "Tag", "ID", "Created", "Size", "Digest", "Dangling"];
const INSPECT_FIELDS: &[&str] = &[
    "Args",
    "BoundingCaps",
    "Config",
    "ConmonPidFile",
    "Created",
    "Driver",
    "EffectiveCaps",
    "HostConfig",
    "HostnamePath",
    "HostsPath",
    "Id",
    "Image",
    "ImageName",
    "Name",
    "Path",
    "ResolvConfPath",
    "RestartCount",
    "State",
    "Config.Cmd",
    "Config.CreateCommand",
    "Config.Entrypoint",
    "Config.Env",
    "Config.Hostname",
    "Config.Image",
    "Config.Labels",
    "Config.OpenStdin",
    "Config.SdNotifyMode",
    "Config.StopSignal",
    "Config.StopTimeout",
    "Config.Tty",
    "Config.User",
    "Config.WorkingDir",
    "State.ConmonPid",
    "State.Dead",
    "State.Error",
    "State.ExitCode",
    "State.FinishedAt",
    "State.OOMKilled",
    "State.Paused",
    "State.Pid",
    "State.Restarting",
    "State.Running",
    "State.StartedAt",
    "State.Status",
];
const IMAGE_INSPECT_FIELDS: &[&str] =
    &["Architecture", "Config", "Created", "Digest", "Id", "Os", "RepoDigests", "RepoTags", "RootFS", "Size"];
const AUTO_UPDATE_FIELDS: &[&str] =
    &["Unit", "Container", "ContainerName", "ContainerID", "Image", "Policy", "Updated"];

/// Podman with its own storage in the test directory, and no network set up by anything here.
fn podman(env: &TestEnv, args: &[&str]) -> RunResult {
    Command::new("podman")
        .arg("--root")
        .arg(env.dir().join("podman-root"))
        .arg("--runroot")
        .arg(env.dir().join("podman-runroot"))
        .args(["--storage-driver", "vfs", "--cgroup-manager=cgroupfs", "--events-backend=file"])
        .args(args)
        .env_remove("PODMAN_SYSTEMD_UNIT")
        .current_dir(env.dir())
        .output()
        .expect("podman (package podman) must be installed")
        .into()
}

/// What a side printed that the table compares: its exit code and first `Error:` line, with
/// `podman` read as `rpod` and the container's ID as `<ID>`.
fn outcome(result: &RunResult, id: &str) -> (Option<i32>, String) {
    let line = result.stderr.lines().find(|l| l.starts_with("Error: ")).unwrap_or_default();
    let line = line.replace("podman", "rpod");
    (result.code, if id.is_empty() { line } else { line.replace(id, "<ID>") })
}

/// The expected outcome of a documented line: "" is success.
fn expected(line: &str) -> (Option<i32>, String) {
    (Some(if line.is_empty() { 0 } else { 125 }), line.to_string())
}

#[test]
fn command_lines_fail_and_succeed_as_podmans_do() {
    let env = TestEnv::new();
    let tarball = env.dir().join("image.tar");
    TestImage::busybox(&[], &[]).write_rootfs(&tarball);
    let tarball = tarball.to_str().expect("UTF-8 path");
    podman(&env, &["import", tarball, IMAGE]).success();
    env.run(&["import", tarball, IMAGE]).success();
    let create = ["create", "--name", CONTAINER, IMAGE, "top"];
    let podman_id = podman(&env, &create).success().trim().to_string();
    let rpod_id = env.run(&create).success().trim().to_string();

    let mut rows: Vec<(Vec<String>, Known)> =
        ROWS.iter().map(|(args, known)| (args.iter().map(|a| a.to_string()).collect(), *known)).collect();
    let field_rows = |command: &[&str], fields: &[&str], target: Option<&str>| {
        fields
            .iter()
            .map(|field| {
                let mut args: Vec<String> = command.iter().map(|a| a.to_string()).collect();
                args.push(format!("{{{{.{field}}}}}"));
                args.extend(target.map(str::to_string));
                (args, Same)
            })
            .collect::<Vec<_>>()
    };
    rows.extend(field_rows(&["ps", "-a", "--format"], PS_FIELDS, None));
    rows.extend(field_rows(&["images", "--format"], IMAGES_FIELDS, None));
    rows.extend(field_rows(&["inspect", "--format"], INSPECT_FIELDS, Some(CONTAINER)));
    rows.extend(field_rows(&["image", "inspect", "--format"], IMAGE_INSPECT_FIELDS, Some(IMAGE)));
    rows.extend(field_rows(&["auto-update", "--format"], AUTO_UPDATE_FIELDS, None));
    rows.extend(field_rows(&["network", "ls", "--format"], NETWORK_LS_FIELDS, None));
    assert!(rows.len() >= 60, "the table holds {} rows", rows.len());

    let mut differences = Vec::new();
    for (args, known) in &rows {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ours = outcome(&env.run(&args), &rpod_id);
        let theirs = outcome(&podman(&env, &args), &podman_id);
        let (want_ours, want_theirs, why) = match known {
            Same => (theirs.clone(), theirs.clone(), "the same"),
            Differs(why, rpod, podman) => (expected(rpod), expected(podman), *why),
        };
        if ours != want_ours || theirs != want_theirs {
            differences.push(format!(
                "{args:?} ({why})\n  rpod:   {ours:?}\n  podman: {theirs:?}\n  wanted: {want_ours:?} / {want_theirs:?}"
            ));
        }
    }
    assert!(differences.is_empty(), "{} rows differ:\n{}", differences.len(), differences.join("\n"));
}
