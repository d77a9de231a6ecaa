//! The stored profile turned into the OCI spec, at each start.

use oci_spec::runtime::{
    Capabilities, LinuxCapabilities, Mount, MountBuilder, PosixRlimit, PosixRlimitBuilder, PosixRlimitType, Spec,
};

use super::process::{CreatingProcess, ThisProcess};
use super::{seccomp_target, Capability, SecurityConfig, SecurityError, UlimitKind};

/// Where a `--read-only` container still gets writable (empty) tmpfs, as with Podman's default
/// `--read-only-tmpfs`.
pub const READ_ONLY_TMPFS: [&str; 3] = ["/run", "/tmp", "/var/tmp"];

/// Sets `spec`'s capabilities, seccomp filter, `noNewPrivileges`, rlimits, read-only root,
/// masked and read-only paths and sysctls from `security`. The seccomp profile is read here.
pub fn apply_to_spec(security: &SecurityConfig, spec: &mut Spec) -> Result<(), SecurityError> {
    if let Some(process) = spec.process_mut() {
        if let Some(sets) = &security.capabilities {
            process.set_capabilities(Some(linux_capabilities(&sets.bounding, &sets.effective, &sets.ambient)?));
        }
        process.set_no_new_privileges(Some(security.no_new_privileges));
        process.set_rlimits(Some(rlimits(security, &ThisProcess)));
    }
    if let Some(root) = spec.root_mut() {
        root.set_readonly(Some(security.read_only));
    }
    if security.read_only {
        let mut mounts = spec.mounts().clone().unwrap_or_default();
        add_read_only_tmpfs(&mut mounts)?;
        spec.set_mounts(Some(mounts));
    }
    let seccomp = match security.seccomp.path() {
        Some(path) => {
            let bounding = security.capabilities.as_ref().map(|s| s.bounding.clone()).unwrap_or_default();
            seccomp::load(path)?.translate(&seccomp_target(&bounding))?
        }
        None => None,
    };
    if let Some(linux) = spec.linux_mut() {
        let (masked, readonly) = security.paths.spec_paths(security.privileged);
        linux.set_masked_paths(masked);
        linux.set_readonly_paths(readonly);
        linux.set_sysctl((!security.sysctls.is_empty()).then(|| security.sysctls.clone().into_iter().collect()));
        linux.set_seccomp(seccomp);
    }
    Ok(())
}

fn linux_capabilities(
    bounding: &[Capability],
    effective: &[Capability],
    ambient: &[Capability],
) -> Result<LinuxCapabilities, SecurityError> {
    let set = |caps: &[Capability]| -> Result<Capabilities, SecurityError> {
        // oci-spec reads capability names through serde (its `FromStr` wants Rust variant names).
        caps.iter()
            .map(|c| {
                serde_json::from_value(serde_json::Value::from(c.name()))
                    .map_err(|e| SecurityError::Spec(format!("{c}: {e}")))
            })
            .collect()
    };
    let mut linux = LinuxCapabilities::default();
    linux.set_bounding(Some(set(bounding)?));
    linux.set_effective(Some(set(effective)?));
    linux.set_permitted(Some(set(effective)?));
    linux.set_inheritable(Some(set(ambient)?));
    linux.set_ambient(Some(set(ambient)?));
    Ok(linux)
}

/// Adds the tmpfs of [`READ_ONLY_TMPFS`] where no mount is yet, each before the first mount
/// beneath it (a socket bound into `/run` stays visible).
fn add_read_only_tmpfs(mounts: &mut Vec<Mount>) -> Result<(), SecurityError> {
    for path in READ_ONLY_TMPFS {
        let path = std::path::Path::new(path);
        if mounts.iter().any(|m| m.destination() == path) {
            continue;
        }
        let beneath = mounts.iter().position(|m| m.destination().starts_with(path)).unwrap_or(mounts.len());
        mounts.insert(beneath, tmpfs(path)?);
    }
    Ok(())
}

fn tmpfs(destination: &std::path::Path) -> Result<Mount, SecurityError> {
    let options = ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"].map(String::from).to_vec();
    MountBuilder::default()
        .destination(destination)
        .typ("tmpfs")
        .source("tmpfs")
        .options(options)
        .build()
        .map_err(|e| SecurityError::Spec(e.to_string()))
}

/// The stored ulimits, then `nofile` and `nproc` when they are not among them: this host's own
/// limits (asking the runtime for more than the current hard limit fails with `setrlimit:
/// Operation not permitted` on hosts with low hard limits).
fn rlimits(security: &SecurityConfig, process: &dyn CreatingProcess) -> Vec<PosixRlimit> {
    let explicit = security.ulimits.iter().map(|u| (u.kind, u.soft, u.hard));
    let inherited = [UlimitKind::Nofile, UlimitKind::Nproc]
        .into_iter()
        .filter(|kind| !security.ulimits.iter().any(|u| u.kind == *kind))
        .filter_map(|kind| process.rlimit(kind).map(|(soft, hard)| (kind, soft.min(hard), hard)));
    explicit
        .chain(inherited)
        .filter_map(|(kind, soft, hard)| {
            PosixRlimitBuilder::default().typ(rlimit_type(kind)).soft(soft).hard(hard).build().ok()
        })
        .collect()
}

fn rlimit_type(kind: UlimitKind) -> PosixRlimitType {
    match kind {
        UlimitKind::Core => PosixRlimitType::RlimitCore,
        UlimitKind::Cpu => PosixRlimitType::RlimitCpu,
        UlimitKind::Data => PosixRlimitType::RlimitData,
        UlimitKind::Fsize => PosixRlimitType::RlimitFsize,
        UlimitKind::Locks => PosixRlimitType::RlimitLocks,
        UlimitKind::Memlock => PosixRlimitType::RlimitMemlock,
        UlimitKind::Msgqueue => PosixRlimitType::RlimitMsgqueue,
        UlimitKind::Nice => PosixRlimitType::RlimitNice,
        UlimitKind::Nofile => PosixRlimitType::RlimitNofile,
        UlimitKind::Nproc => PosixRlimitType::RlimitNproc,
        UlimitKind::Rss => PosixRlimitType::RlimitRss,
        UlimitKind::Rtprio => PosixRlimitType::RlimitRtprio,
        UlimitKind::Rttime => PosixRlimitType::RlimitRttime,
        UlimitKind::Sigpending => PosixRlimitType::RlimitSigpending,
        UlimitKind::Stack => PosixRlimitType::RlimitStack,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::FakeProcess;
    use super::super::{CapabilitySets, SeccompProfile, Ulimit, MASKED_PATHS};
    use super::*;

    fn spec_of(security: &SecurityConfig) -> Spec {
        let mut spec = Spec::default();
        apply_to_spec(security, &mut spec).unwrap();
        spec
    }

    #[test]
    fn a_record_without_capabilities_keeps_the_runtime_defaults() {
        let spec = spec_of(&SecurityConfig::default());
        let process = spec.process().as_ref().unwrap();
        assert_eq!(process.capabilities(), Process::default().capabilities());
        assert_eq!(spec.linux().as_ref().unwrap().seccomp(), &None);
        assert_eq!(spec.linux().as_ref().unwrap().masked_paths().as_ref().unwrap().len(), MASKED_PATHS.len());
        use oci_spec::runtime::Process;
    }

    #[test]
    fn capability_sets_readonly_root_and_sysctls_reach_the_spec() {
        let caps = |names: &[&str]| names.iter().map(|n| n.parse().unwrap()).collect::<Vec<Capability>>();
        let security = SecurityConfig {
            capabilities: Some(CapabilitySets {
                bounding: caps(&["CHOWN", "KILL"]),
                effective: caps(&["KILL"]),
                ambient: caps(&["KILL"]),
                added: vec![],
                dropped: vec![],
            }),
            read_only: true,
            no_new_privileges: true,
            sysctls: [("net.ipv4.ping_group_range".to_string(), "0 0".to_string())].into(),
            ..Default::default()
        };
        let spec = spec_of(&security);
        let process = spec.process().as_ref().unwrap();
        let linux_caps = process.capabilities().as_ref().unwrap();
        assert_eq!(linux_caps.bounding().as_ref().unwrap().len(), 2);
        assert_eq!(linux_caps.permitted(), linux_caps.effective());
        assert_eq!(linux_caps.ambient().as_ref().unwrap().len(), 1);
        assert_eq!(process.no_new_privileges(), Some(true));
        assert_eq!(spec.root().as_ref().unwrap().readonly(), Some(true));
        let tmpfs: Vec<_> = spec.mounts().iter().flatten().filter(|m| m.typ().as_deref() == Some("tmpfs")).collect();
        assert!(READ_ONLY_TMPFS.iter().all(|p| tmpfs.iter().any(|m| m.destination().to_str() == Some(*p))));
        let linux = spec.linux().as_ref().unwrap();
        assert_eq!(linux.sysctl().as_ref().unwrap()["net.ipv4.ping_group_range"], "0 0");
    }

    #[test]
    fn read_only_tmpfs_go_beneath_nothing_already_mounted() {
        let bind = |dest: &str| MountBuilder::default().destination(dest).typ("bind").source("/x").build().unwrap();
        let mut mounts = vec![bind("/proc"), bind("/run/notify/notify.sock"), bind("/tmp")];
        add_read_only_tmpfs(&mut mounts).unwrap();
        let order: Vec<_> = mounts.iter().map(|m| (m.destination().display().to_string(), m.typ().clone())).collect();
        let tmpfs = Some("tmpfs".to_string());
        let bound = Some("bind".to_string());
        assert_eq!(
            order,
            [
                ("/proc".to_string(), bound.clone()),
                ("/run".to_string(), tmpfs.clone()),
                ("/run/notify/notify.sock".to_string(), bound.clone()),
                ("/tmp".to_string(), bound),
                ("/var/tmp".to_string(), tmpfs),
            ]
        );
    }

    #[test]
    fn privileged_containers_see_unmasked_paths() {
        let spec = spec_of(&SecurityConfig { privileged: true, ..Default::default() });
        let linux = spec.linux().as_ref().unwrap();
        assert_eq!((linux.masked_paths(), linux.readonly_paths()), (&None, &None));
    }

    #[test]
    fn a_named_profile_is_translated_and_a_vanished_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        std::fs::write(
            &path,
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}"#,
        )
        .unwrap();
        let security = SecurityConfig { seccomp: SeccompProfile::Named(path.clone()), ..Default::default() };
        let spec = spec_of(&security);
        let seccomp = spec.linux().as_ref().unwrap().seccomp().clone().unwrap();
        assert_eq!(seccomp.syscalls().as_ref().unwrap()[0].names(), &["mkdir"]);
        std::fs::remove_file(&path).unwrap();
        let err = apply_to_spec(&security, &mut Spec::default()).unwrap_err();
        assert!(err.to_string().starts_with("opening seccomp profile failed"), "{err}");
    }

    #[test]
    fn rlimits_keep_explicit_ones_and_inherit_the_rest_within_the_hard_limit() {
        let security = SecurityConfig {
            ulimits: vec![Ulimit { kind: UlimitKind::Nofile, soft: 10, hard: 20 }],
            ..Default::default()
        };
        let limits = rlimits(&security, &FakeProcess::default());
        let pairs: Vec<_> = limits.iter().map(|l| (l.typ(), l.soft(), l.hard())).collect();
        assert_eq!(pairs, [(PosixRlimitType::RlimitNofile, 10, 20), (PosixRlimitType::RlimitNproc, 500, 500)]);
        for limit in rlimits(&SecurityConfig::default(), &ThisProcess) {
            assert!(limit.soft() <= limit.hard());
        }
    }
}
