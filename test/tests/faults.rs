//! What rpod does when a registry misbehaves: every fault ends in one clear error line naming
//! the image and what the registry said, and nothing is stored.

use rpod_e2e::{Fault, FaultyRegistry, TestEnv};

fn pull_fails_cleanly(fault: Fault, expected: &[&str]) {
    let registry = FaultyRegistry::start(fault);
    let env = TestEnv::new();
    let image = registry.image("app", "1");
    let line = env.run(&["pull", "--tls-verify=false", &image]).error_line();
    assert!(line.contains(&image), "the error names the image: {line}");
    for part in expected {
        assert!(line.to_lowercase().contains(&part.to_lowercase()), "{part:?} missing from {line}");
    }
    assert_eq!(env.run(&["images", "-q"]).success(), "", "nothing stored");
}

#[test]
fn server_errors_are_reported_with_their_status() {
    pull_fails_cleanly(Fault::Status(500, "Internal Server Error", vec![]), &["500"]);
}

#[test]
fn rate_limits_are_reported_not_hidden() {
    pull_fails_cleanly(Fault::Status(429, "Too Many Requests", vec![("Retry-After", "1")]), &["too many requests"]);
}

#[test]
fn a_truncated_manifest_is_refused() {
    let registry = FaultyRegistry::start(Fault::Truncated);
    let env = TestEnv::new();
    let image = registry.image("app", "1");
    let line = env.run(&["pull", "--tls-verify=false", &image]).error_line();
    assert!(line.contains(&image), "{line}");
    assert_eq!(env.run(&["images", "-q"]).success(), "");
}

#[test]
fn a_registry_that_refuses_connections_is_reported() {
    // Nothing listens on a port the OS just handed out and took back.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let env = TestEnv::new();
    let image = format!("127.0.0.1:{port}/app:1");
    let line = env.run(&["pull", "--tls-verify=false", &image]).error_line();
    assert!(line.contains(&image) && line.contains("Connection refused"), "{line}");
    assert_eq!(env.run(&["images", "-q"]).success(), "");
}

#[test]
fn a_huge_manifest_is_refused_without_being_parsed() {
    pull_fails_cleanly(Fault::Huge(16 << 20), &["manifest of 16777216 bytes", "limit"]);
}
