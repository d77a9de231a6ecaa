//! The network flags of `create` and `run` (flattened into
//! [`crate::commands::create::CreateArgs`]): `--network`/`--net`, `--ip`, `--mac-address`,
//! `--network-alias`, `-p/--publish` and `-P/--publish-all`, parsed here once into libpod's
//! [`NetworkRequest`] with Podman's errors.

use clap::Args;
use libpod::network::{NetworkChoice, NetworkRequest};

use crate::go_flags;

/// `--network`, `--ip`, `--mac-address`, `--network-alias`, `-p`, `-P`.
#[derive(Debug, Clone, Args)]
pub struct NetworkFlags {
    /// Connect the container to a network: host, none, bridge, or network names (NAME[,NAME…])
    #[arg(long = "network", visible_alias = "net", value_name = "NETWORK")]
    pub network: Vec<String>,
    /// Specify a static IPv4 address for the container
    #[arg(long = "ip", value_name = "IPV4")]
    pub ip: Option<String>,
    /// Container MAC address (e.g. 92:d0:c6:0a:29:33)
    #[arg(long = "mac-address", value_name = "MAC")]
    pub mac_address: Option<String>,
    /// Add network-scoped alias for the container
    #[arg(long = "network-alias", value_name = "ALIAS", value_delimiter = ',')]
    pub network_alias: Vec<String>,
    /// Publish a container's port, or a range of ports, to the host: [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTO]
    #[arg(short = 'p', long = "publish", value_name = "PORT", value_delimiter = ',')]
    pub publish: Vec<String>,
    /// Publish all exposed ports to random ports on the host interface
    #[arg(short = 'P', long = "publish-all", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub publish_all: Option<bool>,
}

impl NetworkFlags {
    /// Every flag parsed; the first bad value is refused in Podman's words. Several
    /// `--network` flags join their networks, as in Podman.
    pub fn request(&self) -> anyhow::Result<NetworkRequest> {
        let choice = match self.network.as_slice() {
            [] => None,
            values => Some(values.join(",").parse::<NetworkChoice>()?),
        };
        let publish = self.publish.iter().map(|spec| spec.parse()).collect::<Result<Vec<_>, _>>()?;
        Ok(NetworkRequest {
            choice,
            ip: self.ip.as_deref().map(NetworkRequest::parse_ip).transpose()?,
            mac: self.mac_address.as_deref().map(NetworkRequest::parse_mac).transpose()?,
            aliases: self.network_alias.clone(),
            publish,
            publish_all: self.publish_all.unwrap_or(false),
        })
    }
}
