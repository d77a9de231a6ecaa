//! The network config directory (`/etc/containers/networks` for root, as Podman): one
//! `NAME.json` per network, read and written under Podman's own lock file (`netavark.lock`, a
//! POSIX record lock) so rpod and Podman can share the directory.

use std::fs::File;
use std::io::ErrorKind;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};

use crate::settings::NetworkSettings;
use crate::types::{BRIDGE_DRIVER, HOST_LOCAL_IPAM};
use crate::{Network, NetworkError, Subnet};

/// The ID Podman gives its default network, whatever its name (Podman 4 and 5 alike).
pub const DEFAULT_NETWORK_ID: &str = "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9";

/// The bridge of the default network.
pub const DEFAULT_BRIDGE: &str = "podman0";

/// Where the network definitions are, and what the default network is.
#[derive(Debug, Clone)]
pub struct NetworkConfigDir {
    settings: NetworkSettings,
}

impl NetworkConfigDir {
    /// The directory and defaults `settings` give.
    pub fn new(settings: NetworkSettings) -> NetworkConfigDir {
        NetworkConfigDir { settings }
    }

    /// The directory and defaults containers.conf's `[network]` table gives.
    pub fn from_conf(conf: &containersconf::ContainersConf) -> Result<NetworkConfigDir, NetworkError> {
        Ok(NetworkConfigDir::new(NetworkSettings::from_conf(conf)?))
    }

    /// The settings this directory was opened with.
    pub fn settings(&self) -> &NetworkSettings {
        &self.settings
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.settings.config_dir
    }

    /// Every network: the files that parse (others are skipped, as Podman skips them with a
    /// warning) and the default network, made up when no file defines it. Sorted by name.
    pub fn list(&self) -> Result<Vec<Network>, NetworkError> {
        let _lock = self.lock(LockKind::Shared)?;
        self.read_all()
    }

    /// The network named `name_or_id`, or else the one whose ID starts with it (Podman's
    /// lookup: an exact name wins, an ID prefix must be unique).
    pub fn load(&self, name_or_id: &str) -> Result<Network, NetworkError> {
        find(self.list()?, name_or_id)
    }

    /// The default network as Podman makes it up when no file defines it: a bridge `podman0`
    /// over `default_subnet` with the first address as gateway, NAT, no DNS, created now.
    pub fn default_network(&self) -> Network {
        let subnet = self.settings.default_subnet.network();
        Network {
            name: self.settings.default_network.clone(),
            id: DEFAULT_NETWORK_ID.to_string(),
            driver: BRIDGE_DRIVER.to_string(),
            network_interface: DEFAULT_BRIDGE.to_string(),
            created: now(),
            subnets: vec![Subnet { subnet, gateway: subnet.first_host(), lease_range: None }],
            routes: Vec::new(),
            ipv6_enabled: subnet.is_ipv6(),
            internal: false,
            dns_enabled: false,
            network_dns_servers: Vec::new(),
            labels: Default::default(),
            options: Default::default(),
            ipam_options: [("driver".to_string(), HOST_LOCAL_IPAM.to_string())].into(),
        }
    }

    /// Whether `network` is the default one (which cannot be removed).
    pub fn is_default(&self, network: &Network) -> bool {
        network.name == self.settings.default_network
    }

    /// Runs `change` with every network under the directory's exclusive lock, then writes the
    /// network it returns as a new file: creation decides and writes atomically with respect to
    /// other rpod and Podman processes.
    pub(crate) fn write_new(
        &self,
        change: impl FnOnce(&[Network]) -> Result<Network, NetworkError>,
    ) -> Result<Network, NetworkError> {
        self.ensure_dir()?;
        let _lock = self.lock(LockKind::Exclusive)?;
        let network = change(&self.read_all()?)?;
        let path = self.file_of(network.name.as_str());
        let text = encode(&network)?;
        std::fs::write(&path, text).map_err(|source| NetworkError::Io { action: "writing", path, source })?;
        Ok(network)
    }

    /// Removes the file of the network `name_or_id` and returns what it held. The default
    /// network is refused.
    pub fn remove(&self, name_or_id: &str) -> Result<Network, NetworkError> {
        self.ensure_dir()?;
        let _lock = self.lock(LockKind::Exclusive)?;
        let network = find(self.read_all()?, name_or_id)?;
        if self.is_default(&network) {
            return Err(NetworkError::RemoveDefault(network.name.to_string()));
        }
        let path = self.file_of(network.name.as_str());
        match std::fs::remove_file(&path) {
            Err(source) if source.kind() != ErrorKind::NotFound => {
                Err(NetworkError::Io { action: "removing", path, source })
            }
            _ => Ok(network),
        }
    }

    fn file_of(&self, name: &str) -> PathBuf {
        self.path().join(format!("{name}.json"))
    }

    /// Creates the directory as Podman does: its lock file's parent, private to root.
    fn ensure_dir(&self) -> Result<(), NetworkError> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(self.path()).map_err(|source| NetworkError::Io {
            action: "creating network config directory",
            path: self.path().to_path_buf(),
            source,
        })
    }

    fn read_all(&self) -> Result<Vec<Network>, NetworkError> {
        let dir = self.path();
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == ErrorKind::NotFound => return Ok(vec![self.default_network()]),
            Err(source) => return Err(NetworkError::Io { action: "reading", path: dir.to_path_buf(), source }),
        };
        let mut networks = Vec::new();
        for entry in entries {
            let entry =
                entry.map_err(|source| NetworkError::Io { action: "reading", path: dir.to_path_buf(), source })?;
            if let Some(network) = read_file(&entry.path()) {
                networks.push(network);
            }
        }
        if !networks.iter().any(|n| self.is_default(n)) {
            networks.push(self.default_network());
        }
        networks.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(networks)
    }

    /// Takes Podman's lock on the directory. A reader takes none when the lock file does not
    /// exist (no Podman or rpod has written there yet), so reading never writes.
    fn lock(&self, kind: LockKind) -> Result<Option<File>, NetworkError> {
        let path = self.path().join("netavark.lock");
        let create = kind == LockKind::Exclusive;
        let file = match std::fs::OpenOptions::new().read(true).write(true).create(create).truncate(false).open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == ErrorKind::NotFound && kind == LockKind::Shared => return Ok(None),
            Err(source) => return Err(NetworkError::Io { action: "opening lock file", path, source }),
        };
        let lock =
            libc::flock { l_type: kind.fcntl_type(), l_whence: libc::SEEK_SET as i16, l_start: 0, l_len: 0, l_pid: 0 };
        loop {
            // SAFETY: F_SETLKW reads the flock struct we pass; the descriptor is open.
            let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLKW, &lock) };
            if rc == 0 {
                return Ok(Some(file));
            }
            let source = std::io::Error::last_os_error();
            if source.kind() != ErrorKind::Interrupted {
                return Err(NetworkError::Io { action: "locking", path, source });
            }
        }
    }
}

/// Readers share the lock; creation and removal hold it alone (Podman always holds it alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LockKind {
    Shared,
    Exclusive,
}

impl LockKind {
    fn fcntl_type(self) -> i16 {
        match self {
            LockKind::Shared => libc::F_RDLCK as i16,
            LockKind::Exclusive => libc::F_WRLCK as i16,
        }
    }
}

/// The network in `path` when it is one Podman would load: a `.json` file that parses, named
/// after the network, with a 64-digit ID.
fn read_file(path: &Path) -> Option<Network> {
    if path.extension().is_none_or(|e| e != "json") || path.is_dir() {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let network: Network = serde_json::from_str(&text).ok()?;
    let named_after = path.file_stem().is_some_and(|stem| stem == network.name.as_str());
    (named_after && network.id.len() == 64).then_some(network)
}

/// Podman's lookup in `networks`: the exact name, else a unique ID prefix.
pub(crate) fn find(networks: Vec<Network>, name_or_id: &str) -> Result<Network, NetworkError> {
    let mut by_id = None;
    for network in networks {
        if network.name.as_str() == name_or_id {
            return Ok(network);
        }
        if !name_or_id.is_empty() && network.id.starts_with(name_or_id) {
            if by_id.is_some() {
                return Err(NetworkError::Ambiguous(name_or_id.to_string()));
            }
            by_id = Some(network);
        }
    }
    by_id.ok_or_else(|| NetworkError::NotFound(name_or_id.to_string()))
}

/// A network as Podman writes its file: Go's encoder with a five-space indent, HTML
/// characters escaped and a final newline.
pub(crate) fn encode(network: &Network) -> Result<String, NetworkError> {
    let text = crate::types::to_podman_json(network)
        .map_err(|source| NetworkError::Encode { name: network.name.to_string(), source })?;
    Ok(crate::types::go_html_escaped(&text) + "\n")
}

/// The local time with its offset, as Go's `time.Now()` is written.
pub(crate) fn now() -> DateTime<FixedOffset> {
    chrono::Local::now().fixed_offset()
}

#[cfg(test)]
#[path = "config_dir_tests.rs"]
mod tests;
