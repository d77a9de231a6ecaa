//! The harness parts that tests with bridges and published ports stand on: a registry and a
//! systemd sandbox started inside the test's own network namespace are reachable from each other
//! and from processes entered into it, and not from the machine's namespace.

use std::process::Command;

use rpod_e2e::{NetNs, Sandbox, TestRegistry};

#[test]
fn registry_and_sandbox_share_the_tests_own_network_namespace() {
    let netns = NetNs::new();
    let registry = TestRegistry::start_in(&netns);
    let url = format!("http://{}/v2/", registry.host());

    assert_eq!(netns.http_status(&url), "200", "the registry answers inside its namespace");

    let outside = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", &url])
        .output()
        .expect("curl");
    assert_eq!(String::from_utf8_lossy(&outside.stdout), "000", "nothing listens there in the machine's namespace");

    let sandbox = Sandbox::start_in(&netns);
    let from_unit = sandbox.check(&["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", &url]);
    assert_eq!(from_unit, "200", "the sandbox lives in the same namespace");
    let own = std::fs::read_link(netns.path()).expect("the namespace's identity");
    let sandbox_ns = sandbox.check(&["readlink", "/proc/1/ns/net"]);
    assert_eq!(sandbox_ns.trim(), own.to_string_lossy(), "systemd itself runs in the test's namespace");
}
