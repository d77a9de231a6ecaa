//! `rpod rm`: remove containers by name, ID or `--cidfile`.

use std::path::PathBuf;

use clap::Args;

use crate::failure::{CommandFailure, CommandResult, EXIT_ERROR};
use crate::global::GlobalArgs;
use crate::go_flags;

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Stop a running container first, then remove it
    #[arg(short = 'f', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub force: Option<bool>,
    /// Do not fail when a container does not exist
    #[arg(short = 'i', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub ignore: Option<bool>,
    /// Read the container ID from this file (repeatable)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<PathBuf>,
    /// Seconds to wait for a running container to stop before killing it
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u32>,
    /// Remove all containers
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Remove anonymous volumes associated with the container
    #[arg(short = 'v', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub volumes: Option<bool>,
    /// Containers to remove
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Removes every target it can; each failure is reported (Podman prints one `Error:` line per
/// container that could not be removed) and the exit code is 125 if any failed.
pub fn run(args: RmArgs, global: &GlobalArgs) -> CommandResult {
    let (force, ignore) = (args.force.unwrap_or(false), args.ignore.unwrap_or(false));
    let store = global.open_store()?;
    let mut targets = args.containers.clone();
    targets.extend(libpod::cidfile::read_all(&args.cidfile, ignore)?);
    if args.all {
        targets.extend(store.list()?.into_iter().map(|c| c.config.id));
    }
    if targets.is_empty() && args.cidfile.is_empty() && !args.all {
        return Err(anyhow::anyhow!("rm requires at least one argument").into());
    }
    let mut errors: Vec<anyhow::Error> = Vec::new();
    for target in targets {
        let container = match store.lookup(&target) {
            Ok(container) => container,
            Err(libpod::Error::NoSuchContainer(_)) if ignore => continue,
            Err(err) => {
                errors.push(err.into());
                continue;
            }
        };
        let removed = libpod::Runtime::on_host(&store, None).remove(&container, force, args.time);
        let removed = match removed {
            Ok(()) if args.volumes.unwrap_or(false) => {
                libpod::mounts::volumes::remove_anonymous(&store, &container.config)
            }
            other => other,
        };
        match removed {
            Ok(()) => println!("{}", container.config.id),
            // Another process removed it after our lookup: as gone as --ignore allows.
            Err(libpod::Error::NoSuchContainer(_)) if ignore => {}
            Err(err) => errors.push(err.into()),
        }
    }
    remove_stale_cidfiles(&store, &args.cidfile);
    if errors.is_empty() {
        Ok(0)
    } else {
        Err(CommandFailure { code: exit_code(&errors), errors })
    }
}

/// Podman's `rm` exit code: 1 when a container did not exist, else 2 when one was in the
/// wrong state (running, without `--force`), else 125.
fn exit_code(errors: &[anyhow::Error]) -> u8 {
    let any = |wanted: fn(&libpod::Error) -> bool| errors.iter().any(|e| e.downcast_ref().is_some_and(wanted));
    if any(|e| matches!(e, libpod::Error::NoSuchContainer(_))) {
        1
    } else if any(|e| matches!(e, libpod::Error::RemoveRunning(_))) {
        2
    } else {
        EXIT_ERROR
    }
}

/// A `--cidfile` whose container is gone is deleted, as Podman 4.4+ does: units generated with
/// `--new` no longer delete it before `run --cidfile` (which refuses a file holding an ID), so
/// without this every restart of such a unit would fail.
fn remove_stale_cidfiles(store: &libpod::Store, cidfiles: &[std::path::PathBuf]) {
    for path in cidfiles {
        let gone = match libpod::cidfile::read(path) {
            Ok(id) => matches!(store.lookup(&id), Err(libpod::Error::NoSuchContainer(_))),
            Err(_) => false,
        };
        if gone {
            let _ = std::fs::remove_file(path);
        }
    }
}
