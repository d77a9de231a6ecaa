//! What `network create` asks the host: the interfaces that exist and the subnets their
//! addresses are in, so a new bridge gets a free name and a subnet no interface uses (Podman
//! 4.3.1 checks interface addresses, not routes).

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::{IpNet, NetworkError};

/// The host's interfaces, as `network create` needs them.
pub trait HostInterfaces {
    /// The names of every interface in rpod's network namespace.
    fn names(&self) -> Result<BTreeSet<String>, NetworkError>;
    /// The subnets of every address on those interfaces (`192.168.1.7/24` → `192.168.1.0/24`).
    fn subnets(&self) -> Result<Vec<IpNet>, NetworkError>;
}

/// The kernel's view, through `getifaddrs(3)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct KernelInterfaces;

impl KernelInterfaces {
    fn addresses() -> Result<nix::ifaddrs::InterfaceAddressIterator, NetworkError> {
        nix::ifaddrs::getifaddrs().map_err(|errno| NetworkError::HostInterfaces(errno.into()))
    }
}

impl HostInterfaces for KernelInterfaces {
    fn names(&self) -> Result<BTreeSet<String>, NetworkError> {
        Ok(KernelInterfaces::addresses()?.map(|a| a.interface_name).collect())
    }

    fn subnets(&self) -> Result<Vec<IpNet>, NetworkError> {
        let mut subnets = Vec::new();
        for entry in KernelInterfaces::addresses()? {
            let (Some(address), Some(netmask)) = (entry.address, entry.netmask) else { continue };
            let (ip, mask): (IpAddr, IpAddr) =
                if let (Some(a), Some(m)) = (address.as_sockaddr_in(), netmask.as_sockaddr_in()) {
                    (a.ip().into(), m.ip().into())
                } else if let (Some(a), Some(m)) = (address.as_sockaddr_in6(), netmask.as_sockaddr_in6()) {
                    (a.ip().into(), m.ip().into())
                } else {
                    continue;
                };
            let prefix = match mask {
                IpAddr::V4(m) => u32::from(m).count_ones(),
                IpAddr::V6(m) => u128::from(m).count_ones(),
            };
            subnets.extend(IpNet::new(ip, prefix as u8).map(|n| n.network()));
        }
        Ok(subnets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_lists_loopback_and_subnets_by_their_network_address() {
        let host = KernelInterfaces;
        assert!(host.names().unwrap().contains("lo"), "every namespace has lo");
        // lo has 127.0.0.1/8 only once up, so the addresses are not pinned down here.
        assert!(host.subnets().unwrap().iter().all(|s| s.network() == *s));
    }
}
