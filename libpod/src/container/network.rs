//! A bridged container's network around its runs: [`Runtime::attach_network`] before the OCI
//! runtime creates it (a persistent namespace, addresses reserved in the store, `netavark
//! setup`), [`Runtime::detach_network`] after every exit and wherever a crash may have left
//! one behind (`start`, `rm`): `netavark teardown`, then the namespace unmounted and deleted.
//! What was set up is recorded in the container's state as soon as it exists, so a process
//! killed half-way leaves the next one enough to undo it.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use network::netavark::{NetAddress, NetInterface, NetavarkOptions, StatusBlock};
use network::Network;

use super::Runtime;
use crate::error::{Error, Result};
use crate::network::{NetworkSetupError, NetworkState};
use crate::store::{Container, Store};

impl Runtime<'_> {
    /// Gives container `id` its network for the run about to start, and returns what netavark
    /// set up (nothing for `host` and `none`). Whatever a previous run left is undone first.
    pub fn attach_network(&self, id: &str) -> Result<NetworkState> {
        let container = self.store.lookup(id)?;
        self.detach_network(&container)?;
        if !container.config.network.create_netns {
            return Ok(NetworkState::default());
        }
        let networks = self.load_networks(&container)?;
        let netns = self.networking.create_namespace(id).map_err(Error::from)?;
        let state = NetworkState { netns: netns.display().to_string(), status: BTreeMap::new() };
        let mut options = match self.store.reserve_addresses(id, base_options(&container), &networks, state) {
            Ok(options) => options,
            Err(err) => {
                let _ = self.networking.remove_namespace(&netns);
                return Err(err);
            }
        };
        options.network_info = networks;
        let outcome = self.networking.setup(&netns, &options).map_err(Error::from).and_then(|status| {
            if status.len() == options.networks.len() {
                Ok(status)
            } else {
                Err(NetworkSetupError::ResultLength { want: options.networks.len(), got: status.len() }.into())
            }
        });
        let state = match outcome {
            Ok(status) => NetworkState { netns: netns.display().to_string(), status },
            Err(err) => {
                let _ = self.detach_network(&self.store.lookup(id)?);
                return Err(err);
            }
        };
        self.store.set_network_state(id, &state)?;
        Ok(state)
    }

    /// Undoes what [`Runtime::attach_network`] recorded for `container` (looked up again, as
    /// another process may have done it meanwhile): netavark's teardown, then the namespace.
    /// A teardown netavark refuses is logged and the namespace still removed, so nothing stays
    /// mounted; the record is cleared once the namespace is gone.
    pub fn detach_network(&self, container: &Container) -> Result<()> {
        let id = &container.config.id;
        let current = match self.store.lookup(id) {
            Ok(current) => current,
            Err(Error::NoSuchContainer(_)) => container.clone(),
            Err(err) => return Err(err),
        };
        let recorded = &current.state.network;
        if recorded.netns.is_empty() {
            return Ok(());
        }
        let netns = Path::new(&recorded.netns);
        if !recorded.status.is_empty() {
            if let Err(err) = self.networking.teardown(netns, &self.teardown_options(&current)) {
                tracing::warn!("tearing down the network of container {id}: {err}");
            }
        }
        self.networking.remove_namespace(netns).map_err(Error::from)?;
        match self.store.set_network_state(id, &NetworkState::default()) {
            Ok(()) | Err(Error::NoSuchContainer(_)) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// The definitions of the networks `container` joins, by name.
    fn load_networks(&self, container: &Container) -> Result<BTreeMap<String, Network>> {
        let mut networks = BTreeMap::new();
        for name in container.config.network.networks.keys() {
            networks.insert(name.clone(), self.networking.network(name)?);
        }
        Ok(networks)
    }

    /// The options of the teardown: the container's networks with the addresses it was given
    /// (a network removed meanwhile is left out: netavark needs its definition).
    fn teardown_options(&self, container: &Container) -> NetavarkOptions {
        let mut options = base_options(container);
        for (name, per_network) in options.networks.iter_mut() {
            if let Some(block) = container.state.network.status.get(name) {
                per_network.static_ips = block.subnets().map(|s| s.ipnet.addr()).collect();
            }
        }
        let mut networks = BTreeMap::new();
        for name in options.networks.keys() {
            match self.networking.network(name) {
                Ok(network) => {
                    networks.insert(name.clone(), network);
                }
                Err(err) => tracing::warn!("container {}: {err}", container.config.id),
            }
        }
        options.networks.retain(|name, _| networks.contains_key(name));
        options.network_info = networks;
        options
    }
}

fn base_options(container: &Container) -> NetavarkOptions {
    let config = &container.config;
    NetavarkOptions {
        container_id: config.id.clone(),
        container_name: config.name.clone(),
        port_mappings: config.network.port_mappings.clone(),
        networks: config.network.networks.clone(),
        network_info: BTreeMap::new(),
    }
}

impl Store {
    /// Chooses container `id`'s addresses on the networks of `options` (defined in `networks`)
    /// and records them in `state` (its namespace, what it already holds) in one write
    /// transaction, so two containers starting at once never get the same address: the
    /// addresses held are those in every other container's recorded status. Returns `options`
    /// with the addresses filled in.
    pub(super) fn reserve_addresses(
        &self,
        id: &str,
        mut options: NetavarkOptions,
        networks: &BTreeMap<String, Network>,
        mut state: NetworkState,
    ) -> Result<NetavarkOptions> {
        let tx = self.write_transaction()?;
        let mut held: BTreeMap<String, BTreeMap<IpAddr, String>> = BTreeMap::new();
        let mut this = None;
        {
            let mut stmt =
                tx.prepare("SELECT c.ID, c.JSON, s.JSON FROM ContainerConfig c JOIN ContainerState s ON s.ID = c.ID")?;
            let rows = stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?)))?;
            for row in rows {
                let (other_id, config, other_state): (String, String, String) = row?;
                let corrupt = |source| Error::Corrupt { id: other_id.clone(), source };
                let other_state: crate::ContainerState = serde_json::from_str(&other_state).map_err(corrupt)?;
                if other_id == id {
                    let config: crate::ContainerConfig = serde_json::from_str(&config).map_err(corrupt)?;
                    this = Some(Container { config, state: other_state });
                    continue;
                }
                for (network, ip) in other_state.network.addresses() {
                    held.entry(network.to_string()).or_default().insert(ip, other_id.clone());
                }
            }
        }
        let mut container = this.ok_or_else(|| Error::NoSuchContainer(id.to_string()))?;
        let empty = BTreeMap::new();
        for (name, per_network) in options.networks.iter_mut() {
            let network = networks.get(name).ok_or_else(|| network::NetworkError::NotFound(name.clone()));
            let network = network.map_err(NetworkSetupError::from)?;
            let assigned = network::ipam::allocate(network, held.get(name).unwrap_or(&empty), &per_network.static_ips)
                .map_err(NetworkSetupError::from)?;
            per_network.static_ips = assigned.iter().map(|a| a.address.addr()).collect();
            let subnets = assigned.iter().map(|a| NetAddress { ipnet: a.address, gateway: a.gateway }).collect();
            let interface = NetInterface { mac_address: String::new(), subnets };
            let block = StatusBlock {
                interfaces: [(per_network.interface_name.clone(), interface)].into(),
                ..Default::default()
            };
            state.status.insert(name.clone(), block);
        }
        container.state.network = state;
        tx.execute(
            "UPDATE ContainerState SET JSON = ?2 WHERE ID = ?1",
            rusqlite::params![id, crate::store::to_json(&container.state)?],
        )?;
        tx.commit()?;
        Ok(options)
    }

    /// Replaces the network part of container `id`'s state, leaving the rest as it is.
    pub(super) fn set_network_state(&self, id: &str, network: &NetworkState) -> Result<()> {
        let tx = self.write_transaction()?;
        let json: String = tx
            .query_row("SELECT JSON FROM ContainerState WHERE ID = ?1", [id], |row| row.get(0))
            .map_err(|_| Error::NoSuchContainer(id.to_string()))?;
        let mut state: crate::ContainerState =
            serde_json::from_str(&json).map_err(|source| Error::Corrupt { id: id.to_string(), source })?;
        state.network = network.clone();
        tx.execute(
            "UPDATE ContainerState SET JSON = ?2 WHERE ID = ?1",
            rusqlite::params![id, crate::store::to_json(&state)?],
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::path::PathBuf;
    use std::rc::Rc;

    use network::netavark::PerNetworkOptions;

    use super::super::testing::World;
    use super::*;
    use crate::network::{ContainerNetworking, NetworkConfig};

    /// Namespaces as files in a directory, netavark as a log of calls; `setup` answers with
    /// the addresses it was given, or fails when told to.
    #[derive(Clone, Default)]
    struct FakeNetworking {
        dir: Rc<PathBuf>,
        calls: Rc<RefCell<Vec<String>>>,
        fail_setup: bool,
    }

    impl FakeNetworking {
        fn new(dir: &Path) -> FakeNetworking {
            FakeNetworking { dir: Rc::new(dir.join("netns")), ..Default::default() }
        }

        fn calls(&self) -> Vec<String> {
            self.calls.borrow().clone()
        }

        fn namespaces(&self) -> usize {
            std::fs::read_dir(&*self.dir).map(|d| d.count()).unwrap_or(0)
        }
    }

    impl ContainerNetworking for FakeNetworking {
        fn network(&self, name: &str) -> Result<Network, NetworkSetupError> {
            let mut network = network::testing::network(name);
            let subnet: network::IpNet = "10.88.0.0/16".parse().unwrap();
            network.subnets = vec![network::Subnet { subnet, gateway: subnet.first_host(), lease_range: None }];
            Ok(network)
        }

        fn create_namespace(&self, id: &str) -> Result<PathBuf, NetworkSetupError> {
            std::fs::create_dir_all(&*self.dir).unwrap();
            let path = self.dir.join(format!("netns-{}", &id[..8]));
            std::fs::write(&path, "").unwrap();
            self.calls.borrow_mut().push("create".into());
            Ok(path)
        }

        fn remove_namespace(&self, path: &Path) -> Result<(), NetworkSetupError> {
            let _ = std::fs::remove_file(path);
            self.calls.borrow_mut().push("remove".into());
            Ok(())
        }

        fn setup(
            &self,
            _netns: &Path,
            options: &NetavarkOptions,
        ) -> Result<BTreeMap<String, StatusBlock>, NetworkSetupError> {
            let ips: Vec<String> =
                options.networks.values().flat_map(|o| &o.static_ips).map(|ip| ip.to_string()).collect();
            self.calls.borrow_mut().push(format!("setup {}", ips.join(",")));
            if self.fail_setup {
                return Err(NetworkSetupError::ResultLength { want: 1, got: 0 });
            }
            Ok(options
                .networks
                .iter()
                .map(|(name, o)| {
                    let subnets = o
                        .static_ips
                        .iter()
                        .map(|ip| NetAddress { ipnet: network::IpNet::new(*ip, 16).unwrap(), gateway: None });
                    let interface =
                        NetInterface { mac_address: "02:00:00:00:00:01".into(), subnets: subnets.collect() };
                    (
                        name.clone(),
                        StatusBlock {
                            interfaces: [(o.interface_name.clone(), interface)].into(),
                            ..Default::default()
                        },
                    )
                })
                .collect())
        }

        fn teardown(&self, _netns: &Path, options: &NetavarkOptions) -> Result<(), NetworkSetupError> {
            let ips: Vec<String> =
                options.networks.values().flat_map(|o| &o.static_ips).map(|ip| ip.to_string()).collect();
            self.calls.borrow_mut().push(format!("teardown {}", ips.join(",")));
            Ok(())
        }
    }

    fn bridged(config: &mut crate::ContainerConfig) {
        let options = PerNetworkOptions { interface_name: "eth0".into(), ..Default::default() };
        config.network = NetworkConfig {
            create_netns: true,
            networks: [("podman".to_string(), options)].into(),
            port_mappings: vec![],
        };
    }

    #[test]
    fn each_container_gets_the_next_free_address_and_its_record() {
        let world = World::new();
        let fake = FakeNetworking::new(world.store.runroot());
        let runtime = world.runtime().with_networking(Box::new(fake.clone()));
        let web = world.add("web", bridged);
        let db = world.add("db", bridged);
        let web_state = runtime.attach_network(&web.config.id).unwrap();
        runtime.attach_network(&db.config.id).unwrap();
        assert_eq!(fake.calls(), ["create", "setup 10.88.0.2", "create", "setup 10.88.0.3"]);
        assert_eq!(world.lookup("web").state.network, web_state, "the answer is recorded");
        assert!(Path::new(&web_state.netns).exists());
        let host = world.add("host", |c| c.network_mode = "host".into());
        assert_eq!(runtime.attach_network(&host.config.id).unwrap(), NetworkState::default());
        assert_eq!(fake.calls().len(), 4, "a host-network container has nothing set up");
    }

    #[test]
    fn a_failed_setup_is_undone_at_once() {
        let world = World::new();
        let fake = FakeNetworking { fail_setup: true, ..FakeNetworking::new(world.store.runroot()) };
        let runtime = world.runtime().with_networking(Box::new(fake.clone()));
        let web = world.add("web", bridged);
        assert!(runtime.attach_network(&web.config.id).is_err());
        assert_eq!(fake.calls(), ["create", "setup 10.88.0.2", "teardown 10.88.0.2", "remove"]);
        assert_eq!(world.lookup("web").state.network, NetworkState::default());
        assert_eq!(fake.namespaces(), 0);
    }

    #[test]
    fn what_a_crashed_monitor_left_is_torn_down_by_the_next_start_or_rm() {
        let world = World::new();
        let fake = FakeNetworking::new(world.store.runroot());
        let runtime = world.runtime().with_networking(Box::new(fake.clone()));
        let web = world.add("web", bridged);
        runtime.attach_network(&web.config.id).unwrap();
        // The monitor died here: the next start tears the old run down before setting up anew.
        runtime.attach_network(&web.config.id).unwrap();
        assert_eq!(fake.calls()[2..], ["teardown 10.88.0.2", "remove", "create", "setup 10.88.0.2"]);
        assert_eq!(fake.namespaces(), 1);
        runtime.remove(&world.lookup("web"), true, None).unwrap();
        assert_eq!(fake.calls()[6..], ["teardown 10.88.0.2", "remove"], "rm tears it down");
        assert_eq!(fake.namespaces(), 0);
        runtime.detach_network(&web).unwrap();
        assert_eq!(fake.calls().len(), 8, "nothing is torn down twice");
    }
}
