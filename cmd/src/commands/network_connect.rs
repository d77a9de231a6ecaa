//! `rpod network connect` and `network disconnect` (registered in [`super::network`]): a
//! container joins or leaves a network, at once when it runs.

use clap::Args;
use libpod::network::NetworkRequest;
use network::netavark::PerNetworkOptions;

use crate::global::GlobalArgs;

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Network scoped alias for the container (repeatable, comma-separated)
    #[arg(long = "alias", value_name = "NAME", value_delimiter = ',')]
    pub aliases: Vec<String>,
    /// Static IPv4 address for the container on the network
    #[arg(long, value_name = "IPV4")]
    pub ip: Option<String>,
    /// Static MAC address for the container on the network
    #[arg(long = "mac-address", value_name = "MAC")]
    pub mac_address: Option<String>,
    #[arg(value_name = "NETWORK")]
    pub network: String,
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

#[derive(Debug, Args)]
pub struct DisconnectArgs {
    /// Disconnect even when the container is not running (accepted for Podman's sake)
    #[arg(short = 'f', long)]
    pub force: bool,
    #[arg(value_name = "NETWORK")]
    pub network: String,
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

pub fn connect(args: ConnectArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let options = PerNetworkOptions {
        aliases: args.aliases,
        interface_name: String::new(),
        static_ips: args.ip.as_deref().map(NetworkRequest::parse_ip).transpose()?.into_iter().collect(),
        static_mac: args.mac_address.as_deref().map(NetworkRequest::parse_mac).transpose()?,
    };
    let store = global.open_store()?;
    let container = store.lookup(&args.container)?;
    libpod::Runtime::on_host(&store, None).connect_network(&container, &args.network, options)?;
    Ok(0)
}

pub fn disconnect(args: DisconnectArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let store = global.open_store()?;
    let container = store.lookup(&args.container)?;
    libpod::Runtime::on_host(&store, None).disconnect_network(&container, &args.network)?;
    Ok(0)
}
