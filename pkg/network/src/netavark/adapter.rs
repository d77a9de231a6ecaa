//! Running netavark: options on stdin, the answer (or `{"error": …}`) on stdout, its log on
//! our stderr, as Podman runs it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::types::{NetavarkOptions, StatusBlock};

/// Where Debian's `netavark` package installs it (Podman's `helper_binaries_dir`).
pub const NETAVARK_BINARY: &str = "/usr/lib/podman/netavark";
/// Where Debian's `aardvark-dns` package installs it.
pub const AARDVARK_BINARY: &str = "/usr/lib/podman/aardvark-dns";

/// The netavark binary with the directory of its run-time state (firewall bookkeeping and
/// aardvark-dns's per-network files; Podman's `/run/containers/networks`).
#[derive(Debug, Clone)]
pub struct Netavark {
    binary: PathBuf,
    aardvark: PathBuf,
    run_dir: PathBuf,
}

/// Why netavark did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum NetavarkError {
    #[error("netavark: failed to start process {}", binary.display())]
    Start {
        binary: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The run directory (aardvark-dns's configuration lives there) could not be made.
    #[error("netavark: creating its run directory {}", path.display())]
    RunDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// netavark's own message (Podman prints it after `netavark: `).
    #[error("netavark: {0}")]
    Failed(String),
    #[error("netavark: failed to decode result")]
    Decode(#[source] serde_json::Error),
    #[error("netavark: failed to encode stdin data")]
    Encode(#[source] serde_json::Error),
}

/// netavark's error document.
#[derive(serde::Deserialize)]
struct ErrorReport {
    error: String,
}

impl Netavark {
    /// Debian's netavark and aardvark-dns, keeping state in `run_dir` (under the runroot).
    pub fn new(run_dir: &Path) -> Netavark {
        Netavark { binary: NETAVARK_BINARY.into(), aardvark: AARDVARK_BINARY.into(), run_dir: run_dir.to_path_buf() }
    }

    /// `netavark setup NETNS`: interfaces, addresses, firewall rules, port forwarding and DNS
    /// entries for the container; its answer by network name.
    pub fn setup(
        &self,
        netns: &Path,
        options: &NetavarkOptions,
    ) -> Result<BTreeMap<String, StatusBlock>, NetavarkError> {
        let out = self.run("setup", netns, options)?;
        serde_json::from_slice(&out).map_err(NetavarkError::Decode)
    }

    /// `netavark teardown NETNS`: undoes what `setup` did with the same options.
    pub fn teardown(&self, netns: &Path, options: &NetavarkOptions) -> Result<(), NetavarkError> {
        self.run("teardown", netns, options).map(drop)
    }

    fn run(&self, verb: &str, netns: &Path, options: &NetavarkOptions) -> Result<Vec<u8>, NetavarkError> {
        let input = serde_json::to_vec(options).map_err(NetavarkError::Encode)?;
        // netavark makes `aardvark-dns/` inside it but not the directory itself.
        std::fs::create_dir_all(&self.run_dir)
            .map_err(|source| NetavarkError::RunDir { path: self.run_dir.clone(), source })?;
        let start = |source| NetavarkError::Start { binary: self.binary.clone(), source };
        let mut child = Command::new(&self.binary)
            .arg("--config")
            .arg(&self.run_dir)
            .arg("--rootless=false")
            .arg(format!("--aardvark-binary={}", self.aardvark.display()))
            .arg(verb)
            .arg(netns)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(start)?;
        if let Some(mut stdin) = child.stdin.take() {
            // A netavark that exits early closes its end: its exit status tells why.
            let _ = stdin.write_all(&input);
        }
        let out = child.wait_with_output().map_err(start)?;
        if out.status.success() {
            return Ok(out.stdout);
        }
        let message = match serde_json::from_slice::<ErrorReport>(&out.stdout) {
            Ok(report) => report.error,
            Err(_) => format!("exited with {}: {}", out.status, String::from_utf8_lossy(&out.stdout).trim()),
        };
        Err(NetavarkError::Failed(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netavark::PerNetworkOptions;

    #[test]
    fn the_options_are_netavark_1_4s_document() {
        let mut networks = BTreeMap::new();
        networks.insert(
            "podman".to_string(),
            PerNetworkOptions {
                aliases: vec!["web".into()],
                interface_name: "eth0".into(),
                static_ips: vec!["10.88.0.2".parse().unwrap()],
                static_mac: None,
            },
        );
        let options = NetavarkOptions {
            container_id: "abc".into(),
            container_name: "web".into(),
            port_mappings: vec!["127.0.0.1:8080:80".parse().unwrap()],
            networks,
            network_info: BTreeMap::new(),
        };
        assert_eq!(
            serde_json::to_string(&options).unwrap(),
            r#"{"container_id":"abc","container_name":"web","port_mappings":[{"host_ip":"127.0.0.1","container_port":80,"host_port":8080,"range":1,"protocol":"tcp"}],"networks":{"podman":{"aliases":["web"],"interface_name":"eth0","static_ips":["10.88.0.2"]}},"network_info":{}}"#
        );
    }

    #[test]
    fn netavarks_answer_is_read() {
        let answer = r#"{"podman":{"dns_search_domains":[],"dns_server_ips":[],"interfaces":{"eth0":{"mac_address":"b2:6c:2b:7e:64:f2","subnets":[{"gateway":"10.88.0.1","ipnet":"10.88.0.2/16"}]}}}}"#;
        let status: BTreeMap<String, StatusBlock> = serde_json::from_str(answer).unwrap();
        let eth0 = &status["podman"].interfaces["eth0"];
        assert_eq!(eth0.mac_address, "b2:6c:2b:7e:64:f2");
        assert_eq!(eth0.subnets[0].ipnet.to_string(), "10.88.0.2/16");
        assert_eq!(eth0.subnets[0].gateway, Some("10.88.0.1".parse().unwrap()));
    }

    #[test]
    fn a_missing_binary_is_a_start_error() {
        let netavark = Netavark { binary: "/nonexistent/netavark".into(), ..Netavark::new(Path::new("/tmp")) };
        let options = NetavarkOptions {
            container_id: String::new(),
            container_name: String::new(),
            port_mappings: Vec::new(),
            networks: BTreeMap::new(),
            network_info: BTreeMap::new(),
        };
        assert!(matches!(netavark.teardown(Path::new("/nonexistent"), &options), Err(NetavarkError::Start { .. })));
    }
}
