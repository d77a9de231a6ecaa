//! The `rpod` binary: parses the command line, runs one command, and is the one place that
//! prints `Error:` lines and picks the exit code of a failure.

mod commands;
mod deferred;
mod failure;
mod global;
mod go_flags;
mod image_resolve;
mod pull_progress;
mod registry_access;

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
    let cli = match parse_command_line(std::env::args_os()) {
        Ok(cli) => cli,
        Err(err) if err.use_stderr() => {
            eprintln!("Error: {}", usage_error_line(&err));
            return ExitCode::from(EXIT_ERROR);
        }
        Err(help_or_version) => {
            let _ = help_or_version.print();
            return ExitCode::SUCCESS;
        }
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

/// clap's complaint as one line (Podman prints bad usage as one `Error:` line too); the
/// usage block and the `--help` hint are left out. A complaint that lists what it is about on
/// the following indented lines (missing arguments) keeps that list.
fn usage_error_line(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let listed: Vec<&str> = lines.take_while(|line| line.starts_with(' ')).map(str::trim).collect();
    if listed.is_empty() {
        first.to_string()
    } else {
        format!("{first} {}", listed.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_name_what_is_wrong_on_one_line() {
        let line = |args: &[&str]| usage_error_line(&parse_command_line(args.iter().copied()).unwrap_err());
        assert_eq!(line(&["rpod", "tag"]), "the following required arguments were not provided: <IMAGE>, <NAME>...");
        assert_eq!(line(&["rpod", "version", "--bogus"]), "unexpected argument '--bogus' found");
    }

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
