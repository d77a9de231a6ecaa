//! `/etc/hosts`, `/etc/resolv.conf` and `/etc/hostname` of a container, written into its run
//! directory at every start and bind-mounted over the image's, as Podman 5 does
//! (`libpod/container_internal_common.go`, containers/common `etchosts` and `resolvconf`).
//!
//! The texts come from pure functions of explicit inputs ([`hosts_file`], [`resolv_conf`],
//! [`hostname_file`]), so a network that later brings its own addresses and DNS servers feeds the
//! same functions; [`install`] gathers the host's side ([`HostFiles`]) and does the writing.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv6Addr};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use oci_spec::runtime::{MountBuilder, Spec};

use crate::config::ContainerConfig;
use crate::error::{Error, Result};
use crate::name_resolution::{ExtraHost, HostAddress};
use crate::network::NetworkState;

/// The name `--add-host NAME:host-gateway` and Podman's own entry give the host.
pub const HOST_CONTAINERS_INTERNAL: &str = "host.containers.internal";
/// Docker's name for the same address, which Podman writes beside its own.
const HOST_DOCKER_INTERNAL: &str = "host.docker.internal";
/// What a container gets when the host's nameservers are unreachable from its network
/// namespace (Podman's `defaultIPv4Dns`, `defaultIPv6Dns`).
const DEFAULT_NAMESERVERS_V4: [&str; 2] = ["8.8.8.8", "8.8.4.4"];
const DEFAULT_NAMESERVERS_V6: [&str; 2] = ["2001:4860:4860::8888", "2001:4860:4860::8844"];
/// The modes the bind-mounted files get: the container's unprivileged users must read them.
/// The run directory holding them stays private.
const ETC_FILE_MODE: u32 = 0o644;

/// One line of a hosts file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEntry {
    pub ip: String,
    pub names: Vec<String>,
}

/// A hosts file entry Podman cannot write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EtcFilesError {
    #[error("unable to replace \"host-gateway\" of host entry {0:?}: host containers internal IP address is empty")]
    NoHostGateway(String),
}

/// What `/etc/hosts` is made of.
#[derive(Debug, Clone, Default)]
pub struct HostsInputs<'a> {
    /// The base hosts file's text (the host's `/etc/hosts`; empty when it has none).
    pub base: &'a str,
    /// `--add-host` entries; they come first and win over every other entry of their names.
    pub extra_hosts: &'a [ExtraHost],
    /// The host's address as the container reaches it (`host.containers.internal`).
    pub host_internal_ip: Option<IpAddr>,
    /// The container's own addresses with its host name and name.
    pub container_entries: &'a [HostEntry],
}

/// Podman's `/etc/hosts`: the `--add-host` entries, then the base file's entries (comments and
/// spacing dropped), then `localhost`, `host.containers.internal` and the container's own
/// entries, each with only the names the first two parts do not already give.
pub fn hosts_file(inputs: &HostsInputs) -> Result<String, EtcFilesError> {
    let mut written: Vec<HostEntry> = Vec::new();
    for extra in inputs.extra_hosts {
        let ip = match (extra.address, inputs.host_internal_ip) {
            (HostAddress::Ip(ip), _) | (HostAddress::HostGateway, Some(ip)) => ip.to_string(),
            (HostAddress::HostGateway, None) => return Err(EtcFilesError::NoHostGateway(extra.to_string())),
        };
        written.push(HostEntry { ip, names: extra.names.clone() });
    }
    written.extend(parse_hosts(inputs.base));
    let localhost = |ip: &str| HostEntry { ip: ip.to_string(), names: vec!["localhost".to_string()] };
    let mut defaults = vec![localhost("127.0.0.1"), localhost("::1")];
    if let Some(ip) = inputs.host_internal_ip {
        let names = [HOST_CONTAINERS_INTERNAL, HOST_DOCKER_INTERNAL].map(str::to_string).to_vec();
        defaults.push(HostEntry { ip: ip.to_string(), names });
    }
    defaults.extend(inputs.container_entries.iter().cloned());
    let mut text: String = written.iter().map(host_line).collect();
    let taken: Vec<String> = written.into_iter().flat_map(|e| e.names).collect();
    for entry in defaults {
        let free: Vec<String> = entry.names.into_iter().filter(|n| !taken.contains(n)).collect();
        if !free.is_empty() {
            text.push_str(&host_line(&HostEntry { ip: entry.ip, names: free }));
        }
    }
    Ok(text)
}

fn parse_hosts(text: &str) -> Vec<HostEntry> {
    let entry = |line: &str| {
        let mut fields = line.split('#').next().unwrap_or_default().split_whitespace().map(str::to_string);
        let ip = fields.next()?;
        let names: Vec<String> = fields.collect();
        (!names.is_empty()).then_some(HostEntry { ip, names })
    };
    text.lines().filter_map(entry).collect()
}

fn host_line(entry: &HostEntry) -> String {
    format!("{}\t{}\n", entry.ip, entry.names.join(" "))
}

/// What `/etc/resolv.conf` is made of (Podman's `resolvconf.Params`).
#[derive(Debug, Clone, Default)]
pub struct ResolvInputs<'a> {
    /// The host's resolv.conf text, already the real one behind a local stub resolver when the
    /// container has a network namespace of its own ([`stub_resolver_target`]).
    pub host: &'a str,
    /// The container has a network namespace of its own: the host's localhost nameservers are
    /// unreachable from it and are dropped (and IPv6 ones unless it has IPv6).
    pub own_netns: bool,
    pub ipv6: bool,
    /// `--dns` servers (or the network's), replacing the host's unless `keep_host_servers`.
    pub nameservers: &'a [String],
    pub keep_host_servers: bool,
    /// `--dns-search` domains (or the network's); `.` alone clears the host's.
    pub searches: &'a [String],
    pub keep_host_searches: bool,
    /// `--dns-option` options, replacing the host's.
    pub options: &'a [String],
}

/// Podman's `/etc/resolv.conf`: a `search` line, `nameserver` lines, an `options` line; what
/// the user did not give is taken from the host's file.
pub fn resolv_conf(inputs: &ResolvInputs) -> String {
    let host = HostResolvConf::parse(inputs.host);
    let mut host_servers = host.nameservers.clone();
    if inputs.own_netns {
        // An IPv6 server is unreachable without IPv6, and a link-local one's zone names a host interface.
        let unreachable = |ns: &String| is_localhost(ns) || (is_ipv6(ns) && (!inputs.ipv6 || ns.contains('%')));
        host_servers.retain(|ns| !unreachable(ns));
        if host_servers.is_empty() {
            let defaults = DEFAULT_NAMESERVERS_V4
                .iter()
                .chain(inputs.ipv6.then_some(&DEFAULT_NAMESERVERS_V6).into_iter().flatten());
            host_servers = defaults.map(|s| s.to_string()).collect();
        }
    }
    let mut nameservers = inputs.nameservers.to_vec();
    if nameservers.is_empty() || inputs.keep_host_servers {
        nameservers.extend(host_servers);
    }
    let cleared = inputs.searches.iter().any(|s| s == ".");
    let mut searches: Vec<String> = if cleared { Vec::new() } else { inputs.searches.to_vec() };
    if inputs.searches.is_empty() || (inputs.keep_host_searches && !searches.is_empty()) {
        searches.extend(host.searches);
    }
    let options = if inputs.options.is_empty() { host.options } else { inputs.options.to_vec() };
    let mut text = String::new();
    if !searches.is_empty() && searches.join(" ").trim() != "." {
        text.push_str(&format!("search {}\n", searches.join(" ")));
    }
    for server in &nameservers {
        text.push_str(&format!("nameserver {server}\n"));
    }
    if !options.is_empty() {
        text.push_str(&format!("options {}\n", options.join(" ")));
    }
    text
}

/// The parts of a resolv.conf Podman carries over.
#[derive(Debug, Default, PartialEq)]
struct HostResolvConf {
    nameservers: Vec<String>,
    /// The last `search` line's domains.
    searches: Vec<String>,
    /// The last `options` line's options.
    options: Vec<String>,
}

impl HostResolvConf {
    fn parse(text: &str) -> HostResolvConf {
        let mut parsed = HostResolvConf::default();
        for line in text.lines() {
            let mut words = line.split('#').next().unwrap_or_default().split_whitespace();
            let (Some(keyword), rest) = (words.next(), words) else { continue };
            let rest: Vec<String> = rest.map(str::to_string).collect();
            match keyword {
                "nameserver" if rest.len() == 1 && is_address(&rest[0]) => parsed.nameservers.push(rest[0].clone()),
                "search" => parsed.searches = rest,
                "options" => parsed.options = rest,
                _ => {}
            }
        }
        parsed
    }
}

fn is_address(text: &str) -> bool {
    text.parse::<std::net::Ipv4Addr>().is_ok() || is_ipv6(text)
}

/// An IPv6 address, possibly with a `%zone`.
fn is_ipv6(text: &str) -> bool {
    text.split('%').next().is_some_and(|addr| addr.parse::<Ipv6Addr>().is_ok())
}

fn is_localhost(text: &str) -> bool {
    match text.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

/// Where the real nameservers are when the host's resolv.conf names only a local stub that a
/// container in its own network namespace cannot reach: systemd-resolved's `127.0.0.53`, or
/// NetworkManager's `127.0.0.1` (Podman reads the same files).
pub fn stub_resolver_target(host_resolv_conf: &str) -> Option<&'static str> {
    match HostResolvConf::parse(host_resolv_conf).nameservers.as_slice() {
        [only] if only == "127.0.0.53" => Some("/run/systemd/resolve/resolv.conf"),
        [only] if only == "127.0.0.1" => Some("/run/NetworkManager/no-stub-resolv.conf"),
        _ => None,
    }
}

/// `/etc/hostname`: the host name and a newline.
pub fn hostname_file(hostname: &str) -> String {
    format!("{hostname}\n")
}

/// The host's side of a container's /etc files, read at each start.
#[derive(Debug, Clone, Default)]
pub struct HostFiles {
    /// `/etc/hosts`, empty when missing.
    pub hosts: String,
    /// `/etc/resolv.conf`, or the real one behind a local stub for containers with a network
    /// namespace of their own.
    pub resolv_conf: String,
    /// The first global unicast address of the host, IPv4 preferred (Podman's
    /// `host.containers.internal` for root containers without a bridge network).
    pub local_ip: Option<IpAddr>,
}

impl HostFiles {
    /// Reads this host's files; `own_netns` says whether a local stub resolver must be looked
    /// behind. Missing files read as empty, as Podman treats them.
    pub fn read(own_netns: bool) -> HostFiles {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let mut resolv_conf = read("/etc/resolv.conf");
        if own_netns {
            if let Some(real) = stub_resolver_target(&resolv_conf).and_then(|p| std::fs::read_to_string(p).ok()) {
                resolv_conf = real;
            }
        }
        HostFiles { hosts: read("/etc/hosts"), resolv_conf, local_ip: local_ip() }
    }
}

/// The first global unicast address among the host's interfaces, IPv4 first (Go's
/// `IsGlobalUnicast`: not loopback, link-local, multicast or unspecified).
fn local_ip() -> Option<IpAddr> {
    let addresses: Vec<IpAddr> = nix::ifaddrs::getifaddrs()
        .ok()?
        .filter_map(|ifaddr| {
            let address = ifaddr.address?;
            if let Some(v4) = address.as_sockaddr_in() {
                Some(IpAddr::V4(v4.ip()))
            } else {
                address.as_sockaddr_in6().map(|v6| IpAddr::V6(v6.ip()))
            }
        })
        .filter(is_global_unicast)
        .collect();
    addresses.iter().find(|ip| ip.is_ipv4()).or(addresses.first()).copied()
}

fn is_global_unicast(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback() || v4.is_link_local() || v4.is_multicast() || v4.is_unspecified() || v4.is_broadcast())
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback() || v6.is_multicast() || v6.is_unspecified() || (v6.segments()[0] & 0xffc0) == 0xfe80)
        }
    }
}

/// The three files' texts for `config` on today's network modes (`host`, `none`): the
/// container's own entry is `127.0.0.1 <hostname> <name>` (Podman writes it for `none`; rpod
/// also for `host`, where its container has a host name of its own that nothing else
/// resolves), and `none` gets no resolv.conf, as with Podman. `None` for a file the container
/// keeps from its image.
///
/// A bridged container's files come from netavark's answer (`network`): its addresses carry
/// its names, the gateway is `host.containers.internal`, and aardvark-dns (on networks with
/// DNS) comes first in resolv.conf with its search domain, before the host's servers.
pub fn texts(config: &ContainerConfig, host: &HostFiles, network: &NetworkState) -> Result<EtcTexts> {
    let settings = &config.name_resolution;
    let hostname = config.effective_hostname();
    let own_netns = config.network_mode != "host";
    let names = vec![hostname.to_string(), config.name.clone()];
    let mut container_entries: Vec<HostEntry> =
        network.addresses().map(|(_, ip)| HostEntry { ip: ip.to_string(), names: names.clone() }).collect();
    if container_entries.is_empty() {
        container_entries.push(HostEntry { ip: "127.0.0.1".into(), names });
    }
    let gateway = network.status.values().flat_map(|b| b.subnets()).find_map(|s| s.gateway);
    let network_servers: Vec<String> =
        network.status.values().flat_map(|b| &b.dns_server_ips).map(IpAddr::to_string).collect();
    let network_searches: Vec<String> = network.status.values().flat_map(|b| b.dns_search_domains.clone()).collect();
    let hosts = match settings.use_image_hosts {
        true => None,
        false => Some(hosts_file(&HostsInputs {
            base: &host.hosts,
            extra_hosts: &settings.hosts_add,
            host_internal_ip: gateway.or(host.local_ip),
            container_entries: &container_entries,
        })?),
    };
    let user_servers: Vec<String> = settings.dns_servers.iter().map(IpAddr::to_string).collect();
    let (nameservers, keep_host_servers) =
        if user_servers.is_empty() { (network_servers, true) } else { (user_servers, false) };
    let searches = if settings.dns_search.is_empty() { network_searches } else { settings.dns_search.clone() };
    let resolv_conf = (!settings.use_image_resolv_conf && config.network_mode != "none").then(|| {
        resolv_conf(&ResolvInputs {
            host: &host.resolv_conf,
            own_netns,
            ipv6: false,
            nameservers: &nameservers,
            keep_host_servers,
            searches: &searches,
            keep_host_searches: settings.dns_search.is_empty(),
            options: &settings.dns_options,
        })
    });
    Ok(EtcTexts { hosts, resolv_conf, hostname: hostname_file(hostname) })
}

/// The texts of a container's /etc files; `None` where the image's file stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtcTexts {
    pub hosts: Option<String>,
    pub resolv_conf: Option<String>,
    pub hostname: String,
}

/// The files' names in the run directory and where they appear in the container.
const ETC_FILES: [(&str, &str); 3] =
    [("hosts", "/etc/hosts"), ("resolv.conf", "/etc/resolv.conf"), ("hostname", "/etc/hostname")];

/// Writes `config`'s /etc files into `run_dir` and bind-mounts them in `spec`; returns the host
/// path of each by its path in the container, for the container's state. Files a container keeps
/// from its image are removed from the run directory.
pub fn install(
    run_dir: &Path,
    config: &ContainerConfig,
    network: &NetworkState,
    spec: &mut Spec,
) -> Result<BTreeMap<String, String>> {
    let texts = texts(config, &HostFiles::read(config.network_mode != "host"), network)?;
    let mut mounts = spec.mounts().clone().unwrap_or_default();
    let mut installed = BTreeMap::new();
    for ((name, destination), text) in ETC_FILES.into_iter().zip([texts.hosts, texts.resolv_conf, Some(texts.hostname)])
    {
        let path = run_dir.join(name);
        let Some(text) = text else {
            let _ = std::fs::remove_file(&path);
            continue;
        };
        write_world_readable(&path, &text).map_err(|source| Error::Io { path: path.clone(), source })?;
        mounts.retain(|m| m.destination().as_path() != Path::new(destination));
        let mount = MountBuilder::default()
            .destination(destination)
            .typ("bind")
            .source(&path)
            .options(vec!["bind".to_string(), "rprivate".to_string()])
            .build()
            .map_err(|e| Error::Spec(e.to_string()))?;
        mounts.push(mount);
        installed.insert(destination.to_string(), path.display().to_string());
    }
    spec.set_mounts(Some(mounts));
    Ok(installed)
}

/// Writes `text` through a new private file, then opens it to reading by all: it is what the
/// container's users see as /etc/hosts; its private run directory keeps other host users out.
fn write_world_readable(path: &Path, text: &str) -> std::io::Result<()> {
    let _ = std::fs::remove_file(path);
    privatefs::write(path, text)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(ETC_FILE_MODE))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST_HOSTS: &str =
        "127.0.0.1 localhost\n127.0.0.1\tvm # the machine\n\n# comment\n::1 ip6-localhost ip6-loopback\n10.0.0.9\n";

    fn entry(ip: &str, names: &[&str]) -> HostEntry {
        HostEntry { ip: ip.into(), names: names.iter().map(|n| n.to_string()).collect() }
    }

    #[test]
    fn hosts_puts_extra_hosts_first_and_skips_taken_names() {
        let extra: Vec<ExtraHost> =
            vec!["foo:10.0.0.1".parse().unwrap(), "a;b:::1".parse().unwrap(), "gw:host-gateway".parse().unwrap()];
        let text = hosts_file(&HostsInputs {
            base: HOST_HOSTS,
            extra_hosts: &extra,
            host_internal_ip: Some("192.0.2.2".parse().unwrap()),
            container_entries: &[entry("127.0.0.1", &["abc123", "web"])],
        })
        .unwrap();
        assert_eq!(
            text,
            "10.0.0.1\tfoo\n::1\ta b\n192.0.2.2\tgw\n127.0.0.1\tlocalhost\n127.0.0.1\tvm\n::1\tip6-localhost ip6-loopback\n\
             192.0.2.2\thost.containers.internal host.docker.internal\n127.0.0.1\tabc123 web\n"
        );
    }

    #[test]
    fn hosts_without_a_base_file_gets_localhost_and_the_container() {
        let text =
            hosts_file(&HostsInputs { container_entries: &[entry("127.0.0.1", &["h", "n"])], ..Default::default() });
        assert_eq!(text.unwrap(), "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\th n\n");
        let gateway: Vec<ExtraHost> = vec!["gw:host-gateway".parse().unwrap()];
        let refused = hosts_file(&HostsInputs { extra_hosts: &gateway, ..Default::default() }).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "unable to replace \"host-gateway\" of host entry \"gw:host-gateway\": host containers internal IP address is empty"
        );
    }

    const HOST_RESOLV: &str = "# generated\nsearch corp.example lab.example\nnameserver 10.255.255.53\nnameserver 127.0.0.53\nnameserver fe80::1%eth0\noptions edns0\n";

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn resolv_conf_on_the_host_network_is_the_hosts_rebuilt() {
        let text = resolv_conf(&ResolvInputs { host: HOST_RESOLV, keep_host_searches: true, ..Default::default() });
        assert_eq!(
            text,
            "search corp.example lab.example\nnameserver 10.255.255.53\nnameserver 127.0.0.53\nnameserver fe80::1%eth0\noptions edns0\n"
        );
    }

    #[test]
    fn resolv_conf_in_an_own_netns_drops_unreachable_servers() {
        let text = resolv_conf(&ResolvInputs { host: HOST_RESOLV, own_netns: true, ..Default::default() });
        assert_eq!(text, "search corp.example lab.example\nnameserver 10.255.255.53\noptions edns0\n");
        let only_local =
            resolv_conf(&ResolvInputs { host: "nameserver 127.0.0.1\n", own_netns: true, ..Default::default() });
        assert_eq!(only_local, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    }

    #[test]
    fn resolv_conf_user_values_replace_the_hosts() {
        let (servers, search, options) = (strings(&["1.1.1.1"]), strings(&["example.com"]), strings(&["ndots:2"]));
        let text = resolv_conf(&ResolvInputs {
            host: HOST_RESOLV,
            nameservers: &servers,
            searches: &search,
            options: &options,
            ..Default::default()
        });
        assert_eq!(text, "search example.com\nnameserver 1.1.1.1\noptions ndots:2\n");
        let dot = strings(&["."]);
        let cleared = resolv_conf(&ResolvInputs { host: HOST_RESOLV, searches: &dot, ..Default::default() });
        assert_eq!(
            cleared,
            "nameserver 10.255.255.53\nnameserver 127.0.0.53\nnameserver fe80::1%eth0\noptions edns0\n"
        );
    }

    #[test]
    fn stub_resolvers_point_at_the_real_file() {
        assert_eq!(
            stub_resolver_target("nameserver 127.0.0.53\noptions edns0\n"),
            Some("/run/systemd/resolve/resolv.conf")
        );
        assert_eq!(stub_resolver_target("nameserver 127.0.0.1\n"), Some("/run/NetworkManager/no-stub-resolv.conf"));
        assert_eq!(stub_resolver_target("nameserver 127.0.0.53\nnameserver 1.1.1.1\n"), None);
    }

    fn config(network: &str) -> ContainerConfig {
        ContainerConfig {
            id: "0123456789abcdef".into(),
            name: "web".into(),
            network_mode: network.into(),
            ..Default::default()
        }
    }

    #[test]
    fn texts_for_the_network_modes() {
        let host = HostFiles {
            hosts: "127.0.0.1 localhost\n".into(),
            resolv_conf: "nameserver 10.0.0.1\n".into(),
            local_ip: None,
        };
        let on_host = texts(&config("host"), &host, &NetworkState::default()).unwrap();
        assert_eq!(on_host.hosts.as_deref(), Some("127.0.0.1\tlocalhost\n127.0.0.1\t0123456789ab web\n"));
        assert_eq!(on_host.resolv_conf.as_deref(), Some("nameserver 10.0.0.1\n"));
        assert_eq!(on_host.hostname, "0123456789ab\n");
        let isolated = texts(&config("none"), &host, &NetworkState::default()).unwrap();
        assert_eq!(isolated.resolv_conf, None, "Podman writes no resolv.conf without a network");
        assert!(isolated.hosts.is_some());
        let mut image_files = config("host");
        image_files.hostname = "box".into();
        image_files.name_resolution.use_image_hosts = true;
        image_files.name_resolution.use_image_resolv_conf = true;
        let kept = texts(&image_files, &host, &NetworkState::default()).unwrap();
        assert_eq!((kept.hosts, kept.resolv_conf, kept.hostname.as_str()), (None, None, "box\n"));
    }

    #[test]
    fn install_writes_readable_files_and_mounts_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut spec = Spec::default();
        let installed = install(dir.path(), &config("none"), &NetworkState::default(), &mut spec).unwrap();
        let [hosts, resolv, hostname] = ["hosts", "resolv.conf", "hostname"].map(|name| dir.path().join(name));
        assert_eq!(installed.keys().collect::<Vec<_>>(), ["/etc/hostname", "/etc/hosts"]);
        assert_eq!(installed["/etc/hosts"], hosts.display().to_string());
        assert_eq!(std::fs::metadata(&hosts).unwrap().permissions().mode() & 0o777, 0o644);
        assert!(!resolv.exists());
        assert_eq!(std::fs::read_to_string(&hostname).unwrap(), "0123456789ab\n");
        let mounts = spec.mounts().as_ref().unwrap();
        let bound: Vec<(&Path, &Path)> = mounts
            .iter()
            .filter(|m| m.typ().as_deref() == Some("bind"))
            .map(|m| (m.destination().as_path(), m.source().as_deref().unwrap()))
            .collect();
        assert_eq!(
            bound,
            [(Path::new("/etc/hosts"), hosts.as_path()), (Path::new("/etc/hostname"), hostname.as_path())]
        );
    }
}
