use std::path::Path;

use super::*;

/// A creating process with a chosen bounding set and limits.
pub(crate) struct FakeProcess {
    pub bounding: Vec<Capability>,
    pub hard_nofile: u64,
    pub may_raise: bool,
}

impl Default for FakeProcess {
    fn default() -> FakeProcess {
        let resource: Capability = "SYS_RESOURCE".parse().unwrap();
        FakeProcess {
            bounding: Capability::all().filter(|c| *c != resource).collect(),
            hard_nofile: 1024,
            may_raise: false,
        }
    }
}

impl CreatingProcess for FakeProcess {
    fn bounding_set(&self) -> std::io::Result<Vec<Capability>> {
        Ok(self.bounding.clone())
    }

    fn rlimit(&self, kind: UlimitKind) -> Option<(u64, u64)> {
        match kind {
            UlimitKind::Nofile => Some((self.hard_nofile, self.hard_nofile)),
            _ => Some((500, 500)),
        }
    }

    fn may_raise_limits(&self) -> bool {
        self.may_raise
    }
}

fn conf(dir: &Path, text: &str) -> containersconf::ContainersConf {
    let file = dir.join("containers.conf");
    std::fs::write(&file, text).unwrap();
    let sources = containersconf::Sources {
        only: Some(file),
        distribution: dir.join("none"),
        administrator: dir.join("none"),
        last: None,
        seccomp_candidates: [dir.join("etc-seccomp.json"), dir.join("usr-seccomp.json")],
    };
    containersconf::ContainersConf::load(&sources).unwrap()
}

fn names(caps: &[Capability]) -> Vec<&'static str> {
    caps.iter().map(|c| c.name()).collect()
}

fn request(flags: &[&str]) -> SecurityRequest {
    let mut request = SecurityRequest::default();
    for pair in flags.chunks(2) {
        match pair {
            ["--cap-add", v] => request.cap_add.push(v.parse().unwrap()),
            ["--cap-drop", v] => request.cap_drop.push(v.parse().unwrap()),
            ["--security-opt", v] => request.security_opts.push(v.parse().unwrap()),
            ["--sysctl", v] => request.sysctls.push(v.parse().unwrap()),
            ["--ulimit", v] => request.ulimits.push(v.parse().unwrap()),
            ["--privileged", _] => request.privileged = true,
            ["--read-only", _] => request.read_only = true,
            other => panic!("{other:?}"),
        }
    }
    request
}

struct World {
    dir: tempfile::TempDir,
    conf: containersconf::ContainersConf,
    process: FakeProcess,
}

impl World {
    fn new(conf_text: &str) -> World {
        let dir = tempfile::tempdir().unwrap();
        let conf = conf(dir.path(), conf_text);
        World { dir, conf, process: FakeProcess::default() }
    }

    fn resolve(&self, flags: &[&str], user: &str, network: &str) -> Result<SecurityConfig, SecurityError> {
        let ctx = SecurityContext { conf: &self.conf, process: &self.process, user, network_mode: network };
        resolve(&request(flags), &ctx)
    }
}

#[test]
fn defaults_give_root_the_eleven_capabilities_and_the_installed_profile() {
    let world = World::new("");
    std::fs::write(world.dir.path().join("usr-seccomp.json"), r#"{"defaultAction": "SCMP_ACT_ALLOW"}"#).unwrap();
    let conf = conf(world.dir.path(), "");
    let world = World { conf, ..world };
    let security = world.resolve(&[], "", "host").unwrap();
    let sets = security.capabilities.clone().unwrap();
    assert_eq!(names(&sets.bounding), containersconf::DEFAULT_CAPABILITIES);
    assert_eq!(sets.effective, sets.bounding);
    assert!(sets.ambient.is_empty() && sets.added.is_empty() && sets.dropped.is_empty());
    let mask: u64 = sets.effective.iter().map(|c| 1u64 << c.number()).sum();
    assert_eq!(mask, 0x800405fb, "Podman's default CapEff");
    assert_eq!(security.seccomp, SeccompProfile::Default(world.dir.path().join("usr-seccomp.json")));
    assert!(security.security_opts().is_empty());
    assert!(!security.no_new_privileges && !security.read_only && !security.privileged);
}

#[test]
fn cap_add_and_drop_change_the_sets_and_inspect_lists() {
    let world = World::new("[containers]\ndefault_capabilities = [\"chown\", \"KILL\", \"CAP_SETUID\"]\n");
    let security = world
        .resolve(&["--cap-add", "sys_admin", "--cap-drop", "CAP_CHOWN", "--cap-add", "SYS_RESOURCE"], "", "host")
        .unwrap();
    let sets = security.capabilities.unwrap();
    assert_eq!(
        names(&sets.bounding),
        ["CAP_KILL", "CAP_SETUID", "CAP_SYS_ADMIN"],
        "SYS_RESOURCE is outside the host's set"
    );
    assert_eq!((names(&sets.added), names(&sets.dropped)), (vec!["CAP_SYS_ADMIN"], vec!["CAP_CHOWN"]));
}

#[test]
fn a_non_root_user_gets_only_added_capabilities_as_ambient_ones() {
    let world = World::new("");
    let sets = world.resolve(&["--cap-add", "NET_ADMIN"], "1000:1000", "host").unwrap().capabilities.unwrap();
    assert_eq!(names(&sets.effective), ["CAP_NET_ADMIN"]);
    assert_eq!(sets.ambient, sets.effective);
    assert!(sets.bounding.len() == 12);
    let sets = world.resolve(&[], "app", "host").unwrap().capabilities.unwrap();
    assert!(sets.effective.is_empty() && sets.ambient.is_empty());
    let sets = world.resolve(&[], "root:wheel", "host").unwrap().capabilities.unwrap();
    assert_eq!(sets.effective, sets.bounding);
}

#[test]
fn privileged_gets_the_host_set_and_no_seccomp() {
    let world = World::new("");
    std::fs::write(world.dir.path().join("etc-seccomp.json"), "{}").unwrap();
    let security = world.resolve(&["--privileged", ""], "", "host").unwrap();
    let sets = security.capabilities.clone().unwrap();
    assert_eq!(sets.bounding.len(), 40);
    assert_eq!(names(&sets.dropped), ["CAP_SYS_RESOURCE"]);
    assert_eq!(security.seccomp, SeccompProfile::None);
    assert_eq!(security.security_opts(), ["unmask=all"]);
    let builtin = world.dir.path().join("etc-seccomp.json");
    let opt = format!("seccomp={}", builtin.display());
    assert_eq!(
        world.resolve(&["--privileged", "", "--security-opt", &opt], "", "host").unwrap().seccomp,
        SeccompProfile::None
    );
}

#[test]
fn security_opts_choose_seccomp_and_no_new_privileges() {
    let world = World::new("");
    let security = world
        .resolve(
            &["--security-opt", "seccomp=unconfined", "--security-opt", "no-new-privileges", "--read-only", ""],
            "",
            "host",
        )
        .unwrap();
    assert_eq!(security.seccomp, SeccompProfile::Unconfined);
    assert!(security.no_new_privileges && security.read_only);
    assert_eq!(security.security_opts(), ["no-new-privileges", "seccomp=unconfined"]);
    let security = world
        .resolve(&["--security-opt", "no-new-privileges", "--security-opt", "no-new-privileges=false"], "", "host")
        .unwrap();
    assert!(!security.no_new_privileges);
}

#[test]
fn a_bad_seccomp_profile_fails_at_create() {
    let world = World::new("");
    let missing = world.dir.path().join("missing.json");
    let err = world.resolve(&["--security-opt", &format!("seccomp={}", missing.display())], "", "host").unwrap_err();
    assert_eq!(err.to_string(), format!("opening seccomp profile failed: open {}", missing.display()));
    let bad = world.dir.path().join("bad.json");
    std::fs::write(&bad, "[1, 2").unwrap();
    let err = world.resolve(&["--security-opt", &format!("seccomp={}", bad.display())], "", "host").unwrap_err();
    assert!(matches!(err, SecurityError::Seccomp(seccomp::Error::Decode { .. })), "{err}");
}

#[test]
fn sysctls_skip_or_refuse_the_network_namespace_of_the_host() {
    let world =
        World::new("[containers]\ndefault_sysctls = [\"net.ipv4.ping_group_range=0 0\", \"kernel.shmmni=100\"]\n");
    let host = world.resolve(&[], "", "host").unwrap();
    assert_eq!(host.sysctls, [("kernel.shmmni".to_string(), "100".to_string())].into());
    let own = world.resolve(&["--sysctl", "net.ipv4.ping_group_range=0 1000"], "", "none").unwrap();
    assert_eq!(own.sysctls["net.ipv4.ping_group_range"], "0 1000");
    let err = world.resolve(&["--sysctl", "net.ipv4.ip_forward=1"], "", "host").unwrap_err();
    assert_eq!(
        err.to_string(),
        "sysctl net.ipv4.ip_forward=1 can't be set since Network Namespace set to host: invalid argument"
    );
    let broken = World::new("[containers]\ndefault_sysctls = [\"kernel.hostname=x\"]\n");
    let err = broken.resolve(&[], "", "host").unwrap_err();
    assert_eq!(err.to_string(), "containers.conf default_sysctls");
    assert_eq!(std::error::Error::source(&err).unwrap().to_string(), "sysctl 'kernel.hostname' is not allowed");
}

#[test]
fn ulimits_merge_by_name_and_refuse_what_the_runtime_could_not_set() {
    let world = World::new("[containers]\ndefault_ulimits = [\"nofile=100:200\", \"nproc=10:20\"]\n");
    let security = world.resolve(&["--ulimit", "nofile=300:400"], "", "host").unwrap();
    let pairs: Vec<_> = security.ulimits.iter().map(|u| (u.kind.name(), u.soft, u.hard)).collect();
    assert_eq!(pairs, [("nproc", 10, 20), ("nofile", 300, 400)]);
    let err = world.resolve(&["--ulimit", "nofile=2048:4096"], "", "host").unwrap_err();
    assert_eq!(
        err.to_string(),
        "ulimit nofile=2048:4096: the hard limit is above this host's (1024) and rpod may not raise it (no CAP_SYS_RESOURCE)"
    );
    let world = World { process: FakeProcess { may_raise: true, ..FakeProcess::default() }, ..world };
    assert!(world.resolve(&["--ulimit", "nofile=2048:4096"], "", "host").is_ok());
}

#[test]
fn an_unknown_default_capability_names_containers_conf() {
    let world = World::new("[containers]\ndefault_capabilities = [\"CHOWN\", \"BOGUS\"]\n");
    let err = world.resolve(&[], "", "host").unwrap_err();
    assert_eq!(err.to_string(), "containers.conf default_capabilities");
}

#[test]
fn records_without_the_new_keys_decode_to_no_profile() {
    let security: SecurityConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(security, SecurityConfig::default());
    let world = World::new("");
    let security = world.resolve(&["--cap-drop", "kill", "--ulimit", "nofile=1:2"], "", "host").unwrap();
    let json = serde_json::to_string(&security).unwrap();
    assert_eq!(serde_json::from_str::<SecurityConfig>(&json).unwrap(), security);
}

#[test]
fn mask_and_unmask_are_recorded_and_shown_as_podman_shows_them() {
    let world = World::new("");
    let security = world.resolve(&["--security-opt", "unmask=ALL"], "", "host").unwrap();
    assert_eq!(security.paths.unmask, ["ALL"]);
    assert_eq!(security.security_opts(), ["unmask=all"]);
    let security = world
        .resolve(&["--security-opt", "mask=/srv/a:/srv/b", "--security-opt", "unmask=/proc/kcore"], "", "host")
        .unwrap();
    assert_eq!((security.paths.mask.len(), security.paths.unmask.len()), (2, 1));
    assert!(security.security_opts().is_empty());
}
