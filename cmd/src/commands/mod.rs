//! One module per command or command group; each parses its flags, calls one library
//! function and prints. The dispatch below is the only place that lists them all.

mod generate;
mod version;

use clap::Subcommand;

use crate::global::GlobalArgs;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate structured data (systemd units) for containers
    Generate(Box<generate::GenerateArgs>),
    /// Show the rpod version
    Version(version::VersionArgs),
}

/// Runs one command; the `Ok` value is the process exit code (a container's own code for
/// `run`/`wait`/`start -a`, else 0).
pub fn run(command: Command, global: &GlobalArgs) -> anyhow::Result<u8> {
    match command {
        Command::Generate(args) => generate::run(*args, global),
        Command::Version(args) => version::run(args, global),
    }
}
