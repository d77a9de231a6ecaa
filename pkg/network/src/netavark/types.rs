//! The documents netavark 1.4 reads and writes, with its JSON keys.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::ports::PortMapping;
use crate::{IpNet, Network};

/// What `netavark setup` and `teardown` read on stdin for one container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetavarkOptions {
    pub container_id: String,
    pub container_name: String,
    /// Published ports, for every network of the container.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub port_mappings: Vec<PortMapping>,
    /// The container's settings on each network it joins, by network name.
    pub networks: BTreeMap<String, PerNetworkOptions>,
    /// The definition of each of those networks.
    pub network_info: BTreeMap<String, Network>,
}

/// A container's settings on one network, with Podman's keys (`newNetworks` of a container's
/// config holds the same record).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PerNetworkOptions {
    /// Other names the container answers to on the network (`--network-alias`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The interface inside the container: `eth0`, `eth1`, … in the order the networks were given.
    pub interface_name: String,
    /// `--ip`, or the addresses allocated for the container; netavark assigns exactly these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub static_ips: Vec<IpAddr>,
    /// `--mac-address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_mac: Option<String>,
}

/// What `netavark setup` answers for one network.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusBlock {
    /// The container's interfaces on the network, by name inside the container.
    #[serde(default)]
    pub interfaces: BTreeMap<String, NetInterface>,
    /// aardvark-dns's addresses, for networks with DNS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_server_ips: Vec<IpAddr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_search_domains: Vec<String>,
}

impl StatusBlock {
    /// The container's addresses on the network (each with its subnet's gateway), over all
    /// its interfaces there.
    pub fn subnets(&self) -> impl Iterator<Item = &NetAddress> {
        self.interfaces.values().flat_map(|i| &i.subnets)
    }
}

/// One interface of the container.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NetInterface {
    pub mac_address: String,
    #[serde(default)]
    pub subnets: Vec<NetAddress>,
}

/// An address of the container (with its prefix) and the gateway of that subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetAddress {
    pub ipnet: IpNet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<IpAddr>,
}
