//! `network connect` and `network disconnect`: a container joins or leaves a network. The
//! config changes at once; a running container's namespace is set up (or torn down) on that
//! one network with netavark, and its recorded answer follows, as Podman does.

use std::path::Path;

use network::netavark::{NetavarkOptions, PerNetworkOptions};

use super::Runtime;
use crate::error::{Error, Result};
use crate::network::{NetworkSetupError, BRIDGE_MODE};
use crate::state::ContainerStatus;
use crate::store::{Container, Store};

/// Why a container cannot join or leave a network; Podman's words.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0:?} is not supported: invalid network mode")]
    NotBridge(String),
    #[error("container {container} is already connected to network {network:?}: network is already connected")]
    AlreadyConnected { container: String, network: String },
    #[error("container {container} is not connected to network {network}")]
    NotConnected { container: String, network: String },
}

impl Runtime<'_> {
    /// Connects `container` to network `name` (by name or ID) with `options` (aliases, a
    /// static address or MAC); its interface is the next free `ethN`.
    pub fn connect_network(&self, container: &Container, name: &str, mut options: PerNetworkOptions) -> Result<()> {
        let config = &container.config;
        if config.network_mode != BRIDGE_MODE {
            return Err(ConnectError::NotBridge(config.network_mode.clone()).into());
        }
        let network = self.networking.network(name)?;
        let name = network.name.to_string();
        if config.network.networks.contains_key(&name) {
            return Err(ConnectError::AlreadyConnected { container: config.id.clone(), network: name }.into());
        }
        let taken: Vec<&str> = config.network.networks.values().map(|o| o.interface_name.as_str()).collect();
        options.interface_name =
            (0..).map(|n| format!("eth{n}")).find(|i| !taken.contains(&i.as_str())).unwrap_or_default();
        let mut updated = config.clone();
        updated.network.networks.insert(name.clone(), options.clone());
        self.store.set_config(&updated)?;
        let current = self.store.lookup(&config.id)?;
        if current.state.state != ContainerStatus::Running || current.state.network.netns.is_empty() {
            return Ok(());
        }
        let netns = current.state.network.netns.clone();
        let joining = NetavarkOptions {
            container_id: config.id.clone(),
            container_name: config.name.clone(),
            port_mappings: Vec::new(),
            networks: [(name.clone(), options)].into(),
            network_info: [(name.clone(), network)].into(),
        };
        let networks = joining.network_info.clone();
        let mut reserved =
            self.store.reserve_addresses(&config.id, joining, &networks, current.state.network.clone())?;
        reserved.network_info = networks;
        match self.networking.setup(Path::new(&netns), &reserved) {
            Ok(status) => {
                let mut state = self.store.lookup(&config.id)?.state.network;
                state.status.extend(status);
                self.store.set_network_state(&config.id, &state)
            }
            Err(err) => {
                let mut state = self.store.lookup(&config.id)?.state.network;
                state.status.remove(&name);
                self.store.set_network_state(&config.id, &state)?;
                self.store.set_config(config)?;
                Err(err.into())
            }
        }
    }

    /// Disconnects `container` from network `name`: a running container's interface there is
    /// torn down first.
    pub fn disconnect_network(&self, container: &Container, name: &str) -> Result<()> {
        let config = &container.config;
        let name = match self.networking.network(name) {
            Ok(network) => network.name.to_string(),
            Err(_) => name.to_string(),
        };
        let Some(options) = config.network.networks.get(&name).cloned() else {
            return Err(ConnectError::NotConnected { container: config.name.clone(), network: name }.into());
        };
        let current = self.store.lookup(&config.id)?;
        if current.state.state == ContainerStatus::Running && !current.state.network.netns.is_empty() {
            let mut options = options;
            if let Some(block) = current.state.network.status.get(&name) {
                options.static_ips = block.subnets().map(|s| s.ipnet.addr()).collect();
            }
            let teardown = NetavarkOptions {
                container_id: config.id.clone(),
                container_name: config.name.clone(),
                port_mappings: Vec::new(),
                networks: [(name.clone(), options)].into(),
                network_info: [(name.clone(), self.networking.network(&name)?)].into(),
            };
            self.networking.teardown(Path::new(&current.state.network.netns), &teardown)?;
            let mut state = current.state.network.clone();
            state.status.remove(&name);
            self.store.set_network_state(&config.id, &state)?;
        }
        let mut updated = config.clone();
        updated.network.networks.remove(&name);
        self.store.set_config(&updated)
    }
}

impl Store {
    /// Replaces a container's stored config (only `network connect`/`disconnect` change one).
    fn set_config(&self, config: &crate::ContainerConfig) -> Result<()> {
        let tx = self.write_transaction()?;
        let changed = tx.execute(
            "UPDATE ContainerConfig SET JSON = ?2 WHERE ID = ?1",
            rusqlite::params![config.id, crate::store::to_json(config)?],
        )?;
        tx.commit()?;
        if changed == 0 {
            return Err(Error::NoSuchContainer(config.id.clone()));
        }
        Ok(())
    }
}

impl From<ConnectError> for Error {
    fn from(err: ConnectError) -> Error {
        Error::Network(NetworkSetupError::Connect(err))
    }
}
