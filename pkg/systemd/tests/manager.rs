//! The client against a real systemd manager. The test process on the host boots a systemd
//! sandbox and runs this same test binary inside it (`RPOD_SYSTEMD_INNER=1`), where
//! systemd's private socket and the system bus answer; the inner run writes trivial units
//! and drives them over both.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use systemd::{Error, ManagerAddress, SystemdManager};

const INNER: &str = "RPOD_SYSTEMD_INNER";
const TIMEOUT: Duration = Duration::from_secs(30);

#[test]
fn manager_calls_against_a_real_systemd() {
    if std::env::var_os(INNER).is_some() {
        return inner();
    }
    let sandbox = rpod_e2e::Sandbox::start();
    let exe = std::env::current_exe().expect("test binary path");
    let inner = format!("{INNER}=1");
    let exe = exe.to_str().expect("UTF-8 path");
    let out = sandbox.exec(&["env", &inner, exe, "--exact", "manager_calls_against_a_real_systemd", "--nocapture"]);
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "inner run failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write_unit(name: &str, body: &str) {
    std::fs::write(Path::new("/run/systemd/system").join(name), body).expect("write unit");
}

fn systemctl(args: &[&str]) {
    let status = Command::new("systemctl").args(args).status().expect("systemctl");
    assert!(status.success(), "systemctl {args:?}");
}

fn inner() {
    std::fs::create_dir_all("/run/systemd/system").expect("unit dir");
    write_unit("rpod-true.service", "[Service]\nType=oneshot\nExecStart=/bin/true\n");
    write_unit("rpod-false.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n");
    write_unit("rpod-slow.service", "[Service]\nType=oneshot\nExecStart=/bin/sleep 30\n");
    write_unit("rpod-parent.service", "[Service]\nExecStart=/bin/sleep 1000\n");
    write_unit(
        "rpod-child.service",
        "[Unit]\nRequires=rpod-parent.service\nAfter=rpod-parent.service\n[Service]\nExecStart=/bin/sleep 1000\n",
    );
    write_unit("rpod-limited.service", LIMITED);
    systemctl(&["daemon-reload"]);
    systemctl(&["start", "rpod-child.service"]);

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let euid = host::Host::detect().euid;
    rt.block_on(async {
        for address in [ManagerAddress::Private("/run/systemd/private".into()), ManagerAddress::SystemBus] {
            let manager =
                SystemdManager::connect(&address, euid).await.unwrap_or_else(|e| panic!("connect {address}: {e}"));
            exercise(&manager).await;
        }
        let first = SystemdManager::connect_first(
            &[ManagerAddress::Private("/nonexistent".into()), ManagerAddress::SystemBus],
            euid,
        )
        .await
        .expect("falls back to the bus");
        assert_eq!(first.address(), &ManagerAddress::SystemBus);
    });
}

const LIMITED: &str =
    "[Unit]\nStartLimitIntervalSec=600\nStartLimitBurst=1\n[Service]\nType=oneshot\nExecStart=/bin/test -e /run/rpod-limited-ok\n";

/// Why a rollback resets the failed state first: after one failed start, the start-rate limit
/// refuses even a start that would now succeed.
async fn start_limit_needs_reset_failed(m: &SystemdManager) {
    let unit = "rpod-limited.service";
    let _ = std::fs::remove_file("/run/rpod-limited-ok");
    let _ = m.reset_failed_unit(unit).await; // fresh counter on the second pass; not loaded on the first
    m.restart_unit(unit, TIMEOUT).await.expect_err("first start fails");
    std::fs::write("/run/rpod-limited-ok", "").expect("fix the unit");
    let refused = m.restart_unit(unit, TIMEOUT).await.expect_err("start limit hit");
    eprintln!("refused by the start limit: {refused}");
    m.reset_failed_unit(unit).await.expect("reset-failed");
    m.restart_unit(unit, TIMEOUT).await.expect("restart after reset-failed");
}

async fn exercise(m: &SystemdManager) {
    start_limit_needs_reset_failed(m).await;
    let what = m.address().to_string();
    m.restart_unit("rpod-true.service", TIMEOUT).await.unwrap_or_else(|e| panic!("{what}: {e}"));

    let err = m.restart_unit("rpod-false.service", TIMEOUT).await.expect_err("false must fail");
    assert_eq!(
        err.to_string(),
        r#"error restarting systemd unit "rpod-false.service" expected "done" but received "failed""#
    );
    assert_eq!(m.unit_active_state("rpod-false.service").await.expect("state"), "failed");
    m.reset_failed_unit("rpod-false.service").await.expect("reset-failed");
    assert_eq!(m.unit_active_state("rpod-false.service").await.expect("state"), "inactive");

    let err = m.restart_unit("rpod-slow.service", Duration::from_secs(1)).await.expect_err("timeout");
    assert!(matches!(err, Error::Timeout { .. }), "{what}: {err}");

    let err = m.restart_unit("rpod-missing.service", TIMEOUT).await.expect_err("missing unit");
    assert!(matches!(err, Error::Call { method: "RestartUnit", .. }), "{what}: {err}");

    assert_eq!(m.unit_dependents("rpod-parent.service").await.expect("deps"), vec!["rpod-child.service"]);
    m.restart_unit("rpod-parent.service", TIMEOUT).await.expect("restart parent");
    assert_eq!(m.unit_active_state("rpod-parent.service").await.expect("state"), "active");
}
