//! `rpod container …`: the container command group (Podman's `podman container`).

use clap::{Args, Subcommand};

use super::{create, inspect, ps, rm};
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
    /// Exit 0 when the container exists, 1 when it does not
    Exists(ExistsArgs),
    /// Show a container's configuration and state
    Inspect(inspect::InspectArgs),
    /// List containers
    #[command(alias = "ls", alias = "list")]
    Ps(ps::PsArgs),
    /// Remove containers
    Rm(rm::RmArgs),
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
        ContainerCommand::Exists(args) => Ok(exists(args, global)?),
        ContainerCommand::Inspect(args) => Ok(inspect::run(args, global)?),
        ContainerCommand::Ps(args) => Ok(ps::run(args, global)?),
        ContainerCommand::Rm(args) => rm::run(args, global),
    }
}

fn exists(args: ExistsArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    match global.open_store()?.lookup(&args.container) {
        Ok(_) => Ok(0),
        Err(libpod::Error::NoSuchContainer(_)) => Ok(1),
        Err(err) => Err(err.into()),
    }
}
