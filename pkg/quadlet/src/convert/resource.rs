//! `.volume` → `NAME-volume.service` and `.network` → `NAME-network.service`: oneshot units
//! that run `rpod volume create --ignore …` / `rpod network create --ignore …` once and stay
//! active, so containers can `Requires=` them.

use super::sources::image_source;
use super::{oneshot_defaults, resource_name, Cmdline, ConvertError, Generation, UnitKind, Units};
use crate::unitfile::UnitFile;

/// Fills `service` for a `.volume` or `.network` file; returns the resource's name.
pub fn convert(
    unit: &UnitFile,
    kind: UnitKind,
    service: &mut UnitFile,
    units: &Units,
    generation: &Generation,
    warnings: &mut Vec<String>,
) -> Result<String, ConvertError> {
    let name = match kind {
        UnitKind::Volume => volume(unit, service, units, &generation.rpod, warnings)?,
        _ => network(unit, service, &generation.rpod, warnings)?,
    };
    oneshot_defaults(service);
    Ok(name)
}

fn volume(
    unit: &UnitFile,
    service: &mut UnitFile,
    units: &Units,
    rpod: &str,
    warnings: &mut Vec<String>,
) -> Result<String, ConvertError> {
    const G: &str = "Volume";
    warnings.extend(super::keys::not_yet_warnings(unit, G, "rpod volume create", super::keys::NOT_YET_VOLUME_CREATE));
    let name = resource_name(unit, G, "VolumeName");
    let mut cmd = Cmdline::base(unit, G, rpod);
    cmd.add(&["volume", "create", "--ignore"]);
    for (key, flag) in [("UID", "--uid"), ("GID", "--gid")] {
        if let Some(v) = unit.lookup(G, key) {
            cmd.add(&[flag, &v]);
        }
    }
    let driver = unit.lookup(G, "Driver");
    if let Some(d) = &driver {
        cmd.add(&["--driver", d]);
    }
    let mut opts: Vec<String> = Vec::new();
    let prefix;
    if driver.as_deref() == Some("image") {
        prefix = "image=";
        let image = unit.lookup(G, "Image").ok_or(ConvertError::ImageDriverWithoutImage)?;
        opts.push(image_source(&image, service, units)?);
    } else {
        prefix = "o=";
        for (key, option) in [("User", "uid"), ("Group", "gid")] {
            if unit.has_key(G, key) {
                let id = unit.lookup_int(G, key, 0);
                let id = if (0..=i64::from(u32::MAX)).contains(&id) { id } else { 0 };
                opts.push(format!("{option}={id}"));
            }
        }
        if let Some(copy) = unit.lookup_bool(G, "Copy") {
            cmd.add(&["--opt", if copy { "copy" } else { "nocopy" }]);
        }
        let device = unit.lookup_nonempty(G, "Device");
        if let Some(dev) = &device {
            cmd.add(&["--opt", &format!("device={dev}")]);
        }
        if let Some(fs_type) = unit.lookup_nonempty(G, "Type") {
            let dev = device.as_deref().ok_or(ConvertError::TypeWithoutDevice)?;
            cmd.add(&["--opt", &format!("type={fs_type}")]);
            if fs_type == "bind" {
                service.add_escaped("Unit", "RequiresMountsFor", dev);
            }
        }
        if let Some(mount_opts) = unit.lookup_nonempty(G, "Options") {
            opts.push(mount_opts);
        }
    }
    if !opts.is_empty() {
        cmd.add(&["--opt", &format!("{prefix}{}", opts.join(","))]);
    }
    cmd.add_key_vals("--label", unit, G, "Label", warnings);
    cmd.0.extend(unit.lookup_all_args(G, "PodmanArgs"));
    cmd.add(&[&name]);
    service.add_cmdline("Service", "ExecStart", &cmd.0);
    Ok(name)
}

fn network(
    unit: &UnitFile,
    service: &mut UnitFile,
    rpod: &str,
    warnings: &mut Vec<String>,
) -> Result<String, ConvertError> {
    const G: &str = "Network";
    let name = resource_name(unit, G, "NetworkName");
    if unit.lookup_bool(G, "NetworkDeleteOnStop").unwrap_or(false) {
        let mut rm = Cmdline::base(unit, G, rpod);
        rm.add(&["network", "rm", &name]);
        service.add_cmdline("Service", "ExecStopPost", &rm.0);
    }
    let mut cmd = Cmdline::base(unit, G, rpod);
    cmd.add(&["network", "create", "--ignore"]);
    cmd.add_bools(unit, G, &[("DisableDNS", "--disable-dns"), ("Internal", "--internal"), ("IPv6", "--ipv6")]);
    cmd.add_strings(
        unit,
        G,
        &[("Driver", "--driver"), ("IPAMDriver", "--ipam-driver"), ("InterfaceName", "--interface-name")],
    );
    cmd.add_all_strings(unit, G, &[("DNS", "--dns")]);
    let subnets = unit.lookup_all(G, "Subnet");
    let gateways = unit.lookup_all(G, "Gateway");
    let ranges = unit.lookup_all(G, "IPRange");
    if subnets.is_empty() && !(gateways.is_empty() && ranges.is_empty()) {
        return Err(ConvertError::GatewayWithoutSubnet);
    }
    if gateways.len() > subnets.len() {
        return Err(ConvertError::GatewaysOverSubnets);
    }
    if ranges.len() > subnets.len() {
        return Err(ConvertError::RangesOverSubnets);
    }
    for (i, subnet) in subnets.iter().enumerate() {
        cmd.add(&["--subnet", subnet]);
        if let Some(gw) = gateways.get(i) {
            cmd.add(&["--gateway", gw]);
        }
        if let Some(range) = ranges.get(i) {
            cmd.add(&["--ip-range", range]);
        }
    }
    cmd.add_key_vals("--opt", unit, G, "Options", warnings);
    cmd.add_key_vals("--label", unit, G, "Label", warnings);
    cmd.0.extend(unit.lookup_all_args(G, "PodmanArgs"));
    cmd.add(&[&name]);
    service.add_cmdline("Service", "ExecStart", &cmd.0);
    Ok(name)
}
