//! The `rpod` binary: parses the command line, runs one command, maps errors to exit codes.

mod commands;
mod global;
mod image_resolve;
mod registry_access;
mod go_flags;

use std::process::ExitCode;

use clap::Parser;

/// Podman's exit code for an error of rpod itself (as opposed to the container's).
const EXIT_ERROR: u8 = 125;

fn main() -> ExitCode {
    let cli = match global::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    global::init_logging(&cli.global);
    match commands::run(cli.command, &cli.global) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("Error: {}", error_text(&err));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// The error and its causes on one line, as Podman prints wrapped errors (`outer: inner`).
fn error_text(err: &anyhow::Error) -> String {
    err.chain().map(ToString::to_string).collect::<Vec<_>>().join(": ")
}
