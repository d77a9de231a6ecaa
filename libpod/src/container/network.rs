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
use network::{Network, NetworkConfigDir, NetworkSettings};

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
        let networks = load_networks(&container)?;
        let netns = self.networking.create_namespace(id).map_err(Error::from)?;
        let state = NetworkState { netns: netns.display().to_string(), status: BTreeMap::new() };
        let mut options = match self.store.reserve_addresses(id, &networks, state) {
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
            match teardown_options(&current) {
                Ok(options) => {
                    if let Err(err) = self.networking.teardown(netns, &options) {
                        tracing::warn!("tearing down the network of container {id}: {err}");
                    }
                }
                Err(err) => tracing::warn!("tearing down the network of container {id}: {err}"),
            }
        }
        self.networking.remove_namespace(netns).map_err(Error::from)?;
        match self.store.set_network_state(id, &NetworkState::default()) {
            Ok(()) | Err(Error::NoSuchContainer(_)) => Ok(()),
            Err(err) => Err(err),
        }
    }
}

/// The definitions of the networks `container` joins, by name.
fn load_networks(container: &Container) -> Result<BTreeMap<String, Network>> {
    let conf = containersconf::ContainersConf::load_host()?;
    let dir = NetworkConfigDir::new(NetworkSettings::from_conf(&conf).map_err(NetworkSetupError::from)?);
    let mut networks = BTreeMap::new();
    for name in container.config.network.networks.keys() {
        networks.insert(name.clone(), dir.load(name).map_err(NetworkSetupError::from)?);
    }
    Ok(networks)
}

/// The options of the teardown: the container's networks with the addresses it was given.
fn teardown_options(container: &Container) -> Result<NetavarkOptions> {
    let mut options = base_options(container);
    for (name, per_network) in options.networks.iter_mut() {
        if let Some(block) = container.state.network.status.get(name) {
            per_network.static_ips =
                block.interfaces.values().flat_map(|i| &i.subnets).map(|s| s.ipnet.addr()).collect();
        }
    }
    let networks = load_networks(container)?;
    options.networks.retain(|name, _| networks.contains_key(name));
    options.network_info = networks;
    Ok(options)
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
    /// Chooses container `id`'s addresses on `networks` and records them with `state` (its
    /// namespace) in one write transaction, so two containers starting at once never get the
    /// same address: the addresses held are those in every other container's recorded status.
    /// Returns the netavark options with the addresses filled in.
    fn reserve_addresses(
        &self,
        id: &str,
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
        let mut options = base_options(&container);
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
    fn set_network_state(&self, id: &str, network: &NetworkState) -> Result<()> {
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
