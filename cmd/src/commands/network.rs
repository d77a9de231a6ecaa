//! `rpod network …`: network definitions shared with Podman (Podman's `podman network`):
//! create, ls, inspect, rm, prune, exists. The definitions live in the network config directory
//! (`pkg/network`); which containers use them, in the store (`libpod::network_use`). This module
//! parses flags and prints.

use std::io::{BufRead, Write};
use std::net::IpAddr;

use clap::{Args, Subcommand};
use libpod::network_use::{self, NetworkFilter, NetworkFilterUse, NetworkUseError};
use network::{CreateFlags, CreateRequest, KernelInterfaces, Network, NetworkConfigDir, NetworkError};
use report::template::Schema;
use report::Output;
use serde_json::{json, Value};

use crate::failure::{CommandFailure, CommandResult, EXIT_ERROR};
use crate::global::GlobalArgs;

/// Podman's default `network ls` table.
const DEFAULT_LS_FORMAT: &str = "table {{.ID}}\t{{.Name}}\t{{.Driver}}";

/// The fields of a `network ls` row (Podman 5's `ListPrintReports`), for the headers.
const LS_FIELDS: [&str; 14] = [
    "Name",
    "ID",
    "Driver",
    "NetworkInterface",
    "Created",
    "Subnets",
    "Routes",
    "IPv6Enabled",
    "Internal",
    "DNSEnabled",
    "NetworkDNSServers",
    "Labels",
    "Options",
    "IPAMOptions",
];

/// Podman's own header names, and `IPv6Enabled` split as Podman's camel-case splitter does.
const LS_HEADERS: [(&str, &str); 5] = [
    ("Name", "name"),
    ("Driver", "driver"),
    ("Labels", "labels"),
    ("ID", "network id"),
    ("IPv6Enabled", "i pv 6 enabled"),
];

const LS_OUTPUT: Output = Output { name: "ls", schema: Schema { item: "network.ListPrintReports", structs: &[] } };

/// `network inspect` templates run over `interface {}` values, as Podman names them.
const INSPECT_OUTPUT: Output = Output { name: "inspect", schema: Schema { item: "interface {}", structs: &[] } };

#[derive(Debug, Args)]
pub struct NetworkArgs {
    #[command(subcommand)]
    pub command: NetworkCommand,
}

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Connect a container to a network
    Connect(super::network_connect::ConnectArgs),
    /// Create networks for containers and pods
    Create(Box<CreateArgs>),
    /// Disconnect a container from a network
    Disconnect(super::network_connect::DisconnectArgs),
    /// Check if network exists
    Exists(ExistsArgs),
    /// Inspect network
    Inspect(InspectArgs),
    /// List networks
    #[command(alias = "list")]
    Ls(LsArgs),
    /// Prune unused networks
    Prune(PruneArgs),
    /// Remove networks
    #[command(alias = "remove")]
    Rm(RmArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Driver to manage the network (only bridge)
    #[arg(short = 'd', long, default_value = "bridge", value_name = "DRIVER")]
    pub driver: String,
    /// Set driver specific options: mtu, vlan, isolate (repeatable)
    #[arg(short = 'o', long = "opt", value_name = "OPTION")]
    pub options: Vec<String>,
    /// IPv4 or IPv6 gateway for the subnet
    #[arg(long = "gateway", value_name = "IP", value_delimiter = ',', value_parser = parse_ip)]
    pub gateways: Vec<IpAddr>,
    /// Restrict external access from this network
    #[arg(long)]
    pub internal: bool,
    /// Allocate container IP from range: START-END or a CIDR
    #[arg(long = "ip-range", value_name = "RANGE")]
    pub ranges: Vec<String>,
    /// IP Address Management Driver (host-local or none)
    #[arg(long, value_name = "DRIVER")]
    pub ipam_driver: Option<String>,
    /// Enable IPv6 networking
    #[arg(long)]
    pub ipv6: bool,
    /// Set metadata on a network: KEY=VALUE (repeatable)
    #[arg(long = "label", value_name = "LABEL")]
    pub labels: Vec<String>,
    /// Subnets in CIDR format
    #[arg(long = "subnet", value_name = "SUBNET")]
    pub subnets: Vec<String>,
    /// Static routes: DESTINATION,GATEWAY[,METRIC]
    #[arg(long = "route", value_name = "ROUTE")]
    pub routes: Vec<String>,
    /// Interface name which is used by the driver (the bridge)
    #[arg(long, value_name = "NAME")]
    pub interface_name: Option<String>,
    /// Disable dns plugin
    #[arg(long)]
    pub disable_dns: bool,
    /// Don't fail if network already exists
    #[arg(long)]
    pub ignore: bool,
    /// DNS servers this network will use
    #[arg(long = "dns", value_name = "IP", value_delimiter = ',')]
    pub dns: Vec<String>,
    /// Network name (the next free podmanN when absent)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExistsArgs {
    #[arg(value_name = "NETWORK")]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Pretty-print network to JSON or using a Go template
    #[arg(short = 'f', long, value_name = "FORMAT")]
    pub format: Option<String>,
    #[arg(value_name = "NETWORK", required = true)]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Provide filter values: name=, id=, driver=, label=, label!=, dangling=, until= (repeatable)
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Pretty-print networks to JSON or using a Go template
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Do not print headers
    #[arg(long)]
    pub noheading: bool,
    /// Do not truncate the network ID
    #[arg(long)]
    pub no_trunc: bool,
    /// Display only names
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Provide filter values: label=, label!=, until= (repeatable)
    #[arg(long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Do not prompt for confirmation
    #[arg(short = 'f', long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Remove any containers using network
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Seconds to wait for running containers to stop before killing the container
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u32>,
    #[arg(value_name = "NETWORK", required = true)]
    pub names: Vec<String>,
}

pub fn run(args: NetworkArgs, global: &GlobalArgs) -> CommandResult {
    match args.command {
        NetworkCommand::Connect(args) => Ok(super::network_connect::connect(args, global)?),
        NetworkCommand::Create(args) => Ok(create(*args)?),
        NetworkCommand::Disconnect(args) => Ok(super::network_connect::disconnect(args, global)?),
        NetworkCommand::Exists(args) => Ok(exists(args)?),
        NetworkCommand::Inspect(args) => inspect(args, global),
        NetworkCommand::Ls(args) => Ok(ls(args, global)?),
        NetworkCommand::Prune(args) => prune(args, global),
        NetworkCommand::Rm(args) => rm(args, global),
    }
}

/// The network config directory containers.conf names (Podman's default for root).
fn config_dir() -> anyhow::Result<NetworkConfigDir> {
    let conf = containersconf::ContainersConf::load_host()?;
    Ok(NetworkConfigDir::from_conf(&conf)?)
}

/// pflag's `IPSlice` parse of one `--gateway` value.
fn parse_ip(text: &str) -> Result<IpAddr, String> {
    text.parse().map_err(|_| format!("invalid string being converted to IP address: {text}"))
}

fn create(args: CreateArgs) -> anyhow::Result<u8> {
    let request = CreateRequest::from_flags(CreateFlags {
        name: args.name,
        driver: args.driver,
        labels: args.labels,
        options: args.options,
        subnets: args.subnets,
        gateways: args.gateways,
        ranges: args.ranges,
        routes: args.routes,
        interface_name: args.interface_name,
        ipam_driver: args.ipam_driver,
        dns_servers: args.dns,
        ipv6: args.ipv6,
        internal: args.internal,
        disable_dns: args.disable_dns,
        ignore: args.ignore,
    })?;
    let network = config_dir()?.create(request, &KernelInterfaces)?;
    println!("{}", network.name);
    Ok(0)
}

fn exists(args: ExistsArgs) -> anyhow::Result<u8> {
    match config_dir()?.load(&args.name) {
        Ok(_) => Ok(0),
        Err(NetworkError::NotFound(_)) => Ok(1),
        Err(err) => Err(err.into()),
    }
}

/// Prints the networks found, then fails for those not found (Podman 5's wording: the first
/// error is the `Error:` line, later ones are printed before it).
fn inspect(args: InspectArgs, global: &GlobalArgs) -> CommandResult {
    let dir = config_dir()?;
    let mut networks = Vec::new();
    let mut errors: Vec<anyhow::Error> = Vec::new();
    for name in &args.names {
        match dir.load(name) {
            Ok(network) => networks.push(network),
            Err(err @ NetworkError::NotFound(_)) => {
                errors.push(anyhow::Error::from(err).context(format!("network {name}")))
            }
            Err(err) => return Err(anyhow::Error::from(err).context(format!("inspecting network {name}")).into()),
        }
    }
    let reports = network_use::inspect_reports(&global.open_store()?, networks)?;
    match args.format.as_deref() {
        None | Some("json") => println!("{}", network::to_podman_json(&reports)?),
        Some(format) => {
            let items = reports.iter().map(inspect_template_value).collect::<Result<Vec<_>, _>>()?;
            print!("{}", report::render_user_format(&INSPECT_OUTPUT, format, &items, &Value::Null)?);
        }
    }
    if errors.is_empty() {
        Ok(0)
    } else {
        Err(CommandFailure { code: EXIT_ERROR, errors })
    }
}

/// A network as Go templates see Podman's `types.Network`: Go field names, times in Go's
/// `String()` form. In `ls` rows (`ListPrintReports`) `ID` is short unless `--no-trunc` and
/// `Labels` is `KEY=VALUE,…`.
fn template_value(network: &Network, ls_row: Option<bool>) -> Value {
    let subnets: Vec<Value> = network
        .subnets
        .iter()
        .map(|s| {
            let range = s.lease_range.as_ref().map(|r| json!({"StartIP": r.start_ip, "EndIP": r.end_ip}));
            json!({"Subnet": s.subnet.to_string(), "Gateway": s.gateway, "LeaseRange": range})
        })
        .collect();
    let routes: Vec<Value> = network
        .routes
        .iter()
        .map(|r| json!({"Destination": r.destination.to_string(), "Gateway": r.gateway, "Metric": r.metric}))
        .collect();
    let (id, labels) = match ls_row {
        Some(no_trunc) => {
            let id = if no_trunc { network.id.as_str() } else { network.short_id() };
            let labels = network.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
            (json!(id), json!(labels))
        }
        None => (json!(network.id), json!(network.labels)),
    };
    json!({
        "Name": network.name.as_str(),
        "ID": id,
        "Driver": network.driver,
        "NetworkInterface": network.network_interface,
        "Created": network::go_time::display(&network.created),
        "Subnets": subnets,
        "Routes": routes,
        "IPv6Enabled": network.ipv6_enabled,
        "Internal": network.internal,
        "DNSEnabled": network.dns_enabled,
        "NetworkDNSServers": network.network_dns_servers,
        "Labels": labels,
        "Options": network.options,
        "IPAMOptions": network.ipam_options,
    })
}

/// An inspect report as Podman 5's templates see `NetworkInspectReport`: the network's fields
/// and `Containers`.
fn inspect_template_value(report: &network_use::NetworkInspectReport) -> serde_json::Result<Value> {
    let mut value = template_value(&report.network, None);
    value["Containers"] = serde_json::to_value(&report.containers)?;
    Ok(value)
}

fn parse_filters(texts: &[String], usage: NetworkFilterUse) -> Result<Vec<NetworkFilter>, NetworkUseError> {
    NetworkFilter::parse_all(texts, usage, chrono::Utc::now())
}

fn ls(args: LsArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let filters = parse_filters(&args.filters, NetworkFilterUse::List)?;
    let networks = network_use::list_networks(&config_dir()?, &global.open_store()?, &filters)?;
    if args.quiet {
        networks.iter().for_each(|n| println!("{}", n.name));
        return Ok(0);
    }
    if args.format.as_deref() == Some("json") {
        println!("{}", network::go_html_escaped(&serde_json::to_string_pretty(&networks)?));
        return Ok(0);
    }
    let rows: Vec<Value> = networks.iter().map(|n| template_value(n, Some(args.no_trunc))).collect();
    let headers = report::headers(&LS_FIELDS, &LS_HEADERS);
    let format = args.format.as_deref().unwrap_or(DEFAULT_LS_FORMAT);
    let text = report::render_user_format(&LS_OUTPUT, format, &rows, &headers)?;
    if args.noheading && report::is_table_format(format) {
        print!("{}", text.split_once('\n').map_or("", |(_, rest)| rest));
    } else {
        print!("{text}");
    }
    Ok(0)
}

/// Removes the unused networks the filters select, after asking unless `--force` (Podman's
/// prompt), printing each name; each failure is one `Error:` line.
fn prune(args: PruneArgs, global: &GlobalArgs) -> CommandResult {
    if !args.force {
        let mut out = std::io::stdout().lock();
        writeln!(out, "WARNING! This will remove all networks not used by at least one container.")?;
        write!(out, "Are you sure you want to continue? [y/N] ")?;
        out.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !answer.trim_start().to_lowercase().starts_with('y') {
            return Ok(0);
        }
    }
    let filters = parse_filters(&args.filters, NetworkFilterUse::Prune)?;
    let mut errors: Vec<anyhow::Error> = Vec::new();
    for (name, removed) in network_use::prune_networks(&config_dir()?, &global.open_store()?, &filters)? {
        match removed {
            Ok(()) => println!("{name}"),
            Err(err) => errors.push(err.into()),
        }
    }
    if errors.is_empty() {
        Ok(0)
    } else {
        Err(CommandFailure { code: EXIT_ERROR, errors })
    }
}

/// Removes each network it can, printing its name; stops at a network in use (exit 2), as
/// Podman does. Otherwise 1 when a network did not exist, else 125; with `-f` a missing
/// network is no error.
fn rm(args: RmArgs, global: &GlobalArgs) -> CommandResult {
    if args.time.is_some() && !args.force {
        return Err(anyhow::anyhow!("--force option must be specified to use the --time option").into());
    }
    let dir = config_dir()?;
    let store = global.open_store()?;
    let runtime = libpod::Runtime::on_host(&store, None);
    let mut errors: Vec<anyhow::Error> = Vec::new();
    let mut code = EXIT_ERROR;
    for name in &args.names {
        match network_use::remove_network(&dir, &runtime, &store, name, args.force, args.time) {
            Ok(removed) => println!("{removed}"),
            Err(NetworkUseError::Network(NetworkError::NotFound(_))) if args.force => {}
            // Podman stops at a network in use.
            Err(err @ NetworkUseError::InUse(_)) => {
                errors.push(err.into());
                code = 2;
                break;
            }
            Err(err) => {
                if matches!(err, NetworkUseError::Network(NetworkError::NotFound(_))) {
                    code = 1;
                }
                errors.push(err.into());
            }
        }
    }
    if errors.is_empty() {
        Ok(0)
    } else {
        Err(CommandFailure { code, errors })
    }
}
