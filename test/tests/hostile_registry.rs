//! What rpod reads from a hostile registry is bounded (issue 12): a manifest is refused past
//! 4 MiB whether or not Content-Length announces it (in a pull and in a digest check's GET
//! fallback), a layer is cut as soon as it passes its declared size, a trickling registry
//! meets a deadline, and a registry's error text cannot drive the terminal. Each ends in one
//! clear error line with nothing stored; the server's count of bytes its socket took shows
//! that rpod stopped reading instead of buffering the rest, and for manifests rpod's peak
//! memory is measured too.

use std::path::Path;
use std::time::{Duration, Instant};

use rpod_e2e::{Fault, FaultyRegistry, RunResult, TestEnv, TestImage, TestRegistry};

/// How much a loopback connection's socket buffers (send and receive, autotuned to a few MiB
/// each) take on top of what the reader read: a reader that stopped lets no more than this
/// through. The bodies below are 512 MiB and more, so reading them would show.
const SOCKET_SLACK: u64 = 16 << 20;
/// containers/image's manifest limit, which rpod applies too.
const LIMIT: u64 = 4 << 20;

/// rpod's peak memory may not come near the bodies it refuses: its own size plus the 4 MiB
/// it may hold of a manifest.
const MAX_RSS_KIB: u64 = 64 << 10;

/// Runs `rpod ARGS` under `/usr/bin/time`; returns the result and rpod's peak RSS in KiB.
fn run_measured(env: &TestEnv, args: &[&str]) -> (RunResult, u64) {
    let rpod = env.command();
    let report = env.dir().join("max-rss");
    let mut timed = std::process::Command::new("/usr/bin/time");
    timed.arg("-f").arg("%M").arg("-o").arg(&report).arg(rpod.get_program()).args(rpod.get_args()).args(args);
    for (key, value) in rpod.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    let result = RunResult::from(timed.current_dir(env.dir()).output().expect("/usr/bin/time (package time)"));
    // The report's last line is the number; a failed command adds a line about its status first.
    let text = std::fs::read_to_string(&report).expect("the time report");
    let rss =
        text.lines().last().unwrap_or_default().trim().parse().unwrap_or_else(|_| panic!("a KiB count in {text:?}"));
    (result, rss)
}

fn assert_nothing_stored(env: &TestEnv) {
    assert_eq!(env.run(&["images", "-q"]).success(), "", "nothing stored");
}

/// Every file under `dir` with its size.
fn files_under(dir: &Path) -> Vec<(String, u64)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            found.extend(files_under(&entry.path()));
        } else {
            found.push((entry.path().display().to_string(), meta.len()));
        }
    }
    found
}

#[test]
fn an_announced_huge_manifest_is_refused_before_its_body_is_read() {
    let registry = FaultyRegistry::start(Fault::Endless { size: 512 << 20, announced: true });
    let env = TestEnv::new();
    let image = registry.image("app", "1");
    let (result, rss) = run_measured(&env, &["pull", "--tls-verify=false", &image]);
    let line = result.error_line();
    assert!(line.ends_with(&format!("{image}: manifest of 536870912 bytes exceeds the 4194304-byte limit")), "{line}");
    assert!(rss < MAX_RSS_KIB, "rpod's peak RSS was {rss} KiB");
    assert!(
        registry.bytes_sent() < SOCKET_SLACK,
        "rpod read the body: the server sent {} bytes",
        registry.bytes_sent()
    );
    assert_nothing_stored(&env);
}

#[test]
fn an_unannounced_huge_manifest_is_cut_at_the_limit() {
    let registry = FaultyRegistry::start(Fault::Endless { size: 512 << 20, announced: false });
    let env = TestEnv::new();
    let image = registry.image("app", "1");
    let (result, rss) = run_measured(&env, &["pull", "--tls-verify=false", &image]);
    let line = result.error_line();
    assert!(line.ends_with(&format!("{image}: manifest exceeds the 4194304-byte limit")), "{line}");
    assert!(rss < MAX_RSS_KIB, "rpod's peak RSS was {rss} KiB");
    assert!(
        registry.bytes_sent() < LIMIT + SOCKET_SLACK,
        "rpod kept reading: the server sent {} bytes",
        registry.bytes_sent()
    );
    assert_nothing_stored(&env);
}

#[test]
fn a_digest_check_without_a_digest_header_caps_its_get_fallback() {
    // `create --pull=newer` asks the registry for the tag's digest as auto-update does: HEAD,
    // and without Docker-Content-Digest, a GET of the manifest. A failed check keeps the
    // local image, with a warning that says why.
    let registry = FaultyRegistry::start(Fault::Endless { size: 512 << 20, announced: false });
    let env = TestEnv::new();
    let image = registry.image("app", "1");
    let tarball = env.dir().join("rootfs.tar");
    TestImage::busybox(&[], &[]).write_rootfs(&tarball);
    env.run(&["import", "-q", tarball.to_str().unwrap(), &image]).success();
    let out = env.run(&["create", "--pull=newer", "--tls-verify=false", &image, "true"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.contains(&format!("{image}: manifest exceeds the 4194304-byte limit")), "{}", out.stderr);
    assert!(
        registry.bytes_sent() < LIMIT + SOCKET_SLACK,
        "the GET fallback kept reading: {} bytes sent",
        registry.bytes_sent()
    );
}

#[test]
fn a_layer_longer_than_its_descriptor_is_cut_and_nothing_lands_on_disk() {
    let registry = FaultyRegistry::start(Fault::LongLayer(1 << 30));
    let env = TestEnv::new();
    // Staging files have no name, so an empty $TMPDIR would prove nothing; one that does not
    // exist does: a download staged there would fail to start.
    let tmpdir = env.dir().join("no-such-tmpdir");
    let image = registry.image("app", "1");
    let out = env.command().env("TMPDIR", &tmpdir).args(["pull", "--tls-verify=false", &image]).output().unwrap();
    let line = RunResult::from(out).error_line();
    let layer = image::blobs::sha256_digest(b"abcd");
    assert!(
        line.ends_with(&format!("{image}: blob {layer} is longer than the 4 bytes its descriptor declares")),
        "{line}"
    );
    assert!(registry.bytes_sent() < SOCKET_SLACK, "rpod kept reading the layer: {} bytes sent", registry.bytes_sent());
    let large: Vec<_> = files_under(&env.root()).into_iter().filter(|(_, size)| *size > 1 << 20).collect();
    assert_eq!(large, [], "nothing of the layer stayed in the storage");
    assert_nothing_stored(&env);
}

#[test]
fn a_pull_needs_no_tmpdir() {
    let registry = TestRegistry::start();
    registry.publish("app", "1", &TestImage::busybox(&[("V", "1")], &[]));
    let env = TestEnv::new();
    let out = env
        .command()
        .env("TMPDIR", env.dir().join("no-such-tmpdir"))
        .args(["pull", "-q", "--tls-verify=false", &registry.image("app", "1")])
        .output()
        .unwrap();
    RunResult::from(out).success();
    assert_eq!(env.run(&["images", "-q"]).success().lines().count(), 1);
}

#[test]
fn a_layer_shorter_than_its_descriptor_is_refused() {
    let registry = FaultyRegistry::start(Fault::LongLayer(2));
    let env = TestEnv::new();
    let image = registry.image("app", "1");
    let line = env.run(&["pull", "--tls-verify=false", &image]).error_line();
    let layer = image::blobs::sha256_digest(b"abcd");
    assert!(
        line.ends_with(&format!("{image}: blob {layer} ended after 2 of the 4 bytes its descriptor declares")),
        "{line}"
    );
    assert_nothing_stored(&env);
}

#[test]
fn a_config_declared_over_the_limit_is_not_even_requested() {
    let registry = FaultyRegistry::start(Fault::BigConfig);
    let env = TestEnv::new();
    let image = registry.image("app", "1");
    let line = env.run(&["pull", "--tls-verify=false", &image]).error_line();
    let config = format!("sha256:{}", "a".repeat(64));
    assert!(
        line.ends_with(&format!("{image}: config blob {config} of 5242880 bytes exceeds the 4194304-byte limit")),
        "{line}"
    );
    assert_eq!(registry.bytes_sent(), 0, "the config was requested");
    assert_nothing_stored(&env);
}

#[test]
fn an_endless_error_body_is_read_only_in_part() {
    let registry = FaultyRegistry::start(Fault::EndlessError(512 << 20));
    let env = TestEnv::new();
    let image = registry.image("app", "1");
    let line = env.run(&["pull", "--tls-verify=false", &image]).error_line();
    assert!(line.contains(&image) && line.contains("500"), "{line}");
    assert!(line.len() < 2048, "the error quotes the start of the body only: {} bytes", line.len());
    assert!(registry.bytes_sent() < SOCKET_SLACK, "rpod read the error body: {} bytes sent", registry.bytes_sent());
    assert_nothing_stored(&env);
}

#[test]
fn a_trickling_registry_meets_the_deadline() {
    // One byte every 200 ms never trips the 60 s per-read timeout; the overall deadline,
    // shortened for the test, does.
    let registry = FaultyRegistry::start(Fault::Trickle(Duration::from_millis(200)));
    let env = TestEnv::new();
    let image = registry.image("app", "1");
    let started = Instant::now();
    let out = env
        .command()
        .env("RPOD_TEST_REGISTRY_DEADLINE_SECS", "2")
        .args(["pull", "--tls-verify=false", &image])
        .output()
        .unwrap();
    let line = RunResult::from(out).error_line();
    assert!(line.ends_with(&format!("{image}: gave up after 2 s: the registry is too slow")), "{line}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    assert_nothing_stored(&env);
}

#[test]
fn escape_sequences_in_a_registry_error_are_printed_escaped() {
    let registry =
        FaultyRegistry::start(Fault::RawBody(500, "\x1b[31mred alert\x1b[0m\x1b]0;owned\x07\r\nWARN fake second line"));
    let env = TestEnv::new();
    let image = registry.image("app", "1");
    let out = env.run(&["pull", "--tls-verify=false", &image]);
    assert!(
        !out.stderr.contains('\x1b') && !out.stderr.contains('\x07'),
        "raw control characters reached the terminal: {:?}",
        out.stderr
    );
    let line = out.error_line();
    assert!(line.contains(&image) && line.contains("500"), "{line}");
    assert!(
        line.contains("\\u{1b}[31mred alert\\u{1b}[0m\\u{1b}]0;owned\\u{7}\\u{d}\\u{a}WARN fake second line"),
        "{line}"
    );
    assert_nothing_stored(&env);
}
