//! `rpod container …`: the container command group (Podman's `podman container`). Each
//! subcommand is the top-level command of the same name, so scripts written either way work.

use clap::{Args, Subcommand};

use super::run as run_command;
use super::{create, inspect, lifecycle, ps, restart, rm};
use crate::failure::CommandResult;
use crate::global::GlobalArgs;

#[derive(Debug, Args)]
pub struct ContainerArgs {
    #[command(subcommand)]
    pub command: ContainerCommand,
}

#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// Create a container without starting it
    #[command(disable_help_flag = true)]
    Create(Box<create::CreateArgs>),
    /// Run a process in a running container
    Exec(lifecycle::ExecArgs),
    /// Exit 0 when the container exists, 1 when it does not
    Exists(ExistsArgs),
    /// Show a container's configuration and state
    Inspect(inspect::InspectArgs),
    /// Send a signal to running containers
    Kill(lifecycle::KillArgs),
    /// Show a container's output
    Logs(lifecycle::LogsArgs),
    /// List containers
    #[command(alias = "ls", alias = "list")]
    Ps(ps::PsArgs),
    /// Restart containers
    Restart(restart::RestartArgs),
    /// Remove containers
    Rm(rm::RmArgs),
    /// Create and start a container
    #[command(disable_help_flag = true)]
    Run(Box<run_command::RunArgs>),
    /// Start containers
    Start(lifecycle::StartArgs),
    /// Stop containers
    Stop(lifecycle::StopArgs),
    /// Wait for containers to reach a condition
    Wait(lifecycle::WaitArgs),
}

#[derive(Debug, Args)]
pub struct ExistsArgs {
    /// Container name or ID
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

pub fn run(args: ContainerArgs, global: &GlobalArgs) -> CommandResult {
    match args.command {
        ContainerCommand::Create(args) => Ok(create::run(*args, global)?),
        ContainerCommand::Exec(args) => lifecycle::exec(args, global),
        ContainerCommand::Exists(args) => Ok(exists(args, global)?),
        ContainerCommand::Inspect(args) => Ok(inspect::run(args, global)?),
        ContainerCommand::Kill(args) => lifecycle::kill(args, global),
        ContainerCommand::Logs(args) => Ok(lifecycle::logs(args, global)?),
        ContainerCommand::Ps(args) => Ok(ps::run(args, global)?),
        ContainerCommand::Restart(args) => restart::run(args, global),
        ContainerCommand::Rm(args) => rm::run(args, global),
        ContainerCommand::Run(args) => Ok(run_command::run(*args, global)?),
        ContainerCommand::Start(args) => Ok(lifecycle::start(args, global)?),
        ContainerCommand::Stop(args) => lifecycle::stop(args, global),
        ContainerCommand::Wait(args) => lifecycle::wait(args, global),
    }
}

fn exists(args: ExistsArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    match global.open_store()?.lookup(&args.container) {
        Ok(_) => Ok(0),
        Err(libpod::Error::NoSuchContainer(_)) => Ok(1),
        Err(err) => Err(err.into()),
    }
}
