//! Real distribution software, not only busybox: Debian bookworm's nginx and redis, built with
//! mmdebstrap (see rpod_e2e::debian_image), started by rpod and answering clients. Every case
//! runs with rpod and then with Podman 4.3.1 (same image, same flags), each in a network
//! namespace of the test's own: when Podman passes, the case is right.

use std::time::Duration;

use rpod_e2e::{eventually, ContainerGuard, DebianEngines, Engine, EngineInNetNs, DEBIAN_IMAGE};

/// Whether the container still runs: a daemon that exited will never answer, so polling stops.
fn running(engine: &dyn Engine, container: &str) -> bool {
    engine.inspect(container, "{{.State.Status}}") == "running"
}

/// Debian's nginx needs the default capabilities (it chowns its cache to www-data, then drops to
/// it); with host networking in the namespace it listens on port 80 there.
#[test]
fn nginx_answers_and_its_workers_run_as_www_data() {
    let engines = DebianEngines::shared();
    for engine in engines.both() {
        let inside = EngineInNetNs::new(engine);
        let _guard = ContainerGuard::new(&inside, "nginx");
        inside.check(&[
            "run",
            "-d",
            "--network",
            "host",
            "--name",
            "nginx",
            DEBIAN_IMAGE,
            "nginx",
            "-g",
            "daemon off;",
        ]);
        let answered_or_ended = eventually(Duration::from_secs(20), || {
            inside.netns().http_status("http://127.0.0.1/") == "200" || !running(&inside, "nginx")
        });
        let answered = answered_or_ended && running(&inside, "nginx");
        let logs = inside.run(&["logs", "nginx"]);
        assert!(answered, "{}: nginx did not answer 200; logs:\n{}{}", engine.name(), logs.stdout, logs.stderr);
        let processes = inside.check(&["exec", "nginx", "ps", "-o", "user=,args=", "-C", "nginx"]);
        assert!(
            processes.lines().any(|line| line.starts_with("root ") && line.contains("nginx: master process")),
            "{}: {processes}",
            engine.name()
        );
        assert!(
            processes.lines().any(|line| line.starts_with("www-data ") && line.contains("nginx: worker process")),
            "{}: {processes}",
            engine.name()
        );
        inside.check(&["stop", "-t", "10", "nginx"]);
        assert_eq!(inside.inspect("nginx", "{{.State.Status}} {{.State.ExitCode}}"), "exited 0", "{}", engine.name());
        inside.check(&["rm", "nginx"]);
        assert_eq!(
            inside.netns().http_status("http://127.0.0.1/"),
            "000",
            "{}: nothing listens any more",
            engine.name()
        );
    }
}

/// redis as Debian runs it (user redis, data in /var/lib/redis), and a client in a second
/// container of the same image, sharing the namespace, stores and reads a key.
#[test]
fn redis_answers_a_client_in_another_container() {
    let engines = DebianEngines::shared();
    for engine in engines.both() {
        let inside = EngineInNetNs::new(engine);
        let _guard = ContainerGuard::new(&inside, "redis");
        inside.check(&[
            "run",
            "-d",
            "--network",
            "host",
            "--name",
            "redis",
            "--user",
            "redis",
            DEBIAN_IMAGE,
            "redis-server",
            "--port",
            "6379",
            "--protected-mode",
            "no",
            "--dir",
            "/var/lib/redis",
        ]);
        let client = |command: &[&str]| {
            let mut args = vec!["run", "--rm", "--network", "host", DEBIAN_IMAGE, "redis-cli", "-p", "6379"];
            args.extend_from_slice(command);
            inside.run(&args)
        };
        let answered =
            eventually(Duration::from_secs(20), || client(&["ping"]).stdout == "PONG\n" || !running(&inside, "redis"))
                && running(&inside, "redis");
        let logs = inside.run(&["logs", "redis"]);
        assert!(answered, "{}: redis did not answer PONG; logs:\n{}{}", engine.name(), logs.stdout, logs.stderr);
        assert_eq!(client(&["set", "greeting", "hello"]).stdout, "OK\n", "{}", engine.name());
        assert_eq!(client(&["get", "greeting"]).stdout, "hello\n", "{}", engine.name());
        let user = inside.check(&["exec", "redis", "ps", "-o", "user=", "-C", "redis-server"]);
        assert_eq!(user.trim(), "redis", "{}", engine.name());
        inside.check(&["stop", "-t", "10", "redis"]);
        inside.check(&["rm", "redis"]);
        assert_ne!(client(&["ping"]).stdout, "PONG\n", "{}: redis is gone", engine.name());
    }
}
