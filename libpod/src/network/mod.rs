//! A container's networking: what it asked for at create time ([`NetworkConfig`], Podman 4.3's
//! keys), how `--network`, `--ip`, `--mac-address`, `--network-alias`, `-p` and `-P` become
//! that ([`NetworkRequest::resolve`]), and the side effects of giving it a network namespace
//! ([`ContainerNetworking`]: a persistent namespace, then netavark), which the lifecycle
//! (`container/network.rs`) drives at start and undoes at every exit.

pub mod inspect;
pub mod netns;
mod request;
pub mod spec;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use network::netavark::{Netavark, NetavarkOptions, PerNetworkOptions, StatusBlock};
use network::ports::PortMapping;
use serde::{Deserialize, Serialize};

pub use request::{NetworkChoice, NetworkRequest, NetworkRequestError, ResolvedNetwork};

/// `networkMode` of a container on networks through netavark (Podman's `bridge`).
pub const BRIDGE_MODE: &str = "bridge";

/// The networks and ports of a container, fixed at create time; flattened into
/// [`crate::ContainerConfig`] with Podman 4.3's keys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NetworkConfig {
    /// The container gets a network namespace configured by netavark (bridge mode).
    #[serde(rename = "createNetNS", default, skip_serializing_if = "std::ops::Not::not")]
    pub create_netns: bool,
    /// Its settings on each network it joins, by network name.
    #[serde(rename = "newNetworks", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, PerNetworkOptions>,
    /// `-p`/`-P`, host ports already chosen.
    #[serde(rename = "newPortMappings", default, skip_serializing_if = "Vec::is_empty")]
    pub port_mappings: Vec<PortMapping>,
}

/// What netavark set up for a running container, kept in its state (Podman's `netns` and
/// `networkStatus`) so that whoever comes next — the monitor after the exit, or `rm`,
/// `start` or `system` cleanup after a crash — can undo it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NetworkState {
    /// The bind-mounted namespace file; empty when none exists.
    #[serde(rename = "netns", default, skip_serializing_if = "String::is_empty")]
    pub netns: String,
    /// netavark's answer by network name.
    #[serde(rename = "networkStatus", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub status: BTreeMap<String, StatusBlock>,
}

/// Why a container's network could not be set up or torn down.
#[derive(Debug, thiserror::Error)]
pub enum NetworkSetupError {
    #[error("creating the network namespace of container {id}: {source}")]
    Namespace {
        id: String,
        #[source]
        source: std::io::Error,
    },
    #[error("removing network namespace {}: {source}", path.display())]
    RemoveNamespace {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Network(#[from] network::NetworkError),
    #[error(transparent)]
    Conf(Box<containersconf::Error>),
    #[error(transparent)]
    Connect(#[from] crate::container::ConnectError),
    #[error(transparent)]
    Netavark(#[from] network::netavark::NetavarkError),
    #[error("unexpected netavark result length, want ({want}), got ({got}) networks")]
    ResultLength { want: usize, got: usize },
}

/// The side effects behind a container's network: the network definitions, namespaces and
/// netavark. Owned here, the real one is [`HostNetworking`]; unit tests use a fake.
pub trait ContainerNetworking {
    /// The definition of the network `name` (the default one is made up when no file has it).
    fn network(&self, name: &str) -> Result<network::Network, NetworkSetupError>;
    /// A new persistent network namespace; its path.
    fn create_namespace(&self, id: &str) -> Result<PathBuf, NetworkSetupError>;
    /// Unmounts and deletes a namespace [`ContainerNetworking::create_namespace`] made.
    fn remove_namespace(&self, path: &Path) -> Result<(), NetworkSetupError>;
    /// `netavark setup`.
    fn setup(
        &self,
        netns: &Path,
        options: &NetavarkOptions,
    ) -> Result<BTreeMap<String, StatusBlock>, NetworkSetupError>;
    /// `netavark teardown`.
    fn teardown(&self, netns: &Path, options: &NetavarkOptions) -> Result<(), NetworkSetupError>;
}

/// Namespaces under `<runroot>/netns`, netavark with its state under `<runroot>/networks`.
#[derive(Debug, Clone)]
pub struct HostNetworking {
    netns_dir: PathBuf,
    netavark: Netavark,
}

impl HostNetworking {
    /// The real side effects for the store whose runroot is `runroot`.
    pub fn new(runroot: &Path) -> HostNetworking {
        HostNetworking { netns_dir: runroot.join("netns"), netavark: Netavark::new(&runroot.join("networks")) }
    }
}

impl ContainerNetworking for HostNetworking {
    fn network(&self, name: &str) -> Result<network::Network, NetworkSetupError> {
        let conf = containersconf::ContainersConf::load_host().map_err(|e| NetworkSetupError::Conf(Box::new(e)))?;
        Ok(network::NetworkConfigDir::from_conf(&conf)?.load(name)?)
    }

    fn create_namespace(&self, id: &str) -> Result<PathBuf, NetworkSetupError> {
        netns::create(&self.netns_dir).map_err(|source| NetworkSetupError::Namespace { id: id.to_string(), source })
    }

    fn remove_namespace(&self, path: &Path) -> Result<(), NetworkSetupError> {
        netns::remove(path).map_err(|source| NetworkSetupError::RemoveNamespace { path: path.to_path_buf(), source })
    }

    fn setup(
        &self,
        netns: &Path,
        options: &NetavarkOptions,
    ) -> Result<BTreeMap<String, StatusBlock>, NetworkSetupError> {
        Ok(self.netavark.setup(netns, options)?)
    }

    fn teardown(&self, netns: &Path, options: &NetavarkOptions) -> Result<(), NetworkSetupError> {
        Ok(self.netavark.teardown(netns, options)?)
    }
}

/// Resolves `request` with this host's containers.conf (`[containers] netns`, the `[network]`
/// keys) and network definitions; `exposed` are the image's ports for `-P`.
pub fn resolve_on_host(request: &NetworkRequest, exposed: &[String]) -> crate::Result<ResolvedNetwork> {
    let conf = containersconf::ContainersConf::load_host()?;
    let dir = network::NetworkConfigDir::from_conf(&conf).map_err(NetworkRequestError::from)?;
    let canonical = |name: &str| dir.load(name).map(|n| n.name.to_string());
    let default_network = dir.settings().default_network.to_string();
    Ok(request.resolve(&conf.containers.netns, &default_network, &canonical, exposed)?)
}

impl NetworkState {
    /// Every address the container holds, by network name.
    pub fn addresses(&self) -> impl Iterator<Item = (&str, std::net::IpAddr)> {
        self.status.iter().flat_map(|(name, block)| block.subnets().map(move |s| (name.as_str(), s.ipnet.addr())))
    }
}
