//! `rpod network create|ls|inspect|exists|rm|prune` (issue 16) beside Podman 4.3.1: the same
//! commands against both, each with a network config directory of its own in the test
//! directory (never the machine's `/etc/containers/networks`), comparing tables, JSON and files
//! byte for byte after replacing what must differ (random IDs, creation times, random IPv6
//! subnets); then one directory shared by both, each reading and removing what the other wrote.
//!
//! `network create` only writes a file; the one test that starts containers on the networks
//! (each engine on the other's) runs them inside a network namespace of its own. Podman 5 differences are noted where they apply (its
//! `network inspect` adds a `containers` key, which rpod prints too).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rpod_e2e::{Engine, EngineInNetNs, Podman, TestEnv, TestImage};
use serde_json::Value;

/// rpod with its network definitions in `dir` (containers.conf read last, through
/// `CONTAINERS_CONF_OVERRIDE`).
struct Rpod {
    env: TestEnv,
    conf: PathBuf,
}

impl Rpod {
    fn with_networks_in(env: TestEnv, dir: &Path) -> Rpod {
        let conf = env.dir().join("networks-test.conf");
        let text = format!("[containers]\nnetns = \"host\"\n\n[network]\nnetwork_config_dir = \"{}\"\n", dir.display());
        std::fs::write(&conf, text).expect("writing the test's containers.conf");
        Rpod { env, conf }
    }

    fn new() -> Rpod {
        let env = TestEnv::new();
        let dir = env.dir().join("networks");
        Rpod::with_networks_in(env, &dir)
    }
}

impl Engine for Rpod {
    fn name(&self) -> &'static str {
        "rpod"
    }

    fn command(&self) -> Command {
        let mut cmd = self.env.command();
        cmd.env("CONTAINERS_CONF_OVERRIDE", &self.conf);
        cmd
    }
}

/// The networks every comparison starts from; their creation prints their names.
fn populate(engine: &dyn Engine) {
    let creates: [&[&str]; 4] = [
        &[
            "network",
            "create",
            "--subnet",
            "10.99.0.0/24",
            "--ip-range",
            "10.99.0.100/30",
            "--label",
            "a=b",
            "--label",
            "c",
            "--label",
            "html=<a&b>",
            "--opt",
            "mtu=1400",
            "n1",
        ],
        &["network", "create"],
        &["network", "create", "--internal", "--disable-dns", "intnet"],
        &["network", "create", "--ipv6", "--label", "tier=back", "six"],
    ];
    let names: Vec<String> = creates.iter().map(|args| engine.check(args)).collect();
    assert_eq!(names, ["n1\n", "podman2\n", "intnet\n", "six\n"], "{}", engine.name());
}

/// Every network's ID by name, from `ls --no-trunc`.
fn ids(engine: &dyn Engine) -> BTreeMap<String, String> {
    engine
        .check(&["network", "ls", "--no-trunc", "--format", "{{.Name}} {{.ID}}"])
        .lines()
        .map(|line| line.split_once(' ').map(|(n, i)| (n.to_string(), i.to_string())).expect("name and ID"))
        .collect()
}

/// `text` with each network's ID (full, then short) replaced by `<ID name>`; the default
/// network's fixed ID stays.
fn without_ids(text: &str, ids: &BTreeMap<String, String>) -> String {
    let mut text = text.to_string();
    for (name, id) in ids.iter().filter(|(name, _)| *name != "podman") {
        text = text.replace(id, &format!("<ID {name}>")).replace(&id[..12], &format!("<ID {name}>"));
    }
    text
}

/// One network's JSON with what must differ replaced: a random ID and its creation time (each
/// checked first), and a random IPv6 subnet and gateway.
fn normalised(mut network: Value) -> Value {
    let id = network["id"].as_str().expect("an ID");
    assert!(id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    if network["name"] != "podman" {
        network["id"] = Value::from("<id>");
    }
    // Podman 5's inspect adds the running containers, which 4.3.1 lacks; none run here.
    if let Some(containers) = network.as_object_mut().and_then(|n| n.remove("containers")) {
        assert_eq!(containers, serde_json::json!({}), "no container runs in these tests");
    }
    let created = network["created"].as_str().expect("a creation time");
    chrono::DateTime::parse_from_rfc3339(created).expect("an RFC 3339 time");
    network["created"] = Value::from("<time>");
    for subnet in network["subnets"].as_array_mut().into_iter().flatten() {
        if subnet["subnet"].as_str().is_some_and(|s| s.starts_with("fd") && s.ends_with("::/64")) {
            subnet["subnet"] = Value::from("<random fd00::/8 /64>");
            subnet["gateway"] = Value::from("<its ::1>");
        }
    }
    network
}

fn normalised_list(text: &str) -> Value {
    let list: Vec<Value> = serde_json::from_str(text).expect("a JSON array");
    Value::Array(list.into_iter().map(normalised).collect())
}

/// The definition files of `dir`, by name, normalised.
fn files(dir: &Path) -> BTreeMap<String, Value> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("the network config directory") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).expect("a network file");
            assert!(text.starts_with("{\n     \"name\": ") && text.ends_with("}\n"), "Podman's layout: {text}");
            let name = path.file_stem().expect("a name").to_string_lossy().into_owned();
            files.insert(name, normalised(serde_json::from_str(&text).expect("JSON")));
        }
    }
    files
}

#[test]
fn create_ls_inspect_exists_rm_prune_match_podman() {
    let (rpod, podman) = (Rpod::new(), Podman::new());
    populate(&rpod);
    populate(&podman);
    let (rpod_dir, podman_dir) = (rpod.env.dir().join("networks"), podman.dir().join("networks"));
    assert_eq!(files(&rpod_dir), files(&podman_dir), "the files Podman would write");
    let (rpod_ids, podman_ids) = (ids(&rpod), ids(&podman));
    let raw_n1 = |dir: &Path, id: &str| {
        let text = std::fs::read_to_string(dir.join("n1.json")).expect("n1's file").replace(id, "<id>");
        let lines: Vec<&str> =
            text.lines().map(|l| if l.starts_with("     \"created\": ") { "<created>" } else { l }).collect();
        lines.join("\n")
    };
    let ours = raw_n1(&rpod_dir, &rpod_ids["n1"]);
    assert_eq!(ours, raw_n1(&podman_dir, &podman_ids["n1"]), "byte for byte, Go's escapes included");
    assert!(ours.contains(r#""html": "\u003ca\u0026b\u003e""#), "{ours}");

    let listings: &[&[&str]] = &[
        &["network", "ls"],
        &["network", "ls", "-q"],
        &["network", "ls", "--noheading"],
        &["network", "ls", "--filter", "name=n", "--filter", "driver=bridge"],
        &["network", "ls", "--filter", "name=^podman2?$"],
        &["network", "ls", "--filter", "name=["],
        &["network", "ls", "--filter", "label=a"],
        &["network", "ls", "--filter", "label=tier=back", "--filter", "label=a=b"],
        &["network", "ls", "--filter", "dangling=true"],
        &["network", "ls", "--filter", "dangling=false"],
        &["network", "ls", "--filter", "until=2000-01-01T00:00:00Z"],
        &[
            "network",
            "ls",
            "--format",
            "{{.Name}} {{.Driver}} {{.NetworkInterface}} {{.Internal}} {{.DNSEnabled}} {{.IPv6Enabled}}",
        ],
        &["network", "ls", "--format", "table {{.ID}} {{.Name}} {{.Options}} {{.IPAMOptions}} {{.Internal}} {{.IPv6Enabled}} {{.DNSEnabled}} {{.NetworkInterface}}"],
        &["network", "ls", "--format", "{{.Name}}: {{.Labels}}", "--filter", "label=tier"],
        &[
            "network",
            "inspect",
            "--format",
            "{{.Name}} {{.ID}} {{.Options}} {{.IPAMOptions}} {{.Labels}}",
            "n1",
            "podman",
        ],
        &["network", "inspect", "--format", "{{range .Subnets}}{{.Subnet}} {{.Gateway}}{{end}}", "n1", "intnet"],
    ];
    for args in listings {
        let ours = without_ids(&rpod.check(args), &rpod_ids);
        let theirs = without_ids(&podman.check(args), &podman_ids);
        assert_eq!(ours, theirs, "{args:?}");
    }
    let json_of = |engine: &dyn Engine, args: &[&str]| normalised_list(&engine.check(args));
    for args in [&["network", "ls", "--format", "json"][..], &["network", "inspect", "n1", "six", "intnet", "podman"]] {
        let (ours, theirs) = (json_of(&rpod, args), json_of(&podman, args));
        assert_eq!(
            ours.to_string().replace(&rpod_ids["n1"], "<n1>"),
            theirs.to_string().replace(&podman_ids["n1"], "<n1>")
        );
    }
    let inspect = rpod.check(&["network", "inspect", &rpod_ids["n1"][..5]]);
    assert!(
        inspect.starts_with("[\n     {\n          \"name\": \"n1\",\n"),
        "an ID prefix, five-space indents: {inspect}"
    );

    let outcomes: &[&[&str]] = &[
        &["network", "exists", "n1"],
        &["network", "exists", "nosuch"],
        &["network", "inspect", "nosuch"],
        &["network", "rm", "podman"],
        &["network", "rm", "nosuch"],
        &["network", "rm", "-f", "nosuch"],
        &["network", "create", "n1"],
        &["network", "create", "--subnet", "10.99.0.128/25", "overlap"],
        &["network", "create", "--subnet", "10.98.0.0/24", "--gateway", "10.97.0.1", "x"],
        &["network", "create", "--opt", "vlan=5000", "x"],
        &["network", "rm", "intnet", "six"],
        &["network", "prune", "--force", "--filter", "label=a"],
        &["network", "prune", "-f"],
        &["network", "ls"],
    ];
    for args in outcomes {
        let (ours, theirs) = (rpod.run(args), podman.run(args));
        let first_error =
            |stderr: &str| stderr.lines().find(|l| l.starts_with("Error: ")).unwrap_or_default().to_string();
        assert_eq!(ours.code, theirs.code, "{args:?}: {} / {}", ours.stderr, theirs.stderr);
        assert_eq!(without_ids(&ours.stdout, &rpod_ids), without_ids(&theirs.stdout, &podman_ids), "{args:?}");
        let want = first_error(&theirs.stderr).replace("inspecting object: ", "");
        assert_eq!(first_error(&ours.stderr), want, "{args:?} (Podman 5 drops inspect's prefix)");
    }
    assert_eq!(files(&rpod_dir), files(&podman_dir), "refused commands changed nothing, the rest the same");
}

#[test]
fn rpod_and_podman_share_one_network_directory() {
    let podman = Podman::new();
    let shared = podman.dir().join("networks");
    let rpod = Rpod::with_networks_in(TestEnv::new(), &shared);
    assert_eq!(rpod.check(&["network", "create", "--label", "by=rpod", "fromrpod"]), "fromrpod\n");
    assert_eq!(podman.check(&["network", "create", "frompodman"]), "frompodman\n");
    assert_eq!(rpod.check(&["network", "create"]), "podman3\n", "the next free name after both");
    for name in ["fromrpod", "frompodman", "podman3"] {
        // Podman 5's key, which 4.3.1 does not print.
        let ours = rpod.check(&["network", "inspect", name]).replace(",\n          \"containers\": {}", "");
        assert_eq!(ours, podman.check(&["network", "inspect", name]), "{name}: the same bytes from both");
    }
    let subnets = podman.check(&["network", "ls", "--format", "{{.Name}} {{range .Subnets}}{{.Subnet}}{{end}}"]);
    assert_eq!(subnets, "frompodman 10.89.1.0/24\nfromrpod 10.89.0.0/24\npodman 10.88.0.0/16\npodman3 10.89.2.0/24\n");
    assert_eq!(podman.check(&["network", "rm", "fromrpod"]), "fromrpod\n");
    assert_eq!(rpod.check(&["network", "rm", "frompodman", "podman3"]), "frompodman\npodman3\n");
    assert_eq!(podman.check(&["network", "ls", "-q"]), "podman\n");
    assert_eq!(rpod.check(&["network", "ls", "-q"]), "podman\n");
}

#[test]
fn a_network_a_container_uses_is_kept_until_forced() {
    let rpod = Rpod::new();
    let tarball = rpod.env.dir().join("image.tar");
    TestImage::busybox(&[], &[]).write_rootfs(&tarball);
    rpod.check(&["import", tarball.to_str().expect("UTF-8"), "localhost/net:latest"]);
    rpod.check(&["network", "create", "used"]);
    rpod.check(&["network", "create", "spare"]);
    let id = rpod.check(&["create", "--network", "used", "localhost/net:latest", "true"]).trim().to_string();

    let refused = rpod.run(&["network", "rm", "used"]);
    assert_eq!(refused.code, Some(2), "Podman's code for a network in use: {}", refused.stderr);
    assert_eq!(
        refused.stderr.lines().next().unwrap_or_default(),
        "Error: \"used\" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used"
    );
    assert_eq!(rpod.check(&["network", "ls", "-q", "--filter", "dangling=true"]), "spare\n");
    assert_eq!(rpod.check(&["network", "ls", "-q", "--filter", "dangling=false"]), "podman\nused\n");
    assert_eq!(rpod.check(&["network", "prune", "-f"]), "spare\n", "prune keeps what a container uses");
    assert_eq!(rpod.check(&["network", "rm", "-f", "used"]), "used\n");
    assert_eq!(rpod.run(&["container", "exists", &id]).code, Some(1), "rm -f removed the container");
    assert_eq!(rpod.check(&["network", "ls", "-q"]), "podman\n");
}

#[test]
fn rpod_and_podman_creating_at_once_never_share_a_subnet_or_bridge() {
    let podman = Podman::new();
    let shared = podman.dir().join("networks");
    let rpod = Rpod::with_networks_in(TestEnv::new(), &shared);
    // Both take Podman's lock (netavark.lock, a POSIX record lock) around deciding and writing.
    std::thread::scope(|scope| {
        for i in 0..4 {
            let (rpod, podman) = (&rpod, &podman);
            scope.spawn(move || rpod.check(&["network", "create", &format!("r{i}")]));
            scope.spawn(move || podman.check(&["network", "create", &format!("p{i}")]));
        }
    });
    let rows = rpod.check(&["network", "ls", "--format", "{{.NetworkInterface}} {{range .Subnets}}{{.Subnet}}{{end}}"]);
    let (mut bridges, mut subnets) = (Vec::new(), Vec::new());
    for row in rows.lines() {
        let (bridge, subnet) = row.split_once(' ').expect("bridge and subnet");
        bridges.push(bridge.to_string());
        subnets.push(subnet.to_string());
    }
    assert_eq!(bridges.len(), 9, "{rows}");
    for list in [&mut bridges, &mut subnets] {
        list.sort();
        list.dedup();
    }
    assert_eq!((bridges.len(), subnets.len()), (9, 9), "all distinct: {rows}");
}

/// Imports the small busybox image as `localhost/net:latest` into `engine`.
fn import_busybox(engine: &dyn Engine, dir: &Path) {
    let tarball = dir.join(format!("busybox-{}.tar", engine.name()));
    TestImage::busybox(&[], &[]).write_rootfs(&tarball);
    engine.check(&["import", tarball.to_str().expect("UTF-8"), "localhost/net:latest"]);
}

/// A network one engine created carries the other's containers: Podman runs one on rpod's
/// network and rpod one on Podman's, each getting an address of that network's subnet (inside
/// a network namespace of the test's own; no DNS, so no aardvark-dns outlives the test).
#[test]
fn each_engine_runs_containers_on_the_others_network() {
    let podman = Podman::new();
    let shared = podman.dir().join("networks");
    let rpod = Rpod::with_networks_in(TestEnv::new(), &shared);
    rpod.check(&["network", "create", "--disable-dns", "--subnet", "10.123.0.0/24", "byrpod"]);
    podman.check(&["network", "create", "--disable-dns", "--subnet", "10.124.0.0/24", "bypodman"]);
    let cases: [(&dyn Engine, &str, &str); 2] = [(&podman, "byrpod", "10.123.0."), (&rpod, "bypodman", "10.124.0.")];
    for (engine, network, prefix) in cases {
        import_busybox(engine, rpod.env.dir());
        let inside = EngineInNetNs::new(engine);
        let hosts = inside.check(&[
            "run",
            "--rm",
            "--network",
            network,
            "--name",
            "c1",
            "localhost/net:latest",
            "cat",
            "/etc/hosts",
        ]);
        assert!(hosts.lines().any(|l| l.starts_with(prefix) && l.contains("c1")), "{}: {hosts}", engine.name());
    }
}
