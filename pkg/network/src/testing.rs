//! Fakes for unit tests of code that uses networks: a host with chosen interfaces, and a
//! plain network value to adjust.

use std::collections::BTreeSet;

use crate::host::HostInterfaces;
use crate::{IpNet, Network, NetworkError, NetworkName};

/// A host whose interfaces and address subnets are what the test says.
#[derive(Debug, Clone, Default)]
pub struct FakeHost {
    pub names: BTreeSet<String>,
    pub subnets: Vec<IpNet>,
}

impl FakeHost {
    /// A host with loopback only (`lo`, `127.0.0.0/8`).
    pub fn loopback() -> FakeHost {
        FakeHost { names: ["lo".to_string()].into(), subnets: vec!["127.0.0.0/8".parse().expect("a valid constant")] }
    }
}

impl HostInterfaces for FakeHost {
    fn names(&self) -> Result<BTreeSet<String>, NetworkError> {
        Ok(self.names.clone())
    }

    fn subnets(&self) -> Result<Vec<IpNet>, NetworkError> {
        Ok(self.subnets.clone())
    }
}

/// A bridge network named `name` with no subnet, labels or options, created at Go's zero time.
pub fn network(name: &str) -> Network {
    Network {
        name: NetworkName::parse(name).expect("a valid test name"),
        id: format!("{:a>64}", name.len()),
        driver: crate::BRIDGE_DRIVER.to_string(),
        network_interface: String::new(),
        created: crate::types::go_time::zero(),
        subnets: Vec::new(),
        routes: Vec::new(),
        ipv6_enabled: false,
        internal: false,
        dns_enabled: false,
        network_dns_servers: Vec::new(),
        labels: Default::default(),
        options: Default::default(),
        ipam_options: Default::default(),
    }
}
