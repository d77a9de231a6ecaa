//! `rpod restart`: stop running containers, then start them again (Podman 5's `restart`).

use std::path::PathBuf;

use clap::Args;

use super::lifecycle::for_each_target;
use crate::failure::CommandResult;
use crate::global::GlobalArgs;
use crate::go_flags;
use crate::targets::Selection;

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Restart all containers
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Restart only the running containers (with --all or --filter)
    #[arg(long)]
    pub running: bool,
    /// Seconds to wait for the stop before killing the container (default: its stop timeout;
    /// -1: no limit)
    #[arg(short = 't', long = "time", value_name = "SECONDS", allow_negative_numbers = true, value_parser = go_flags::parse_int)]
    pub time: Option<i64>,
    /// Read the container ID from this file (repeatable)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<PathBuf>,
    /// Restart the containers that match: label=KEY[=VALUE], name=NAME, id=ID, status=STATUS
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Containers to restart
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Restarts each container and prints it as named (by ID for `--all` and `--filter`); one that
/// fails is reported and the others are still restarted.
pub fn run(args: RestartArgs, global: &GlobalArgs) -> CommandResult {
    let filters = super::ps::parse_filters(&args.filters)?;
    let selection = Selection {
        names: &args.containers,
        all: args.all,
        cidfiles: &args.cidfile,
        filters: &filters,
        running_only: args.running,
    };
    selection.check()?;
    let timeout = args.time.map_or(libpod::StopTimeout::ContainerDefault, libpod::StopTimeout::from_flag);
    let store = global.open_store()?;
    let targets = selection.resolve(&store, libpod::cidfile::read_all(&args.cidfile, false)?, false)?;
    let lifecycle = libpod::Runtime::on_host(&store, Some(global.monitor_command()?));
    for_each_target(targets, |container| lifecycle.restart(container, timeout, &|w| tracing::warn!("{w}")))
}
