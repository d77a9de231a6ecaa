//! The shipped `rpod-auto-update.service`/`.timer`: `contrib/systemd/install.sh` fills in the rpod
//! path, and systemd's own parser (`systemd-analyze verify`, no manager started) accepts the result.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("test/ sits in the workspace").to_path_buf()
}

fn install(args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg(workspace().join("contrib/systemd/install.sh"))
        .args(args)
        .output()
        .expect("running install.sh")
}

#[test]
fn installed_units_verify_and_run_rpod() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let unit_dir = dir.path().join("units");
    let rpod = "/bin/true"; // any absolute executable: systemd-analyze checks that it exists
    let out = install(&["--rpod", rpod, "--unit-dir", unit_dir.to_str().expect("UTF-8 path"), "--no-reload"]);
    assert!(out.status.success(), "install.sh failed: {}", String::from_utf8_lossy(&out.stderr));
    let service_path = unit_dir.join("rpod-auto-update.service");
    let timer_path = unit_dir.join("rpod-auto-update.timer");
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{}\n{}\n", service_path.display(), timer_path.display()));

    let service = std::fs::read_to_string(&service_path).expect("the service was written");
    assert_eq!(
        service,
        "[Unit]\nDescription=rpod auto-update service\n\
         Wants=network-online.target\nAfter=network-online.target\n\n[Service]\nType=oneshot\n\
         ExecStart=/bin/true auto-update\nExecStartPost=/bin/true image prune -f\n\n[Install]\nWantedBy=default.target\n"
    );
    let timer = std::fs::read_to_string(&timer_path).expect("the timer was written");
    assert_eq!(
        timer,
        "[Unit]\nDescription=rpod auto-update timer\n\n[Timer]\nOnCalendar=daily\nRandomizedDelaySec=900\n\
         Persistent=true\n\n[Install]\nWantedBy=timers.target\n"
    );

    let verify = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&service_path)
        .arg(&timer_path)
        .output()
        .expect("systemd-analyze (package systemd) must be installed");
    let complaints = format!("{}{}", String::from_utf8_lossy(&verify.stdout), String::from_utf8_lossy(&verify.stderr));
    assert!(verify.status.success() && complaints.trim().is_empty(), "systemd-analyze verify: {complaints}");
}

#[test]
fn install_refuses_unusable_paths() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let unit_dir = dir.path().to_str().expect("UTF-8 path");
    let cases = [
        ("relative/rpod", "Error: the rpod path must be absolute: relative/rpod\n"),
        ("/opt/my rpod", "Error: the rpod path may only contain letters, digits and / . _ + -: /opt/my rpod\n"),
        ("/nonexistent/rpod", "Error: not an executable file: /nonexistent/rpod\n"),
    ];
    for (rpod, want) in cases {
        let out = install(&["--rpod", rpod, "--unit-dir", unit_dir, "--no-reload"]);
        assert_eq!(out.status.code(), Some(125), "{rpod}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), want);
        assert_eq!(std::fs::read_dir(dir.path()).expect("listing").count(), 0, "nothing installed for {rpod}");
    }
}
