//! One file's worth of the keys rpod honours, and how it overrides what came before.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{ContainersConf, Error, SubnetPool};

/// The keys one file sets; `None` for a key it leaves alone.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Layer {
    #[serde(default)]
    containers: ContainersLayer,
    #[serde(default)]
    engine: EngineLayer,
    #[serde(default)]
    network: NetworkLayer,
}

#[derive(Debug, Default, Deserialize)]
struct ContainersLayer {
    default_capabilities: Option<Vec<String>>,
    default_sysctls: Option<Vec<String>>,
    default_ulimits: Option<Vec<String>>,
    seccomp_profile: Option<String>,
    netns: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct NetworkLayer {
    default_network: Option<String>,
    default_subnet: Option<String>,
    default_subnet_pools: Option<Vec<SubnetPool>>,
    network_config_dir: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct EngineLayer {
    runtime: Option<String>,
}

impl Layer {
    /// Replaces in `conf` every key this file sets.
    pub(crate) fn apply_to(self, conf: &mut ContainersConf) {
        let (containers, engine, network) = (self.containers, self.engine, self.network);
        let target = &mut conf.containers;
        replace(&mut target.default_capabilities, containers.default_capabilities);
        replace(&mut target.default_sysctls, containers.default_sysctls);
        replace(&mut target.default_ulimits, containers.default_ulimits);
        // An empty string is Go's zero value: Podman treats it as unset.
        if let Some(profile) = containers.seccomp_profile {
            target.seccomp_profile = (!profile.is_empty()).then(|| PathBuf::from(profile));
        }
        if let Some(netns) = containers.netns.filter(|n| !n.is_empty()) {
            target.netns = netns;
        }
        if let Some(runtime) = engine.runtime {
            conf.engine.runtime = (!runtime.is_empty()).then_some(runtime);
        }
        let target = &mut conf.network;
        replace_unless_empty(&mut target.default_network, network.default_network);
        replace_unless_empty(&mut target.default_subnet, network.default_subnet);
        replace(&mut target.default_subnet_pools, network.default_subnet_pools.map(Some));
        if let Some(dir) = network.network_config_dir.filter(|d| !d.is_empty()) {
            target.network_config_dir = Some(PathBuf::from(dir));
        }
    }
}

/// A string key set to `""` is Go's zero value: Podman keeps the earlier value.
fn replace_unless_empty(slot: &mut Option<String>, value: Option<String>) {
    if let Some(value) = value.filter(|v| !v.is_empty()) {
        *slot = Some(value);
    }
}

fn replace<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// The keys of the file at `path`, or `None` when it does not exist.
pub(crate) fn read_layer(path: &Path) -> Result<Option<Layer>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Read { path: path.to_path_buf(), source }),
    };
    toml::from_str(&text)
        .map(Some)
        .map_err(|err| Error::Decode { path: path.to_path_buf(), source: DecodeError::new(&text, &err) })
}

/// Where and why a file failed to decode, on one line (the TOML parser's own text spans
/// several, with a drawing of the line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct DecodeError {
    /// 1-based line of the fault (1 when the parser gives no position).
    pub line: usize,
    /// What is wrong there.
    pub message: String,
}

impl DecodeError {
    fn new(text: &str, err: &toml::de::Error) -> DecodeError {
        let line = err
            .span()
            .map(|span| text.as_bytes()[..span.start.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1)
            .unwrap_or(1);
        let message = err.message().lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(", ");
        DecodeError { line, message }
    }
}
