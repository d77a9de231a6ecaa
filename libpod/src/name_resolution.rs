//! How a container resolves names: `--dns`, `--dns-search`, `--dns-option`, `--add-host`,
//! `--no-hosts`, with Podman's validation and words, stored with the container and turned into
//! its `/etc/hosts` and `/etc/resolv.conf` at every start ([`crate::runtime::etc_files`]).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The `--add-host` address that stands for the host as the container reaches it
/// (`host.containers.internal`).
pub const HOST_GATEWAY: &str = "host-gateway";

/// A `--dns`, `--dns-search` or `--add-host` value Podman refuses, or a combination it refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameResolutionError {
    #[error("bad format for add-host: {0:?}")]
    AddHostFormat(String),
    #[error("hostname in add-host {0:?} is empty")]
    AddHostEmptyName(String),
    #[error("invalid IP address in add-host: {0:?}")]
    AddHostAddress(String),
    #[error("{0} is not an ip address")]
    DnsServer(String),
    #[error("none is not allowed to be specified with other DNS ip addresses")]
    DnsNoneWithServers,
    #[error("{0} is not a valid domain")]
    SearchDomain(String),
    #[error("cannot pass additional search domains when also specifying '.'")]
    SearchDotWithOthers,
    /// `--dns*` with a network mode that has no resolv.conf of its own.
    #[error("conflicting options: dns and the network mode: {0}")]
    DnsWithNetwork(String),
    /// `--dns none` (the image's resolv.conf) with search domains or options.
    #[error("UseImageResolvConf and {0} are mutually exclusive options")]
    ImageResolvConfWith(&'static str),
    #[error("--no-hosts and --add-host cannot be set together")]
    NoHostsWithAddHost,
}

/// Where an `--add-host` entry points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostAddress {
    Ip(IpAddr),
    /// [`HOST_GATEWAY`]: the host's address as seen from the container.
    HostGateway,
}

/// One `--add-host` entry, `name[;name...]:address`, split on the first `:` so that the
/// address may be IPv6. Stored in Podman's text form (`hostsAdd`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExtraHost {
    pub names: Vec<String>,
    pub address: HostAddress,
}

impl std::str::FromStr for ExtraHost {
    type Err = NameResolutionError;

    /// Podman's `ValidateExtraHost`.
    fn from_str(text: &str) -> Result<ExtraHost, NameResolutionError> {
        let (names, address) = match text.split_once(':') {
            Some((names, address)) if !names.is_empty() => (names, address),
            _ => return Err(NameResolutionError::AddHostFormat(text.to_string())),
        };
        let names: Vec<String> = names.split(';').map(str::to_string).collect();
        if names.iter().any(String::is_empty) {
            return Err(NameResolutionError::AddHostEmptyName(text.to_string()));
        }
        let address = match address {
            HOST_GATEWAY => HostAddress::HostGateway,
            _ => HostAddress::Ip(
                address.trim().parse().map_err(|_| NameResolutionError::AddHostAddress(address.to_string()))?,
            ),
        };
        Ok(ExtraHost { names, address })
    }
}

impl std::fmt::Display for ExtraHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.address {
            HostAddress::Ip(ip) => write!(f, "{}:{ip}", self.names.join(";")),
            HostAddress::HostGateway => write!(f, "{}:{HOST_GATEWAY}", self.names.join(";")),
        }
    }
}

impl TryFrom<String> for ExtraHost {
    type Error = NameResolutionError;

    fn try_from(text: String) -> Result<ExtraHost, NameResolutionError> {
        text.parse()
    }
}

impl From<ExtraHost> for String {
    fn from(host: ExtraHost) -> String {
        host.to_string()
    }
}

/// What `--dns` asks for: servers, or `none` for the image's own resolv.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsServers {
    Servers(Vec<IpAddr>),
    UseImage,
}

/// Parses the `--dns` values (each already split on commas): addresses, or `none` alone.
pub fn parse_dns_servers(values: &[String]) -> Result<DnsServers, NameResolutionError> {
    if values.iter().any(|v| v == "none") {
        return match values.len() {
            1 => Ok(DnsServers::UseImage),
            _ => Err(NameResolutionError::DnsNoneWithServers),
        };
    }
    let servers = values.iter().map(|v| v.parse().map_err(|_| NameResolutionError::DnsServer(v.clone())));
    servers.collect::<Result<_, _>>().map(DnsServers::Servers)
}

/// Checks `--dns-search` values as Podman does: each a domain name (labels of letters, digits and
/// inner hyphens, an optional final dot), or `.` alone to clear the host's search list.
pub fn check_search_domains(domains: &[String]) -> Result<(), NameResolutionError> {
    for domain in domains {
        if domain == "." {
            if domains.len() > 1 {
                return Err(NameResolutionError::SearchDotWithOthers);
            }
            continue;
        }
        if !is_domain(domain) {
            return Err(NameResolutionError::SearchDomain(domain.clone()));
        }
    }
    Ok(())
}

fn is_domain(text: &str) -> bool {
    let name = text.trim_end_matches([' ', '\t', '\n', '\r']);
    let name = name.strip_suffix('.').unwrap_or(name);
    let label_ok = |label: &str| {
        let bytes = label.as_bytes();
        !bytes.is_empty()
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && bytes[0] != b'-'
            && bytes[bytes.len() - 1] != b'-'
    };
    text.bytes().any(|b| b.is_ascii_alphabetic()) && name.len() < 255 && name.split('.').all(label_ok)
}

/// The name-resolution settings stored with a container, with Podman's keys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NameResolution {
    /// `--dns`: the container's nameservers instead of the host's.
    #[serde(rename = "dnsServer", default, skip_serializing_if = "Vec::is_empty")]
    pub dns_servers: Vec<IpAddr>,
    #[serde(rename = "dnsSearch", default, skip_serializing_if = "Vec::is_empty")]
    pub dns_search: Vec<String>,
    #[serde(rename = "dnsOption", default, skip_serializing_if = "Vec::is_empty")]
    pub dns_options: Vec<String>,
    /// `--add-host` entries, written first into the container's /etc/hosts.
    #[serde(rename = "hostsAdd", default, skip_serializing_if = "Vec::is_empty")]
    pub hosts_add: Vec<ExtraHost>,
    /// `--dns none`: keep the image's /etc/resolv.conf.
    #[serde(rename = "useImageResolvConf", default, skip_serializing_if = "std::ops::Not::not")]
    pub use_image_resolv_conf: bool,
    /// `--no-hosts`: keep the image's /etc/hosts.
    #[serde(rename = "useImageHosts", default, skip_serializing_if = "std::ops::Not::not")]
    pub use_image_hosts: bool,
}

impl NameResolution {
    /// The combinations Podman refuses at create time, for a container on `network_mode`.
    pub fn validate(&self, network_mode: &str) -> Result<(), NameResolutionError> {
        let dns_given = !self.dns_servers.is_empty()
            || !self.dns_search.is_empty()
            || !self.dns_options.is_empty()
            || self.use_image_resolv_conf;
        if dns_given && network_mode == "none" {
            return Err(NameResolutionError::DnsWithNetwork(network_mode.to_string()));
        }
        if self.use_image_resolv_conf && !self.dns_search.is_empty() {
            return Err(NameResolutionError::ImageResolvConfWith("DNSSearch"));
        }
        if self.use_image_resolv_conf && !self.dns_options.is_empty() {
            return Err(NameResolutionError::ImageResolvConfWith("DNSOption"));
        }
        if self.use_image_hosts && !self.hosts_add.is_empty() {
            return Err(NameResolutionError::NoHostsWithAddHost);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add_host(text: &str) -> Result<String, String> {
        text.parse::<ExtraHost>().map(|h| h.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn add_host_entries_as_podman_validates_them() {
        let cases: [(&str, Result<&str, &str>); 9] = [
            ("foo:10.0.0.1", Ok("foo:10.0.0.1")),
            ("a;b:::1", Ok("a;b:::1")),
            ("gw:host-gateway", Ok("gw:host-gateway")),
            ("bad", Err("bad format for add-host: \"bad\"")),
            (":1.2.3.4", Err("bad format for add-host: \":1.2.3.4\"")),
            ("a;;b:1.2.3.4", Err("hostname in add-host \"a;;b:1.2.3.4\" is empty")),
            ("foo:1.2.3", Err("invalid IP address in add-host: \"1.2.3\"")),
            ("foo:", Err("invalid IP address in add-host: \"\"")),
            ("foo:bar:1", Err("invalid IP address in add-host: \"bar:1\"")),
        ];
        for (text, want) in cases {
            assert_eq!(add_host(text), want.map(str::to_string).map_err(str::to_string), "{text:?}");
        }
        let host: ExtraHost = "a;b:::1".parse().unwrap();
        assert_eq!(host.names, ["a", "b"]);
        assert_eq!(serde_json::to_string(&host).unwrap(), "\"a;b:::1\"");
        assert_eq!(serde_json::from_str::<ExtraHost>("\"a;b:::1\"").unwrap(), host);
    }

    #[test]
    fn dns_servers_and_none() {
        let values = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_dns_servers(&values(&["none"])), Ok(DnsServers::UseImage));
        assert_eq!(
            parse_dns_servers(&values(&["1.1.1.1", "::1"])),
            Ok(DnsServers::Servers(vec!["1.1.1.1".parse().unwrap(), "::1".parse().unwrap()]))
        );
        assert_eq!(parse_dns_servers(&values(&["1.2.3"])).unwrap_err().to_string(), "1.2.3 is not an ip address");
        assert_eq!(
            parse_dns_servers(&values(&["none", "1.1.1.1"])).unwrap_err().to_string(),
            "none is not allowed to be specified with other DNS ip addresses"
        );
    }

    #[test]
    fn search_domains() {
        let check = |v: &[&str]| check_search_domains(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        for good in [&["example.com"][..], &["a.b-c.d."], &["."], &["x1", "y2.z"]] {
            assert_eq!(check(good), Ok(()), "{good:?}");
        }
        assert_eq!(check(&["bad_domain!"]).unwrap_err().to_string(), "bad_domain! is not a valid domain");
        assert_eq!(check(&["123"]).unwrap_err().to_string(), "123 is not a valid domain");
        assert_eq!(check(&["-a.com"]).unwrap_err().to_string(), "-a.com is not a valid domain");
        assert_eq!(
            check(&[".", "x.com"]).unwrap_err().to_string(),
            "cannot pass additional search domains when also specifying '.'"
        );
    }

    #[test]
    fn refused_combinations() {
        let dns = NameResolution { dns_servers: vec!["1.1.1.1".parse().unwrap()], ..Default::default() };
        assert_eq!(dns.validate("host"), Ok(()));
        assert_eq!(
            dns.validate("none").unwrap_err().to_string(),
            "conflicting options: dns and the network mode: none"
        );
        let image =
            NameResolution { use_image_resolv_conf: true, dns_search: vec!["x.com".into()], ..Default::default() };
        assert_eq!(
            image.validate("host").unwrap_err().to_string(),
            "UseImageResolvConf and DNSSearch are mutually exclusive options"
        );
        let hosts = NameResolution {
            use_image_hosts: true,
            hosts_add: vec!["a:1.2.3.4".parse().unwrap()],
            ..Default::default()
        };
        assert_eq!(hosts.validate("none").unwrap_err().to_string(), "--no-hosts and --add-host cannot be set together");
    }
}
