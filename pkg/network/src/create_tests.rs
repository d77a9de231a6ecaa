use super::*;
use crate::settings::default_subnet_pools;
use crate::testing::{network, FakeHost};
use crate::LeaseRange;

fn request(name: Option<&str>) -> CreateRequest {
    CreateRequest { name: name.map(|n| NetworkName::parse(n).unwrap()), dns_enabled: true, ..Default::default() }
}

fn podman_default() -> Network {
    let mut net = network("podman");
    net.network_interface = "podman0".into();
    net.subnets = vec![Subnet { subnet: "10.88.0.0/16".parse().unwrap(), gateway: None, lease_range: None }];
    net
}

fn plan_with(request: CreateRequest, existing: &[Network], host: &FakeHost) -> Result<Network, NetworkError> {
    plan(request, existing, host, &default_subnet_pools())
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn defaults_are_podmans() {
    let net = plan_with(request(Some("web")), &[podman_default()], &FakeHost::loopback()).unwrap();
    assert_eq!(net.name.as_str(), "web");
    assert_eq!(net.network_interface, "podman1");
    assert_eq!(net.driver, "bridge");
    assert_eq!(
        net.subnets,
        [Subnet { subnet: "10.89.0.0/24".parse().unwrap(), gateway: Some(ip("10.89.0.1")), lease_range: None }]
    );
    assert!(net.dns_enabled && !net.internal && !net.ipv6_enabled);
    assert_eq!(net.ipam_options, BTreeMap::from([("driver".into(), "host-local".into())]));
    assert_eq!(net.id.len(), 64);
    assert!(net.id.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn unnamed_networks_take_the_next_free_bridge_name_for_both() {
    let mut used = network("a");
    used.network_interface = "podman1".into();
    let host = FakeHost { names: ["lo".into(), "podman2".into()].into(), subnets: vec![] };
    let net = plan_with(request(None), &[podman_default(), used], &host).unwrap();
    assert_eq!((net.name.as_str(), net.network_interface.as_str()), ("podman3", "podman3"));
}

#[test]
fn free_subnets_skip_networks_and_host_addresses() {
    let mut used = network("a");
    used.subnets = vec![Subnet { subnet: "10.89.0.0/24".parse().unwrap(), gateway: None, lease_range: None }];
    let host = FakeHost { names: Default::default(), subnets: vec!["10.89.1.0/24".parse().unwrap()] };
    let net = plan_with(request(Some("b")), &[podman_default(), used.clone()], &host).unwrap();
    assert_eq!(net.subnets[0].subnet.to_string(), "10.89.2.0/24");
    let mut asked = request(Some("c"));
    asked.subnets = vec![Subnet { subnet: "10.89.0.128/25".parse().unwrap(), gateway: None, lease_range: None }];
    assert_eq!(
        plan_with(asked, &[used], &host).unwrap_err().to_string(),
        "subnet 10.89.0.128/25 is already used on the host or by another config"
    );
    let full = FakeHost { names: Default::default(), subnets: vec!["0.0.0.0/0".parse().unwrap()] };
    assert!(matches!(plan_with(request(Some("d")), &[], &full), Err(NetworkError::NoFreeSubnet)));
}

#[test]
fn given_subnets_gateways_and_ranges() {
    let mut asked = request(Some("n"));
    asked.subnets = vec![Subnet {
        subnet: "10.99.0.7/24".parse().unwrap(),
        gateway: Some(ip("10.99.0.254")),
        lease_range: Some(LeaseRange { start_ip: Some(ip("10.99.0.10")), end_ip: Some(ip("10.99.0.20")) }),
    }];
    let net = plan_with(asked.clone(), &[], &FakeHost::default()).unwrap();
    assert_eq!(net.subnets[0].subnet.to_string(), "10.99.0.0/24", "the host bits are cleared");
    assert_eq!(net.subnets[0].gateway, Some(ip("10.99.0.254")));
    asked.subnets[0].gateway = Some(ip("10.98.0.1"));
    assert_eq!(
        plan_with(asked.clone(), &[], &FakeHost::default()).unwrap_err().to_string(),
        "gateway 10.98.0.1 not in subnet 10.99.0.0/24"
    );
    asked.subnets[0].gateway = None;
    asked.subnets[0].lease_range = Some(LeaseRange { start_ip: None, end_ip: Some(ip("10.1.0.1")) });
    assert_eq!(
        plan_with(asked, &[], &FakeHost::default()).unwrap_err().to_string(),
        "lease range end ip 10.1.0.1 not in subnet 10.99.0.0/24"
    );
}

#[test]
fn internal_networks_have_a_gateway_only_for_dns() {
    let mut asked = request(Some("i"));
    asked.internal = true;
    assert!(plan_with(asked.clone(), &[], &FakeHost::default()).unwrap().subnets[0].gateway.is_some());
    asked.dns_enabled = false;
    assert_eq!(plan_with(asked, &[], &FakeHost::default()).unwrap().subnets[0].gateway, None);
}

#[test]
fn ipv6_adds_the_missing_family() {
    let mut asked = request(Some("six"));
    asked.ipv6 = true;
    let net = plan_with(asked, &[], &FakeHost::default()).unwrap();
    assert_eq!(net.subnets.len(), 2);
    assert_eq!(net.subnets[0].subnet.to_string(), "10.89.0.0/24");
    let v6 = net.subnets[1].subnet;
    assert!(v6.is_ipv6() && v6.prefix() == 64 && v6.to_string().starts_with("fd"));
    assert_eq!(net.subnets[1].gateway, v6.first_host());
    assert!(net.ipv6_enabled);
}

#[test]
fn drivers_ipam_and_options_are_refused_in_podmans_words() {
    type Case = (fn(&mut CreateRequest), &'static str);
    let cases: [Case; 8] = [
        (|r| r.driver = "macvlan".into(), "unsupported driver macvlan: invalid argument"),
        (|r| r.ipam_driver = Some("dhcp".into()), "dhcp ipam driver is not yet supported with netavark"),
        (|r| r.ipam_driver = Some("x".into()), "unsupported ipam driver \"x\""),
        (|r| _ = r.options.insert("foo".into(), "1".into()), "unsupported bridge network option foo"),
        (|r| _ = r.options.insert("mtu".into(), "x".into()), "strconv.Atoi: parsing \"x\": invalid syntax"),
        (|r| _ = r.options.insert("mtu".into(), "-1".into()), "mtu -1 is less than zero"),
        (|r| _ = r.options.insert("vlan".into(), "4095".into()), "vlan ID 4095 must be between 0 and 4094"),
        (
            |r| r.interface_name = Some("-br".into()),
            "bridge name -br invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument",
        ),
    ];
    for (change, message) in cases {
        let mut asked = request(Some("x"));
        change(&mut asked);
        assert_eq!(plan_with(asked, &[], &FakeHost::default()).unwrap_err().to_string(), message);
    }
    let mut asked = request(Some("x"));
    asked.options = BTreeMap::from([("isolate".into(), "1".into()), ("mtu".into(), "1400".into())]);
    let net = plan_with(asked, &[], &FakeHost::default()).unwrap();
    assert_eq!(net.options["isolate"], "true", "netavark reads only true/false");
}

#[test]
fn ipam_none_has_no_subnets_and_no_dns() {
    let mut asked = request(Some("bare"));
    asked.ipam_driver = Some("none".into());
    let net = plan_with(asked.clone(), &[], &FakeHost::default()).unwrap();
    assert!(net.subnets.is_empty() && !net.dns_enabled);
    asked.subnets = vec![Subnet { subnet: "10.99.0.0/24".parse().unwrap(), gateway: None, lease_range: None }];
    assert!(matches!(plan_with(asked, &[], &FakeHost::default()), Err(NetworkError::IpamNoneWithSubnets)));
}
