//! `rpod volume …`: named volumes (Podman's `podman volume`): create, ls, inspect, rm, prune,
//! exists. The store keeps them (see `libpod::volume`); this module parses flags and prints.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use anyhow::Context;
use clap::{Args, Subcommand};
use libpod::volume::{matches_all, FilterUse, VolumeFilter};
use libpod::{InspectVolumeData, Store, Volume, VolumeError, VolumeName, VolumeSpec};
use report::template::Schema;
use report::Output;
use serde_json::Value;

use crate::failure::{CommandFailure, CommandResult, EXIT_ERROR};
use crate::global::GlobalArgs;

/// Podman's default `volume ls` table.
const DEFAULT_LS_FORMAT: &str = "table {{.Driver}}\t{{.Name}}";

/// The fields of a `volume ls` row (Podman's `entities.VolumeListReport`), for the headers.
const LS_FIELDS: [&str; 17] = [
    "Name",
    "Driver",
    "Mountpoint",
    "CreatedAt",
    "Status",
    "Labels",
    "Scope",
    "Options",
    "UID",
    "GID",
    "Anonymous",
    "MountCount",
    "NeedsCopyUp",
    "NeedsChown",
    "Timeout",
    "StorageID",
    "LockNumber",
];

/// `volume ls` templates run over Podman's `VolumeListReport`s.
const LS_OUTPUT: Output = Output { name: "ls", schema: Schema { item: "*entities.VolumeListReport", structs: &[] } };

/// `volume inspect` templates run over `interface {}` values, as Podman 4.3 names them.
const INSPECT_OUTPUT: Output = Output { name: "inspect", schema: Schema { item: "interface {}", structs: &[] } };

#[derive(Debug, Args)]
pub struct VolumeArgs {
    #[command(subcommand)]
    pub command: VolumeCommand,
}

#[derive(Debug, Subcommand)]
pub enum VolumeCommand {
    /// Create a new volume
    Create(CreateArgs),
    /// Exit 0 when the volume exists, 1 when it does not
    Exists(ExistsArgs),
    /// Show volumes' details as JSON
    Inspect(InspectArgs),
    /// List volumes
    #[command(alias = "list")]
    Ls(LsArgs),
    /// Remove all volumes no container uses
    Prune(PruneArgs),
    /// Remove volumes
    #[command(alias = "remove")]
    Rm(RmArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Volume driver (only `local`)
    #[arg(short = 'd', long, value_name = "DRIVER")]
    pub driver: Option<String>,
    /// Set a label: KEY=VALUE (repeatable)
    #[arg(short = 'l', long = "label", value_name = "LABEL")]
    pub labels: Vec<String>,
    /// Driver option: type=, device=, o= (repeatable)
    #[arg(short = 'o', long = "opt", value_name = "OPTION")]
    pub options: Vec<String>,
    /// Do not fail when the volume exists
    #[arg(long)]
    pub ignore: bool,
    /// Volume name (a random one when absent)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExistsArgs {
    /// Volume name
    #[arg(value_name = "VOLUME")]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Inspect every volume
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Go template, or json
    #[arg(short = 'f', long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Volumes to inspect
    #[arg(value_name = "VOLUME")]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Filter: name=, driver=, label=, opt=, scope=, dangling=, until= (repeatable)
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Go template, or json
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Do not print the table's header
    #[arg(short = 'n', long)]
    pub noheading: bool,
    /// Print only the volume names
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Filter: label=, until= (repeatable)
    #[arg(long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Do not ask for confirmation
    #[arg(short = 'f', long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Remove every volume
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Remove the containers using a volume first
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Seconds to wait for a running container to stop before killing it (with --force)
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u32>,
    /// Volumes to remove
    #[arg(value_name = "VOLUME")]
    pub names: Vec<String>,
}

pub fn run(args: VolumeArgs, global: &GlobalArgs) -> CommandResult {
    match args.command {
        VolumeCommand::Create(args) => Ok(create(args, global)?),
        VolumeCommand::Exists(args) => Ok(exists(args, global)?),
        VolumeCommand::Inspect(args) => inspect(args, global),
        VolumeCommand::Ls(args) => Ok(ls(args, global)?),
        VolumeCommand::Prune(args) => Ok(prune(args, global)?),
        VolumeCommand::Rm(args) => rm(args, global),
    }
}

/// Creates one volume and prints its name. Everything is checked before the store is touched.
fn create(args: CreateArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let name = args.name.as_deref().map(VolumeName::parse).transpose().context("running volume create option")?;
    let spec = VolumeSpec {
        name,
        driver: args.driver,
        labels: key_values(&args.labels),
        options: key_values(&args.options),
        anonymous: false,
    };
    let store = global.open_store()?;
    let volume = match store.create_volume(&spec) {
        Ok(volume) => volume,
        Err(libpod::Error::Volume(VolumeError::Exists(_))) if args.ignore => {
            store.volume(spec.name.as_ref().map(VolumeName::as_str).unwrap_or_default())?
        }
        Err(err) => return Err(err.into()),
    };
    println!("{}", volume.name);
    Ok(0)
}

/// `--label`/`--opt` values: `KEY=VALUE`, a bare `KEY` meaning an empty value (Podman's rule).
fn key_values(pairs: &[String]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (pair.clone(), String::new()),
        })
        .collect()
}

fn exists(args: ExistsArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    match global.open_store()?.volume(&args.name) {
        Ok(_) => Ok(0),
        Err(libpod::Error::Volume(VolumeError::NoSuchVolume(_))) => Ok(1),
        Err(err) => Err(err.into()),
    }
}

/// Prints the volumes found (by name or unique partial name), then fails for those not found
/// (Podman 4.3's wording); a partial name matching several fails at once.
fn inspect(args: InspectArgs, global: &GlobalArgs) -> CommandResult {
    if args.all != args.names.is_empty() {
        return Err(anyhow::anyhow!("provide one or more volume names or use --all").into());
    }
    let store = global.open_store()?;
    let mut volumes = Vec::new();
    let mut errors: Vec<anyhow::Error> = Vec::new();
    if args.all {
        volumes = store.volumes()?;
    }
    for name in &args.names {
        match store.lookup_volume(name) {
            Ok(volume) => volumes.push(volume),
            Err(libpod::Error::Volume(VolumeError::NoSuchVolume(_))) => {
                errors.push(anyhow::anyhow!("inspecting object: no such volume {name}"))
            }
            Err(err) => return Err(anyhow::Error::from(err).context(format!("inspecting volume {name}")).into()),
        }
    }
    let records: Vec<InspectVolumeData> = volumes.iter().map(InspectVolumeData::from).collect();
    match args.format.as_deref() {
        None | Some("json") => println!("{}", report::to_json_pretty(&records)?),
        Some(format) => {
            let items = records.iter().map(template_row).collect::<Result<Vec<_>, _>>()?;
            print!("{}", report::render_user_format(&INSPECT_OUTPUT, format, &items, &Value::Null)?);
        }
    }
    if errors.is_empty() {
        Ok(0)
    } else {
        Err(CommandFailure { code: EXIT_ERROR, errors })
    }
}

fn parse_filters(texts: &[String], usage: FilterUse) -> libpod::Result<Vec<VolumeFilter>> {
    let now = chrono::Utc::now();
    Ok(texts.iter().map(|t| VolumeFilter::parse(t, usage, now)).collect::<Result<Vec<_>, _>>()?)
}

/// The volumes `filters` select, with whether a container uses each.
fn selected(store: &Store, filters: &[VolumeFilter]) -> libpod::Result<Vec<Volume>> {
    let mut chosen = Vec::new();
    for volume in store.volumes()? {
        let in_use = !store.volume_users(volume.name.as_str())?.is_empty();
        if matches_all(filters, &volume, in_use) {
            chosen.push(volume);
        }
    }
    Ok(chosen)
}

fn ls(args: LsArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let filters = parse_filters(&args.filters, FilterUse::List)?;
    let volumes = selected(&global.open_store()?, &filters)?;
    if args.quiet {
        volumes.iter().for_each(|v| println!("{}", v.name));
        return Ok(0);
    }
    let records: Vec<InspectVolumeData> = volumes.iter().map(InspectVolumeData::from).collect();
    if args.format.as_deref() == Some("json") {
        println!("{}", report::to_json_pretty(&records)?);
        return Ok(0);
    }
    let rows = records.iter().map(template_row).collect::<Result<Vec<_>, _>>()?;
    let headers = report::headers(&LS_FIELDS, &[("Name", "volume name")]);
    let format = args.format.as_deref().unwrap_or(DEFAULT_LS_FORMAT);
    let text = report::render_user_format(&LS_OUTPUT, format, &rows, &headers)?;
    if args.noheading && report::is_table_format(format) {
        print!("{}", text.split_once('\n').map_or("", |(_, rest)| rest));
    } else {
        print!("{text}");
    }
    Ok(0)
}

/// What a `volume ls` or `volume inspect` template sees: the inspect record with the fields
/// Podman's JSON leaves out when empty, so every field of Podman's structs resolves
/// (`{{.NeedsCopyUp}}` is `false`, not an error, for a volume already copied up).
fn template_row(record: &InspectVolumeData) -> serde_json::Result<Value> {
    let mut row = serde_json::to_value(record)?;
    if let Value::Object(map) = &mut row {
        let defaults = [
            ("Status", Value::Object(Default::default())),
            ("UID", Value::from(record.uid)),
            ("GID", Value::from(record.gid)),
            ("Anonymous", Value::from(record.anonymous)),
            ("NeedsCopyUp", Value::from(record.needs_copy_up)),
            ("NeedsChown", Value::from(record.needs_chown)),
            ("Timeout", Value::from(0)),
            ("StorageID", Value::from("")),
            ("LockNumber", Value::from(0)),
        ];
        for (key, value) in defaults {
            map.entry(key).or_insert(value);
        }
    }
    Ok(row)
}

/// Removes the unused volumes the filters select, after asking unless `--force`, and prints
/// their names (Podman's prompt and messages).
fn prune(args: PruneArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let filters = parse_filters(&args.filters, FilterUse::Prune)?;
    let store = global.open_store()?;
    if !args.force {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:"
        )?;
        let doomed = selected(&store, &filters)?;
        let unused: Vec<&Volume> =
            doomed.iter().filter(|v| store.volume_users(v.name.as_str()).is_ok_and(|u| u.is_empty())).collect();
        if unused.is_empty() {
            writeln!(out, "No dangling volumes found")?;
            return Ok(0);
        }
        unused.iter().try_for_each(|v| writeln!(out, "{}", v.name))?;
        write!(out, "Are you sure you want to continue? [y/N] ")?;
        out.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !answer.trim().eq_ignore_ascii_case("y") {
            return Ok(0);
        }
    }
    for name in store.prune_volumes(&|v| matches_all(&filters, v, false))? {
        println!("{name}");
    }
    Ok(0)
}

/// Removes each volume it can (with `-f`, after removing the containers using it), printing
/// its name; each failure is one `Error:` line. Podman's codes: 1 when a volume did not exist,
/// else 2 when one was in use, else 125.
fn rm(args: RmArgs, global: &GlobalArgs) -> CommandResult {
    if args.all != args.names.is_empty() {
        return Err(anyhow::anyhow!("choose either one or more volumes or all").into());
    }
    let store = global.open_store()?;
    let names = if args.all { store.volumes()?.into_iter().map(|v| v.name.to_string()).collect() } else { args.names };
    let mut errors: Vec<anyhow::Error> = Vec::new();
    for name in names {
        match remove_one(&store, &name, args.force, args.time) {
            Ok(removed) => println!("{removed}"),
            Err(err) => errors.push(err.into()),
        }
    }
    if errors.is_empty() {
        return Ok(0);
    }
    let any = |wanted: fn(&VolumeError) -> bool| {
        errors.iter().any(|e| matches!(e.downcast_ref(), Some(libpod::Error::Volume(v)) if wanted(v)))
    };
    let code = if any(|e| matches!(e, VolumeError::NoSuchVolume(_))) {
        1
    } else if any(|e| matches!(e, VolumeError::InUse { .. })) {
        2
    } else {
        EXIT_ERROR
    };
    Err(CommandFailure { code, errors })
}

/// Removes the volume `name` (or the one a unique partial name picks) and returns its name.
fn remove_one(store: &Store, name: &str, force: bool, time: Option<u32>) -> libpod::Result<VolumeName> {
    let name = store.lookup_volume(name)?.name;
    if force {
        let runtime = libpod::Runtime::on_host(store, None);
        for id in store.volume_users(name.as_str())? {
            match store.lookup(&id) {
                Ok(container) => runtime.remove(&container, true, time)?,
                Err(libpod::Error::NoSuchContainer(_)) => {}
                Err(err) => return Err(err),
            }
        }
    }
    store.remove_volume(name.as_str())?;
    Ok(name)
}
