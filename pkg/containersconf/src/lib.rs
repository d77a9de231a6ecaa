//! containers.conf, read the way Podman reads it, for the keys rpod honours.
//!
//! Podman starts from defaults compiled into it, then merges the files [`Sources`] lists, in
//! order, each key a later file sets replacing the earlier value (arrays are replaced, not
//! appended). A file that does not exist is skipped; one that does not parse is an error naming
//! it, as Podman refuses to run with one. Keys rpod does not know are ignored, as Podman ignores
//! keys it does not know.
//!
//! Only `create` (the container's security profile) and the container monitor (the OCI
//! runtime) load it: commands that only read the store never pay for the parse.

mod files;
mod keys;

use std::path::{Path, PathBuf};

pub use files::Sources;
pub use keys::DecodeError;

/// Capabilities a container gets when containers.conf sets no `default_capabilities` (Podman
/// 4.4 and later compile these in; Debian's `/usr/share/containers/containers.conf` lists the
/// same eleven).
pub const DEFAULT_CAPABILITIES: [&str; 11] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
];

/// The merged configuration: Podman's compiled-in defaults overridden by the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainersConf {
    /// The `[containers]` table.
    pub containers: ContainersTable,
    /// The `[engine]` table.
    pub engine: EngineTable,
    /// The `[network]` table.
    pub network: NetworkTable,
    /// Where Podman looks for a seccomp profile when `seccomp_profile` is unset.
    seccomp_candidates: [PathBuf; 2],
}

/// The keys of `[containers]` rpod honours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainersTable {
    /// `default_capabilities`: every container's capabilities before `--cap-add`/`--cap-drop`,
    /// as written (`CHOWN` or `CAP_CHOWN`, any case).
    pub default_capabilities: Vec<String>,
    /// `default_sysctls`: `name=value` entries set in every container.
    pub default_sysctls: Vec<String>,
    /// `default_ulimits`: `name=soft:hard` entries, as if given with `--ulimit`.
    pub default_ulimits: Vec<String>,
    /// `seccomp_profile`: the default seccomp profile, when a file sets one.
    pub seccomp_profile: Option<PathBuf>,
    /// `netns`: the network mode of a container created without `--network` (`private`, the
    /// compiled-in default, is a bridge on the default network for root; `host`, `none`, …).
    pub netns: String,
}

/// The keys of `[network]` rpod honours, as written (the network crate parses them).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkTable {
    /// `default_network`: the network a container joins when it names none (Podman: `podman`).
    pub default_network: Option<String>,
    /// `default_subnet`: the default network's subnet (Podman: `10.88.0.0/16`).
    pub default_subnet: Option<String>,
    /// `default_subnet_pools`: where `network create` looks for a free subnet.
    pub default_subnet_pools: Option<Vec<SubnetPool>>,
    /// `network_config_dir`: where network definitions live (Podman, as root:
    /// `/etc/containers/networks`).
    pub network_config_dir: Option<std::path::PathBuf>,
}

/// One entry of `default_subnet_pools`: subnets of `size` bits carved from `base`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct SubnetPool {
    pub base: String,
    pub size: u8,
}

/// The keys of `[engine]` rpod honours.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EngineTable {
    /// `runtime`: the OCI runtime to use when `--runtime` is not given.
    pub runtime: Option<String>,
}

impl ContainersConf {
    /// Podman's compiled-in defaults, before any file is read.
    pub fn builtin(sources: &Sources) -> ContainersConf {
        ContainersConf {
            containers: ContainersTable {
                default_capabilities: DEFAULT_CAPABILITIES.iter().map(|c| c.to_string()).collect(),
                default_sysctls: Vec::new(),
                default_ulimits: Vec::new(),
                seccomp_profile: None,
                netns: "private".to_string(),
            },
            engine: EngineTable::default(),
            network: NetworkTable::default(),
            seccomp_candidates: sources.seccomp_candidates.clone(),
        }
    }

    /// The configuration `sources` give: the defaults, then every file in order.
    pub fn load(sources: &Sources) -> Result<ContainersConf, Error> {
        let mut conf = ContainersConf::builtin(sources);
        for path in sources.files()? {
            if let Some(layer) = keys::read_layer(&path)? {
                layer.apply_to(&mut conf);
            }
        }
        Ok(conf)
    }

    /// The configuration of this host's files and environment (`CONTAINERS_CONF`,
    /// `CONTAINERS_CONF_OVERRIDE`).
    pub fn load_host() -> Result<ContainersConf, Error> {
        ContainersConf::load(&Sources::host())
    }

    /// The seccomp profile a container gets when the user names none: `seccomp_profile` when a
    /// file sets it (even if it does not exist: creating then fails, as in Podman), else
    /// `/etc/containers/seccomp.json`, else `/usr/share/containers/seccomp.json`, else none.
    pub fn default_seccomp_profile(&self) -> Option<PathBuf> {
        if let Some(path) = &self.containers.seccomp_profile {
            return Some(path.clone());
        }
        self.seccomp_candidates.iter().find(|p| p.exists()).cloned()
    }

    /// Whether `path` is one of the profiles Podman uses by default: a `--privileged`
    /// container runs without seccomp unless the user names another profile.
    pub fn is_builtin_seccomp_path(&self, path: &Path) -> bool {
        self.seccomp_candidates.iter().any(|p| p == path)
    }
}

/// Why containers.conf could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `CONTAINERS_CONF` names a file that cannot be found (Podman refuses to run then).
    #[error("CONTAINERS_CONF file {}", path.display())]
    MissingOnlyFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file or `.d` directory that exists but cannot be read.
    #[error("reading containers.conf {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file that is not valid TOML, or gives a key the wrong type.
    #[error("reading containers.conf {}: decoding configuration", path.display())]
    Decode {
        path: PathBuf,
        #[source]
        source: DecodeError,
    },
}

#[cfg(test)]
mod tests;
