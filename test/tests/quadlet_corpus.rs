//! Podman's own Quadlet cases (`../shared/quadlet-corpus`, or `$RPOD_QUADLET_CORPUS`), read at
//! test time and run through the real `rpod-quadlet` as Podman's quadlet_test.go runs them.
//! The cases rpod fails are listed, with the reason, in docs/rpod-quadlet.md between the
//! `quadlet-corpus` markers: the test demands that exactly those fail, and at least 90% pass.

mod quadlet_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use quadlet_support::{generator, load_cases, run_case};

fn corpus() -> PathBuf {
    std::env::var_os("RPOD_QUADLET_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/quadlet-corpus"))
}

/// The pass count docs/rpod-quadlet.md states (`Passing: N of M.` between the markers) and the
/// failing cases it lists (`| \`FILE\` | reason |` rows).
fn documented() -> (usize, BTreeSet<String>) {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rpod-quadlet.md");
    let text = std::fs::read_to_string(&doc).expect("docs/rpod-quadlet.md");
    let start = text.find("<!-- quadlet-corpus: begin -->").expect("the begin marker");
    let end = text.find("<!-- quadlet-corpus: end -->").expect("the end marker");
    let section = &text[start..end];
    let passing = section
        .lines()
        .find_map(|l| l.strip_prefix("Passing: "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a 'Passing: N of M.' line");
    let failures = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    (passing, failures)
}

#[test]
fn podman_quadlet_cases_pass_except_the_documented_ones() {
    let source = corpus();
    let cases = load_cases(&source);
    let mut failures = BTreeSet::new();
    let mut report = String::new();
    for case in &cases {
        if let Err(why) = run_case(&source, case) {
            report.push_str(&format!("--- {}: {why}\n", case.file));
            failures.insert(case.file.clone());
        }
    }
    let passed = cases.len() - failures.len();
    eprintln!("{report}{passed} of {} Podman Quadlet cases pass", cases.len());
    assert!(passed * 10 >= cases.len() * 9, "fewer than 90% pass: {passed} of {}", cases.len());
    let (documented_passing, documented_failures) = documented();
    assert!(passed >= documented_passing, "{passed} pass, fewer than the {documented_passing} documented");
    assert_eq!(failures, documented_failures, "the failing cases differ from those docs/rpod-quadlet.md lists");
}

#[test]
fn a_bad_key_fails_that_file_in_dryrun() {
    // The generator names files by their resolved path, as Podman's does.
    let dir = corpus().join("dryrun").canonicalize().expect("the corpus's dryrun directory");
    let out = Command::new(generator()).arg("-dryrun").env("QUADLET_UNIT_DIRS", &dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let want = format!(
        "converting \"bogus.container\": unsupported key 'BOGUS' in group 'Container' in {}",
        dir.join("bogus.container").display()
    );
    assert!(stderr.contains(&want), "{stderr}");
}

#[test]
fn subdirectories_are_scanned() {
    let dir = corpus().join("test_subdir");
    let out = Command::new(generator()).args(["-dryrun", "-user"]).env("QUADLET_UNIT_DIRS", &dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    for unit in ["---mysleep.service---", "---mysleep_1.service---", "---mysleep_2.service---"] {
        assert!(stdout.lines().any(|l| l == unit), "{unit} missing from:\n{stdout}");
    }
}

#[test]
fn no_files_is_not_an_error() {
    let out = Command::new(generator()).arg("-dryrun").env("QUADLET_UNIT_DIRS", "/something").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No files parsed from [/something]"));
}
