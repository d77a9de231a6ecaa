//! Containers on netavark networks (issue 16): a published port answering, containers finding
//! each other by name through aardvark-dns, and nothing left behind — no interface, firewall
//! rule or namespace mount — once they are removed, even after the monitor was killed. Every
//! case runs inside a network namespace of the test's own (the bridges, rules and addresses
//! never reach the machine's), with Podman 4.3.1 first and then rpod, same image and flags.

use std::process::Command;
use std::time::Duration;

use rpod_e2e::update_world::publish;
use rpod_e2e::{
    eventually, ContainerGuard, DebianEngines, Engine, EngineInNetNs, NetNs, Sandbox, TestEnv, TestRegistry,
    DEBIAN_IMAGE,
};

/// Held by the tests whose networks run aardvark-dns: its state (a PID file, one configuration
/// per network) lives in the engine's network run directory — Podman's is the machine's
/// `/run/containers/networks`, rpod's is under the shared engines' runroot — while each test
/// has a namespace of its own, so two such tests at once would signal each other's server.
static AARDVARK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A port nothing in a fresh namespace listens on, different per test and engine.
fn port_for(case: u16, engine: &dyn Engine) -> u16 {
    8000 + case * 10 + u16::from(engine.name() == "rpod")
}

/// What a namespace holds of networking, as the checks compare it: interfaces, the iptables
/// rules (counters dropped) and the nftables ruleset.
#[derive(Debug, PartialEq, Eq)]
struct NetworkTraces {
    links: Vec<String>,
    iptables: Vec<String>,
    nftables: String,
}

fn traces(netns: &NetNs) -> NetworkTraces {
    let run = |program: &str, args: &[&str]| {
        let mut command = Command::new(program);
        command.args(args);
        netns.run(&command).stdout
    };
    let links = run("ip", &["-o", "link", "show"])
        .lines()
        .filter_map(|line| line.split(": ").nth(1).map(|name| name.split('@').next().unwrap_or(name).to_string()))
        .collect();
    let iptables = run("iptables-save", &[])
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split(" [").next().unwrap_or(line).to_string())
        .collect();
    NetworkTraces { links, iptables, nftables: run("nft", &["list", "ruleset"]) }
}

/// Asserts that nothing of a container's network is left: no interface but `lo`, no rule or
/// ruleset line naming the container's subnet or a per-network chain (netavark leaves only its
/// empty top-level chains, for rpod as for Podman).
fn assert_nothing_left(engine: &dyn Engine, traces: &NetworkTraces, subnet_prefix: &str) {
    assert_eq!(traces.links, ["lo"], "{}: interfaces left: {traces:?}", engine.name());
    let rules: Vec<&String> = traces.iptables.iter().filter(|l| l.starts_with("-A")).collect();
    assert!(rules.iter().all(|l| !l.contains(subnet_prefix)), "{}: rules left: {rules:#?}", engine.name());
    assert!(!traces.nftables.contains(subnet_prefix), "{}: nftables left:\n{}", engine.name(), traces.nftables);
}

/// The persistent namespaces (`SandboxKey`) of running containers, to check after removal.
fn namespaces_of(engine: &dyn Engine, containers: &[&str]) -> Vec<String> {
    containers.iter().map(|c| engine.inspect(c, "{{.NetworkSettings.SandboxKey}}")).collect()
}

/// Asserts that each namespace file is gone and nothing is mounted there any more.
fn assert_namespaces_gone(engine: &dyn Engine, namespaces: &[String]) {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    for path in namespaces {
        assert!(!path.is_empty(), "{}: a running container without a namespace", engine.name());
        assert!(!std::path::Path::new(path).exists(), "{}: {path} left", engine.name());
        let mounted = mountinfo.lines().any(|line| line.split(' ').nth(4) == Some(path.as_str()));
        assert!(!mounted, "{}: {path} still mounted", engine.name());
    }
}

/// nginx from the Debian image, published on 127.0.0.1 of the test's namespace, answers there;
/// `port`, `ps` and `inspect` show the mapping and address as Podman does; `rm -f` leaves
/// nothing.
#[test]
fn a_published_nginx_answers_and_rm_leaves_nothing() {
    let engines = DebianEngines::shared();
    for engine in engines.both() {
        let inside = EngineInNetNs::new(engine);
        let port = port_for(1, engine);
        let name = format!("web{port}");
        let guard = ContainerGuard::new(&inside, &name);
        let publish = format!("127.0.0.1:{port}:80");
        let nginx = ["nginx", "-g", "daemon off;"];
        inside.check(
            &[&["run", "-d", "--network", "bridge", "-p", &publish, "--name", &name, DEBIAN_IMAGE], &nginx[..]]
                .concat(),
        );
        let url = format!("http://127.0.0.1:{port}/");
        let answered = eventually(Duration::from_secs(20), || inside.netns().http_status(&url) == "200");
        let logs = inside.run(&["logs", &name]);
        assert!(answered, "{}: nginx did not answer on {url}; logs:\n{}{}", engine.name(), logs.stdout, logs.stderr);

        assert_eq!(inside.check(&["port", &name, "80"]).trim(), format!("127.0.0.1:{port}"), "{}", engine.name());
        assert_eq!(inside.check(&["port", &name]).trim(), format!("80/tcp -> 127.0.0.1:{port}"), "{}", engine.name());
        let ps = inside.check(&["ps", "--filter", &format!("name={name}"), "--format", "{{.Ports}}"]);
        assert_eq!(ps.trim(), format!("127.0.0.1:{port}->80/tcp"), "{}", engine.name());
        let address = inside.inspect(&name, "{{.NetworkSettings.IPAddress}}");
        assert!(address.starts_with("10.88."), "{}: address {address:?}", engine.name());
        assert_eq!(inside.inspect(&name, "{{.NetworkSettings.IPPrefixLen}}"), "16", "{}", engine.name());
        assert_eq!(inside.inspect(&name, "{{.NetworkSettings.Gateway}}"), "10.88.0.1", "{}", engine.name());
        let bindings = inside.inspect(&name, "{{json .HostConfig.PortBindings}}");
        assert_eq!(
            bindings,
            format!(r#"{{"80/tcp":[{{"HostIp":"127.0.0.1","HostPort":"{port}"}}]}}"#),
            "{}",
            engine.name()
        );
        let hosts = inside.check(&["exec", &name, "cat", "/etc/hosts"]);
        assert!(hosts.lines().any(|l| l.starts_with(&address) && l.contains(&name)), "{}: {hosts}", engine.name());

        let namespaces = namespaces_of(&inside, &[&name]);
        inside.check(&["rm", "-f", "-t", "0", &name]);
        drop(guard);
        assert_nothing_left(engine, &traces(inside.netns()), "10.88.");
        assert_namespaces_gone(engine, &namespaces);
        assert_eq!(inside.netns().http_status(&url), "000", "{}: the port is still forwarded", engine.name());
    }
}

/// Two containers on a user-defined network find each other by name and by alias
/// (aardvark-dns), and removing both leaves no interface, rule or DNS entry.
#[test]
fn containers_on_a_user_network_reach_each_other_by_name() {
    let _aardvark = AARDVARK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let engines = DebianEngines::shared();
    for engine in engines.both() {
        let inside = EngineInNetNs::new(engine);
        let net = format!("rpodnet{}", port_for(2, engine));
        let (db, client) = (format!("db-{net}"), format!("client-{net}"));
        inside.check(&["network", "create", "--subnet", "10.123.45.0/24", &net]);
        let _guards = (ContainerGuard::new(&inside, &db), ContainerGuard::new(&inside, &client));
        inside.check(&[
            "run",
            "-d",
            "--network",
            &net,
            "--network-alias",
            "cache",
            "--name",
            &db,
            DEBIAN_IMAGE,
            "redis-server",
            "--protected-mode",
            "no",
        ]);
        for host in [db.as_str(), "cache"] {
            let mut answer = String::new();
            let answered = eventually(Duration::from_secs(20), || {
                let out =
                    inside.run(&["run", "--rm", "--network", &net, DEBIAN_IMAGE, "redis-cli", "-h", host, "ping"]);
                answer = format!("{}{}", out.stdout, out.stderr);
                out.stdout.trim() == "PONG"
            });
            assert!(answered, "{}: redis-cli -h {host} ping answered {answer:?}", engine.name());
        }
        inside.check(&["run", "-d", "--network", &net, "--name", &client, DEBIAN_IMAGE, "sleep", "600"]);
        let resolved = inside.check(&["exec", &client, "getent", "hosts", &db]);
        let db_address = inside.inspect(&db, &format!("{{{{(index .NetworkSettings.Networks \"{net}\").IPAddress}}}}"));
        assert!(
            resolved.starts_with(&db_address),
            "{}: {db} resolved to {resolved:?}, not {db_address}",
            engine.name()
        );

        let namespaces = namespaces_of(&inside, &[&db, &client]);
        inside.check(&["rm", "-f", "-t", "0", &db, &client]);
        assert_nothing_left(engine, &traces(inside.netns()), "10.123.45.");
        assert_namespaces_gone(engine, &namespaces);
        inside.check(&["network", "rm", &net]);
    }
}

/// A monitor killed with SIGKILL cannot tear its container's network down: the `rm` that
/// follows does, and nothing is left.
#[test]
fn rm_after_a_killed_monitor_leaves_nothing() {
    let engines = DebianEngines::shared();
    let rpod = &engines.rpod;
    let inside = EngineInNetNs::new(rpod);
    let name = "killed-monitor";
    let _guard = ContainerGuard::new(&inside, name);
    let port = port_for(3, rpod).to_string();
    inside.check(&[
        "run",
        "-d",
        "--network",
        "bridge",
        "-p",
        &format!("127.0.0.1:{port}:80"),
        "--name",
        name,
        DEBIAN_IMAGE,
        "sleep",
        "600",
    ]);
    let netns_path = inside.inspect(name, "{{.NetworkSettings.SandboxKey}}");
    assert!(netns_path.starts_with(rpod.runroot().join("netns").to_str().unwrap()), "{netns_path}");
    let monitor = inside.inspect(name, "{{.State.ConmonPid}}");
    assert!(Command::new("kill").args(["-KILL", &monitor]).status().unwrap().success());
    inside.check(&["rm", "-f", "-t", "0", name]);
    assert_nothing_left(rpod, &traces(inside.netns()), "10.88.");
    assert_namespaces_gone(rpod, &[netns_path]);
}

/// Flags Podman refuses are refused in its words, and nothing is created.
#[test]
fn bad_network_flags_are_refused_like_podman() {
    let engines = DebianEngines::shared();
    let cases: [(&[&str], &str); 4] = [
        (&["-p", "80/tcp/udp"], "Error: invalid port format - protocol can only be specified once"),
        (&["-p", "127.0.0.1:9000-9001:80"], "Error: host and container port ranges have different lengths: 2 vs 1"),
        (
            &["--network", "host", "--ip", "10.88.0.9"],
            "Error: --ip can only be set when the network mode is bridge: invalid argument",
        ),
        (&["--network", "nosuchnet"], "Error: unable to find network with name or ID nosuchnet: network not found"),
    ];
    for (flags, want) in cases {
        for engine in engines.both() {
            let mut args = vec!["create"];
            args.extend_from_slice(flags);
            args.extend([DEBIAN_IMAGE, "true"]);
            let out = engine.run(&args);
            assert_eq!(out.code, Some(125), "{} {flags:?}: {}", engine.name(), out.stderr);
            assert!(out.stderr.trim_end().ends_with(want), "{} {flags:?}: {}", engine.name(), out.stderr);
        }
    }
}

/// `generate systemd --new` keeps the network flags exactly as given, so the unit's container
/// (and one recreated by auto-update) gets the same published port back. Creating starts
/// nothing, so this runs in the machine's namespace.
#[test]
fn generate_new_keeps_the_network_flags() {
    let engines = DebianEngines::shared();
    for engine in engines.both() {
        let name = format!("gen-{}", engine.name());
        let _guard = ContainerGuard::new(engine, &name);
        let flags = ["--network", "bridge", "-p", "127.0.0.1:8090:80", "--network-alias", "web", "-P"];
        engine.check(&[&["create", "--name", &name][..], &flags[..], &[DEBIAN_IMAGE, "sleep", "600"][..]].concat());
        let unit = engine.check(&["generate", "systemd", "--new", "--name", &name]);
        let exec_start: Vec<&str> = unit
            .lines()
            .skip_while(|l| !l.starts_with("ExecStart="))
            .take_while(|l| !l.starts_with("ExecStop"))
            .flat_map(str::split_whitespace)
            .filter(|word| *word != "\\")
            .collect();
        let exec_start = exec_start.join(" ");
        assert!(
            exec_start.contains("--network bridge -p 127.0.0.1:8090:80 --network-alias web -P"),
            "{}: {exec_start}",
            engine.name()
        );
        assert_eq!(engine.inspect(&name, "{{.HostConfig.NetworkMode}}"), "bridge", "{}", engine.name());
    }
}

/// The issue's whole loop under the systemd sandbox, all inside the test's own namespace: a
/// unit from `generate systemd --new` publishes a web server on 127.0.0.1, `auto-update` moves
/// it from v1 to v2 and the same port serves v2; stopping the unit leaves nothing behind.
#[test]
fn auto_update_keeps_the_published_port_under_systemd() {
    let netns = NetNs::new();
    let registry = TestRegistry::start_in(&netns);
    let sandbox = Sandbox::start_in(&netns);
    let env = TestEnv::new();
    let rpod = |args: &[&str]| sandbox.rpod(&env, args);
    let image = registry.image("app/web", "latest");
    publish(&registry, &image, "v1", &[]);
    rpod(&["pull", "-q", "--tls-verify=false", &image]).success();
    let port = "8097";
    let publish_flag = format!("127.0.0.1:{port}:80");
    rpod(&[
        "create",
        "--name",
        "web",
        "--label",
        "io.containers.autoupdate=registry",
        "--network",
        "bridge",
        "-p",
        &publish_flag,
        &image,
        "/bin/busybox",
        "httpd",
        "-f",
        "-p",
        "80",
        "-h",
        "/",
    ])
    .success();
    let unit_text = rpod(&["generate", "systemd", "--new", "--name", "web"]).success();
    sandbox.install_unit("container-web.service", &unit_text);
    rpod(&["rm", "web"]).success();
    sandbox.start_unit("container-web.service");

    let url = format!("http://127.0.0.1:{port}/version");
    let page = || {
        let mut curl = Command::new("curl");
        curl.args(["-sS", "--max-time", "5", &url]);
        netns.run(&curl).stdout
    };
    assert!(eventually(Duration::from_secs(20), || page() == "v1"), "v1 was not served: {:?}", page());

    publish(&registry, &image, "v2", &[]);
    let updated = rpod(&["auto-update", "--tls-verify=false", "--format", "{{.Unit}},{{.Updated}}"]).success();
    assert_eq!(updated, "container-web.service,true\n");
    assert!(eventually(Duration::from_secs(20), || page() == "v2"), "v2 was not served: {:?}", page());

    sandbox.check(&["systemctl", "stop", "container-web.service"]);
    assert_nothing_left(&env, &traces(&netns), "10.88.");
    let left = sandbox.check(&["find", env.runroot().join("netns").to_str().unwrap(), "-mindepth", "1"]);
    assert_eq!(left, "", "namespace files left");
}

/// `network connect` gives a running container an interface on another network, where its
/// name and `--alias` resolve; `network disconnect` takes it away again.
#[test]
fn connect_and_disconnect_a_running_container() {
    let _aardvark = AARDVARK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let engines = DebianEngines::shared();
    for engine in engines.both() {
        let inside = EngineInNetNs::new(engine);
        let net = format!("joinnet{}", port_for(4, engine));
        let (peer, joiner) = (format!("peer-{net}"), format!("joiner-{net}"));
        inside.check(&["network", "create", "--subnet", "10.124.46.0/24", &net]);
        let _guards = (ContainerGuard::new(&inside, &peer), ContainerGuard::new(&inside, &joiner));
        inside.check(&["run", "-d", "--network", &net, "--name", &peer, DEBIAN_IMAGE, "sleep", "600"]);
        inside.check(&["run", "-d", "--network", "bridge", "--name", &joiner, DEBIAN_IMAGE, "sleep", "600"]);
        inside.check(&["network", "connect", "--alias", "joined", &net, &joiner]);
        let address =
            inside.inspect(&joiner, &format!("{{{{(index .NetworkSettings.Networks \"{net}\").IPAddress}}}}"));
        assert!(address.starts_with("10.124.46."), "{}: {address:?}", engine.name());
        for name in [joiner.as_str(), "joined"] {
            let resolved = inside.check(&["exec", &peer, "getent", "hosts", name]);
            assert!(resolved.starts_with(&address), "{}: {name} resolved to {resolved:?}", engine.name());
        }
        inside.check(&["network", "disconnect", &net, &joiner]);
        assert_ne!(inside.run(&["exec", &peer, "getent", "hosts", &joiner]).code, Some(0), "{}", engine.name());
        let namespaces = namespaces_of(&inside, &[&peer, &joiner]);
        inside.check(&["rm", "-f", "-t", "0", &peer, &joiner]);
        assert_namespaces_gone(engine, &namespaces);
        assert_nothing_left(engine, &traces(inside.netns()), "10.124.46.");
        inside.check(&["network", "rm", &net]);
    }
}
