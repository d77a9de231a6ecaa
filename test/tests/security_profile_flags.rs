//! The default process profile and the flags that change it, seen from inside the container
//! (`/proc/self/status`) and in `inspect`: Podman 4.3.1 on this host shows the same masks for
//! the same flags (CapEff 00000000800405fb by default).

use std::collections::BTreeMap;

use rpod_e2e::{TestEnv, TestImage};

const IMAGE: &str = "localhost/rpod-test/busybox:security";

/// Podman's default capabilities (CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL,
/// NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT) as a status mask.
const DEFAULT_CAPS: u64 = 0x8004_05fb;
const CAP_CHOWN: u64 = 1 << 0;
const CAP_NET_ADMIN: u64 = 1 << 12;
const CAP_SYS_ADMIN: u64 = 1 << 21;

/// The profile seccomp.json of Debian's golang-github-containers-common, installed with Podman.
const INSTALLED_PROFILE: &str = "/usr/share/containers/seccomp.json";

fn env_with_image() -> TestEnv {
    let env = TestEnv::new();
    let tarball = env.dir().join("rootfs.tar");
    TestImage::busybox(&[("etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n")], &[])
        .write_rootfs(&tarball);
    env.run(&["import", tarball.to_str().unwrap(), IMAGE]).success();
    env
}

/// The capability, seccomp and no_new_privs lines of `/proc/self/status` of a container run
/// with `flags`.
fn status(env: &TestEnv, flags: &[&str]) -> BTreeMap<String, String> {
    let mut args = vec!["run", "--rm"];
    args.extend_from_slice(flags);
    args.extend_from_slice(&[IMAGE, "busybox", "grep", "-E", "^(Cap|Seccomp:|NoNewPrivs)", "/proc/self/status"]);
    let out = env.run(&args).success();
    out.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.to_string(), value.trim().to_string()))
        .collect()
}

fn mask(status: &BTreeMap<String, String>, key: &str) -> u64 {
    u64::from_str_radix(&status[key], 16).unwrap()
}

#[test]
fn the_default_profile_is_podmans() {
    let env = env_with_image();
    let status = status(&env, &[]);
    assert_eq!(mask(&status, "CapEff"), DEFAULT_CAPS, "{status:?}");
    assert_eq!(mask(&status, "CapBnd"), DEFAULT_CAPS);
    assert_eq!((mask(&status, "CapInh"), mask(&status, "CapAmb")), (0, 0));
    assert_eq!(status["NoNewPrivs"], "0");
    if std::path::Path::new(INSTALLED_PROFILE).exists() {
        assert_eq!(status["Seccomp"], "2", "the installed profile filters syscalls");
    }
    let id = env.run(&["create", IMAGE, "true"]).success();
    let shown = env
        .run(&[
            "inspect",
            "--format",
            "{{json .EffectiveCaps}} {{json .HostConfig.CapDrop}} {{.HostConfig.Privileged}}",
            id.trim(),
        ])
        .success();
    assert_eq!(
        shown.trim(),
        r#"["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_SETGID","CAP_SETPCAP","CAP_SETUID","CAP_SYS_CHROOT"] [] false"#
    );
}

#[test]
fn cap_drop_and_cap_add_change_what_the_process_holds() {
    let env = env_with_image();
    assert_eq!(mask(&status(&env, &["--cap-drop", "CHOWN"]), "CapEff"), DEFAULT_CAPS & !CAP_CHOWN);
    assert_eq!(mask(&status(&env, &["--cap-add", "sys_admin"]), "CapEff"), DEFAULT_CAPS | CAP_SYS_ADMIN);
    let user = status(&env, &["--user", "app", "--cap-add", "CAP_NET_ADMIN"]);
    assert_eq!((mask(&user, "CapEff"), mask(&user, "CapAmb")), (CAP_NET_ADMIN, CAP_NET_ADMIN), "{user:?}");
    assert_eq!(mask(&user, "CapBnd"), DEFAULT_CAPS | CAP_NET_ADMIN);
    let id = env.run(&["create", "--cap-add", "SYS_ADMIN", "--cap-drop", "chown", IMAGE, "true"]).success();
    let shown =
        env.run(&["inspect", "--format", "{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}}", id.trim()]);
    assert_eq!(shown.success().trim(), r#"["CAP_SYS_ADMIN"] ["CAP_CHOWN"]"#);
}

#[test]
fn seccomp_is_applied_unless_unconfined_and_a_named_profile_is_translated() {
    let env = env_with_image();
    assert_eq!(status(&env, &["--security-opt", "seccomp=unconfined"])["Seccomp"], "0");
    let profile = env.dir().join("no-mkdir.json");
    std::fs::write(
        &profile,
        r#"{"defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}"#,
    )
    .unwrap();
    let named = format!("seccomp={}", profile.display());
    let denied = env.run(&["run", "--rm", "--security-opt", &named, IMAGE, "busybox", "mkdir", "/made"]);
    assert_eq!(denied.code, Some(1), "{denied:?}");
    assert!(format!("{}{}", denied.stdout, denied.stderr).contains("Operation not permitted"), "{denied:?}");
    env.run(&["run", "--rm", IMAGE, "busybox", "mkdir", "/made"]).success();
    let id = env.run(&["create", "--security-opt", &named, "--security-opt", "no-new-privileges", IMAGE, "true"]);
    let shown = env.run(&["inspect", "--format", "{{json .HostConfig.SecurityOpt}}", id.success().trim()]).success();
    assert_eq!(shown.trim(), format!(r#"["no-new-privileges","{named}"]"#));
    assert_eq!(status(&env, &["--security-opt", "no-new-privileges"])["NoNewPrivs"], "1");
}

#[test]
fn read_only_keeps_the_root_from_writes_but_not_tmp() {
    let env = env_with_image();
    let out = env.run(&["run", "--rm", "--read-only", IMAGE, "sh", "-c", ": > /x"]);
    assert_ne!(out.code, Some(0), "{out:?}");
    assert!(format!("{}{}", out.stdout, out.stderr).contains("Read-only file system"), "{out:?}");
    env.run(&["run", "--rm", "--read-only", IMAGE, "sh", "-c", ": > /tmp/x && : > /run/x"]).success();
}

#[test]
fn privileged_holds_every_capability_of_rpod_itself() {
    let env = env_with_image();
    let status = status(&env, &["--privileged"]);
    let own = std::fs::read_to_string("/proc/self/status").unwrap();
    let own_bounding = own.lines().find_map(|l| l.strip_prefix("CapBnd:")).unwrap().trim().to_string();
    assert_eq!(status["CapEff"], own_bounding);
    assert_eq!(status["Seccomp"], "0");
}

#[test]
fn bad_flags_are_refused_at_create_with_podmans_words() {
    let env = env_with_image();
    let missing = env.dir().join("missing.json");
    let missing_opt = format!("seccomp={}", missing.display());
    let cases: [(&[&str], String); 5] = [
        (&["--cap-add", "BOGUS"], r#"Error: "CAP_BOGUS": unknown capability"#.to_string()),
        (&["--security-opt", "bogus"], r#"Error: invalid --security-opt 1: "bogus""#.to_string()),
        (&["--security-opt", "bogus=1"], r#"Error: invalid --security-opt 2: "bogus=1""#.to_string()),
        (
            &["--security-opt", &missing_opt],
            format!(
                "Error: opening seccomp profile failed: open {}: No such file or directory (os error 2)",
                missing.display()
            ),
        ),
        (
            &["--sysctl", "net.ipv4.ip_forward=1"],
            "Error: sysctl net.ipv4.ip_forward=1 can't be set since Network Namespace set to host: invalid argument"
                .to_string(),
        ),
    ];
    for (flags, want) in cases {
        let mut args = vec!["create"];
        args.extend_from_slice(flags);
        args.extend_from_slice(&[IMAGE, "true"]);
        assert_eq!(env.run(&args).failure(), want, "{flags:?}");
    }
    assert_eq!(env.run(&["ps", "-a", "-q"]).success(), "", "nothing was stored");
}
