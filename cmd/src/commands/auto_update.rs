//! `rpod auto-update`: update containers whose policy says so and restart their units.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail};
use autoupdate::adapters::{LazyImageStore, RegistryClients, SystemdUnits};
use autoupdate::{
    auto_update, default_max_workers, resolve_authfile, roll_back_unit, Backends, Options, ReportRow, RunLock,
    SystemClock, DEFAULT_ROW, HEADERS,
};
use clap::Args;
use serde_json::Value;

use crate::failure::join_errors;
use crate::global::GlobalArgs;
use crate::go_flags;

/// Registry checks and pulls in flight at once.
const CONCURRENCY: usize = 8;

/// `podman auto-update`'s flags, plus `--restart-timeout`.
#[derive(Debug, Args)]
pub struct AutoUpdateArgs {
    /// Path of the authentication file (default: $REGISTRY_AUTH_FILE)
    #[arg(long, value_name = "PATH")]
    authfile: Option<PathBuf>,
    /// Check for pending updates; do not pull or restart anything
    #[arg(long)]
    dry_run: bool,
    /// Change the output format to "json" or a Go template
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Roll back to the previous image if the restart with the new one fails
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_value = "true", default_missing_value = "true", value_parser = go_flags::parse_bool)]
    rollback: bool,
    /// Require HTTPS and verify certificates when contacting registries
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    tls_verify: Option<bool>,
    /// Seconds to wait for each unit's restart job
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    restart_timeout: u64,
    /// The maximum number of units restarted at once (default: 3 × CPUs + 1, as Podman's --max-workers)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    max_workers: Option<u16>,
    /// Roll back an updated unit that exits or turns unhealthy within this time after it is ready (e.g. 2m; 0: off)
    #[arg(long, value_name = "DURATION", value_parser = parse_window)]
    watch_window: Option<Duration>,
    /// Move UNIT back to the images its names had before their last update, then restart it
    #[arg(long, value_name = "UNIT", conflicts_with = "dry_run")]
    rollback_to_previous: Option<String>,
    /// Not accepted; kept to answer with Podman's error
    #[arg(hide = true)]
    args: Vec<String>,
}

/// Runs one auto-update: prints the report, then fails with every error of the run.
pub fn run(args: AutoUpdateArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    if !args.args.is_empty() {
        bail!("`rpod auto-update` takes no arguments");
    }
    let options = Options {
        dry_run: args.dry_run,
        rollback: args.rollback,
        authfile: resolve_authfile(args.authfile, std::env::var_os("REGISTRY_AUTH_FILE").map(PathBuf::from))?,
        tls_verify: args.tls_verify,
        concurrency: CONCURRENCY,
        max_workers: args.max_workers.map_or_else(default_max_workers, usize::from),
        watch_window: args.watch_window,
        settle_timeout: Duration::from_secs(args.restart_timeout),
    };
    let (root, runroot) = (global.root_dir(), global.runroot_dir());
    let lock = RunLock::acquire(&runroot.join("auto-update.lock"))?;
    let containers = libpod::Store::open(&root, &runroot)?;
    let images = LazyImageStore::new(&root);
    let progress = crate::pull_progress::Lines { quiet: false };
    let registry = RegistryClients::new(
        &images,
        Some(runroot.join("registries")),
        &progress,
        Some(global.host.containers_auth_file()),
    );
    let units = SystemdUnits::new(global.host.clone(), Duration::from_secs(args.restart_timeout));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    if let Some(unit) = &args.rollback_to_previous {
        let reports = runtime.block_on(roll_back_unit(&lock, &containers, &images, &units, unit))?;
        let rows: Vec<ReportRow> = reports.iter().map(ReportRow::from).collect();
        print!("{}", render(&rows, args.format.as_deref())?);
        return Ok(0);
    }
    let backends =
        Backends { containers: &containers, images: &images, registry: &registry, units: &units, clock: &SystemClock };
    let outcome = runtime.block_on(auto_update(&lock, &backends, &options))?;
    if !outcome.reports.is_empty() {
        let rows: Vec<ReportRow> = outcome.reports.iter().map(ReportRow::from).collect();
        print!("{}", render(&rows, args.format.as_deref())?);
    }
    match join_errors(&outcome.errors) {
        Some(text) => Err(anyhow!(text)),
        None => Ok(0),
    }
}

fn parse_window(value: &str) -> Result<Duration, String> {
    libpod::flag_values::parse_go_duration(value).map_err(|e| e.to_string())
}

/// The default table, `json` (Go's MarshalIndent with 4 spaces) or a user template.
fn render(rows: &[ReportRow], format: Option<&str>) -> anyhow::Result<String> {
    let items: Vec<Value> = rows.iter().map(serde_json::to_value).collect::<Result<_, _>>()?;
    let headers =
        Value::Object(HEADERS.iter().map(|(field, header)| (field.to_string(), Value::from(*header))).collect());
    Ok(match format {
        None | Some("") => report::render_table(DEFAULT_ROW, &items, &headers)?,
        Some("json") => format!("{}\n", report::to_json_pretty(&rows)?),
        Some(user) => report::render_user_format(&report::podman_types::AUTO_UPDATE, user, &items, &headers)?,
    })
}
