//! Why a network could not be found, created, removed or given an address, in Podman 5's words.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::IpNet;

/// A network operation's failure.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A `network create` flag refused before any network is looked at.
    #[error(transparent)]
    Flag(#[from] crate::flags::CreateFlagError),
    #[error("network name {0} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument")]
    InvalidName(String),
    #[error("bridge name {0} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument")]
    InvalidBridgeName(String),
    #[error("unable to find network with name or ID {0}: network not found")]
    NotFound(String),
    #[error("more than one result for network ID {0}")]
    Ambiguous(String),
    #[error("network name {0} already used: network already exists")]
    Exists(String),
    #[error("default network {0} cannot be removed")]
    RemoveDefault(String),
    #[error("unsupported driver {0}: invalid argument")]
    UnsupportedDriver(String),
    #[error("unsupported bridge network option {0}")]
    UnsupportedOption(String),
    /// An option value that does not parse (`mtu=x`, `vlan=5000`, `isolate=maybe`), with Go's
    /// or Podman's text for it.
    #[error("{0}")]
    InvalidOptionValue(String),
    #[error("unsupported ipam driver {0:?}")]
    UnsupportedIpamDriver(String),
    #[error("none ipam driver is set but subnets are given")]
    IpamNoneWithSubnets,
    #[error("dhcp ipam driver is not yet supported with netavark")]
    DhcpUnsupported,
    #[error("could not find free device name, to many iterations")]
    NoFreeBridgeName,
    #[error("bridge name {0} already in use")]
    BridgeInUse(String),
    #[error("subnet {0} is already used on the host or by another config")]
    SubnetInUse(IpNet),
    #[error("gateway {gateway} not in subnet {subnet}")]
    GatewayOutsideSubnet { gateway: IpAddr, subnet: IpNet },
    #[error("lease range {end} ip {ip} not in subnet {subnet}")]
    LeaseOutsideSubnet { end: &'static str, ip: IpAddr, subnet: IpNet },
    #[error("could not find free subnet from subnet pools")]
    NoFreeSubnet,
    #[error("failed to get random ipv6 subnet")]
    NoFreeIpv6Subnet,
    #[error("invalid subnet pool {0:?} in containers.conf")]
    InvalidSubnetPool(String),
    #[error("invalid default_subnet {0:?} in containers.conf")]
    InvalidDefaultSubnet(String),
    /// `--ip` names an address outside every subnet of the network.
    #[error("requested static ip {ip} not in any subnet on network {network}")]
    StaticIpOutsideNetwork { ip: IpAddr, network: String },
    /// `--ip` names an address another container holds.
    #[error("requested ip address {ip} is already allocated to container ID {container}")]
    AddressInUse { ip: IpAddr, container: String },
    /// Every address of the network's subnets (or lease range) is taken.
    #[error("IPAM error: failed to find free IP in range: {0}")]
    NetworkFull(IpNet),
    /// Reading or writing a file in the network config directory.
    #[error("{action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing a network definition as JSON.
    #[error("encoding network {name}")]
    Encode {
        name: String,
        #[source]
        source: serde_json::Error,
    },
    /// Asking the kernel for the host's interfaces.
    #[error("listing the host's network interfaces")]
    HostInterfaces(#[source] std::io::Error),
}
