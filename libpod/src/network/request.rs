//! `--network`, `--ip`, `--mac-address`, `--network-alias`, `-p` and `-P` as given, and the
//! rule that turns them (with containers.conf's `netns` and the image's exposed ports) into a
//! container's network mode and [`NetworkConfig`] (Podman 4.3/5, `cmd/podman/common/netflags.go`
//! and `pkg/specgen`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use network::netavark::PerNetworkOptions;
use network::ports::{PortError, PortMapping};

use super::{NetworkConfig, BRIDGE_MODE};

/// One `--network` value (or containers.conf `netns`), parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkChoice {
    /// The network namespace of the process that starts the container.
    Host,
    /// A namespace of its own with only `lo`.
    None,
    /// `bridge` (or `private`, containers.conf's default for root): the default network.
    DefaultBridge,
    /// These networks, by name or ID, in order (`eth0`, `eth1`, …).
    Networks(Vec<String>),
}

/// Why the network flags were refused; Podman's words.
#[derive(Debug, thiserror::Error)]
pub enum NetworkRequestError {
    #[error("network mode {0:?} is not supported by rpod")]
    Unsupported(String),
    #[error("{0:?} is not an ip address")]
    NotAnIp(String),
    #[error("invalid MAC address {0:?}")]
    BadMac(String),
    #[error("--{0} can only be set when the network mode is bridge: invalid argument")]
    NotBridge(&'static str),
    #[error("--{0} can only be set for a single network: invalid argument")]
    NotSingle(&'static str),
    #[error(transparent)]
    Port(#[from] PortError),
    #[error(transparent)]
    Network(#[from] network::NetworkError),
}

impl std::str::FromStr for NetworkChoice {
    type Err = NetworkRequestError;

    fn from_str(text: &str) -> Result<NetworkChoice, NetworkRequestError> {
        match text {
            "host" => Ok(NetworkChoice::Host),
            "none" => Ok(NetworkChoice::None),
            "bridge" | "private" | "default" => Ok(NetworkChoice::DefaultBridge),
            _ if text.contains(':') || matches!(text, "slirp4netns" | "pasta" | "ns" | "container") => {
                Err(NetworkRequestError::Unsupported(text.to_string()))
            }
            _ => Ok(NetworkChoice::Networks(text.split(',').map(str::to_string).collect())),
        }
    }
}

/// The network flags of one `create`/`run`, each parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkRequest {
    /// `--network`; `None` takes containers.conf's `netns`.
    pub choice: Option<NetworkChoice>,
    /// `--ip`.
    pub ip: Option<IpAddr>,
    /// `--mac-address`, lowercased.
    pub mac: Option<String>,
    /// `--network-alias`.
    pub aliases: Vec<String>,
    /// `-p/--publish`.
    pub publish: Vec<PortMapping>,
    /// `-P/--publish-all`.
    pub publish_all: bool,
}

/// What the request becomes: the mode (`host`, `none`, `bridge`), the config, and a warning
/// for ports dropped on a mode that cannot publish them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedNetwork {
    pub mode: String,
    pub config: NetworkConfig,
    pub warning: Option<String>,
}

impl NetworkRequest {
    /// `--ip` text, parsed.
    pub fn parse_ip(text: &str) -> Result<IpAddr, NetworkRequestError> {
        text.parse().map_err(|_| NetworkRequestError::NotAnIp(text.to_string()))
    }

    /// `--mac-address` text: six hex octets separated by `:` or `-`.
    pub fn parse_mac(text: &str) -> Result<String, NetworkRequestError> {
        let octets: Vec<&str> = text.split([':', '-']).collect();
        let valid = octets.len() == 6 && octets.iter().all(|o| o.len() == 2 && u8::from_str_radix(o, 16).is_ok());
        valid.then(|| octets.join(":").to_ascii_lowercase()).ok_or_else(|| NetworkRequestError::BadMac(text.into()))
    }

    /// Resolves the request. `default_netns` is containers.conf's `netns`; `canonical` maps a
    /// network name or ID to the network's name (failing as Podman does for an unknown one);
    /// `default_network` is the default network's name; `exposed` the image's `ExposedPorts`
    /// for `-P`. Host ports left to choose are chosen here, once, as Podman does at create.
    pub fn resolve(
        &self,
        default_netns: &str,
        default_network: &str,
        canonical: &dyn Fn(&str) -> Result<String, network::NetworkError>,
        exposed: &[String],
    ) -> Result<ResolvedNetwork, NetworkRequestError> {
        let choice = match &self.choice {
            Some(choice) => choice.clone(),
            None => default_netns.parse()?,
        };
        let names = match &choice {
            NetworkChoice::Host | NetworkChoice::None => {
                for (flag, given) in [
                    ("ip", self.ip.is_some()),
                    ("mac-address", self.mac.is_some()),
                    ("network-alias", !self.aliases.is_empty()),
                ] {
                    if given {
                        return Err(NetworkRequestError::NotBridge(flag));
                    }
                }
                let mode = if choice == NetworkChoice::Host { "host" } else { "none" };
                let warning = (!self.publish.is_empty() || self.publish_all).then(|| {
                    format!("Port mappings have been discarded because \"{mode}\" network namespace mode does not support them")
                });
                return Ok(ResolvedNetwork { mode: mode.to_string(), config: NetworkConfig::default(), warning });
            }
            NetworkChoice::DefaultBridge => vec![default_network.to_string()],
            NetworkChoice::Networks(names) => names.iter().map(|n| canonical(n)).collect::<Result<_, _>>()?,
        };
        if names.len() > 1 {
            for (flag, given) in [("ip", self.ip.is_some()), ("mac-address", self.mac.is_some())] {
                if given {
                    return Err(NetworkRequestError::NotSingle(flag));
                }
            }
        }
        let mut networks = BTreeMap::new();
        for (index, name) in names.into_iter().enumerate() {
            let options = PerNetworkOptions {
                aliases: self.aliases.clone(),
                interface_name: format!("eth{index}"),
                static_ips: self.ip.into_iter().collect(),
                static_mac: self.mac.clone(),
            };
            networks.entry(name).or_insert(options);
        }
        let mut port_mappings = self.publish.clone();
        if self.publish_all {
            PortMapping::publish_exposed(&mut port_mappings, exposed);
        }
        PortMapping::assign_free_host_ports(&mut port_mappings)?;
        let config = NetworkConfig { create_netns: true, networks, port_mappings };
        Ok(ResolvedNetwork { mode: BRIDGE_MODE.to_string(), config, warning: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(name: &str) -> Result<String, network::NetworkError> {
        match name {
            "podman" | "web" | "db" => Ok(name.to_string()),
            _ => Err(network::NetworkError::NotFound(name.to_string())),
        }
    }

    fn resolve(request: &NetworkRequest, netns: &str) -> Result<ResolvedNetwork, String> {
        request.resolve(netns, "podman", &known, &["80/tcp".to_string()]).map_err(|e| e.to_string())
    }

    #[test]
    fn the_default_comes_from_containers_conf() {
        let request = NetworkRequest::default();
        let bridged = resolve(&request, "private").unwrap();
        assert_eq!(bridged.mode, "bridge");
        assert!(bridged.config.create_netns);
        assert_eq!(bridged.config.networks["podman"].interface_name, "eth0");
        assert_eq!(resolve(&request, "host").unwrap().mode, "host");
        assert_eq!(resolve(&request, "none").unwrap().config, NetworkConfig::default());
    }

    #[test]
    fn named_networks_get_interfaces_in_order_and_unknown_ones_are_refused() {
        let request = NetworkRequest {
            choice: Some("web,db".parse().unwrap()),
            aliases: vec!["app".into()],
            ..Default::default()
        };
        let resolved = resolve(&request, "host").unwrap();
        assert_eq!(resolved.config.networks["web"].interface_name, "eth0");
        assert_eq!(resolved.config.networks["db"].interface_name, "eth1");
        assert_eq!(resolved.config.networks["db"].aliases, ["app"]);
        let unknown = NetworkRequest { choice: Some("nope".parse().unwrap()), ..Default::default() };
        assert_eq!(
            resolve(&unknown, "host").unwrap_err(),
            "unable to find network with name or ID nope: network not found"
        );
    }

    #[test]
    fn podmans_refusals() {
        let ip = Some("10.88.0.5".parse().unwrap());
        let on_host = NetworkRequest { choice: Some(NetworkChoice::Host), ip, ..Default::default() };
        assert_eq!(
            resolve(&on_host, "private").unwrap_err(),
            "--ip can only be set when the network mode is bridge: invalid argument"
        );
        let two = NetworkRequest { choice: Some("web,db".parse().unwrap()), ip, ..Default::default() };
        assert_eq!(
            resolve(&two, "private").unwrap_err(),
            "--ip can only be set for a single network: invalid argument"
        );
        assert!("container:abc".parse::<NetworkChoice>().is_err());
        assert_eq!(NetworkRequest::parse_mac("92:D0:C6:0A:29:33").unwrap(), "92:d0:c6:0a:29:33");
        assert!(NetworkRequest::parse_mac("92:d0:c6").is_err());
        assert!(NetworkRequest::parse_ip("10.1.2").is_err());
    }

    #[test]
    fn ports_on_the_host_network_are_dropped_with_podmans_warning() {
        let request = NetworkRequest {
            choice: Some(NetworkChoice::Host),
            publish: vec!["8080:80".parse().unwrap()],
            ..Default::default()
        };
        let resolved = resolve(&request, "private").unwrap();
        assert!(resolved.config.port_mappings.is_empty());
        assert_eq!(
            resolved.warning.as_deref(),
            Some("Port mappings have been discarded because \"host\" network namespace mode does not support them")
        );
    }

    #[test]
    fn publish_all_maps_the_exposed_ports_to_free_host_ports() {
        let request = NetworkRequest { publish_all: true, ..Default::default() };
        let resolved = resolve(&request, "private").unwrap();
        assert_eq!(resolved.config.port_mappings.len(), 1);
        assert_eq!(resolved.config.port_mappings[0].container_port, 80);
        assert_ne!(resolved.config.port_mappings[0].host_port, 0);
    }
}
