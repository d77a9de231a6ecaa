use oci_spec::runtime::{Arch, LinuxSeccompAction};

use super::*;

const REAL_PROFILE: &str = "/usr/share/containers/seccomp.json";

fn amd64(caps: &[&str]) -> Target {
    Target { arch: "amd64".into(), kernel: (6, 1), capabilities: caps.iter().map(|c| c.to_string()).collect() }
}

/// The action the translated filter gives `name` with no argument conditions: the first
/// matching rule without args, else the default.
fn action_for(seccomp: &LinuxSeccomp, name: &str) -> (LinuxSeccompAction, Option<u32>) {
    seccomp
        .syscalls()
        .iter()
        .flatten()
        .find(|s| s.names().iter().any(|n| n == name) && s.args().is_none())
        .map(|s| (s.action(), s.errno_ret()))
        .unwrap_or((seccomp.default_action(), seccomp.default_errno_ret()))
}

fn parse(json: &str) -> Profile {
    serde_json::from_str(json).unwrap()
}

/// The capabilities every container gets by default (containers.conf's eleven).
const DEFAULT_CAPS: [&str; 11] = containersconf::DEFAULT_CAPABILITIES;

#[test]
fn the_installed_profile_follows_capabilities() {
    if !Path::new(REAL_PROFILE).exists() {
        eprintln!("{REAL_PROFILE} is not installed (golang-github-containers-common); skipped");
        return;
    }
    let loaded = load(Path::new(REAL_PROFILE)).unwrap();
    let default = loaded.translate(&amd64(&DEFAULT_CAPS)).unwrap().unwrap();
    assert_eq!(default.default_action(), LinuxSeccompAction::ScmpActErrno);
    assert_eq!(default.default_errno_ret(), Some(libc::ENOSYS as u32));
    assert_eq!(
        default.architectures().as_deref(),
        Some(&[Arch::ScmpArchX86_64, Arch::ScmpArchX86, Arch::ScmpArchX32][..])
    );
    let allowed = (LinuxSeccompAction::ScmpActAllow, None);
    let eperm = (LinuxSeccompAction::ScmpActErrno, Some(libc::EPERM as u32));
    assert_eq!(action_for(&default, "read"), allowed);
    assert_eq!(action_for(&default, "chroot"), allowed, "CAP_SYS_CHROOT is a default capability");
    assert_eq!(action_for(&default, "bpf"), eperm, "bpf needs CAP_SYS_ADMIN");
    assert_eq!(action_for(&default, "add_key"), (LinuxSeccompAction::ScmpActErrno, Some(libc::ENOSYS as u32)));
    assert_eq!(action_for(&default, "arch_prctl"), allowed, "an amd64-only rule is kept on amd64");
    assert_eq!(action_for(&default, "s390_runtime_instr").1, Some(libc::ENOSYS as u32));

    let admin: Vec<&str> = DEFAULT_CAPS.iter().copied().chain(["CAP_SYS_ADMIN"]).collect();
    let with_admin = loaded.translate(&amd64(&admin)).unwrap().unwrap();
    assert_eq!(action_for(&with_admin, "bpf"), allowed);
    let no_chroot = loaded.translate(&amd64(&["CAP_KILL"])).unwrap().unwrap();
    assert_eq!(action_for(&no_chroot, "chroot"), eperm);

    let arm = Target { arch: "arm64".into(), ..amd64(&DEFAULT_CAPS) };
    let on_arm = loaded.translate(&arm).unwrap().unwrap();
    assert_eq!(on_arm.architectures().as_deref(), Some(&[Arch::ScmpArchAarch64, Arch::ScmpArchArm][..]));
    assert_eq!(action_for(&on_arm, "arch_prctl").1, Some(libc::ENOSYS as u32));
}

#[test]
fn rules_are_filtered_by_caps_arches_and_kernel() {
    let profile = parse(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "EPERM", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [
              {"names": ["a"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_X", "CAP_Y"]}},
              {"names": ["b"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_X"]}},
              {"names": ["c"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm64"]}},
              {"names": ["d"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
              {"names": ["e"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "6.2"}},
              {"names": ["f"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.8"}},
              {"name": "g", "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": null, "comment": "x"},
              {"names": ["h"], "action": "SCMP_ACT_ERRNO", "errno": "ENOENT",
               "args": [{"index": 1, "value": 8, "op": "SCMP_CMP_MASKED_EQ", "valueTwo": 12}]}
            ]}"#,
    );
    let names = |caps: &[&str]| -> Vec<String> {
        let seccomp = translate(&profile, &amd64(caps)).unwrap().unwrap();
        seccomp.syscalls().iter().flatten().flat_map(|s| s.names().clone()).collect()
    };
    assert_eq!(names(&["CAP_X"]), ["f", "g", "h"]);
    assert_eq!(names(&["CAP_X", "CAP_Y"]), ["a", "f", "g", "h"]);
    assert_eq!(names(&[]), ["b", "f", "g", "h"]);

    let seccomp = translate(&profile, &amd64(&[])).unwrap().unwrap();
    assert_eq!(seccomp.default_errno_ret(), Some(1));
    assert_eq!(seccomp.architectures().as_deref(), Some(&[Arch::ScmpArchX86_64][..]));
    let rules = seccomp.syscalls().clone().unwrap();
    assert_eq!(rules[2].errno_ret(), Some(13));
    assert_eq!(rules[3].errno_ret(), Some(libc::ENOENT as u32));
    let arg = rules[3].args().as_ref().unwrap()[0];
    assert_eq!((arg.index(), arg.value(), arg.value_two()), (1, 8, Some(12)));
    let json = serde_json::to_value(&seccomp).unwrap();
    assert_eq!(json["syscalls"][3]["args"][0]["op"], "SCMP_CMP_MASKED_EQ");
    assert_eq!(json["defaultAction"], "SCMP_ACT_ERRNO");
}

#[test]
fn an_empty_profile_disables_seccomp() {
    assert_eq!(translate(&parse("{}"), &amd64(&[])).unwrap(), None);
    assert_eq!(translate(&parse(r#"{"syscalls": null}"#), &amd64(&[])).unwrap(), None);
}

#[test]
fn profile_faults_are_typed() {
    let cases = [
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"],
             "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}"#,
            Fault::BothArchitectureForms,
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "a", "names": ["b"], "action": "SCMP_ACT_LOG"}]}"#,
            Fault::BothNameForms,
        ),
        (r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "EWHAT"}"#, Fault::UnknownErrno("EWHAT".into())),
        (r#"{"syscalls": [{"names": ["a"], "action": "SCMP_ACT_LOG"}]}"#, Fault::NoDefaultAction),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"], "action": "SCMP_ACT_LOG",
             "includes": {"minKernel": "new"}}]}"#,
            Fault::InvalidMinKernel("new".into()),
        ),
    ];
    for (json, fault) in cases {
        assert_eq!(translate(&parse(json), &amd64(&[])).unwrap_err(), fault, "{json}");
    }
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let err = load(&missing).unwrap_err();
    assert_eq!(err.to_string(), format!("opening seccomp profile failed: open {}", missing.display()));
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"defaultAction": "SCMP_ACT_MAYBE"}"#).unwrap();
    let err = load(&bad).unwrap_err();
    assert!(matches!(&err, Error::Decode { path, .. } if path == &bad), "{err}");
    assert_eq!(
        err.to_string(),
        format!("loading seccomp profile ({}) failed: decoding seccomp profile failed", bad.display())
    );
    std::fs::write(&bad, r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "EWHAT"}"#).unwrap();
    let err = load(&bad).unwrap().translate(&amd64(&[])).unwrap_err();
    assert_eq!(err.to_string(), format!("loading seccomp profile ({}) failed: unknown errno EWHAT", bad.display()));
}
