//! The `rpod` binary: parses the command line, runs one command, maps errors to exit codes.

mod commands;
mod deferred;
mod global;
mod image_resolve;
mod pull_progress;
mod registry_access;
mod go_flags;

use std::process::ExitCode;

use clap::Parser;

/// Podman's exit code for an error of rpod itself (as opposed to the container's).
const EXIT_ERROR: u8 = 125;

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when the reader of our output goes away (`| head`)
    // instead of panicking on a write error.
    // SAFETY: setting a signal disposition to the default has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match global::Cli::try_parse() {
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
        Err(err) => {
            eprintln!("Error: {}", error_text(&err));
            ExitCode::from(EXIT_ERROR)
        }
    }
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
/// usage block and the `--help` hint are left out.
fn usage_error_line(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_join_once_each() {
        let missing = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        let cases: Vec<(anyhow::Error, &str)> = vec![
            (anyhow::Error::from(image::Error::Io { path: "/x".into(), source: missing() }), "/x: No such file or directory"),
            (anyhow::Error::from(missing()).context("opening /x"), "opening /x: No such file or directory"),
            (anyhow::Error::from(image::Error::Io { path: "/x".into(), source: missing() }).context("pull"), "pull: /x: No such file or directory"),
            (anyhow::anyhow!("plain"), "plain"),
        ];
        for (err, want) in cases {
            assert_eq!(error_text(&err), want);
        }
    }
}
