//! `rpod completion SHELL`: shell completion scripts generated from the command definitions.

use clap::{Args, CommandFactory, ValueEnum};

use crate::global::{Cli, GlobalArgs};

/// Shells rpod writes completions for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to write the completion script for
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: CompletionArgs, _global: &GlobalArgs) -> anyhow::Result<u8> {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "rpod", &mut std::io::stdout());
    Ok(0)
}
