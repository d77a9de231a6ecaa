//! A network definition exactly as Podman writes it to `/etc/containers/networks/NAME.json`
//! (Podman 4.3.1 with netavark, and Podman 5), so either tool reads the other's files.

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::{IpNet, NetworkName};

/// The only driver rpod creates networks with (Podman's default).
pub const BRIDGE_DRIVER: &str = "bridge";

/// The IPAM driver of bridge networks: netavark assigns the addresses Podman chose.
pub const HOST_LOCAL_IPAM: &str = "host-local";

/// One network. Keys, order and omissions are Podman's (`types.Network`): Go omits an empty
/// `network_interface`, `subnets`, `routes`, `network_dns_servers` and empty maps, and writes
/// maps with sorted keys, as `BTreeMap` does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub name: NetworkName,
    /// 64 hex digits.
    pub id: String,
    pub driver: String,
    /// The bridge's interface name on the host (`podman0`, `podman1`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub network_interface: String,
    /// Go's RFC 3339 time with nanoseconds and the creator's UTC offset.
    #[serde(with = "go_time", default = "go_time::zero")]
    pub created: DateTime<FixedOffset>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<Subnet>,
    /// Static routes (Podman 5 only); kept so a Podman 5 file survives being read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
    #[serde(default)]
    pub ipv6_enabled: bool,
    /// No route out of the network (no NAT, no gateway unless DNS needs one).
    #[serde(default)]
    pub internal: bool,
    /// aardvark-dns answers containers' names on this network.
    #[serde(default)]
    pub dns_enabled: bool,
    /// Upstream servers for aardvark-dns on this network (Podman 5 only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network_dns_servers: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Driver options (`mtu`, `vlan`, `isolate`, …), all as strings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// `driver`: `host-local` for bridges.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ipam_options: BTreeMap<String, String>,
}

/// One subnet of a network, with the gateway the bridge holds and the range containers'
/// addresses come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    pub subnet: IpNet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_range: Option<LeaseRange>,
}

/// The first and last address containers may be given (`--ip-range`); either end may be open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ip: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ip: Option<IpAddr>,
}

/// A static route of a network (Podman 5's `--route`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub destination: IpNet,
    pub gateway: IpAddr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<u32>,
}

impl Network {
    /// The first 12 digits of the ID, as `network ls` shows it.
    pub fn short_id(&self) -> &str {
        self.id.get(..12).unwrap_or(&self.id)
    }

    /// The IPAM driver (`host-local` when the file names none, as Podman assumes).
    pub fn ipam_driver(&self) -> &str {
        self.ipam_options.get("driver").map_or(HOST_LOCAL_IPAM, String::as_str)
    }
}

/// Go's `time.Time` JSON form: RFC 3339 with up to nine fraction digits, trailing zeros
/// dropped, and `Z` for UTC.
pub(crate) mod go_time {
    use chrono::{DateTime, FixedOffset, Timelike};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Go's zero time, what a file without `created` decodes to.
    pub fn zero() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("0001-01-01T00:00:00Z").expect("a valid constant")
    }

    /// The time as Go's `time.RFC3339Nano` prints it.
    pub fn format(time: &DateTime<FixedOffset>) -> String {
        let mut text = time.format("%Y-%m-%dT%H:%M:%S").to_string();
        let nanos = time.nanosecond() % 1_000_000_000;
        if nanos != 0 {
            let fraction = format!("{nanos:09}");
            text.push('.');
            text.push_str(fraction.trim_end_matches('0'));
        }
        let offset = time.offset().local_minus_utc();
        if offset == 0 {
            text.push('Z');
        } else {
            let sign = if offset < 0 { '-' } else { '+' };
            let minutes = offset.abs() / 60;
            text.push_str(&format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60));
        }
        text
    }

    pub fn serialize<S: Serializer>(time: &DateTime<FixedOffset>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format(time))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<FixedOffset>, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file Podman 4.3.1 wrote (`podman network create --subnet 10.99.0.0/24 --ip-range
    /// 10.99.0.100-10.99.0.150 --label a=b --opt mtu=1400 n1`), byte for byte.
    const PODMAN_FILE: &str = r#"{
     "name": "n1",
     "id": "0d1f3a7c0e8d7e1b4b2f3e5a6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9",
     "driver": "bridge",
     "network_interface": "podman1",
     "created": "2026-11-30T09:50:01.12345Z",
     "subnets": [
          {
               "subnet": "10.99.0.0/24",
               "gateway": "10.99.0.1",
               "lease_range": {
                    "start_ip": "10.99.0.100",
                    "end_ip": "10.99.0.150"
               }
          }
     ],
     "ipv6_enabled": false,
     "internal": false,
     "dns_enabled": true,
     "labels": {
          "a": "b"
     },
     "options": {
          "mtu": "1400"
     },
     "ipam_options": {
          "driver": "host-local"
     }
}
"#;

    #[test]
    fn podman_file_round_trips_byte_for_byte() {
        let network: Network = serde_json::from_str(PODMAN_FILE).unwrap();
        assert_eq!(network.name.as_str(), "n1");
        assert_eq!(network.subnets[0].lease_range.as_ref().unwrap().end_ip, Some("10.99.0.150".parse().unwrap()));
        assert_eq!(crate::config_dir::encode(&network).unwrap(), PODMAN_FILE);
    }

    #[test]
    fn go_time_form() {
        let parse = |t: &str| DateTime::parse_from_rfc3339(t).unwrap();
        assert_eq!(go_time::format(&parse("2026-11-30T09:42:09.365521684Z")), "2026-11-30T09:42:09.365521684Z");
        assert_eq!(go_time::format(&parse("2026-11-30T09:42:09.100+01:00")), "2026-11-30T09:42:09.1+01:00");
        assert_eq!(go_time::format(&parse("2026-11-30T09:42:09-05:30")), "2026-11-30T09:42:09-05:30");
        assert_eq!(go_time::format(&go_time::zero()), "0001-01-01T00:00:00Z");
    }
}
