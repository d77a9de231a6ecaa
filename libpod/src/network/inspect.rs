//! `inspect`'s `NetworkSettings` and `HostConfig.PortBindings`, with Podman's keys: one entry
//! per network in `Networks` (addresses once running), the first network's also at the top
//! when the container is on exactly one, as Podman 4.3 prints a container on `podman`.

use std::collections::BTreeMap;

use network::ports::PortMapping;
use serde::Serialize;

use crate::store::Container;

/// `NetworkSettings`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectNetworkSettings {
    #[serde(rename = "EndpointID")]
    pub endpoint_id: String,
    #[serde(flatten)]
    pub basic: InspectBasicNetwork,
    pub bridge: String,
    #[serde(rename = "SandboxID")]
    pub sandbox_id: String,
    pub hairpin_mode: bool,
    #[serde(rename = "LinkLocalIPv6Address")]
    pub link_local_ipv6_address: String,
    #[serde(rename = "LinkLocalIPv6PrefixLen")]
    pub link_local_ipv6_prefix_len: u8,
    pub ports: BTreeMap<String, Option<Vec<InspectHostPort>>>,
    /// The namespace file while the container runs.
    pub sandbox_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub networks: Option<BTreeMap<String, InspectNetwork>>,
}

/// The per-network fields Podman also repeats at the top of `NetworkSettings`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectBasicNetwork {
    pub gateway: String,
    #[serde(rename = "IPAddress")]
    pub ip_address: String,
    #[serde(rename = "IPPrefixLen")]
    pub ip_prefix_len: u8,
    #[serde(rename = "IPv6Gateway")]
    pub ipv6_gateway: String,
    #[serde(rename = "GlobalIPv6Address")]
    pub global_ipv6_address: String,
    #[serde(rename = "GlobalIPv6PrefixLen")]
    pub global_ipv6_prefix_len: u8,
    pub mac_address: String,
}

/// One entry of `Networks`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectNetwork {
    #[serde(rename = "EndpointID")]
    pub endpoint_id: String,
    #[serde(flatten)]
    pub basic: InspectBasicNetwork,
    /// The network's name (Podman 4.3 prints the name here).
    #[serde(rename = "NetworkID")]
    pub network_id: String,
    pub driver_opts: Option<BTreeMap<String, String>>,
    #[serde(rename = "IPAMConfig")]
    pub ipam_config: Option<BTreeMap<String, String>>,
    pub links: Option<Vec<String>>,
    pub aliases: Vec<String>,
}

/// One host side of a published port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectHostPort {
    pub host_ip: String,
    pub host_port: String,
}

/// `NetworkSettings` of `container`.
pub fn network_settings(container: &Container) -> InspectNetworkSettings {
    let (config, state) = (&container.config, &container.state.network);
    let mut networks = BTreeMap::new();
    for (name, options) in &config.network.networks {
        let mut basic = InspectBasicNetwork { mac_address: String::new(), ..Default::default() };
        let interface = state.status.get(name).and_then(|b| b.interfaces.get(&options.interface_name));
        if let Some(interface) = interface {
            basic.mac_address = interface.mac_address.clone();
            for subnet in &interface.subnets {
                let gateway = subnet.gateway.map(|g| g.to_string()).unwrap_or_default();
                if subnet.ipnet.is_ipv6() {
                    basic.global_ipv6_address = subnet.ipnet.addr().to_string();
                    basic.global_ipv6_prefix_len = subnet.ipnet.prefix();
                    basic.ipv6_gateway = gateway;
                } else {
                    basic.ip_address = subnet.ipnet.addr().to_string();
                    basic.ip_prefix_len = subnet.ipnet.prefix();
                    basic.gateway = gateway;
                }
            }
        }
        let mut aliases = options.aliases.clone();
        if aliases.is_empty() {
            aliases.push(config.short_id().to_string());
        }
        let entry = InspectNetwork { basic, network_id: name.clone(), aliases, ..Default::default() };
        networks.insert(name.clone(), entry);
    }
    let basic = match networks.values().collect::<Vec<_>>()[..] {
        [only] => only.basic.clone(),
        _ => InspectBasicNetwork::default(),
    };
    InspectNetworkSettings {
        basic,
        ports: port_bindings(&config.network.port_mappings).into_iter().map(|(k, v)| (k, Some(v))).collect(),
        sandbox_key: state.netns.clone(),
        networks: (!networks.is_empty()).then_some(networks),
        ..Default::default()
    }
}

/// `HostConfig.PortBindings`: each container port (ranges expanded) with its host side, keyed
/// `PORT/PROTO`.
pub fn port_bindings(mappings: &[PortMapping]) -> BTreeMap<String, Vec<InspectHostPort>> {
    let mut bindings: BTreeMap<String, Vec<InspectHostPort>> = BTreeMap::new();
    for mapping in mappings {
        for protocol in mapping.protocols() {
            for offset in 0..mapping.range.max(1) {
                let host_port = (mapping.host_port + offset).to_string();
                bindings
                    .entry(format!("{}/{protocol}", mapping.container_port + offset))
                    .or_default()
                    .push(InspectHostPort { host_ip: mapping.host_ip.clone(), host_port });
            }
        }
    }
    bindings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_expanded_per_port_and_protocol() {
        let mappings: Vec<PortMapping> = vec!["127.0.0.1:8080-8081:80-81/tcp,udp".parse().unwrap()];
        let bindings = port_bindings(&mappings);
        assert_eq!(bindings.keys().collect::<Vec<_>>(), ["80/tcp", "80/udp", "81/tcp", "81/udp"]);
        assert_eq!(bindings["81/udp"], [InspectHostPort { host_ip: "127.0.0.1".into(), host_port: "8081".into() }]);
    }
}
