//! IP subnets in CIDR notation (`10.89.0.0/24`), as Go's `net.IPNet` reads and prints them in
//! Podman's network files.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A subnet: an address and a prefix length. Parsing keeps the address as written (Go's
/// `ParseCIDR` does, in Podman's types); [`IpNet::network`] gives the subnet's own address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// Text that is not `ADDRESS/PREFIX`; Go's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CIDR address: {0}")]
pub struct CidrError(pub String);

impl IpNet {
    /// The subnet of `addr` with `prefix` leading one bits, or `None` when the prefix is longer
    /// than the address.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<IpNet> {
        (prefix <= max_prefix(addr)).then_some(IpNet { addr, prefix })
    }

    /// The address as written.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether this is an IPv6 subnet.
    pub fn is_ipv6(&self) -> bool {
        self.addr.is_ipv6()
    }

    /// The subnet with its host bits cleared (`10.89.0.5/24` → `10.89.0.0/24`).
    pub fn network(&self) -> IpNet {
        IpNet { addr: from_bits(self.addr, to_bits(self.addr) & self.mask()), prefix: self.prefix }
    }

    /// Whether `ip` lies in this subnet (always false across address families).
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv6() == self.addr.is_ipv6() && to_bits(ip) & self.mask() == to_bits(self.addr) & self.mask()
    }

    /// Whether the two subnets share an address (one contains the other's network address).
    pub fn intersects(&self, other: &IpNet) -> bool {
        self.contains(other.network().addr) || other.contains(self.network().addr)
    }

    /// The subnet's first address after its network address: the gateway Podman picks.
    pub fn first_host(&self) -> Option<IpAddr> {
        self.nth_address(1)
    }

    /// The subnet's last address (for IPv4 the broadcast address), where Podman ends a
    /// `--ip-range` given as a CIDR.
    pub fn last_address(&self) -> Option<IpAddr> {
        let host_bits = u32::from(max_prefix(self.addr) - self.prefix);
        self.nth_address(1u128.checked_shl(host_bits).map_or(u128::MAX, |size| size - 1))
    }

    /// The last address a container may get: for IPv4 the one before the broadcast address.
    pub fn last_host(&self) -> Option<IpAddr> {
        let host_bits = max_prefix(self.addr) - self.prefix;
        let size: u128 = if host_bits >= 128 { u128::MAX } else { (1u128 << host_bits) - 1 };
        let last = if self.addr.is_ipv4() { size.checked_sub(1)? } else { size };
        self.nth_address(last)
    }

    /// The `n`th address of the subnet (0 is the network address), if it lies inside.
    pub fn nth_address(&self, n: u128) -> Option<IpAddr> {
        let base = to_bits(self.network().addr);
        let ip = from_bits(self.addr, base.checked_add(n)?);
        self.contains(ip).then_some(ip)
    }

    /// How far `ip` lies from the subnet's network address.
    pub fn offset_of(&self, ip: IpAddr) -> Option<u128> {
        self.contains(ip).then(|| to_bits(ip) - to_bits(self.network().addr))
    }

    /// The next subnet of the same size (`10.89.0.0/24` → `10.89.1.0/24`), `None` past the end
    /// of the address space.
    pub fn next(&self) -> Option<IpNet> {
        let host_bits = u32::from(max_prefix(self.addr) - self.prefix);
        let step = 1u128.checked_shl(host_bits)?;
        let next = to_bits(self.network().addr).checked_add(step)?;
        if self.addr.is_ipv4() && next > u128::from(u32::MAX) {
            return None;
        }
        Some(IpNet { addr: from_bits(self.addr, next), prefix: self.prefix })
    }

    fn mask(&self) -> u128 {
        let bits = u32::from(max_prefix(self.addr));
        let host_bits = bits - u32::from(self.prefix);
        let all = if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 };
        all & !(1u128.checked_shl(host_bits).map_or(u128::MAX, |b| b - 1))
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    if addr.is_ipv4() {
        32
    } else {
        128
    }
}

fn to_bits(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// An address of `like`'s family from its bits (IPv4 keeps the low 32).
fn from_bits(like: IpAddr, bits: u128) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(bits as u32)),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(bits)),
    }
}

impl FromStr for IpNet {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<IpNet, CidrError> {
        let bad = || CidrError(text.to_string());
        let (addr, prefix) = text.split_once('/').ok_or_else(bad)?;
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        if prefix.is_empty() || prefix.len() > 3 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        IpNet::new(addr, prefix).ok_or_else(bad)
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Serialize for IpNet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpNet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<IpNet, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> IpNet {
        text.parse().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn parses_and_prints_as_go() {
        assert_eq!(net("10.89.0.5/24").to_string(), "10.89.0.5/24");
        assert_eq!(net("10.89.0.5/24").network().to_string(), "10.89.0.0/24");
        assert_eq!(net("fd00:1::5/64").network().to_string(), "fd00:1::/64");
        for bad in ["10.0.0.0", "10.0.0.0/33", "10.0.0/8", "x/8", "10.0.0.0/-1", "10.0.0.0/+8", "::/129"] {
            assert_eq!(bad.parse::<IpNet>(), Err(CidrError(bad.to_string())), "{bad}");
        }
    }

    #[test]
    fn containment_and_intersection() {
        assert!(net("10.88.0.0/16").contains(ip("10.88.255.254")));
        assert!(!net("10.88.0.0/16").contains(ip("10.89.0.1")));
        assert!(!net("0.0.0.0/0").contains(ip("::1")), "families never mix");
        assert!(net("0.0.0.0/0").contains(ip("192.168.1.1")));
        assert!(net("10.0.0.0/8").intersects(&net("10.89.3.0/24")));
        assert!(net("10.89.3.0/24").intersects(&net("10.0.0.0/8")));
        assert!(!net("10.89.3.0/24").intersects(&net("10.89.4.0/24")));
    }

    #[test]
    fn hosts_and_next_subnets() {
        assert_eq!(net("10.89.0.0/24").first_host(), Some(ip("10.89.0.1")));
        assert_eq!(net("10.89.0.0/24").last_host(), Some(ip("10.89.0.254")));
        assert_eq!(net("fd00::/64").last_host(), Some(ip("fd00::ffff:ffff:ffff:ffff")));
        assert_eq!(net("10.89.0.0/24").nth_address(256), None);
        assert_eq!(net("10.89.0.0/30").last_address(), Some(ip("10.89.0.3")));
        assert_eq!(net("::/0").last_address(), Some(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert_eq!(net("10.89.0.0/24").offset_of(ip("10.89.0.9")), Some(9));
        assert_eq!(net("10.89.0.0/24").next(), Some(net("10.89.1.0/24")));
        assert_eq!(net("10.89.255.0/24").next(), Some(net("10.90.0.0/24")));
        assert_eq!(net("255.255.255.0/24").next(), None);
        assert_eq!(net("0.0.0.0/0").next(), None);
    }
}
