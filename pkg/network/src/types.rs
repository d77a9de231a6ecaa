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
}

/// JSON with the five-space indent Podman uses for network files and `network inspect`.
pub fn to_podman_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"     ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut serializer)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// JSON text with the characters Go's encoder escapes by default (`json.Marshal`, unless
/// `SetEscapeHTML(false)`) escaped as Go writes them. They can occur only inside strings, so
/// replacing them in the whole text is exact.
pub fn go_html_escaped(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `time.Time` JSON form: RFC 3339 with up to nine fraction digits, trailing zeros
/// dropped, and `Z` for UTC.
pub mod go_time {
    use chrono::{DateTime, FixedOffset, Timelike};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Go's zero time, what a file without `created` decodes to.
    pub fn zero() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("0001-01-01T00:00:00Z").expect("a valid constant")
    }

    /// The time as Go's `time.RFC3339Nano` prints it.
    pub fn format(time: &DateTime<FixedOffset>) -> String {
        let mut text = time.format("%Y-%m-%dT%H:%M:%S").to_string();
        push_fraction(&mut text, time);
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

    /// The time as Go's `Time.String()` prints it (what a template shows):
    /// `2026-11-30 09:47:49.793090385 +0000 UTC`; a zone without a name shows its offset.
    pub fn display(time: &DateTime<FixedOffset>) -> String {
        let mut text = time.format("%Y-%m-%d %H:%M:%S").to_string();
        push_fraction(&mut text, time);
        let offset = time.format("%z").to_string();
        let zone = if time.offset().local_minus_utc() == 0 { "UTC".to_string() } else { offset.clone() };
        format!("{text} {offset} {zone}")
    }

    /// `.` and the nanoseconds without trailing zeros, nothing for a whole second.
    fn push_fraction(text: &mut String, time: &DateTime<FixedOffset>) {
        let nanos = time.nanosecond() % 1_000_000_000;
        if nanos != 0 {
            let fraction = format!("{nanos:09}");
            text.push('.');
            text.push_str(fraction.trim_end_matches('0'));
        }
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

    /// A file Podman 4.3.1 wrote (`podman network create n1 --subnet 10.99.0.0/24 --ip-range
    /// 10.99.0.100/30 --label a=b --label c --opt mtu=1400`), byte for byte.
    const PODMAN_FILE: &str = r#"{
     "name": "n1",
     "id": "7c2297d3de1addfc77fd9876a0408e3277cfae6a4a14b131a4711ece9a83f342",
     "driver": "bridge",
     "network_interface": "podman1",
     "created": "2026-11-30T09:47:49.793090385Z",
     "subnets": [
          {
               "subnet": "10.99.0.0/24",
               "gateway": "10.99.0.1",
               "lease_range": {
                    "start_ip": "10.99.0.101",
                    "end_ip": "10.99.0.103"
               }
          }
     ],
     "ipv6_enabled": false,
     "internal": false,
     "dns_enabled": true,
     "labels": {
          "a": "b",
          "c": ""
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
        assert_eq!(network.subnets[0].lease_range.as_ref().unwrap().end_ip, Some("10.99.0.103".parse().unwrap()));
        assert_eq!(crate::config_dir::encode(&network).unwrap(), PODMAN_FILE);
        assert_eq!(go_html_escaped("{\"a\":\"<b>&\u{2028}\"}"), r#"{"a":"\u003cb\u003e\u0026\u2028"}"#);
    }

    #[test]
    fn go_time_form() {
        let parse = |t: &str| DateTime::parse_from_rfc3339(t).unwrap();
        assert_eq!(go_time::format(&parse("2026-11-30T09:42:09.365521684Z")), "2026-11-30T09:42:09.365521684Z");
        assert_eq!(go_time::format(&parse("2026-11-30T09:42:09.100+01:00")), "2026-11-30T09:42:09.1+01:00");
        assert_eq!(go_time::format(&parse("2026-11-30T09:42:09-05:30")), "2026-11-30T09:42:09-05:30");
        assert_eq!(go_time::format(&go_time::zero()), "0001-01-01T00:00:00Z");
        assert_eq!(
            go_time::display(&parse("2026-11-30T09:47:49.793090385Z")),
            "2026-11-30 09:47:49.793090385 +0000 UTC"
        );
        assert_eq!(go_time::display(&parse("2026-11-30T09:47:49+01:00")), "2026-11-30 09:47:49 +0100 +0100");
    }
}
