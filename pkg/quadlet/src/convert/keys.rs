//! The keys each group accepts: Podman 5's quadlet keys for `[Container]`, `[Volume]` and
//! `[Network]`, all of which rpod translates into the same flags (which of those flags
//! `rpod run` itself accepts is listed in docs/rpod-systemd.unit.md). Any other key fails the
//! file, as in Podman.

use super::{ConvertError, UnitKind};
use crate::unitfile::UnitFile;

const CONTAINER: &[&str] = &[
    "AddCapability",
    "AddDevice",
    "AddHost",
    "Annotation",
    "AppArmor",
    "AutoUpdate",
    "CgroupsMode",
    "ContainerName",
    "ContainersConfModule",
    "DNS",
    "DNSOption",
    "DNSSearch",
    "DropCapability",
    "Entrypoint",
    "Environment",
    "EnvironmentFile",
    "EnvironmentHost",
    "Exec",
    "ExposeHostPort",
    "GIDMap",
    "GlobalArgs",
    "Group",
    "GroupAdd",
    "HealthCmd",
    "HealthInterval",
    "HealthLogDestination",
    "HealthMaxLogCount",
    "HealthMaxLogSize",
    "HealthOnFailure",
    "HealthRetries",
    "HealthStartPeriod",
    "HealthStartupCmd",
    "HealthStartupInterval",
    "HealthStartupRetries",
    "HealthStartupSuccess",
    "HealthStartupTimeout",
    "HealthTimeout",
    "HostName",
    "HttpProxy",
    "IP",
    "IP6",
    "Image",
    "Label",
    "LogDriver",
    "LogOpt",
    "Mask",
    "Memory",
    "Mount",
    "Network",
    "NetworkAlias",
    "NoNewPrivileges",
    "Notify",
    "PidsLimit",
    "Pod",
    "PodmanArgs",
    "PublishPort",
    "Pull",
    "ReadOnly",
    "ReadOnlyTmpfs",
    "ReloadCmd",
    "ReloadSignal",
    "RemapGid",
    "RemapUid",
    "RemapUidSize",
    "RemapUsers",
    "Retry",
    "RetryDelay",
    "Rootfs",
    "RunInit",
    "SeccompProfile",
    "Secret",
    "SecurityLabelDisable",
    "SecurityLabelFileType",
    "SecurityLabelLevel",
    "SecurityLabelNested",
    "SecurityLabelType",
    "ServiceName",
    "ShmSize",
    "StartWithPod",
    "StopSignal",
    "StopTimeout",
    "SubGIDMap",
    "SubUIDMap",
    "Sysctl",
    "Timezone",
    "Tmpfs",
    "UIDMap",
    "Ulimit",
    "Unmask",
    "User",
    "UserNS",
    "VolatileTmp",
    "Volume",
    "WorkingDir",
];

const VOLUME: &[&str] = &[
    "ContainersConfModule",
    "Copy",
    "Device",
    "Driver",
    "GID",
    "GlobalArgs",
    "Group",
    "Image",
    "Label",
    "Options",
    "PodmanArgs",
    "ServiceName",
    "Type",
    "UID",
    "User",
    "VolumeName",
];

const NETWORK: &[&str] = &[
    "ContainersConfModule",
    "DNS",
    "DisableDNS",
    "Driver",
    "Gateway",
    "GlobalArgs",
    "IPAMDriver",
    "IPRange",
    "IPv6",
    "InterfaceName",
    "Internal",
    "Label",
    "NetworkDeleteOnStop",
    "NetworkName",
    "Options",
    "PodmanArgs",
    "ServiceName",
    "Subnet",
];

/// The keys of the `[Quadlet]` group, common to every kind.
const QUADLET: &[&str] = &["DefaultDependencies"];

/// The keys `kind`'s own group accepts.
pub fn supported(kind: UnitKind) -> &'static [&'static str] {
    match kind {
        UnitKind::Container => CONTAINER,
        UnitKind::Volume => VOLUME,
        UnitKind::Network => NETWORK,
        _ => &[],
    }
}

/// Fails on the first key of `kind`'s group, then of `[Quadlet]`, that is not accepted there.
pub fn check(unit: &UnitFile, kind: UnitKind) -> Result<(), ConvertError> {
    for (group, accepted) in [(kind.group(), supported(kind)), ("Quadlet", QUADLET)] {
        if let Some(key) = unit.keys(group).into_iter().find(|k| !accepted.contains(&k.as_str())) {
            return Err(ConvertError::UnsupportedKey { key, group: group.to_string(), path: unit.path.clone() });
        }
    }
    Ok(())
}

/// `[Container]` keys translated as Podman does into a flag that this rpod's `run` does not
/// accept yet: a unit using one is still written (the translation is Podman's), with a
/// warning, and fails at start with rpod's "unknown flag" error. The e2e test
/// `quadlet_cases::not_yet_accepted_flags_are_refused_by_rpod` keeps this list true.
pub const NOT_YET_RUN: &[(&str, &str)] = &[
    ("AddDevice", "--device"),
    ("Annotation", "--annotation"),
    ("ContainersConfModule", "--module"),
    ("EnvironmentHost", "--env-host"),
    ("ExposeHostPort", "--expose"),
    ("GIDMap", "--gidmap"),
    ("GroupAdd", "--group-add"),
    ("HealthStartupCmd", "--health-startup-cmd"),
    ("HealthStartupInterval", "--health-startup-interval"),
    ("HealthStartupRetries", "--health-startup-retries"),
    ("HealthStartupSuccess", "--health-startup-success"),
    ("HealthStartupTimeout", "--health-startup-timeout"),
    ("HttpProxy", "--http-proxy"),
    ("IP6", "--ip6"),
    ("LogDriver", "--log-driver"),
    ("LogOpt", "--log-opt"),
    ("Pod", "--pod"),
    ("ReadOnlyTmpfs", "--read-only-tmpfs"),
    ("RemapUsers", "--userns"),
    ("Retry", "--retry"),
    ("RetryDelay", "--retry-delay"),
    ("Rootfs", "--rootfs"),
    ("RunInit", "--init"),
    ("Secret", "--secret"),
    ("StopSignal", "--stop-signal"),
    ("SubGIDMap", "--subgidname"),
    ("SubUIDMap", "--subuidname"),
    ("Timezone", "--tz"),
    ("UIDMap", "--uidmap"),
    ("UserNS", "--userns"),
];

/// `[Volume]` keys whose flag this rpod's `volume create` does not accept yet (as
/// [`NOT_YET_RUN`]; the same e2e test keeps it true).
pub const NOT_YET_VOLUME_CREATE: &[(&str, &str)] = &[("GID", "--gid"), ("UID", "--uid")];

/// A warning for each key of `not_yet` (one of the lists above) that `unit` sets in `group`.
pub fn not_yet_warnings(unit: &UnitFile, group: &str, command: &str, not_yet: &[(&str, &str)]) -> Vec<String> {
    let keys = unit.keys(group);
    not_yet
        .iter()
        .filter(|(key, _)| keys.iter().any(|k| k == key))
        .map(|(key, flag)| {
            format!(
                "Warning: {}: {key}= becomes {flag}, which {command} does not accept yet: the unit will fail to start",
                unit.filename
            )
        })
        .collect()
}
