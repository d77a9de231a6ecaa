//! `network create`: Podman's rules for filling in a new network (name, bridge, subnet,
//! gateway, options), decided from the networks that exist and the host's interfaces, then
//! written under the directory's lock.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use rand::RngCore;

use crate::config_dir::{find, now};
use crate::host::HostInterfaces;
use crate::name::is_valid_name;
use crate::settings::SubnetPool;
use crate::types::{BRIDGE_DRIVER, HOST_LOCAL_IPAM};
use crate::{IpNet, Network, NetworkConfigDir, NetworkError, NetworkName, Route, Subnet};

/// The bridge names Podman picks from: `podman1`, `podman2`, …
const BRIDGE_PREFIX: &str = "podman";

/// What the user asked for; everything left out is chosen as Podman chooses it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CreateRequest {
    /// `None`: the next free `podmanN`, also used as the bridge's name.
    pub name: Option<NetworkName>,
    /// `-d/--driver`; only `bridge` is supported.
    pub driver: String,
    /// `--interface-name`: the bridge's name.
    pub interface_name: Option<String>,
    /// `--subnet` with its `--gateway` and `--ip-range`.
    pub subnets: Vec<Subnet>,
    pub routes: Vec<Route>,
    pub ipv6: bool,
    pub internal: bool,
    /// Not `--disable-dns`.
    pub dns_enabled: bool,
    /// `--dns`.
    pub dns_servers: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub options: BTreeMap<String, String>,
    /// `--ipam-driver`.
    pub ipam_driver: Option<String>,
    /// `--ignore`: an existing network of that name is the answer, unchanged.
    pub ignore_existing: bool,
}

impl NetworkConfigDir {
    /// Creates the network `request` describes and writes its file; with `ignore_existing`, an
    /// existing network of that name is returned instead.
    pub fn create(&self, request: CreateRequest, host: &dyn HostInterfaces) -> Result<Network, NetworkError> {
        let pools = self.settings().subnet_pools.clone();
        let mut existing_answer = None;
        let result = self.write_new(|networks| {
            if let Some(name) = &request.name {
                // Podman's check is its lookup: a name that is the start of exactly one
                // network's ID counts as used too.
                if let Ok(existing) = find(networks.to_vec(), name.as_str()) {
                    if request.ignore_existing {
                        existing_answer = Some(existing);
                    }
                    return Err(NetworkError::Exists(name.to_string()));
                }
            }
            plan(request, networks, host, &pools)
        });
        match (result, existing_answer) {
            (Err(NetworkError::Exists(_)), Some(existing)) => Ok(existing),
            (result, _) => result,
        }
    }
}

/// The complete network for `request`, given the `existing` networks (the default one
/// included), the host's interfaces and the subnet pools.
pub(crate) fn plan(
    request: CreateRequest,
    existing: &[Network],
    host: &dyn HostInterfaces,
    pools: &[SubnetPool],
) -> Result<Network, NetworkError> {
    let driver = if request.driver.is_empty() { BRIDGE_DRIVER.to_string() } else { request.driver };
    if driver != BRIDGE_DRIVER {
        return Err(NetworkError::UnsupportedDriver(driver));
    }
    let bridges: BTreeSet<&str> =
        existing.iter().filter(|n| n.driver == BRIDGE_DRIVER).map(|n| n.network_interface.as_str()).collect();
    let (name, chosen_name) = match request.name {
        Some(name) => (name, None),
        None => {
            let chosen = free_bridge_name(&bridges, &host.names()?)?;
            (NetworkName::parse(&chosen)?, Some(chosen))
        }
    };
    // A network whose name Podman chose gets a bridge of the same name.
    let network_interface = match request.interface_name.or(chosen_name) {
        Some(bridge) if bridges.contains(bridge.as_str()) => return Err(NetworkError::BridgeInUse(bridge)),
        Some(bridge) if !is_valid_name(&bridge) => return Err(NetworkError::InvalidBridgeName(bridge)),
        Some(bridge) => bridge,
        None => free_bridge_name(&bridges, &host.names()?)?,
    };
    let ipam_driver = request.ipam_driver.unwrap_or_default();
    let mut used: Vec<IpNet> = existing.iter().flat_map(|n| n.subnets.iter().map(|s| s.subnet.network())).collect();
    used.extend(host.subnets()?);

    let mut subnets = request.subnets;
    let mut ipam_options = BTreeMap::new();
    match ipam_driver.as_str() {
        "" | HOST_LOCAL_IPAM => {
            if subnets.is_empty() || (request.ipv6 && !subnets.iter().any(|s| !s.subnet.is_ipv6())) {
                subnets.push(unassigned(free_ipv4_subnet(&used, pools)?));
            }
            if request.ipv6 && !subnets.iter().any(|s| s.subnet.is_ipv6()) {
                subnets.push(unassigned(free_ipv6_subnet(&used)?));
            }
            ipam_options.insert("driver".to_string(), HOST_LOCAL_IPAM.to_string());
        }
        "none" if !subnets.is_empty() => return Err(NetworkError::IpamNoneWithSubnets),
        "none" => {
            ipam_options.insert("driver".to_string(), ipam_driver.clone());
        }
        "dhcp" => return Err(NetworkError::DhcpUnsupported),
        _ => return Err(NetworkError::UnsupportedIpamDriver(ipam_driver)),
    }
    let options = checked_options(request.options)?;
    let dns_enabled = request.dns_enabled && ipam_driver != "none";
    let add_gateway = !request.internal || dns_enabled;
    let subnets =
        subnets.into_iter().map(|s| completed_subnet(s, add_gateway, &used)).collect::<Result<Vec<_>, _>>()?;
    let ipv6_enabled = request.ipv6 || subnets.iter().any(|s| s.subnet.is_ipv6());
    Ok(Network {
        name,
        id: new_network_id(existing),
        driver,
        network_interface,
        created: now(),
        subnets,
        routes: request.routes,
        ipv6_enabled,
        internal: request.internal,
        dns_enabled,
        network_dns_servers: request.dns_servers,
        labels: request.labels,
        options,
        ipam_options,
    })
}

fn unassigned(subnet: IpNet) -> Subnet {
    Subnet { subnet, gateway: None, lease_range: None }
}

/// The first `podmanN` (N from 1) that no bridge of a network and no host interface uses.
fn free_bridge_name(bridges: &BTreeSet<&str>, host_names: &BTreeSet<String>) -> Result<String, NetworkError> {
    (1..1_000_000)
        .map(|n| format!("{BRIDGE_PREFIX}{n}"))
        .find(|name| !bridges.contains(name.as_str()) && !host_names.contains(name))
        .ok_or(NetworkError::NoFreeBridgeName)
}

/// The first subnet of the pools, in order, that meets none of `used`.
fn free_ipv4_subnet(used: &[IpNet], pools: &[SubnetPool]) -> Result<IpNet, NetworkError> {
    for pool in pools {
        let mut candidate = IpNet::new(pool.base.network().addr(), pool.size);
        while let Some(subnet) = candidate.filter(|c| pool.base.contains(c.addr())) {
            if !used.iter().any(|u| u.intersects(&subnet)) {
                return Ok(subnet);
            }
            candidate = subnet.next();
        }
    }
    Err(NetworkError::NoFreeSubnet)
}

/// A random unique-local `/64` (`fdXX:XXXX:XXXX:XXXX::/64`) that meets none of `used`.
fn free_ipv6_subnet(used: &[IpNet]) -> Result<IpNet, NetworkError> {
    for _ in 0..10_000 {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes[..8]);
        bytes[0] = 0xfd;
        let subnet = IpNet::new(IpAddr::from(bytes), 64).expect("64 fits an IPv6 address");
        if !used.iter().any(|u| u.intersects(&subnet)) {
            return Ok(subnet);
        }
    }
    Err(NetworkError::NoFreeIpv6Subnet)
}

/// The subnet as stored: its network address, checked against the subnets in use, with a
/// gateway (given, or the first address when `add_gateway`) and a lease range inside it.
fn completed_subnet(subnet: Subnet, add_gateway: bool, used: &[IpNet]) -> Result<Subnet, NetworkError> {
    let net = subnet.subnet.network();
    if used.iter().any(|u| u.intersects(&net)) {
        return Err(NetworkError::SubnetInUse(net));
    }
    let gateway = match subnet.gateway {
        Some(gateway) if !net.contains(gateway) => {
            return Err(NetworkError::GatewayOutsideSubnet { gateway, subnet: net })
        }
        Some(gateway) => Some(gateway),
        None if add_gateway => net.first_host(),
        None => None,
    };
    if let Some(range) = &subnet.lease_range {
        for (end, ip) in [("start", range.start_ip), ("end", range.end_ip)] {
            if let Some(ip) = ip.filter(|ip| !net.contains(*ip)) {
                return Err(NetworkError::LeaseOutsideSubnet { end, ip, subnet: net });
            }
        }
    }
    Ok(Subnet { subnet: net, gateway, lease_range: subnet.lease_range })
}

/// Validates the bridge options netavark 1.4 knows, normalising `isolate` to `true`/`false`
/// (netavark reads only those two words).
fn checked_options(mut options: BTreeMap<String, String>) -> Result<BTreeMap<String, String>, NetworkError> {
    for (key, value) in options.iter_mut() {
        match key.as_str() {
            "mtu" => {
                let mtu = go_atoi(value)?;
                if mtu < 0 {
                    return Err(NetworkError::InvalidOptionValue(format!("mtu {mtu} is less than zero")));
                }
            }
            "vlan" => {
                let vlan = go_atoi(value)?;
                if !(0..=4094).contains(&vlan) {
                    return Err(NetworkError::InvalidOptionValue(format!("vlan ID {vlan} must be between 0 and 4094")));
                }
            }
            "isolate" => *value = go_parse_bool(value)?.to_string(),
            _ => return Err(NetworkError::UnsupportedOption(key.clone())),
        }
    }
    Ok(options)
}

/// Go's `strconv.Atoi` for an option value; empty means the default (0).
fn go_atoi(text: &str) -> Result<i64, NetworkError> {
    if text.is_empty() {
        return Ok(0);
    }
    text.parse()
        .map_err(|_| NetworkError::InvalidOptionValue(format!("strconv.Atoi: parsing {text:?}: invalid syntax")))
}

/// Go's `strconv.ParseBool`.
fn go_parse_bool(text: &str) -> Result<bool, NetworkError> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(NetworkError::InvalidOptionValue(format!("strconv.ParseBool: parsing {text:?}: invalid syntax"))),
    }
}

/// 64 random hex digits no network has, whose first 12 are not all decimal digits (Podman's
/// rule for IDs, so a short ID is never read as a number).
fn new_network_id(existing: &[Network]) -> String {
    loop {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let numeric = id[..12].bytes().all(|b| b.is_ascii_digit());
        if !numeric && !existing.iter().any(|n| n.id == id) {
            return id;
        }
    }
}

#[cfg(test)]
#[path = "create_tests.rs"]
mod tests;
