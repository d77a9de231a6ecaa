//! One module per command or command group; each parses its flags, calls one library
//! function and prints. The dispatch below is the only place that lists them all.

mod container;
pub mod create;
mod generate;
mod import;
mod inspect;
mod ps;
mod rm;
mod version;

use clap::Subcommand;

use crate::global::GlobalArgs;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage containers
    Container(container::ContainerArgs),
    /// Create a container without starting it
    #[command(disable_help_flag = true)]
    Create(create::CreateArgs),
    /// Generate structured data (systemd units) for containers
    Generate(Box<generate::GenerateArgs>),
    /// Create an image from a root filesystem tarball
    Import(import::ImportArgs),
    /// Show a container's configuration and state as JSON
    Inspect(inspect::InspectArgs),
    /// List containers
    Ps(ps::PsArgs),
    /// Remove containers
    Rm(rm::RmArgs),
    /// Show the rpod version
    Version(version::VersionArgs),
}

/// Runs one command; the `Ok` value is the process exit code (a container's own code for
/// `run`/`wait`/`start -a`, else 0).
pub fn run(command: Command, global: &GlobalArgs) -> anyhow::Result<u8> {
    match command {
        Command::Container(args) => container::run(args, global),
        Command::Create(args) => create::run(args, global),
        Command::Generate(args) => generate::run(*args, global),
        Command::Import(args) => import::run(args, global),
        Command::Inspect(args) => inspect::run(args, global),
        Command::Ps(args) => ps::run(args, global),
        Command::Rm(args) => rm::run(args, global),
        Command::Version(args) => version::run(args, global),
    }
}
