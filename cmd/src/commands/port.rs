//! `rpod port`: the published ports of running containers, as Podman prints them
//! (`80/tcp -> 127.0.0.1:8080`, or the host side of one `PORT[/PROTO]`).

use clap::Args;
use libpod::ContainerStatus;
use network::ports::PortMapping;

use crate::global::GlobalArgs;

#[derive(Debug, Args)]
pub struct PortArgs {
    /// Display port information for all containers
    #[arg(short = 'a', long)]
    pub all: bool,
    /// The container, then optionally PORT[/PROTO]
    #[arg(value_name = "CONTAINER [PORT]")]
    pub args: Vec<String>,
}

/// One `PORT[/PROTO]` to look up (protocol `tcp` when omitted).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PortQuery {
    port: u16,
    protocol: String,
}

impl std::str::FromStr for PortQuery {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<PortQuery> {
        let (port, protocol) = match text.split('/').collect::<Vec<_>>()[..] {
            [port] => (port, "tcp"),
            [port, protocol] => (port, protocol),
            _ => anyhow::bail!("port formats are port/protocol. '{text}' is invalid"),
        };
        let port = port.parse().map_err(|_| anyhow::anyhow!("strconv.ParseUint: parsing {port:?}: invalid syntax"))?;
        Ok(PortQuery { port, protocol: protocol.to_string() })
    }
}

pub fn run(args: PortArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let (container, query) = match (args.all, args.args.as_slice()) {
        (false, []) => anyhow::bail!("you must supply a running container name or id"),
        (_, [_, _, _, ..]) => anyhow::bail!("`port` accepts at most 2 arguments"),
        // Podman reads one argument with --all as a container name, which --all overrides.
        (true, [] | [_]) => (None, None),
        (true, [_, port]) => (None, Some(port)),
        (_, [name]) => (Some(name), None),
        (_, [name, port]) => (Some(name), Some(port)),
    };
    let query: Option<PortQuery> = query.map(|q| q.parse()).transpose()?;
    let store = global.open_store()?;
    let containers = match container {
        Some(name) => vec![store.lookup(name.trim_start_matches('/'))?],
        None => store.list()?,
    };
    for container in containers.iter().filter(|c| c.state.state == ContainerStatus::Running) {
        let prefix = if args.all { format!("{}\t", container.config.short_id()) } else { String::new() };
        let mappings = &container.config.network.port_mappings;
        match &query {
            None => print!("{}", list_lines(mappings, &prefix)),
            Some(query) => match find(mappings, query) {
                Some(host) => println!("{prefix}{host}"),
                None => anyhow::bail!("failed to find published port \"{}/{}\"", query.port, query.protocol),
            },
        }
    }
    Ok(0)
}

/// Every published port, ranges expanded: `80/tcp -> 0.0.0.0:8080`.
fn list_lines(mappings: &[PortMapping], prefix: &str) -> String {
    let mut text = String::new();
    for mapping in mappings {
        for protocol in mapping.protocols() {
            for offset in 0..mapping.range {
                text.push_str(&format!(
                    "{prefix}{}/{protocol} -> {}:{}\n",
                    mapping.container_port + offset,
                    mapping.shown_host_ip(),
                    mapping.host_port + offset
                ));
            }
        }
    }
    text
}

/// The host side (`IP:PORT`) of `query`.
fn find(mappings: &[PortMapping], query: &PortQuery) -> Option<String> {
    mappings.iter().find_map(|m| {
        let inside =
            m.container_port <= query.port && u32::from(query.port) < u32::from(m.container_port) + u32::from(m.range);
        (m.protocols().any(|p| p == query.protocol) && inside)
            .then(|| format!("{}:{}", m.shown_host_ip(), m.host_port + (query.port - m.container_port)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_print_as_podman_prints_them() {
        let mappings: Vec<PortMapping> =
            vec!["127.0.0.1:8080:80".parse().unwrap(), "9000-9001:90-91/udp".parse().unwrap()];
        assert_eq!(
            list_lines(&mappings, ""),
            "80/tcp -> 127.0.0.1:8080\n90/udp -> 0.0.0.0:9000\n91/udp -> 0.0.0.0:9001\n"
        );
        let query = |q: &str| find(&mappings, &q.parse().unwrap());
        assert_eq!(query("80").as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(query("91/udp").as_deref(), Some("0.0.0.0:9001"));
        assert_eq!(query("91"), None);
        assert!("80/tcp/x".parse::<PortQuery>().is_err());
    }
}
