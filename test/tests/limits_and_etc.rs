//! Resource limits enforced by the real runtime's cgroups (a memory limit OOM-kills, a pids
//! limit stops a fork bomb), the /etc files and /dev/shm a container gets, and the values
//! Podman refuses at create time.

use rpod_e2e::{TestEnv, TestImage};

const IMAGE: &str = "localhost/rpod-test/busybox:limits";

/// A test environment with the busybox image (command `sh`) imported as [`IMAGE`].
fn env_with_image() -> TestEnv {
    let env = TestEnv::new();
    let tarball = env.dir().join("rootfs.tar");
    TestImage::busybox(&[], &[]).write_rootfs(&tarball);
    env.run(&["import", "--change", "CMD=[\"sh\"]", tarball.to_str().unwrap(), IMAGE]).success();
    env
}

/// Fills a shell variable with `bytes` bytes: the shell itself holds them.
fn allocate(bytes: u64) -> String {
    format!("x=$(busybox head -c {bytes} /dev/zero | busybox tr '\\0' a); echo allocated ${{#x}}")
}

#[test]
fn a_container_over_its_memory_limit_is_oom_killed() {
    let env = env_with_image();
    // The same allocation, smaller, under a roomy limit: the script really allocates.
    let roomy = env.run(&["run", "--name", "roomy", "--memory", "512m", IMAGE, "sh", "-c", &allocate(50_000_000)]);
    assert_eq!(roomy.code, Some(0), "{}", roomy.stderr);
    assert_eq!(roomy.stdout, "allocated 50000000\n");
    let inspect = ["inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}"];
    assert_eq!(env.run(&[&inspect[..], &["roomy"]].concat()).success(), "false 0\n");

    let out = env.run(&["run", "--name", "oom", "--memory", "32m", IMAGE, "sh", "-c", &allocate(200_000_000)]);
    assert_eq!(out.code, Some(137), "stdout: {} stderr: {}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("allocated"), "{}", out.stdout);
    assert_eq!(env.run(&[&inspect[..], &["oom"]].concat()).success(), "true 137\n");
    assert_eq!(
        env.run(&["inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", "oom"]).success(),
        "33554432 67108864\n"
    );
}

#[test]
fn a_pids_limit_stops_a_fork_bomb_and_the_container_survives() {
    let env = env_with_image();
    // The bomb runs in a child shell; the container's own shell then uses builtins only.
    let script =
        "sh -c 'for i in $(busybox seq 100); do sleep 5 & done'; echo bomb $?; set -- /proc/[0-9]*; echo tasks $#";
    let out = env.run(&["run", "--rm", "--pids-limit", "20", IMAGE, "sh", "-c", script]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(format!("{}{}", out.stdout, out.stderr).contains("can't fork"), "{} {}", out.stdout, out.stderr);
    let tasks: u32 = out.stdout.lines().find_map(|l| l.strip_prefix("tasks ")).unwrap().parse().unwrap();
    assert!(out.stdout.lines().any(|l| l == "bomb 2") && tasks <= 20, "{}", out.stdout);
    let unlimited = env.run(&["run", "--rm", "--pids-limit", "-1", IMAGE, "sh", "-c", script]);
    assert!(unlimited.stdout.lines().any(|l| l == "bomb 0"), "{} {}", unlimited.stdout, unlimited.stderr);
}

#[test]
fn etc_files_and_shm_follow_the_flags() {
    let env = env_with_image();
    let script = "cat /etc/hosts; echo ---; cat /etc/resolv.conf; echo ---; cat /etc/hostname; busybox df -k /dev/shm";
    let out = env
        .run(&[
            "run",
            "--rm",
            "--name",
            "named",
            "--hostname",
            "box",
            "--add-host",
            "foo:10.0.0.1",
            "--add-host",
            "a;b:::1",
            "--dns",
            "1.1.1.1",
            "--dns-search",
            "example.com",
            "--dns-option",
            "ndots:2",
            "--shm-size",
            "128m",
            "-u",
            "nobody",
            IMAGE,
            "sh",
            "-c",
            script,
        ])
        .success();
    let parts: Vec<&str> = out.split("---\n").collect();
    let hosts: Vec<&str> = parts[0].lines().collect();
    assert_eq!(&hosts[..2], ["10.0.0.1\tfoo", "::1\ta b"], "--add-host entries come first: {out}");
    assert!(hosts.contains(&"127.0.0.1\tbox named"), "{out}");
    assert_eq!(parts[1], "search example.com\nnameserver 1.1.1.1\noptions ndots:2\n");
    let mut rest = parts[2].lines();
    assert_eq!(rest.next(), Some("box"));
    let shm = rest.nth(1).unwrap().split_whitespace().collect::<Vec<_>>();
    assert_eq!((shm[0], shm[1], shm[5]), ("shm", "131072", "/dev/shm"), "{out}");
}

#[test]
fn default_etc_files_come_from_the_host() {
    let env = env_with_image();
    let out = env
        .run(&["run", "--rm", IMAGE, "sh", "-c", "cat /etc/resolv.conf; echo ---; busybox df -k /dev/shm"])
        .success();
    let (resolv, shm) = out.split_once("---\n").unwrap();
    let host = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let servers = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("nameserver"))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(servers(resolv), servers(&host), "the host network keeps the host's nameservers");
    assert_eq!(shm.lines().nth(1).unwrap().split_whitespace().nth(1), Some("64000"), "Podman's default 65536k");

    let script = "cat /etc/hosts; cat /etc/resolv.conf";
    let id = env.run(&["run", "-d", "--network", "none", "--name", "isolated", IMAGE, "sh", "-c", script]).success();
    assert_eq!(env.run(&["wait", "isolated"]).success(), "1\n", "no resolv.conf without a network, as with Podman");
    let hosts = env.run(&["logs", "isolated"]).success();
    assert!(hosts.contains("\tlocalhost\n"), "{hosts}");
    assert!(hosts.contains(&format!("127.0.0.1\t{} isolated\n", &id.trim()[..12])), "hostname and name: {hosts}");
    let paths =
        env.run(&["inspect", "--format", "{{.HostsPath}}|{{.ResolvConfPath}}|{{.HostnamePath}}", "isolated"]).success();
    let paths: Vec<&str> = paths.trim().split('|').collect();
    assert!(
        paths[0].ends_with("/userdata/hosts") && paths[1].is_empty() && paths[2].ends_with("/userdata/hostname"),
        "{paths:?}"
    );
}

#[test]
fn inspect_shows_the_limits_and_name_resolution() {
    let env = env_with_image();
    env.run(&[
        "create",
        "--name",
        "limited",
        "-m",
        "32m",
        "--memory-swap",
        "64m",
        "--cpus",
        "1.5",
        "--cpu-shares",
        "512",
        "--pids-limit",
        "20",
        "--shm-size",
        "128m",
        "--dns",
        "1.1.1.1,8.8.8.8",
        "--dns-search",
        "example.com",
        "--dns-option",
        "ndots:2",
        "--add-host",
        "foo:10.0.0.1",
        "-t",
        "-i",
        IMAGE,
    ])
    .success();
    let format =
        "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} \
                  {{.HostConfig.PidsLimit}} {{.HostConfig.ShmSize}} {{.HostConfig.Dns}} {{.HostConfig.DnsSearch}} \
                  {{.HostConfig.DnsOptions}} {{.HostConfig.ExtraHosts}} {{.Config.Tty}} {{.Config.OpenStdin}} \
                  {{.State.OOMKilled}} [{{.HostsPath}}]";
    assert_eq!(
        env.run(&["inspect", "--format", format, "limited"]).success(),
        "33554432 67108864 1500000000 512 20 134217728 [1.1.1.1 8.8.8.8] [example.com] [ndots:2] [foo:10.0.0.1] \
         true true false []\n"
    );
    env.run(&["create", "--name", "plain", IMAGE]).success();
    let format =
        "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} \
                  {{.HostConfig.ShmSize}} {{.HostConfig.Dns}} {{.Config.Tty}}";
    assert_eq!(env.run(&["inspect", "--format", format, "plain"]).success(), "0 0 0 2048 65536000 [] false\n");
}

#[test]
fn bad_values_are_refused_with_podmans_errors_and_nothing_is_stored() {
    let env = env_with_image();
    let bare = env.dir().join("bare.tar");
    TestImage::busybox(&[], &[]).write_rootfs(&bare);
    env.run(&["import", bare.to_str().unwrap(), "localhost/rpod-test/bare:1"]).success();
    let cases: [(&[&str], &str); 14] = [
        (&["--memory", "bogus"], "invalid value for memory: invalid size: 'bogus'"),
        (
            &["--memory", "32m", "--memory-swap", "16m"],
            "minimum memoryswap limit should be larger than memory limit, see usage",
        ),
        (&["--memory-swap", "64m"], "you should always set a memory limit when using a memoryswap limit, see usage"),
        (
            &["--cpus", "bogus"],
            "invalid argument \"bogus\" for \"--cpus\" flag: strconv.ParseFloat: parsing \"bogus\": invalid syntax",
        ),
        (&["--cpus", "0.001"], "CPU cfs quota cannot be less than 1ms (i.e. 1000)"),
        (
            &["--cpu-shares", "-3"],
            "invalid argument \"-3\" for \"-c, --cpu-shares\" flag: strconv.ParseUint: parsing \"-3\": invalid syntax",
        ),
        (
            &["--pids-limit", "x"],
            "invalid argument \"x\" for \"--pids-limit\" flag: strconv.ParseInt: parsing \"x\": invalid syntax",
        ),
        (&["--shm-size", "1x"], "unable to translate --shm-size: invalid suffix: 'x'"),
        (&["--add-host", "bad"], "bad format for add-host: \"bad\""),
        (&["--add-host", "foo:1.2.3"], "invalid IP address in add-host: \"1.2.3\""),
        (&["--dns", "1.2.3"], "1.2.3 is not an ip address"),
        (&["--dns-search", "bad_domain!"], "bad_domain! is not a valid domain"),
        (&["--network", "none", "--dns", "1.1.1.1"], "conflicting options: dns and the network mode: none"),
        (
            &["--cgroups", "disabled", "--memory", "32m"],
            "cannot specify resource limits when cgroups are disabled is specified",
        ),
    ];
    for (flags, want) in cases {
        let args = [&["create"][..], flags, &[IMAGE]].concat();
        assert_eq!(env.run(&args).failure(), format!("Error: {want}"), "{flags:?}");
    }
    assert_eq!(
        env.run(&["create", "localhost/rpod-test/bare:1"]).failure(),
        "Error: no command or entrypoint provided, and no CMD or ENTRYPOINT from image"
    );
    assert_eq!(env.run(&["ps", "-a", "-q"]).success(), "", "the refused creates stored nothing");
    env.run(&["create", "--name", "given", "localhost/rpod-test/bare:1", "sh"]).success();
}
