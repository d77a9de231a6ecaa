//! The `[network]` keys of containers.conf, parsed once, with Podman's defaults.

use std::path::PathBuf;

use containersconf::ContainersConf;

use crate::{IpNet, NetworkError, NetworkName};

/// Where networks are defined as root, when containers.conf names no `network_config_dir`.
pub const DEFAULT_CONFIG_DIR: &str = "/etc/containers/networks";

/// Podman's default network name.
pub const DEFAULT_NETWORK_NAME: &str = "podman";

/// Podman's default network subnet.
pub const DEFAULT_SUBNET: &str = "10.88.0.0/16";

/// Subnets of `size` bits carved in order from `base`, where `network create` looks for a free one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubnetPool {
    pub base: IpNet,
    pub size: u8,
}

/// What the network code needs from containers.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSettings {
    /// `network_config_dir`.
    pub config_dir: PathBuf,
    /// `default_network`.
    pub default_network: NetworkName,
    /// `default_subnet`.
    pub default_subnet: IpNet,
    /// `default_subnet_pools`.
    pub subnet_pools: Vec<SubnetPool>,
}

impl NetworkSettings {
    /// Podman's defaults with the keys `conf` sets.
    pub fn from_conf(conf: &ContainersConf) -> Result<NetworkSettings, NetworkError> {
        let table = &conf.network;
        let default_network = NetworkName::parse(table.default_network.as_deref().unwrap_or(DEFAULT_NETWORK_NAME))?;
        let subnet_text = table.default_subnet.as_deref().unwrap_or(DEFAULT_SUBNET);
        let default_subnet =
            subnet_text.parse().map_err(|_| NetworkError::InvalidDefaultSubnet(subnet_text.to_string()))?;
        let subnet_pools = match &table.default_subnet_pools {
            None => default_subnet_pools(),
            Some(pools) => pools
                .iter()
                .map(|pool| {
                    let base: IpNet =
                        pool.base.parse().map_err(|_| NetworkError::InvalidSubnetPool(pool.base.clone()))?;
                    Ok(SubnetPool { base: base.network(), size: pool.size })
                })
                .collect::<Result<_, NetworkError>>()?,
        };
        Ok(NetworkSettings {
            config_dir: table.network_config_dir.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_DIR)),
            default_network,
            default_subnet,
            subnet_pools,
        })
    }
}

/// Podman's compiled-in pools: `10.89.0.0/24` up to `10.255.255.0/24`.
pub fn default_subnet_pools() -> Vec<SubnetPool> {
    ["10.89.0.0/16", "10.90.0.0/15", "10.92.0.0/14", "10.96.0.0/11", "10.128.0.0/9"]
        .iter()
        .map(|base| SubnetPool { base: base.parse().expect("a valid constant"), size: 24 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podman_defaults_and_conf_overrides() {
        let sources = containersconf::Sources::from_env(|_| None);
        let mut conf = ContainersConf::builtin(&sources);
        let settings = NetworkSettings::from_conf(&conf).unwrap();
        assert_eq!(settings.config_dir, PathBuf::from("/etc/containers/networks"));
        assert_eq!(settings.default_network.as_str(), "podman");
        assert_eq!(settings.default_subnet.to_string(), "10.88.0.0/16");
        assert_eq!(settings.subnet_pools.len(), 5);
        conf.network.default_subnet = Some("bad".into());
        assert_eq!(
            NetworkSettings::from_conf(&conf).unwrap_err().to_string(),
            "invalid default_subnet \"bad\" in containers.conf"
        );
    }
}
