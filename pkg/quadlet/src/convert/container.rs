//! `.container` → `NAME.service` running `rpod run --name systemd-%N --replace --rm
//! --cgroups=split --sdnotify=conmon -d … IMAGE [Exec…]`, in the argument order of Podman 5's
//! quadlet (its tests, and rpod's, check ordered token subsequences of `ExecStart=`).

use super::sources::{absolute_path, add_networks, add_volumes, image_source, mount_value};
use super::{Cmdline, ConvertError, Generation, Units};
use crate::image_name::is_fully_qualified;
use crate::unitfile::UnitFile;

const G: &str = "Container";

/// The container's name as written: `ContainerName=`, else `systemd-%N` (`systemd-%p_%i` for
/// templates).
fn container_name(unit: &UnitFile) -> String {
    match unit.lookup_nonempty(G, "ContainerName") {
        Some(name) => name,
        None if unit.filename.contains('@') => "systemd-%p_%i".to_string(),
        None => "systemd-%N".to_string(),
    }
}

/// The container's name with `%N` resolved, for `Network=web.container` in other files; empty
/// when it still holds a specifier.
pub fn resolved_container_name(unit: &UnitFile) -> String {
    let name = container_name(unit).replace("%N", &super::service_name(unit, super::UnitKind::Container));
    if name.contains('%') {
        String::new()
    } else {
        name
    }
}

pub fn convert(
    unit: &UnitFile,
    service: &mut UnitFile,
    units: &Units,
    generation: &Generation,
    warnings: &mut Vec<String>,
) -> Result<(), ConvertError> {
    let image = unit.lookup(G, "Image").unwrap_or_default();
    let rootfs = unit.lookup(G, "Rootfs").unwrap_or_default();
    let image = match (image.is_empty(), rootfs.is_empty()) {
        (true, true) => return Err(ConvertError::NoImage),
        (false, false) => return Err(ConvertError::ImageAndRootfs),
        (false, true) => image_source(&image, service, units)?,
        (true, false) => image,
    };
    let auto_update = unit.lookup_nonempty(G, "AutoUpdate");
    if auto_update.as_deref() == Some("registry") && rootfs.is_empty() && !is_fully_qualified(&image) {
        return Err(ConvertError::ShortNameAutoUpdate(image));
    }
    warnings.extend(super::keys::not_yet_warnings(unit, G, "rpod run", super::keys::NOT_YET_RUN));
    let name = container_name(unit);
    service.add("Service", "Environment", "PODMAN_SYSTEMD_UNIT=%n");
    match service.lookup("Service", "KillMode") {
        Some(mode) if mode == "mixed" || mode == "control-group" => {}
        Some(mode) => return Err(ConvertError::KillMode(mode)),
        None => service.set("Service", "KillMode", "mixed"),
    }
    let rpod = generation.rpod.as_str();
    let mut stop = Cmdline::base(unit, G, rpod);
    stop.add(&["rm", "-v", "-f", "-i", &name]);
    service.add_cmdline("Service", "ExecStop", &stop.0);
    stop.0[0] = format!("-{}", stop.0[0]);
    service.add_cmdline("Service", "ExecStopPost", &stop.0);
    add_reload(unit, service, &name, rpod, warnings)?;

    let mut cmd = Cmdline::base(unit, G, rpod);
    cmd.add(&["run", "--name", &name, "--replace", "--rm"]);
    if let Some(driver) = unit.lookup(G, "LogDriver") {
        cmd.add(&["--log-driver", &driver]);
    }
    for opt in unit.lookup_all_strv(G, "LogOpt") {
        cmd.add(&["--log-opt", &opt]);
    }
    service.add("Service", "Delegate", "yes");
    match unit.lookup_nonempty(G, "CgroupsMode") {
        Some(mode) => cmd.add(&["--cgroups", &mode]),
        None => cmd.add(&["--cgroups=split"]),
    }
    if let Some(entrypoint) = unit.lookup(G, "Entrypoint") {
        cmd.add(&[&format!("--entrypoint={entrypoint}")]);
    }
    cmd.add_strings(
        unit,
        G,
        &[
            ("Timezone", "--tz"),
            ("PidsLimit", "--pids-limit"),
            ("ShmSize", "--shm-size"),
            ("WorkingDir", "--workdir"),
            ("IP", "--ip"),
            ("IP6", "--ip6"),
            ("HostName", "--hostname"),
            ("StopSignal", "--stop-signal"),
            ("StopTimeout", "--stop-timeout"),
            ("Pull", "--pull"),
            ("Memory", "--memory"),
            ("Retry", "--retry"),
            ("RetryDelay", "--retry-delay"),
        ],
    );
    cmd.add_all_strings(
        unit,
        G,
        &[
            ("NetworkAlias", "--network-alias"),
            ("Ulimit", "--ulimit"),
            ("DNS", "--dns"),
            ("DNSOption", "--dns-option"),
            ("DNSSearch", "--dns-search"),
            ("GroupAdd", "--group-add"),
            ("AddHost", "--add-host"),
            ("Tmpfs", "--tmpfs"),
        ],
    );
    cmd.add_bools(
        unit,
        G,
        &[
            ("RunInit", "--init"),
            ("EnvironmentHost", "--env-host"),
            ("HttpProxy", "--http-proxy"),
            ("ReadOnlyTmpfs", "--read-only-tmpfs"),
        ],
    );
    add_networks(unit, G, service, units, &mut cmd)?;

    let service_type = service.lookup("Service", "Type");
    if let Some(t) = service_type.as_deref().filter(|t| *t != "notify" && *t != "oneshot") {
        return Err(ConvertError::ServiceType(t.to_string()));
    }
    if service_type.as_deref() != Some("oneshot") {
        let notify = unit.lookup(G, "Notify");
        if notify.as_deref().is_some_and(|n| n.eq_ignore_ascii_case("healthy")) {
            cmd.add(&["--sdnotify=healthy"]);
        } else if unit.lookup_bool(G, "Notify").unwrap_or(false) {
            cmd.add(&["--sdnotify=container"]);
        } else {
            cmd.add(&["--sdnotify=conmon"]);
        }
        service.set("Service", "Type", "notify");
        service.set("Service", "NotifyAccess", "all");
        cmd.add(&["-d"]);
    }
    if !unit.has_key("Service", "SyslogIdentifier") {
        service.set("Service", "SyslogIdentifier", "%N");
    }
    add_security(unit, &mut cmd);
    let read_only = unit.lookup_bool(G, "ReadOnly");
    if let Some(ro) = read_only {
        cmd.add_bool("--read-only", ro);
    }
    if unit.lookup_bool(G, "VolatileTmp").unwrap_or(false) && !read_only.unwrap_or(false) {
        cmd.add(&["--tmpfs", "/tmp:rw,size=512M,mode=1777"]);
    }
    add_user(unit, &mut cmd)?;
    super::userns::add_user_mappings(unit, G, &mut cmd)?;
    add_volumes(unit, G, service, units, &mut cmd)?;
    if let Some(policy) = &auto_update {
        cmd.add(&["--label", &format!("io.containers.autoupdate={policy}")]);
    }
    for port in unit.lookup_all(G, "ExposeHostPort") {
        let port = port.trim();
        if !is_port_range(port) {
            return Err(ConvertError::PortFormat(port.to_string()));
        }
        cmd.add(&["--expose", port]);
    }
    for port in unit.lookup_all(G, "PublishPort") {
        cmd.add(&["--publish", &port]);
    }
    cmd.add_key_vals("--env", unit, G, "Environment", warnings);
    cmd.add_key_vals("--label", unit, G, "Label", warnings);
    cmd.add_key_vals("--annotation", unit, G, "Annotation", warnings);
    for mask in unit.lookup_all_args(G, "Mask") {
        cmd.add(&["--security-opt", &format!("mask={mask}")]);
    }
    for unmask in unit.lookup_all_args(G, "Unmask") {
        cmd.add(&["--security-opt", &format!("unmask={unmask}")]);
    }
    for file in unit.lookup_all_args(G, "EnvironmentFile") {
        cmd.add(&["--env-file", &absolute_path(unit, &file)]);
    }
    for secret in unit.lookup_all_args(G, "Secret") {
        cmd.add(&["--secret", &secret]);
    }
    for mount in unit.lookup_all_args(G, "Mount") {
        let value = mount_value(unit, service, &mount, units)?;
        cmd.add(&["--mount", &value]);
    }
    add_health(unit, &mut cmd);
    add_pod(unit, service, units, &mut cmd)?;
    cmd.0.extend(unit.lookup_all_args(G, "PodmanArgs"));
    if rootfs.is_empty() {
        cmd.add(&[&image]);
    } else {
        cmd.add(&["--rootfs", &rootfs]);
    }
    match unit.lookup_last_args(G, "Exec") {
        Ok(Some(args)) => cmd.0.extend(args),
        Ok(None) => {}
        Err(e) => warnings.push(e.to_string()),
    }
    service.add_cmdline("Service", "ExecStart", &cmd.0);
    Ok(())
}

/// `ExecReload=`: `rpod exec NAME CMD…` for `ReloadCmd=`, `rpod kill --signal SIG NAME` for
/// `ReloadSignal=`.
fn add_reload(
    unit: &UnitFile,
    service: &mut UnitFile,
    name: &str,
    rpod: &str,
    warnings: &mut Vec<String>,
) -> Result<(), ConvertError> {
    let signal = unit.lookup_nonempty(G, "ReloadSignal");
    let command = match unit.lookup_last_args(G, "ReloadCmd") {
        Ok(args) => args.filter(|a| !a.is_empty()),
        Err(e) => {
            warnings.push(e.to_string());
            None
        }
    };
    let mut reload = Cmdline::base(unit, G, rpod);
    match (command, signal) {
        (None, None) => return Ok(()),
        (Some(_), Some(_)) => return Err(ConvertError::ReloadBoth),
        (Some(args), None) => {
            reload.add(&["exec", name]);
            reload.0.extend(args);
        }
        (None, Some(signal)) => reload.add(&["kill", "--signal", &signal, name]),
    }
    service.add_cmdline("Service", "ExecReload", &reload.0);
    Ok(())
}

/// `--security-opt …`, `--device`, `--cap-drop`/`--cap-add`, `--sysctl`.
fn add_security(unit: &UnitFile, cmd: &mut Cmdline) {
    if unit.lookup_bool(G, "NoNewPrivileges").unwrap_or(false) {
        cmd.add(&["--security-opt=no-new-privileges"]);
    }
    if unit.lookup_bool(G, "SecurityLabelDisable").unwrap_or(false) {
        cmd.add(&["--security-opt", "label=disable"]);
    }
    if unit.lookup_bool(G, "SecurityLabelNested").unwrap_or(false) {
        cmd.add(&["--security-opt", "label=nested"]);
    }
    for (key, prefix) in [
        ("SecurityLabelType", "label=type:"),
        ("SecurityLabelFileType", "label=filetype:"),
        ("SecurityLabelLevel", "label=level:"),
        ("AppArmor", "apparmor="),
    ] {
        if let Some(v) = unit.lookup_nonempty(G, key) {
            cmd.add(&["--security-opt", &format!("{prefix}{v}")]);
        }
    }
    for device in unit.lookup_all_strv(G, "AddDevice") {
        // A leading '-' makes the device optional: left out when the host has none.
        let device = match device.strip_prefix('-') {
            Some(optional) => {
                let host = optional.split(':').next().unwrap_or_default();
                if !std::path::Path::new(host).exists() {
                    continue;
                }
                optional.to_string()
            }
            None => device,
        };
        cmd.add(&["--device", &device]);
    }
    if let Some(profile) = unit.lookup(G, "SeccompProfile") {
        cmd.add(&["--security-opt", &format!("seccomp={profile}")]);
    }
    for cap in unit.lookup_all_strv(G, "DropCapability") {
        cmd.add(&["--cap-drop", &cap.to_lowercase()]);
    }
    for cap in unit.lookup_all_strv(G, "AddCapability") {
        cmd.add(&["--cap-add", &cap.to_lowercase()]);
    }
    for sysctl in unit.lookup_all_strv(G, "Sysctl") {
        cmd.add(&["--sysctl", &sysctl]);
    }
}

/// `--user USER[:GROUP]`; a `Group=` without `User=` is refused.
fn add_user(unit: &UnitFile, cmd: &mut Cmdline) -> Result<(), ConvertError> {
    match (unit.lookup_nonempty(G, "User"), unit.lookup_nonempty(G, "Group")) {
        (None, Some(_)) => Err(ConvertError::GroupWithoutUser),
        (None, None) => Ok(()),
        (Some(user), None) => {
            cmd.add(&["--user", &user]);
            Ok(())
        }
        (Some(user), Some(group)) => {
            cmd.add(&["--user", &format!("{user}:{group}")]);
            Ok(())
        }
    }
}

/// `--health-…` for each `Health…=` key set, in Podman's order.
fn add_health(unit: &UnitFile, cmd: &mut Cmdline) {
    const KEYS: [(&str, &str); 14] = [
        ("HealthCmd", "--health-cmd"),
        ("HealthInterval", "--health-interval"),
        ("HealthOnFailure", "--health-on-failure"),
        ("HealthLogDestination", "--health-log-destination"),
        ("HealthMaxLogCount", "--health-max-log-count"),
        ("HealthMaxLogSize", "--health-max-log-size"),
        ("HealthRetries", "--health-retries"),
        ("HealthStartPeriod", "--health-start-period"),
        ("HealthTimeout", "--health-timeout"),
        ("HealthStartupCmd", "--health-startup-cmd"),
        ("HealthStartupInterval", "--health-startup-interval"),
        ("HealthStartupRetries", "--health-startup-retries"),
        ("HealthStartupSuccess", "--health-startup-success"),
        ("HealthStartupTimeout", "--health-startup-timeout"),
    ];
    cmd.add_strings(unit, G, &KEYS);
}

/// `Pod=NAME.pod`: `--pod` and a `BindsTo=` on the pod's service. rpod does not convert `.pod`
/// files, so such a unit can only start if the pod's service exists some other way.
fn add_pod(unit: &UnitFile, service: &mut UnitFile, units: &Units, cmd: &mut Cmdline) -> Result<(), ConvertError> {
    let Some(pod) = unit.lookup_nonempty(G, "Pod") else { return Ok(()) };
    if !pod.ends_with(".pod") {
        return Err(ConvertError::PodNotQuadlet(pod));
    }
    let info = units.get(&pod).ok_or_else(|| ConvertError::PodNotFound(pod.clone()))?;
    cmd.add(&["--pod", &info.resource_name]);
    service.add("Unit", "BindsTo", &info.service_file_name());
    service.add("Unit", "After", &info.service_file_name());
    Ok(())
}

/// Podman's check, `\d+(-\d+)?(/udp|/tcp)?$` unanchored at the start: the value ends in a
/// digit, optionally followed by `/tcp` or `/udp`.
fn is_port_range(port: &str) -> bool {
    let body = port.strip_suffix("/udp").or_else(|| port.strip_suffix("/tcp")).unwrap_or(port);
    body.ends_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        for ok in ["80", "80-90", "80/udp", "1000-2000/tcp", "x80"] {
            assert!(is_port_range(ok), "{ok}");
        }
        for bad in ["", "abc", "80/sctp", "80-", "80-/udp"] {
            assert!(!is_port_range(bad), "{bad}");
        }
    }
}
