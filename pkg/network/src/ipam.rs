//! Container addresses on a network (Podman's `host-local` IPAM, done before netavark runs):
//! one address per subnet, the lowest free one in the subnet's lease range, or the addresses
//! the container asked for with `--ip`, checked.
//!
//! Pure: the caller passes the addresses other containers hold (the state store records them)
//! and records the answer in the same transaction, so two containers never get one address.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::{IpNet, Network, NetworkError, Subnet};

/// One address given to a container on one subnet of a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    /// The container's address, with the subnet's prefix (`10.89.0.2/24`).
    pub address: IpNet,
    /// The subnet's gateway, the container's default route.
    pub gateway: Option<IpAddr>,
}

/// The addresses a container gets on `network`. `held` maps each address other containers
/// hold on this network to the holder's ID; `requested` are the container's `--ip` and
/// `--ip6` addresses (Podman's static IPs), each of which must lie in a subnet and be free.
/// Subnets without a requested address of their family get the lowest free one.
pub fn allocate(
    network: &Network,
    held: &BTreeMap<IpAddr, String>,
    requested: &[IpAddr],
) -> Result<Vec<Assignment>, NetworkError> {
    let mut assignments = Vec::new();
    for &ip in requested {
        let subnet = network
            .subnets
            .iter()
            .find(|s| s.subnet.contains(ip))
            .ok_or_else(|| NetworkError::StaticIpOutsideNetwork { ip, network: network.name.to_string() })?;
        if let Some(container) = held.get(&ip) {
            return Err(NetworkError::AddressInUse { ip, container: container.clone() });
        }
        assignments.push(assignment(subnet, ip));
    }
    for subnet in &network.subnets {
        let family_requested = requested.iter().any(|ip| ip.is_ipv6() == subnet.subnet.is_ipv6());
        if !family_requested {
            let ip = lowest_free(subnet, held).ok_or(NetworkError::NetworkFull(subnet.subnet))?;
            assignments.push(assignment(subnet, ip));
        }
    }
    Ok(assignments)
}

fn assignment(subnet: &Subnet, ip: IpAddr) -> Assignment {
    let address = IpNet::new(ip, subnet.subnet.prefix()).expect("the address lies in the subnet");
    Assignment { address, gateway: subnet.gateway }
}

/// The lowest address of the subnet's lease range (its hosts when no range is set) that is
/// neither the gateway nor held.
fn lowest_free(subnet: &Subnet, held: &BTreeMap<IpAddr, String>) -> Option<IpAddr> {
    let net = subnet.subnet.network();
    let range = subnet.lease_range.as_ref();
    let first = range.and_then(|r| r.start_ip).or_else(|| net.first_host())?;
    let last = range.and_then(|r| r.end_ip).or_else(|| net.last_host())?;
    let (start, end) = (net.offset_of(first)?, net.offset_of(last)?.min(net.offset_of(net.last_host()?)?));
    // A lease range is small or the network mostly empty: walking stops at the first gap.
    (start.max(1)..=end)
        .filter_map(|n| net.nth_address(n))
        .find(|ip| Some(*ip) != subnet.gateway && !held.contains_key(ip))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LeaseRange;

    fn network(subnets: Vec<Subnet>) -> Network {
        let mut network = crate::testing::network("n1");
        network.subnets = subnets;
        network
    }

    fn subnet(cidr: &str, gateway: Option<&str>) -> Subnet {
        Subnet { subnet: cidr.parse().unwrap(), gateway: gateway.map(|g| g.parse().unwrap()), lease_range: None }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn held(ips: &[&str]) -> BTreeMap<IpAddr, String> {
        ips.iter().map(|i| (ip(i), format!("ctr-{i}"))).collect()
    }

    #[test]
    fn lowest_free_address_after_the_gateway() {
        let net = network(vec![subnet("10.89.0.0/24", Some("10.89.0.1"))]);
        let got = allocate(&net, &held(&[]), &[]).unwrap();
        assert_eq!(got, [Assignment { address: "10.89.0.2/24".parse().unwrap(), gateway: Some(ip("10.89.0.1")) }]);
        let got = allocate(&net, &held(&["10.89.0.2", "10.89.0.4"]), &[]).unwrap();
        assert_eq!(got[0].address.to_string(), "10.89.0.3/24");
    }

    #[test]
    fn lease_range_bounds_and_full_network() {
        let mut s = subnet("10.89.0.0/24", Some("10.89.0.1"));
        s.lease_range = Some(LeaseRange { start_ip: Some(ip("10.89.0.100")), end_ip: Some(ip("10.89.0.101")) });
        let net = network(vec![s]);
        assert_eq!(allocate(&net, &held(&["10.89.0.100"]), &[]).unwrap()[0].address.to_string(), "10.89.0.101/24");
        let err = allocate(&net, &held(&["10.89.0.100", "10.89.0.101"]), &[]).unwrap_err();
        assert_eq!(err.to_string(), "IPAM error: failed to find free IP in range: 10.89.0.0/24");
        let tiny = network(vec![subnet("10.89.0.0/30", Some("10.89.0.1"))]);
        assert_eq!(allocate(&tiny, &held(&[]), &[]).unwrap()[0].address.to_string(), "10.89.0.2/30");
        assert!(allocate(&tiny, &held(&["10.89.0.2"]), &[]).is_err(), ".3 is the broadcast address");
    }

    #[test]
    fn requested_addresses_are_checked() {
        let net = network(vec![subnet("10.89.0.0/24", Some("10.89.0.1")), subnet("fd00::/64", Some("fd00::1"))]);
        let got = allocate(&net, &held(&[]), &[ip("10.89.0.50")]).unwrap();
        assert_eq!(got[0].address.to_string(), "10.89.0.50/24");
        assert_eq!(got[1].address.to_string(), "fd00::2/64", "the IPv6 subnet still gets an address");
        assert_eq!(
            allocate(&net, &held(&[]), &[ip("10.1.0.5")]).unwrap_err().to_string(),
            "requested static ip 10.1.0.5 not in any subnet on network n1"
        );
        assert_eq!(
            allocate(&net, &held(&["10.89.0.50"]), &[ip("10.89.0.50")]).unwrap_err().to_string(),
            "requested ip address 10.89.0.50 is already allocated to container ID ctr-10.89.0.50"
        );
    }
}
