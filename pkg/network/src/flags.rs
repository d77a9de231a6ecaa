//! `network create`'s flags as typed, turned into a [`CreateRequest`] with Podman's rules for
//! pairing `--subnet` with `--gateway` and `--ip-range`, and its words for bad values.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::{CreateRequest, IpNet, LeaseRange, NetworkError, NetworkName, Route, Subnet};

/// Names that are network modes of `--network`, refused as network names.
const NETWORK_MODES: [&str; 7] = ["none", "host", "bridge", "private", "slirp4netns", "container", "ns"];

/// The flags of `network create`, as strings where Podman parses them after the flag parser.
#[derive(Debug, Clone, Default)]
pub struct CreateFlags {
    pub name: Option<String>,
    pub driver: String,
    pub labels: Vec<String>,
    pub options: Vec<String>,
    pub subnets: Vec<String>,
    pub gateways: Vec<IpAddr>,
    pub ranges: Vec<String>,
    pub routes: Vec<String>,
    pub interface_name: Option<String>,
    pub ipam_driver: Option<String>,
    pub dns_servers: Vec<String>,
    pub ipv6: bool,
    pub internal: bool,
    pub disable_dns: bool,
    pub ignore: bool,
}

/// A flag value `network create` refuses before looking at any network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateFlagError {
    #[error("cannot set more gateways than subnets")]
    MoreGatewaysThanSubnets,
    #[error("cannot set more ranges than subnets")]
    MoreRangesThanSubnets,
    #[error("cannot set gateway or range without subnet")]
    WithoutSubnet,
    #[error("invalid CIDR address: {0}")]
    InvalidCidr(String),
    #[error("range start ip {0:?} is not a ip address")]
    RangeStart(String),
    #[error("range end ip {0:?} is not a ip address")]
    RangeEnd(String),
    #[error("invalid route destination {0}")]
    RouteDestination(String),
    #[error("invalid route gateway {0}")]
    RouteGateway(String),
    #[error("invalid route metric {0}")]
    RouteMetric(String),
    #[error("invalid route: {0}\nFormat: --route <destination in CIDR>,<gateway>,<metric (optional)>")]
    Route(String),
    #[error("cannot create network with name {0:?} because it conflicts with a valid network mode")]
    NetworkModeName(String),
}

impl CreateRequest {
    /// The request the flags describe, checked in Podman's order: the flags' pairing and
    /// values, then the name.
    pub fn from_flags(flags: CreateFlags) -> Result<CreateRequest, NetworkError> {
        let subnets = paired_subnets(&flags.subnets, &flags.gateways, &flags.ranges)?;
        let routes = flags.routes.iter().map(|r| parse_route(r)).collect::<Result<Vec<_>, _>>()?;
        let name = match flags.name {
            Some(name) if NETWORK_MODES.contains(&name.as_str()) => {
                return Err(CreateFlagError::NetworkModeName(name).into())
            }
            Some(name) => Some(NetworkName::parse(&name)?),
            None => None,
        };
        Ok(CreateRequest {
            name,
            driver: flags.driver,
            interface_name: flags.interface_name.filter(|i| !i.is_empty()),
            subnets,
            routes,
            ipv6: flags.ipv6,
            internal: flags.internal,
            dns_enabled: !flags.disable_dns,
            dns_servers: flags.dns_servers,
            labels: key_values(&flags.labels),
            options: key_values(&flags.options),
            ipam_driver: flags.ipam_driver,
            ignore_existing: flags.ignore,
        })
    }
}

/// `KEY=VALUE` pairs; a bare `KEY` has an empty value (Podman's label rule).
fn key_values(pairs: &[String]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (key.to_string(), value.to_string()),
            None => (pair.clone(), String::new()),
        })
        .collect()
}

/// The `n`th `--gateway` and `--ip-range` belong to the `n`th `--subnet`.
fn paired_subnets(subnets: &[String], gateways: &[IpAddr], ranges: &[String]) -> Result<Vec<Subnet>, CreateFlagError> {
    if subnets.is_empty() {
        if !gateways.is_empty() || !ranges.is_empty() {
            return Err(CreateFlagError::WithoutSubnet);
        }
        return Ok(Vec::new());
    }
    if gateways.len() > subnets.len() {
        return Err(CreateFlagError::MoreGatewaysThanSubnets);
    }
    if ranges.len() > subnets.len() {
        return Err(CreateFlagError::MoreRangesThanSubnets);
    }
    subnets
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let subnet = text.parse().map_err(|_| CreateFlagError::InvalidCidr(text.clone()))?;
            let lease_range = ranges.get(i).map(|r| parse_range(r)).transpose()?;
            Ok(Subnet { subnet, gateway: gateways.get(i).copied(), lease_range })
        })
        .collect()
}

/// `--ip-range`: `START-END`, or a CIDR whose first and last addresses bound the range.
fn parse_range(text: &str) -> Result<LeaseRange, CreateFlagError> {
    if let Some((start, end)) = text.split_once('-') {
        let start_ip = start.parse().map_err(|_| CreateFlagError::RangeStart(start.to_string()))?;
        let end_ip = end.parse().map_err(|_| CreateFlagError::RangeEnd(end.to_string()))?;
        return Ok(LeaseRange { start_ip: Some(start_ip), end_ip: Some(end_ip) });
    }
    let net: IpNet = text.parse().map_err(|_| CreateFlagError::InvalidCidr(text.to_string()))?;
    let net = net.network();
    Ok(LeaseRange { start_ip: net.first_host(), end_ip: net.last_address() })
}

/// `--route DESTINATION,GATEWAY[,METRIC]`.
fn parse_route(text: &str) -> Result<Route, CreateFlagError> {
    let parts: Vec<&str> = text.split(',').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(CreateFlagError::Route(text.to_string()));
    }
    let destination = parts[0].parse().map_err(|_| CreateFlagError::RouteDestination(parts[0].to_string()))?;
    let gateway = parts[1].parse().map_err(|_| CreateFlagError::RouteGateway(parts[1].to_string()))?;
    let metric =
        parts.get(2).map(|m| m.parse::<u32>().map_err(|_| CreateFlagError::RouteMetric(m.to_string()))).transpose()?;
    Ok(Route { destination, gateway, metric })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags() -> CreateFlags {
        CreateFlags { name: Some("n".into()), driver: "bridge".into(), ..Default::default() }
    }

    fn error(change: impl FnOnce(&mut CreateFlags)) -> String {
        let mut f = flags();
        change(&mut f);
        CreateRequest::from_flags(f).unwrap_err().to_string()
    }

    #[test]
    fn subnets_pair_with_gateways_and_ranges() {
        let mut f = flags();
        f.subnets = vec!["10.99.0.0/24".into(), "fd00::/64".into()];
        f.gateways = vec!["10.99.0.254".parse().unwrap()];
        f.ranges = vec!["10.99.0.100/30".into(), "fd00::10-fd00::20".into()];
        f.labels = vec!["a=b".into(), "c".into()];
        let request = CreateRequest::from_flags(f).unwrap();
        assert_eq!(request.subnets[0].gateway, Some("10.99.0.254".parse().unwrap()));
        let range = request.subnets[0].lease_range.clone().unwrap();
        assert_eq!(
            (range.start_ip.unwrap().to_string(), range.end_ip.unwrap().to_string()),
            ("10.99.0.101".into(), "10.99.0.103".into())
        );
        assert_eq!(request.subnets[1].gateway, None);
        assert_eq!(request.subnets[1].lease_range.clone().unwrap().end_ip, Some("fd00::20".parse().unwrap()));
        assert_eq!(request.labels, BTreeMap::from([("a".into(), "b".into()), ("c".into(), String::new())]));
        assert!(request.dns_enabled);
    }

    #[test]
    fn podmans_words_for_bad_flags() {
        assert_eq!(
            error(|f| f.gateways = vec!["10.0.0.1".parse().unwrap()]),
            "cannot set gateway or range without subnet"
        );
        assert_eq!(error(|f| f.subnets = vec!["bogus".into()]), "invalid CIDR address: bogus");
        assert_eq!(
            error(|f| {
                f.subnets = vec!["10.0.0.0/24".into()];
                f.ranges = vec!["a".into(), "b".into()];
            }),
            "cannot set more ranges than subnets"
        );
        assert_eq!(
            error(|f| {
                f.subnets = vec!["10.0.0.0/24".into()];
                f.ranges = vec!["x-10.0.0.9".into()];
            }),
            "range start ip \"x\" is not a ip address"
        );
        assert_eq!(
            error(|f| f.routes = vec!["10.0.0.0/8".into()]),
            "invalid route: 10.0.0.0/8\nFormat: --route <destination in CIDR>,<gateway>,<metric (optional)>"
        );
        assert_eq!(error(|f| f.routes = vec!["10.0.0.0/8,10.0.0.1,x".into()]), "invalid route metric x");
        assert_eq!(
            error(|f| f.name = Some("host".into())),
            "cannot create network with name \"host\" because it conflicts with a valid network mode"
        );
        assert_eq!(
            error(|f| f.name = Some("a b".into())),
            "network name a b invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"
        );
    }
}
