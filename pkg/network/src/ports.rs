//! `-p/--publish [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTO]`: parsed once, with Podman's grammar
//! and error words (`pkg/specgenutil`), into [`PortMapping`]s — the records netavark reads and
//! Podman stores (`newPortMappings`) — and printed back the way `ps` and `port` show them.

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// One published port or range, with Podman's and netavark's JSON keys. A `host_port` of 0
/// asks for a free port, chosen by [`PortMapping::assign_free_host_ports`] at create time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMapping {
    /// The host address to listen on; empty for every address.
    #[serde(default)]
    pub host_ip: String,
    pub container_port: u16,
    #[serde(default)]
    pub host_port: u16,
    /// How many consecutive ports, from `container_port` and `host_port` on.
    #[serde(default = "one")]
    pub range: u16,
    /// `tcp`, `udp` or `sctp`; Podman also stores `tcp,udp` for one spec naming both.
    #[serde(default = "tcp")]
    pub protocol: String,
}

fn one() -> u16 {
    1
}

fn tcp() -> String {
    "tcp".to_string()
}

/// Why a `--publish` value was refused; the texts are Podman 5's.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("invalid port format - protocol can only be specified once")]
    ProtocolTwice,
    #[error("invalid port format - IPv6 addresses must be enclosed by []")]
    Ipv6Brackets,
    #[error("invalid port format - IPv6 address must be followed by a colon (':')")]
    Ipv6Colon,
    #[error("invalid port format - at most one IPv6 address can be specified in a --publish")]
    Ipv6Twice,
    #[error("invalid port format - must provide host and destination port if specifying an IP")]
    Ipv6WithoutHostPort,
    #[error("invalid port format - when v6 address specified, must be [ipv6]:hostPort:ctrPort")]
    Ipv6WithHostIp,
    #[error("invalid port format - format is [[hostIP:]hostPort:]containerPort")]
    Format,
    #[error("must provide a non-empty container port to publish")]
    EmptyContainerPort,
    #[error("parsing container port: {0}")]
    ContainerPort(#[source] RangeError),
    #[error("must provide a non-empty protocol to publish")]
    EmptyProtocol,
    #[error("unrecognized protocol {0:?} in port mapping")]
    UnknownProtocol(String),
    #[error("must provide a non-empty container host IP to publish")]
    EmptyHostIp,
    #[error("cannot parse {0:?} as an IP address")]
    HostIp(String),
    #[error("parsing host port: {0}")]
    HostPort(#[source] RangeError),
    #[error("host and container port ranges have different lengths: {0} vs {1}")]
    RangeLengths(u16, u16),
    #[error("finding a free host port for container port {port}/{protocol}")]
    NoFreePort {
        port: u16,
        protocol: String,
        #[source]
        source: std::io::Error,
    },
}

/// Why one port or range was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("invalid port format - port ranges are formatted as startPort-stopPort")]
    Format,
    #[error("port numbers cannot be negative")]
    Negative,
    #[error("must provide ending number for port range")]
    NoEnd,
    #[error("invalid port number: strconv.Atoi: parsing {0:?}: invalid syntax")]
    NotANumber(String),
    #[error("port numbers must be between 1 and 65535 (inclusive), got {0}")]
    OutOfRange(i64),
    #[error("the end port of a range must be higher than the start port - {0} is not higher than {1}")]
    Backwards(u16, u16),
}

impl std::str::FromStr for PortMapping {
    type Err = PortError;

    /// One `--publish` value. No host port (`-p 80`) or an empty one (`-p :80`) leaves
    /// `host_port` 0: a free port is picked at create time, as Podman does.
    fn from_str(spec: &str) -> Result<PortMapping, PortError> {
        let (rest, protocol) = match spec.split('/').collect::<Vec<_>>()[..] {
            [rest] => (rest, None),
            [rest, protocol] => (rest, Some(protocol)),
            _ => return Err(PortError::ProtocolTwice),
        };
        let (mut host_ip, rest, v6) = match rest.split(']').collect::<Vec<_>>()[..] {
            [rest] => (None, rest, false),
            [ip, rest] => {
                let ip = ip.strip_prefix('[').ok_or(PortError::Ipv6Brackets)?;
                let rest = rest.strip_prefix(':').ok_or(PortError::Ipv6Colon)?;
                (Some(ip), rest, true)
            }
            _ => return Err(PortError::Ipv6Twice),
        };
        let (host_port, container_port) = match rest.split(':').collect::<Vec<_>>()[..] {
            [_] if v6 => return Err(PortError::Ipv6WithoutHostPort),
            [container] => (None, container),
            [host, container] => (Some(host), container),
            [_, _, _] if v6 => return Err(PortError::Ipv6WithHostIp),
            [ip, host, container] => {
                host_ip = Some(ip);
                (Some(host), container)
            }
            _ => return Err(PortError::Format),
        };
        if container_port.is_empty() {
            return Err(PortError::EmptyContainerPort);
        }
        let (container_port, range) = parse_range(container_port).map_err(PortError::ContainerPort)?;
        let protocol = match protocol {
            None => "tcp".to_string(),
            Some("") => return Err(PortError::EmptyProtocol),
            Some(list) => normalize_protocols(list)?,
        };
        let host_ip = match host_ip {
            None => String::new(),
            Some("") => return Err(PortError::EmptyHostIp),
            Some(ip) => ip.parse::<IpAddr>().map_err(|_| PortError::HostIp(ip.to_string()))?.to_string(),
        };
        let host_port = match host_port {
            None | Some("") => 0,
            Some(host) => {
                let (start, length) = parse_range(host).map_err(PortError::HostPort)?;
                if length != range {
                    return Err(PortError::RangeLengths(length, range));
                }
                start
            }
        };
        Ok(PortMapping { host_ip, container_port, host_port, range, protocol })
    }
}

/// `tcp`, `udp`, `sctp`, or several joined by commas, each once.
fn normalize_protocols(list: &str) -> Result<String, PortError> {
    let mut seen: Vec<&str> = Vec::new();
    for protocol in list.split(',') {
        if !matches!(protocol, "tcp" | "udp" | "sctp") {
            return Err(PortError::UnknownProtocol(protocol.to_string()));
        }
        if !seen.contains(&protocol) {
            seen.push(protocol);
        }
    }
    Ok(seen.join(","))
}

/// `START[-END]`: the first port and how many.
fn parse_range(text: &str) -> Result<(u16, u16), RangeError> {
    let parts: Vec<&str> = text.split('-').collect();
    if parts.len() > 2 {
        return Err(RangeError::Format);
    }
    if parts[0].is_empty() {
        return Err(RangeError::Negative);
    }
    let start = parse_port(parts[0])?;
    let Some(end) = parts.get(1) else { return Ok((start, 1)) };
    if end.is_empty() {
        return Err(RangeError::NoEnd);
    }
    let end = parse_port(end)?;
    if end <= start {
        return Err(RangeError::Backwards(end, start));
    }
    Ok((start, end - start + 1))
}

fn parse_port(text: &str) -> Result<u16, RangeError> {
    let number: i64 = text.parse().map_err(|_| RangeError::NotANumber(text.to_string()))?;
    u16::try_from(number).ok().filter(|n| *n >= 1).ok_or(RangeError::OutOfRange(number))
}

impl PortMapping {
    /// The protocols of this mapping, one by one.
    pub fn protocols(&self) -> impl Iterator<Item = &str> {
        self.protocol.split(',')
    }

    /// The host address as `ps` and `port` print it: an empty one (every address) as `0.0.0.0`.
    pub fn shown_host_ip(&self) -> &str {
        if self.host_ip.is_empty() {
            "0.0.0.0"
        } else {
            &self.host_ip
        }
    }

    /// Gives every mapping without a host port (`-p 80`, `-P`) a port nothing on this host
    /// listens on now, one per container port of its range, found by binding port 0 (the
    /// kernel's choice) as Podman does. A mapping with a range gets consecutive ports.
    pub fn assign_free_host_ports(mappings: &mut [PortMapping]) -> Result<(), PortError> {
        for mapping in mappings.iter_mut().filter(|m| m.host_port == 0) {
            let protocol = mapping.protocols().next().unwrap_or("tcp").to_string();
            let no_port =
                |source| PortError::NoFreePort { port: mapping.container_port, protocol: protocol.clone(), source };
            mapping.host_port = free_port(&mapping.host_ip, &protocol, mapping.range).map_err(no_port)?;
        }
        Ok(())
    }

    /// Adds, for `-P`, a mapping to a free host port for every exposed port (`80/tcp`, as the
    /// image's `ExposedPorts` names them) that no mapping publishes yet.
    pub fn publish_exposed(mappings: &mut Vec<PortMapping>, exposed: &[String]) {
        let mut taken: BTreeSet<(u16, String)> = BTreeSet::new();
        for mapping in mappings.iter() {
            for protocol in mapping.protocols() {
                for offset in 0..mapping.range {
                    taken.insert((mapping.container_port + offset, protocol.to_string()));
                }
            }
        }
        for entry in exposed {
            let (port, protocol) = entry.split_once('/').unwrap_or((entry, "tcp"));
            let Ok(port) = port.parse::<u16>() else { continue };
            if taken.insert((port, protocol.to_string())) {
                mappings.push(PortMapping {
                    host_ip: String::new(),
                    container_port: port,
                    host_port: 0,
                    range: 1,
                    protocol: protocol.to_string(),
                });
            }
        }
    }
}

/// A free host port for `protocol` (or `range` consecutive ones) on `host_ip`.
fn free_port(host_ip: &str, protocol: &str, range: u16) -> std::io::Result<u16> {
    let ip: IpAddr =
        if host_ip.is_empty() { IpAddr::from([0, 0, 0, 0]) } else { host_ip.parse().map_err(std::io::Error::other)? };
    for _ in 0..100 {
        let start = bind(ip, protocol, 0)?;
        if u32::from(start) + u32::from(range) > 65536 {
            continue;
        }
        if (1..range).all(|offset| bind(ip, protocol, start + offset).is_ok()) {
            return Ok(start);
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AddrInUse, "no free range of ports"))
}

/// Binds `port` (0: any) for a moment; the port the kernel gave.
fn bind(ip: IpAddr, protocol: &str, port: u16) -> std::io::Result<u16> {
    let address = std::net::SocketAddr::new(ip, port);
    match protocol {
        "udp" => Ok(std::net::UdpSocket::bind(address)?.local_addr()?.port()),
        _ => Ok(std::net::TcpListener::bind(address)?.local_addr()?.port()),
    }
}

/// The `PORTS` column of `ps` (Podman 4.3: `127.0.0.1:8080->80/tcp, 0.0.0.0:9000-9001->9000-9001/udp`):
/// each mapping with its range collapsed, an empty host address shown as `0.0.0.0`.
pub fn format_ports(mappings: &[PortMapping]) -> String {
    let mut shown = Vec::new();
    for mapping in mappings {
        let host_ip = mapping.shown_host_ip();
        for protocol in mapping.protocols() {
            let span = |start: u16| match mapping.range {
                0 | 1 => start.to_string(),
                n => format!("{start}-{}", start + (n - 1)),
            };
            shown.push(format!("{host_ip}:{}->{}/{protocol}", span(mapping.host_port), span(mapping.container_port)));
        }
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: &str) -> Result<PortMapping, String> {
        spec.parse::<PortMapping>().map_err(|e| e.to_string())
    }

    fn mapping(host_ip: &str, host_port: u16, container_port: u16, range: u16, protocol: &str) -> PortMapping {
        PortMapping { host_ip: host_ip.into(), container_port, host_port, range, protocol: protocol.into() }
    }

    #[test]
    fn the_grammar_of_publish() {
        assert_eq!(parse("80").unwrap(), mapping("", 0, 80, 1, "tcp"));
        assert_eq!(parse("8080:80").unwrap(), mapping("", 8080, 80, 1, "tcp"));
        assert_eq!(parse(":80").unwrap(), mapping("", 0, 80, 1, "tcp"));
        assert_eq!(parse("127.0.0.1:8080:80").unwrap(), mapping("127.0.0.1", 8080, 80, 1, "tcp"));
        assert_eq!(parse("127.0.0.1::80/udp").unwrap(), mapping("127.0.0.1", 0, 80, 1, "udp"));
        assert_eq!(parse("9000-9002:8000-8002/tcp,udp").unwrap(), mapping("", 9000, 8000, 3, "tcp,udp"));
        assert_eq!(parse("[::1]:8080:80").unwrap(), mapping("::1", 8080, 80, 1, "tcp"));
    }

    #[test]
    fn podmans_errors() {
        let cases = [
            ("80/tcp/udp", "invalid port format - protocol can only be specified once"),
            ("1:2:3:4", "invalid port format - format is [[hostIP:]hostPort:]containerPort"),
            ("8080:", "must provide a non-empty container port to publish"),
            ("80/", "must provide a non-empty protocol to publish"),
            ("80/icmp", "unrecognized protocol \"icmp\" in port mapping"),
            (":8080:80", "must provide a non-empty container host IP to publish"),
            ("nope:8080:80", "cannot parse \"nope\" as an IP address"),
            ("abc", "parsing container port: invalid port number: strconv.Atoi: parsing \"abc\": invalid syntax"),
            ("0", "parsing container port: port numbers must be between 1 and 65535 (inclusive), got 0"),
            ("70000", "parsing container port: port numbers must be between 1 and 65535 (inclusive), got 70000"),
            ("-5", "parsing container port: port numbers cannot be negative"),
            ("80-", "parsing container port: must provide ending number for port range"),
            (
                "90-80",
                "parsing container port: the end port of a range must be higher than the start port - 80 is not higher than 90",
            ),
            ("8000-8001:80", "host and container port ranges have different lengths: 2 vs 1"),
            ("[::1]:80", "invalid port format - must provide host and destination port if specifying an IP"),
            ("::1]:80:80", "invalid port format - IPv6 addresses must be enclosed by []"),
        ];
        for (spec, want) in cases {
            assert_eq!(parse(spec).unwrap_err(), want, "{spec}");
        }
    }

    #[test]
    fn ps_shows_ranges_collapsed_and_every_protocol() {
        let ports = [mapping("127.0.0.1", 8080, 80, 1, "tcp"), mapping("", 9000, 8000, 3, "tcp,udp")];
        assert_eq!(
            format_ports(&ports),
            "127.0.0.1:8080->80/tcp, 0.0.0.0:9000-9002->8000-8002/tcp, 0.0.0.0:9000-9002->8000-8002/udp"
        );
        assert_eq!(format_ports(&[]), "");
    }

    #[test]
    fn publish_all_adds_what_is_not_published_yet() {
        let mut ports = vec![mapping("", 8080, 80, 1, "tcp")];
        PortMapping::publish_exposed(&mut ports, &["80/tcp".into(), "53/udp".into(), "443".into()]);
        assert_eq!(ports[1..], [mapping("", 0, 53, 1, "udp"), mapping("", 0, 443, 1, "tcp")]);
    }

    #[test]
    fn free_ports_are_assigned_to_mappings_without_one() {
        let mut ports = vec![mapping("127.0.0.1", 0, 80, 2, "tcp"), mapping("", 8080, 81, 1, "tcp")];
        PortMapping::assign_free_host_ports(&mut ports).unwrap();
        assert_ne!(ports[0].host_port, 0);
        assert_eq!(ports[1].host_port, 8080);
    }

    #[test]
    fn stored_records_use_podmans_keys() {
        let json = serde_json::to_string(&mapping("127.0.0.1", 8080, 80, 1, "tcp")).unwrap();
        assert_eq!(json, r#"{"host_ip":"127.0.0.1","container_port":80,"host_port":8080,"range":1,"protocol":"tcp"}"#);
    }
}
