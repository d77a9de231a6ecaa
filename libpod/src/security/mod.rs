//! A container's process profile: capabilities, seccomp, `no_new_privileges`, a read-only
//! root, masked paths, sysctls and resource limits.
//!
//! Decided once at create time ([`resolve`]) from containers.conf and the user's flags, with
//! Podman's rules and messages, and stored with the container ([`SecurityConfig`]); the
//! container's monitor turns the stored decisions into the spec at every start
//! ([`apply_to_spec`]), reading the seccomp profile file there. Commands that only read
//! the store never parse containers.conf or a seccomp profile.
//!
//! A container recorded before rpod had profiles (no `capabilities` key) keeps the process
//! profile it always started with (oci-spec's default capabilities, no seccomp filter): a
//! restart never changes what an existing container may do. Recreating it gives it Podman's.

mod apply;
mod capabilities;
mod inspect;
mod options;
mod paths;
mod process;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use apply::apply_to_spec;
pub use capabilities::{merge as merge_capabilities, Capability, CapabilityArg};
pub use inspect::{InspectCapabilities, InspectHostSecurity, InspectUlimit};
pub use options::{SeccompChoice, SecurityOpt, Sysctl, Ulimit, UlimitKind};
pub use paths::{PathRules, MASKED_PATHS, READONLY_PATHS};
pub use process::{capabilities_in, CreatingProcess, ThisProcess};

/// The stored decisions, flattened into [`crate::ContainerConfig`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SecurityConfig {
    /// `--privileged`: every capability of the bounding set, no seccomp filter unless one is
    /// named, no masked or read-only paths (Podman's key).
    #[serde(rename = "privileged", default, skip_serializing_if = "std::ops::Not::not")]
    pub privileged: bool,
    /// The process's capability sets; absent in records made before rpod set them.
    #[serde(rename = "capabilities", default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<CapabilitySets>,
    /// The seccomp filter's source.
    #[serde(rename = "seccomp", default, skip_serializing_if = "SeccompProfile::is_none")]
    pub seccomp: SeccompProfile,
    /// `--security-opt no-new-privileges` (Podman's key).
    #[serde(rename = "no_new_privileges", default, skip_serializing_if = "std::ops::Not::not")]
    pub no_new_privileges: bool,
    /// `--read-only`: the root filesystem is mounted read-only, with writable tmpfs on `/run`,
    /// `/tmp` and `/var/tmp` (Podman's `--read-only-tmpfs` default).
    #[serde(rename = "rootfsReadOnly", default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    /// `--security-opt mask=`/`unmask=`: changes to Podman's masked and read-only paths.
    #[serde(flatten)]
    pub paths: PathRules,
    /// containers.conf's `default_sysctls` (less those the container cannot hold) and
    /// `--sysctl`.
    #[serde(rename = "sysctl", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sysctls: BTreeMap<String, String>,
    /// containers.conf's `default_ulimits` and `--ulimit`, later names winning. `nofile` and
    /// `nproc`, when not set here, are this host's own limits at each start.
    #[serde(rename = "ulimits", default, skip_serializing_if = "Vec::is_empty")]
    pub ulimits: Vec<Ulimit>,
}

/// The capability sets of the container's process, as Podman 4 and 5 set them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilitySets {
    /// The bounding set: containers.conf's defaults with `--cap-add`/`--cap-drop` (all the
    /// host's for `--privileged`), within the creating process's own bounding set.
    pub bounding: Vec<Capability>,
    /// The effective and permitted sets: the bounding set for root; for another `--user` only
    /// what `--cap-add` names.
    pub effective: Vec<Capability>,
    /// The ambient and inheritable sets: empty for root, the effective set for another user
    /// (so an unprivileged process keeps what `--cap-add` gave it across `exec`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ambient: Vec<Capability>,
    /// inspect's `CapAdd`: bounding capabilities that are not containers.conf defaults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<Capability>,
    /// inspect's `CapDrop`: defaults (every capability for `--privileged`) not in the bounding set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<Capability>,
}

/// Where the container's seccomp filter comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeccompProfile {
    /// No filter: a record from before rpod applied seccomp, a `--privileged` container, or a
    /// host with no profile installed.
    #[default]
    None,
    /// `--security-opt seccomp=unconfined`.
    Unconfined,
    /// The default profile (containers.conf `seccomp_profile`, else the installed one).
    Default(PathBuf),
    /// `--security-opt seccomp=PATH`.
    Named(PathBuf),
}

impl SeccompProfile {
    fn is_none(&self) -> bool {
        *self == SeccompProfile::None
    }

    /// The profile file to translate at start, if any.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            SeccompProfile::Default(path) | SeccompProfile::Named(path) => Some(path),
            SeccompProfile::None | SeccompProfile::Unconfined => None,
        }
    }
}

impl SecurityConfig {
    /// inspect's `HostConfig.SecurityOpt`, as Podman 5 lists it.
    pub fn security_opts(&self) -> Vec<String> {
        let mut opts = Vec::new();
        if self.no_new_privileges {
            opts.push("no-new-privileges".to_string());
        }
        match &self.seccomp {
            SeccompProfile::Unconfined => opts.push("seccomp=unconfined".to_string()),
            SeccompProfile::Named(path) => opts.push(format!("seccomp={}", path.display())),
            SeccompProfile::None | SeccompProfile::Default(_) => {}
        }
        if self.paths.spec_paths(self.privileged).0.is_none() {
            opts.push("unmask=all".to_string());
        }
        opts
    }
}

/// The user's security flags, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityRequest {
    /// `--privileged`.
    pub privileged: bool,
    /// `--cap-add`, in order.
    pub cap_add: Vec<CapabilityArg>,
    /// `--cap-drop`, in order.
    pub cap_drop: Vec<CapabilityArg>,
    /// `--security-opt`, in order (a later one of a kind wins).
    pub security_opts: Vec<SecurityOpt>,
    /// `--read-only`.
    pub read_only: bool,
    /// `--sysctl`.
    pub sysctls: Vec<Sysctl>,
    /// `--ulimit`.
    pub ulimits: Vec<Ulimit>,
}

/// What the decisions depend on besides the user's flags.
pub struct SecurityContext<'a> {
    /// The merged containers.conf.
    pub conf: &'a containersconf::ContainersConf,
    /// The process creating the container.
    pub process: &'a dyn CreatingProcess,
    /// The container's final `--user` (the image's when not given).
    pub user: &'a str,
    /// The container's network mode (`host` shares the host's network namespace).
    pub network_mode: &'a str,
}

/// Decides the container's profile, refusing what Podman refuses at create time. A seccomp
/// profile is read and translated here once, so a bad one fails `create`, not each start.
pub fn resolve(request: &SecurityRequest, ctx: &SecurityContext) -> Result<SecurityConfig, SecurityError> {
    let capabilities = resolve_capabilities(request, ctx)?;
    let seccomp = resolve_seccomp(request, ctx.conf);
    if let Some(path) = seccomp.path() {
        seccomp::load(path)?.translate(&seccomp_target(&capabilities.bounding))?;
    }
    Ok(SecurityConfig {
        privileged: request.privileged,
        capabilities: Some(capabilities),
        seccomp,
        no_new_privileges: request
            .security_opts
            .iter()
            .rev()
            .find_map(|opt| if let SecurityOpt::NoNewPrivileges(on) = opt { Some(*on) } else { None })
            .unwrap_or(false),
        read_only: request.read_only,
        paths: resolve_paths(request),
        sysctls: resolve_sysctls(request, ctx)?,
        ulimits: resolve_ulimits(request, ctx)?,
    })
}

/// [`resolve`] for a container about to be created on this host: this host's containers.conf
/// and this process's capabilities and limits, `config`'s final user and network mode.
pub fn resolve_on_host(
    request: &SecurityRequest,
    config: &crate::ContainerConfig,
) -> Result<SecurityConfig, crate::Error> {
    let conf = containersconf::ContainersConf::load_host()?;
    let ctx =
        SecurityContext { conf: &conf, process: &ThisProcess, user: &config.user, network_mode: &config.network_mode };
    Ok(resolve(request, &ctx)?)
}

/// The seccomp target of a container with `bounding` capabilities on this host.
fn seccomp_target(bounding: &[Capability]) -> seccomp::Target {
    seccomp::Target::host(bounding.iter().map(|c| c.name().to_string()).collect())
}

/// Whether `user` (`name[:group]`) is root, as Podman decides which capability sets it gets.
fn is_root(user: &str) -> bool {
    matches!(user.split(':').next(), Some("" | "root" | "0"))
}

fn resolve_capabilities(request: &SecurityRequest, ctx: &SecurityContext) -> Result<CapabilitySets, SecurityError> {
    let host = ctx.process.bounding_set().map_err(SecurityError::BoundingSet)?;
    let defaults = ctx
        .conf
        .containers
        .default_capabilities
        .iter()
        .map(|c| c.parse::<Capability>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| SecurityError::ContainersConf { key: "default_capabilities", source: Box::new(source) })?;
    let within_host =
        |caps: Vec<Capability>| -> Vec<Capability> { caps.into_iter().filter(|c| host.contains(c)).collect() };
    let bounding = if request.privileged {
        let mut all = host.clone();
        all.sort();
        all
    } else {
        within_host(merge_capabilities(&defaults, &request.cap_add, &request.cap_drop, &host)?)
    };
    let (effective, ambient) = if is_root(ctx.user) {
        (bounding.clone(), Vec::new())
    } else {
        let added = within_host(merge_capabilities(&[], &request.cap_add, &[], &host)?);
        (added.clone(), added)
    };
    let baseline: Vec<Capability> = if request.privileged { Capability::all().collect() } else { defaults };
    let mut dropped: Vec<Capability> = baseline.iter().copied().filter(|c| !bounding.contains(c)).collect();
    dropped.sort();
    let added = bounding.iter().copied().filter(|c| !baseline.contains(c)).collect();
    Ok(CapabilitySets { bounding, effective, ambient, added, dropped })
}

fn resolve_seccomp(request: &SecurityRequest, conf: &containersconf::ContainersConf) -> SeccompProfile {
    let chosen = request.security_opts.iter().rev().find_map(|opt| {
        if let SecurityOpt::Seccomp(choice) = opt {
            Some(choice)
        } else {
            None
        }
    });
    match chosen {
        Some(SeccompChoice::Unconfined) => SeccompProfile::Unconfined,
        // Podman runs a privileged container unconfined unless the user names a profile of
        // their own: naming the default one changes nothing.
        Some(SeccompChoice::Profile(path)) if request.privileged && conf.is_builtin_seccomp_path(path) => {
            SeccompProfile::None
        }
        Some(SeccompChoice::Profile(path)) => SeccompProfile::Named(path.clone()),
        None if request.privileged => SeccompProfile::None,
        None => conf.default_seccomp_profile().map(SeccompProfile::Default).unwrap_or_default(),
    }
}

fn resolve_paths(request: &SecurityRequest) -> PathRules {
    let mut rules = PathRules::default();
    for opt in &request.security_opts {
        match opt {
            SecurityOpt::Mask(paths) => rules.mask.extend(paths.iter().cloned()),
            SecurityOpt::Unmask(patterns) => rules.unmask.push(patterns.clone()),
            _ => {}
        }
    }
    rules
}

/// containers.conf's sysctls (those of the network namespace left out when the container
/// shares the host's), then the user's, which may not touch a shared namespace.
fn resolve_sysctls(
    request: &SecurityRequest,
    ctx: &SecurityContext,
) -> Result<BTreeMap<String, String>, SecurityError> {
    let host_network = ctx.network_mode == "host";
    let mut sysctls = BTreeMap::new();
    for entry in &ctx.conf.containers.default_sysctls {
        let sysctl: Sysctl = entry
            .parse()
            .map_err(|source| SecurityError::ContainersConf { key: "default_sysctls", source: Box::new(source) })?;
        if !(host_network && sysctl.is_network()) {
            sysctls.insert(sysctl.name, sysctl.value);
        }
    }
    for sysctl in &request.sysctls {
        if host_network && sysctl.is_network() {
            return Err(SecurityError::SysctlHostNetwork { name: sysctl.name.clone(), value: sysctl.value.clone() });
        }
        sysctls.insert(sysctl.name.clone(), sysctl.value.clone());
    }
    Ok(sysctls)
}

/// containers.conf's ulimits, then the user's (a later one of a kind replaces an earlier one).
/// A hard limit above this process's, which the runtime could not set, is refused here rather
/// than at every start.
fn resolve_ulimits(request: &SecurityRequest, ctx: &SecurityContext) -> Result<Vec<Ulimit>, SecurityError> {
    let mut ulimits: Vec<Ulimit> = Vec::new();
    let defaults = ctx.conf.containers.default_ulimits.iter().map(|entry| {
        entry
            .parse::<Ulimit>()
            .map_err(|source| SecurityError::ContainersConf { key: "default_ulimits", source: Box::new(source) })
    });
    for ulimit in defaults.chain(request.ulimits.iter().copied().map(Ok)) {
        let ulimit = ulimit?;
        ulimits.retain(|u| u.kind != ulimit.kind);
        ulimits.push(ulimit);
    }
    if !ctx.process.may_raise_limits() {
        for ulimit in &ulimits {
            match ctx.process.rlimit(ulimit.kind) {
                Some((_, hard)) if ulimit.hard > hard => {
                    return Err(SecurityError::UlimitAboveHardLimit { ulimit: *ulimit, host_hard: hard })
                }
                _ => {}
            }
        }
    }
    Ok(ulimits)
}

/// Why a container's profile was refused, in Podman's words where Podman refuses it too.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    #[error("{0:?}: unknown capability")]
    UnknownCapability(String),
    #[error("adding all caps and removing all caps not allowed")]
    AddAndDropAll,
    #[error("capability {:?} cannot be dropped and added", .0.name())]
    AddedAndDropped(Capability),
    /// Podman's two forms: `1` for an option without a value, `2` for an unknown key or value.
    #[error("invalid --security-opt {form}: {opt:?}")]
    InvalidSecurityOpt { form: u8, opt: String },
    #[error("apparmor profile {0:?} specified, but rpod does not apply AppArmor profiles")]
    AppArmorUnsupported(String),
    #[error("invalid systempaths option {0:?}, only `unconfined` is supported")]
    InvalidSystemPaths(String),
    #[error("--security-opt {0:?} is not supported by rpod")]
    UnsupportedSecurityOpt(String),
    #[error("{0} is invalid, sysctl values must be in the form of KEY=VALUE")]
    SysctlForm(String),
    #[error("'{0}' is invalid, extra spaces found")]
    SysctlSpaces(String),
    #[error("sysctl '{0}' is not allowed")]
    SysctlNotAllowed(String),
    #[error("sysctl {name}={value} can't be set since Network Namespace set to host: invalid argument")]
    SysctlHostNetwork { name: String, value: String },
    #[error("ulimit option {entry:?} requires name=SOFT:HARD, failed to be parsed: {reason}")]
    InvalidUlimit { entry: String, reason: String },
    /// The runtime would fail with `setrlimit: operation not permitted` at every start.
    #[error("ulimit {}={}:{}: the hard limit is above this host's ({host_hard}) and rpod may not raise it (no CAP_SYS_RESOURCE)", .ulimit.kind.name(), .ulimit.soft, .ulimit.hard)]
    UlimitAboveHardLimit { ulimit: Ulimit, host_hard: u64 },
    /// Without its own bounding set rpod cannot tell which capabilities it may hand on.
    #[error("reading rpod's capability bounding set from /proc/self/status")]
    BoundingSet(#[source] std::io::Error),
    /// A containers.conf default that Podman would refuse too.
    #[error("containers.conf {key}")]
    ContainersConf {
        key: &'static str,
        #[source]
        source: Box<SecurityError>,
    },
    #[error(transparent)]
    Seccomp(#[from] seccomp::Error),
    /// oci-spec refused a value while the spec was built.
    #[error("building the OCI spec's process profile: {0}")]
    Spec(String),
}

#[cfg(test)]
mod tests;
