//! Runs systemd's own parser over generated units: `systemd-analyze verify` loads a unit file
//! outside a running manager (it starts no service and no manager), and prints every setting it
//! rejects or ignores.

use std::path::Path;
use std::process::Command;

/// Units that user-defined dependencies in the tests point at, so `Requires=` resolves.
const STUB_UNITS: [&str; 3] = ["a.service", "b.service", "c.target"];

/// Writes each `(file name, text)` into a fresh directory and asserts that systemd-analyze
/// accepts all of them without a single complaint.
pub fn verify_units(units: &[(String, String)]) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for stub in STUB_UNITS {
        let service = if stub.ends_with(".service") { "[Service]\nExecStart=/bin/true\n" } else { "" };
        write(dir.path(), stub, &format!("[Unit]\nDescription=stub\n{service}"));
    }
    let mut paths = Vec::new();
    for (name, text) in units {
        write(dir.path(), name, text);
        paths.push(dir.path().join(name));
    }
    let output = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&paths)
        .env("SYSTEMD_UNIT_PATH", format!("{}:", dir.path().display()))
        .output()
        .expect("systemd-analyze (package systemd) must be installed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stderr.trim().is_empty() && stdout.trim().is_empty(),
        "systemd-analyze verify refused a unit ({}):\n{stdout}{stderr}\n{}",
        output.status,
        units.iter().map(|(n, t)| format!("==> {n}\n{t}")).collect::<String>()
    );
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap_or_else(|err| panic!("writing {name}: {err}"));
}
