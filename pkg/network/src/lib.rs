//! Podman's networks as rpod shares them with Podman: the definitions (netavark's JSON files in
//! the network config directory), the rules `network create` fills them in by, and the
//! addresses containers get on them.
//!
//! [`NetworkConfigDir`] reads and writes the directory under Podman's lock, so rpod and Podman
//! see one set of networks; [`NetworkSettings`] are containers.conf's `[network]` keys;
//! [`ipam::allocate`] picks a container's addresses. Side effects of creation (the host's
//! interfaces) sit behind [`HostInterfaces`], faked in [`testing`].

mod cidr;
mod config_dir;
mod create;
mod error;
mod flags;
mod host;
pub mod ipam;
mod name;
pub mod netavark;
pub mod ports;
mod settings;
pub mod testing;
mod types;

pub use cidr::{CidrError, IpNet};
pub use config_dir::{NetworkConfigDir, DEFAULT_BRIDGE, DEFAULT_NETWORK_ID};
pub use create::CreateRequest;
pub use error::NetworkError;
pub use flags::{CreateFlagError, CreateFlags};
pub use host::{HostInterfaces, KernelInterfaces};
pub use name::NetworkName;
pub use settings::{default_subnet_pools, NetworkSettings, SubnetPool, DEFAULT_CONFIG_DIR};
pub use types::{
    go_html_escaped, go_time, to_podman_json, LeaseRange, Network, Route, Subnet, BRIDGE_DRIVER, HOST_LOCAL_IPAM,
};
