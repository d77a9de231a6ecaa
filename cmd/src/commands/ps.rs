//! `rpod ps`: list containers in Podman's table, as JSON, or through a Go template.

use chrono::Utc;
use clap::Args;
use libpod::ps::{ListContainer, PsFilter};
use libpod::{Container, ContainerStatus};
use serde_json::{json, Value};

use crate::global::GlobalArgs;

/// Podman's default `ps` columns.
const DEFAULT_FORMAT: &str =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

/// The fields of a `ps` row (Podman 5's `psReporter`), in the order [`row`] fills them.
const FIELDS: [&str; 35] = [
    "ID",
    "Image",
    "ImageID",
    "Command",
    "CreatedHuman",
    "RunningFor",
    "CreatedAt",
    "Created",
    "Status",
    "State",
    "Ports",
    "Names",
    "Labels",
    "AutoRemove",
    "Exited",
    "ExitedAt",
    "ExitCode",
    "Pid",
    "StartedAt",
    "Restarts",
    "IsInfra",
    "Mounts",
    "Networks",
    "Pod",
    "PodName",
    "CIDFile",
    "Size",
    "Cgroup",
    "IPC",
    "MNT",
    "NET",
    "PIDNS",
    "User",
    "UTS",
    "Namespaces",
];

/// Podman 5's `ps` headers that are not the field name split at its words.
const HEADER_OVERRIDES: [(&str, &str); 14] = [
    ("Cgroup", "cgroupns"),
    ("CreatedHuman", "created"),
    ("ID", "container id"),
    ("IPC", "ipc"),
    ("MNT", "mnt"),
    ("NET", "net"),
    ("Networks", "networks"),
    ("PIDNS", "pidns"),
    ("Pod", "pod id"),
    ("PodName", "podname"),
    ("Restarts", "restarts"),
    ("RunningFor", "running for"),
    ("UTS", "uts"),
    ("User", "userns"),
];

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Show all containers, not only running ones
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Print only the container IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Do not truncate IDs and commands
    #[arg(long)]
    pub no_trunc: bool,
    /// Filter: label=KEY[=VALUE], name=NAME, id=ID, status=STATUS, health=STATUS (repeatable)
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Go template or json
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

pub fn run(args: PsArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let filters = parse_filters(&args.filters)?;
    let store = global.open_store()?;
    let lifecycle = libpod::Runtime::on_host(&store, None);
    let current = store.list()?.into_iter().map(|c| lifecycle.refreshed(c)).collect::<Result<Vec<_>, _>>()?;
    let containers = libpod::ps::select(&store, current, args.all, &filters);
    if args.quiet {
        for c in &containers {
            println!("{}", if args.no_trunc { c.config.id.as_str() } else { c.config.short_id() });
        }
        return Ok(0);
    }
    if args.format.as_deref() == Some("json") {
        let entries: Vec<ListContainer> =
            containers.iter().map(|c| ListContainer::from(c).with_health(c, &store)).collect();
        println!("{}", report::to_json_pretty(&entries)?);
        return Ok(0);
    }
    let rows = containers
        .iter()
        .map(|c| row(c, &ListContainer::from(c).with_health(c, &store), args.no_trunc))
        .collect::<Vec<_>>();
    let headers = report::headers(&FIELDS, &HEADER_OVERRIDES);
    let format = args.format.as_deref().unwrap_or(DEFAULT_FORMAT);
    print!("{}", report::render_user_format(&report::podman_types::PS, format, &rows, &headers)?);
    Ok(0)
}

/// `--filter` values as `ps`, `stop` and `restart` take them, each checked before anything
/// is listed or touched.
pub fn parse_filters(texts: &[String]) -> libpod::Result<Vec<PsFilter>> {
    texts.iter().map(|text| PsFilter::parse(text)).collect()
}

/// The fields `ps` templates can use, computed as Podman's `psReporter` methods do; those of
/// features rpod lacks (pods, namespaces, sizes) are empty as Podman prints them for
/// a container without them.
/// `listed` is the container's JSON entry, health included.
fn row(container: &Container, listed: &ListContainer, no_trunc: bool) -> Value {
    let (config, state) = (&container.config, &container.state);
    let now = Utc::now();
    let ago = |t: chrono::DateTime<Utc>| report::human_duration((now - t).num_seconds());
    let mut command = config.entrypoint.iter().chain(&config.command).cloned().collect::<Vec<_>>().join(" ");
    if !no_trunc && command.chars().count() > 17 {
        command = format!("{}...", command.chars().take(17).collect::<String>());
    }
    let mut status = match state.state {
        ContainerStatus::Created => "Created".to_string(),
        ContainerStatus::Running => format!("Up {}", state.started_time.map(ago).unwrap_or_default()),
        ContainerStatus::Stopped | ContainerStatus::Exited => match state.finished_time {
            Some(t) => format!("Exited ({}) {} ago", state.exit_code, ago(t)),
            None => format!("Exited ({})", state.exit_code),
        },
    };
    if !listed.status.is_empty() {
        // Podman: `Up 5 seconds (healthy)`.
        status = format!("{status} ({})", listed.status);
    }
    let created = go_time(config.created_time);
    let mut fields = json!({
        "ID": if no_trunc { config.id.as_str() } else { config.short_id() },
        "Image": config.rootfs_image_name,
        "ImageID": config.rootfs_image_id,
        "Command": command,
        "CreatedHuman": format!("{} ago", ago(config.created_time)),
        "RunningFor": format!("{} ago", ago(config.created_time)),
        "CreatedAt": created,
        "Created": created,
        "Status": status,
        "State": state.state.as_str(),
        "Ports": network::ports::format_ports(&config.network.port_mappings),
        "Names": config.name,
        "Labels": config.labels,
        "AutoRemove": listed.auto_remove,
        "Exited": listed.exited,
        "ExitedAt": listed.exited_at,
        "ExitCode": listed.exit_code,
        "Pid": listed.pid,
        "StartedAt": listed.started_at,
        "Restarts": "0",
        "IsInfra": false,
        "Mounts": [],
        "Networks": "",
        "Pod": "",
        "PodName": "",
        "CIDFile": "",
        "Size": "",
    });
    let namespaces = ["Cgroup", "IPC", "MNT", "NET", "PIDNS", "User", "UTS"];
    for namespace in namespaces {
        fields[namespace] = json!("");
    }
    fields["Namespaces"] = namespaces.iter().map(|n| (n.to_string(), json!(""))).collect();
    fields
}

/// A time as Go's `time.Time.String()` prints it (`2024-01-02 03:04:05.123456789 +0000 UTC`).
fn go_time(time: chrono::DateTime<Utc>) -> String {
    let fraction = format!("{:09}", time.timestamp_subsec_nanos());
    let fraction = fraction.trim_end_matches('0');
    let dot = if fraction.is_empty() { "" } else { "." };
    format!("{}{dot}{fraction} +0000 UTC", time.format("%Y-%m-%d %H:%M:%S"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_a_header_and_podmans_words() {
        let container = Container { config: Default::default(), state: Default::default() };
        let Value::Object(fields) = row(&container, &ListContainer::from(&container), false) else {
            panic!("a row is an object")
        };
        let mut keys: Vec<&str> = fields.keys().map(String::as_str).collect();
        let mut listed = FIELDS.to_vec();
        keys.sort_unstable();
        listed.sort_unstable();
        assert_eq!(keys, listed, "FIELDS lists what row fills");
        let headers = report::headers(&FIELDS, &HEADER_OVERRIDES);
        assert_eq!(headers["ID"], "CONTAINER ID");
        assert_eq!(headers["ImageID"], "IMAGE ID");
        assert_eq!(headers["ExitedAt"], "EXITED AT");
        assert_eq!(headers["RunningFor"], "RUNNING FOR");
    }
}
