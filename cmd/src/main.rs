//! The `rpod` binary: parses the command line, runs one command, and is the one place that
//! prints `Error:` lines and picks the exit code of a failure.

mod commands;
mod deferred;
mod failure;
mod global;
mod go_flags;
mod health_flags;
mod image_resolve;
mod mount_flags;
mod network_flags;
mod pull_progress;
mod registry_access;
mod resource_flags;
mod security_flags;
mod targets;
mod usage_errors;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use failure::EXIT_ERROR;

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when the reader of our output goes away (`| head`)
    // instead of panicking on a write error.
    // SAFETY: setting a signal disposition to the default has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match parse_command_line(&args) {
        Ok(cli) => cli,
        Err(err) => return usage_failure(&err, &args),
    };
    global::init_logging(&cli.global);
    match commands::run(cli.command, &cli.global) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            for err in &failure.errors {
                eprintln!("Error: {}", error_text(err));
            }
            ExitCode::from(failure.code)
        }
    }
}

/// Parses the command line into [`global::Cli`]. clap's command tree is left for the process
/// exit to reclaim instead of being dropped: freeing its hundreds of small allocations took
/// about a tenth of a `rpod generate systemd` run.
fn parse_command_line<T: Into<std::ffi::OsString> + Clone>(
    args: impl IntoIterator<Item = T>,
) -> Result<global::Cli, clap::Error> {
    let mut command = std::mem::ManuallyDrop::new(global::Cli::command());
    let mut matches = command.try_get_matches_from_mut(args)?;
    global::Cli::from_arg_matches_mut(&mut matches).map_err(|err| err.format(&mut command))
}

/// The error and its causes on one line, as Podman prints wrapped errors (`outer: inner`).
/// A cause whose text the previous message already ends with (errors that print their source,
/// such as `path: No such file or directory`) is not repeated.
fn error_text(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !parts.last().is_some_and(|last| last.ends_with(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// Help, the version, or a usage error in Podman's words (`Error: unknown flag: --bogus` and
/// `See 'rpod create --help'`, exit 125). A group run without its subcommand prints its help,
/// then Podman's `missing command` error.
fn usage_failure(err: &clap::Error, args: &[std::ffi::OsString]) -> ExitCode {
    use clap::error::ErrorKind;
    let root = global::Cli::command();
    match err.kind() {
        ErrorKind::DisplayHelp => {
            print!("{}", usage_errors::help_without_globals(&root, args));
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayVersion => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            print!("{}", usage_errors::help_without_globals(&root, args));
        }
        _ => {}
    }
    let usage = usage_errors::translate(err, args, &root);
    eprintln!("Error: {}", usage.message);
    if let Some(hint) = usage.hint {
        eprintln!("{hint}");
    }
    ExitCode::from(EXIT_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_join_once_each() {
        let missing = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        let cases: Vec<(anyhow::Error, &str)> = vec![
            (
                anyhow::Error::from(image::Error::Io { path: "/x".into(), source: missing() }),
                "/x: No such file or directory",
            ),
            (anyhow::Error::from(missing()).context("opening /x"), "opening /x: No such file or directory"),
            (
                anyhow::Error::from(image::Error::Io { path: "/x".into(), source: missing() }).context("pull"),
                "pull: /x: No such file or directory",
            ),
            (anyhow::anyhow!("plain"), "plain"),
        ];
        for (err, want) in cases {
            assert_eq!(error_text(&err), want);
        }
    }
}
