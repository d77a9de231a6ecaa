//! The profile as `inspect` shows it (Podman 5's keys and derivations), from the stored
//! decisions alone: no containers.conf or seccomp profile is read.

use serde::Serialize;

use super::process::{CreatingProcess, ThisProcess};
use super::{Capability, SecurityConfig, UlimitKind};

/// `.EffectiveCaps` and `.BoundingCaps`, flattened into the top level of inspect's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectCapabilities {
    pub effective_caps: Vec<Capability>,
    pub bounding_caps: Vec<Capability>,
}

/// The profile's keys of `.HostConfig`, flattened into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectHostSecurity {
    /// Bounding capabilities that are not containers.conf defaults.
    pub cap_add: Vec<Capability>,
    /// Defaults (all capabilities for `--privileged`) missing from the bounding set, sorted.
    pub cap_drop: Vec<Capability>,
    pub privileged: bool,
    pub readonly_rootfs: bool,
    pub security_opt: Vec<String>,
    /// The spec's rlimits as the container gets them at start.
    pub ulimits: Vec<InspectUlimit>,
}

/// One of `.HostConfig.Ulimits`: `RLIMIT_NOFILE`, with Go's signed values (-1: unlimited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectUlimit {
    pub name: String,
    pub soft: i64,
    pub hard: i64,
}

/// oci-spec's default capability sets: what a container recorded before rpod set capabilities
/// runs with.
const RUNTIME_DEFAULT_CAPABILITIES: [&str; 3] = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

impl SecurityConfig {
    /// `.EffectiveCaps` and `.BoundingCaps`.
    pub fn inspect_capabilities(&self) -> InspectCapabilities {
        match &self.capabilities {
            Some(sets) => {
                InspectCapabilities { effective_caps: sets.effective.clone(), bounding_caps: sets.bounding.clone() }
            }
            None => {
                let defaults = named(&RUNTIME_DEFAULT_CAPABILITIES);
                InspectCapabilities { effective_caps: defaults.clone(), bounding_caps: defaults }
            }
        }
    }

    /// The profile's keys of `.HostConfig`.
    pub fn inspect_host_config(&self) -> InspectHostSecurity {
        let (cap_add, cap_drop) = match &self.capabilities {
            Some(sets) => (sets.added.clone(), sets.dropped.clone()),
            None => {
                let (runtime, defaults) =
                    (named(&RUNTIME_DEFAULT_CAPABILITIES), named(&containersconf::DEFAULT_CAPABILITIES));
                let added = runtime.iter().copied().filter(|c| !defaults.contains(c)).collect();
                (added, defaults.into_iter().filter(|c| !runtime.contains(c)).collect())
            }
        };
        InspectHostSecurity {
            cap_add,
            cap_drop,
            privileged: self.privileged,
            readonly_rootfs: self.read_only,
            security_opt: self.security_opts(),
            ulimits: self.inspect_ulimits(&ThisProcess),
        }
    }

    fn inspect_ulimits(&self, process: &dyn CreatingProcess) -> Vec<InspectUlimit> {
        let explicit = self.ulimits.iter().map(|u| (u.kind, u.soft, u.hard));
        let inherited = [UlimitKind::Nofile, UlimitKind::Nproc]
            .into_iter()
            .filter(|kind| !self.ulimits.iter().any(|u| u.kind == *kind))
            .filter_map(|kind| process.rlimit(kind).map(|(soft, hard)| (kind, soft.min(hard), hard)));
        explicit
            .chain(inherited)
            .map(|(kind, soft, hard)| InspectUlimit {
                name: format!("RLIMIT_{}", kind.name().to_uppercase()),
                // Go prints the spec's unsigned limits as int64: unlimited is -1.
                soft: soft as i64,
                hard: hard as i64,
            })
            .collect()
    }
}

fn named(names: &[&str]) -> Vec<Capability> {
    names.iter().filter_map(|n| n.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::FakeProcess;
    use super::super::{CapabilitySets, Ulimit};
    use super::*;

    #[test]
    fn keys_and_values_are_podmans() {
        let caps = |names: &[&str]| names.iter().map(|n| n.parse().unwrap()).collect::<Vec<Capability>>();
        let security = SecurityConfig {
            capabilities: Some(CapabilitySets {
                bounding: caps(&["KILL", "SYS_ADMIN"]),
                effective: caps(&["KILL", "SYS_ADMIN"]),
                ambient: vec![],
                added: caps(&["SYS_ADMIN"]),
                dropped: caps(&["CHOWN"]),
            }),
            read_only: true,
            no_new_privileges: true,
            ulimits: vec![Ulimit { kind: UlimitKind::Core, soft: u64::MAX, hard: u64::MAX }],
            ..Default::default()
        };
        let host = serde_json::to_value(security.inspect_host_config()).unwrap();
        assert_eq!(host["CapAdd"], serde_json::json!(["CAP_SYS_ADMIN"]));
        assert_eq!(host["CapDrop"], serde_json::json!(["CAP_CHOWN"]));
        assert_eq!(host["ReadonlyRootfs"], true);
        assert_eq!(host["Privileged"], false);
        assert_eq!(host["SecurityOpt"], serde_json::json!(["no-new-privileges"]));
        assert_eq!(host["Ulimits"][0], serde_json::json!({"Name": "RLIMIT_CORE", "Soft": -1, "Hard": -1}));
        let top = serde_json::to_value(security.inspect_capabilities()).unwrap();
        assert_eq!(top["BoundingCaps"], serde_json::json!(["CAP_KILL", "CAP_SYS_ADMIN"]));
        let limits = security.inspect_ulimits(&FakeProcess::default());
        let names: Vec<&str> = limits.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["RLIMIT_CORE", "RLIMIT_NOFILE", "RLIMIT_NPROC"]);
    }

    #[test]
    fn old_records_show_the_runtime_defaults_they_run_with() {
        let old = SecurityConfig::default();
        let caps = old.inspect_capabilities();
        assert_eq!(caps.effective_caps.len(), 3);
        let host = old.inspect_host_config();
        assert_eq!(host.cap_add.iter().map(|c| c.name()).collect::<Vec<_>>(), ["CAP_AUDIT_WRITE"]);
        assert_eq!(host.cap_drop.len(), 9);
    }
}
