//! `rpod healthcheck run`: run a container's health check now (Podman's `podman healthcheck
//! run`). Exit 0 when it passed; when it failed, print `unhealthy` (or `stopped`) and exit 1;
//! errors (no such container, not running, no health check, a check that timed out) exit 125.

use anyhow::Context;
use clap::{Args, Subcommand};
use libpod::health::{CheckOutcome, HealthCheckError};

use crate::failure::CommandResult;
use crate::global::GlobalArgs;

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    #[command(subcommand)]
    pub command: HealthcheckCommand,
}

#[derive(Debug, Subcommand)]
pub enum HealthcheckCommand {
    /// Run the health check of a container
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Exit with code 0 regardless of healthcheck result or if the container is still in startup period
    #[arg(long)]
    pub ignore_result: bool,
    /// The container, by name or ID
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

pub fn run(args: HealthcheckArgs, global: &GlobalArgs) -> CommandResult {
    match args.command {
        HealthcheckCommand::Run(args) => run_check(&args, global),
    }
}

fn run_check(args: &RunArgs, global: &GlobalArgs) -> CommandResult {
    let store = global.open_store()?;
    let lifecycle = libpod::Runtime::on_host(&store, None);
    let container = store
        .lookup(&args.container)
        .and_then(|c| lifecycle.refreshed(c))
        .with_context(|| format!("unable to look up {} to perform a health check", args.container))?;
    let report = lifecycle.healthcheck_run(&container)?;
    let word = match report.outcome {
        CheckOutcome::Passed => return Ok(0),
        CheckOutcome::TimedOut(timeout) => return Err(libpod::Error::from(HealthCheckError::TimedOut(timeout)).into()),
        CheckOutcome::Failed => "unhealthy",
        CheckOutcome::ContainerStopped => "stopped",
    };
    println!("{word}");
    Ok(if args.ignore_result { 0 } else { 1 })
}
