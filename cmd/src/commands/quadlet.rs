//! `rpod quadlet install|list|print|rm` (Podman 5.6's `podman quadlet`): Quadlet files in the
//! generator's directories. The work is `quadlet::manage`'s; this module parses and prints.

use anyhow::anyhow;
use clap::{Args, Subcommand};
use quadlet::manage::{self, ManageError, QuadletDirs, RemoveOptions, Report, Systemctl};
use report::template::Schema;
use report::Output;
use serde_json::{json, Value};

use crate::failure::{CommandFailure, CommandResult, EXIT_ERROR};
use crate::global::GlobalArgs;
use crate::go_flags;

/// Podman 5.6's default `quadlet list` rows (headers are added as for a table).
const DEFAULT_LIST_FORMAT: &str = "table {{.Name}}\t{{.UnitName}}\t{{.Path}}\t{{.Status}}\t{{.App}}";

/// `quadlet list` templates run over Podman's `ListQuadlet`s.
const LIST_OUTPUT: Output = Output { name: "list", schema: Schema { item: "*entities.ListQuadlet", structs: &[] } };

#[derive(Debug, Args)]
pub struct QuadletArgs {
    #[command(subcommand)]
    pub command: QuadletCommand,
}

#[derive(Debug, Subcommand)]
pub enum QuadletCommand {
    /// Install Quadlet files (or a directory's) and reload systemd
    Install(InstallArgs),
    /// List Quadlets
    #[command(alias = "ls")]
    List(ListArgs),
    /// Display the contents of a quadlet
    #[command(alias = "cat")]
    Print(PrintArgs),
    /// Remove Quadlets
    Rm(RmArgs),
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Reload systemd after installing Quadlets
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub reload_systemd: Option<bool>,
    /// Replace the installation even if the quadlet already exists
    #[arg(short = 'r', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub replace: Option<bool>,
    /// Quadlet files, or a directory of them
    #[arg(value_name = "QUADLET-PATH")]
    pub paths: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Filter output based on conditions given (name=REGEX)
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Pretty-print output to JSON or using a Go template
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Do not print headers
    #[arg(short = 'n', long)]
    pub noheading: bool,
}

#[derive(Debug, Args)]
pub struct PrintArgs {
    /// The Quadlet file's name (web.container)
    #[arg(value_name = "QUADLET")]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Remove running quadlets
    #[arg(short = 'f', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub force: Option<bool>,
    /// Remove all Quadlets for the current user
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Do not error for Quadlets that do not exist
    #[arg(short = 'i', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub ignore: Option<bool>,
    /// Reload systemd after removal
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub reload_systemd: Option<bool>,
    #[arg(value_name = "QUADLET")]
    pub names: Vec<String>,
}

pub fn run(args: QuadletArgs, _global: &GlobalArgs) -> CommandResult {
    // SAFETY: geteuid cannot fail and touches no memory.
    let user = unsafe { libc::geteuid() } != 0;
    let dirs = QuadletDirs::for_process(user);
    let mut systemd = Systemctl { user };
    match args.command {
        QuadletCommand::Install(a) => {
            if a.paths.is_empty() {
                return Err(anyhow!("must provide at least one argument").into());
            }
            let report = manage::install(
                &dirs,
                &a.paths,
                a.replace.unwrap_or(false),
                a.reload_systemd.unwrap_or(true),
                &mut systemd,
            )?;
            finish(
                report,
                |path| format!("quadlet {path:?} failed to install"),
                "errors occurred installing some Quadlets",
            )
        }
        QuadletCommand::List(a) => list(&a, &dirs, &mut systemd),
        QuadletCommand::Print(a) => {
            print!("{}", manage::print(&dirs, &a.name)?);
            Ok(0)
        }
        QuadletCommand::Rm(a) => {
            if a.names.is_empty() && !a.all {
                return Err(anyhow!("at least one quadlet file must be selected").into());
            }
            let options = RemoveOptions {
                force: a.force.unwrap_or(false),
                all: a.all,
                ignore: a.ignore.unwrap_or(false),
                reload: a.reload_systemd.unwrap_or(true),
            };
            let report = manage::remove(&dirs, &a.names, options, &mut systemd)
                .map_err(|e| anyhow!("unable to remove Quadlet: {e}"))?;
            finish(report, |name| format!("unable to remove Quadlet {name}"), "some quadlets could not be removed")
        }
    }
}

/// Prints what was done, then fails with each error and a closing line, as Podman does.
fn finish(report: Report, context: impl Fn(&str) -> String, closing: &str) -> CommandResult {
    for done in &report.done {
        println!("{done}");
    }
    if report.errors.is_empty() {
        return Ok(0);
    }
    let mut errors: Vec<anyhow::Error> =
        report.errors.into_iter().map(|(what, e): (String, ManageError)| anyhow!("{}: {e}", context(&what))).collect();
    errors.push(anyhow!("{closing}"));
    Err(CommandFailure { code: EXIT_ERROR, errors })
}

fn list(args: &ListArgs, dirs: &QuadletDirs, systemd: &mut Systemctl) -> CommandResult {
    let mut names = Vec::new();
    for filter in &args.filters {
        match filter.split_once('=') {
            // Podman's StringMatchRegexSlice: a pattern that does not compile matches nothing.
            Some(("name", value)) => names.push(regex::Regex::new(value).ok()),
            Some((key, _)) => return Err(anyhow!("{key} is not a valid filter").into()),
            None => return Err(anyhow!("invalid filter {filter:?}").into()),
        }
    }
    let rows: Vec<Value> = manage::list(dirs, systemd)?
        .into_iter()
        .filter(|q| names.is_empty() || names.iter().flatten().any(|n| n.is_match(&q.name)))
        .map(|q| json!({"Name": q.name, "UnitName": q.unit_name, "Path": q.path, "Status": q.status, "App": ""}))
        .collect();
    if args.format.as_deref() == Some("json") {
        println!("{}", report::to_json_pretty(&rows)?);
        return Ok(0);
    }
    let headers = report::headers(
        &["Name", "UnitName", "Path", "Status", "App"],
        &[("UnitName", "unit name"), ("Path", "path on disk"), ("App", "application")],
    );
    let format = args.format.as_deref().unwrap_or(DEFAULT_LIST_FORMAT);
    let text = report::render_user_format(&LIST_OUTPUT, format, &rows, &headers)?;
    if args.noheading && report::is_table_format(format) {
        print!("{}", text.split_once('\n').map_or("", |(_, rest)| rest));
    } else {
        print!("{text}");
    }
    Ok(0)
}
