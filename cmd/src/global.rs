//! Flags that every command takes, and the paths they resolve to.

use std::path::PathBuf;

use clap::{Args, Parser};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use crate::commands::Command;

#[derive(Debug, Parser)]
#[command(name = "rpod", version, about = "Manage containers that keep themselves up to date")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Podman's root flags. They come before the command word and are kept in `CreateCommand`,
/// so a unit generated with `--new` runs with the same storage.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Path to the persistent storage (state database and images)
    #[arg(long, global = true, env = "RPOD_ROOT", value_name = "PATH", help_heading = "Global Flags")]
    pub root: Option<PathBuf>,
    /// Path to the runtime state (monitor PID files, container bundles)
    #[arg(long, global = true, env = "RPOD_RUNROOT", value_name = "PATH", help_heading = "Global Flags")]
    pub runroot: Option<PathBuf>,
    /// Log messages at and above this level: trace, debug, info, warn, error, fatal, panic
    #[arg(long, global = true, default_value = "warn", value_name = "LEVEL", value_parser = LOG_LEVELS, help_heading = "Global Flags")]
    pub log_level: String,
    /// OCI runtime to run containers with (default: containers.conf, else crun then runc)
    #[arg(long, global = true, value_name = "RUNTIME", help_heading = "Global Flags")]
    pub runtime: Option<String>,
    /// Who rpod runs as, asked once when the command line is parsed; every command reads it
    /// from here (default storage, systemd manager, credentials file).
    #[arg(skip = host::Host::detect())]
    pub host: host::Host,
}

impl GlobalArgs {
    /// `--root` (or `RPOD_ROOT`), else the host's default ([`host::Host::data_dir`]).
    pub fn root_dir(&self) -> PathBuf {
        self.root.clone().unwrap_or_else(|| self.host.data_dir.clone())
    }

    /// `--runroot` (or `RPOD_RUNROOT`), else the host's default ([`host::Host::run_dir`]).
    pub fn runroot_dir(&self) -> PathBuf {
        self.runroot.clone().unwrap_or_else(|| self.host.run_dir())
    }
}

impl GlobalArgs {
    /// Opens the container state store at `--root`/`--runroot`.
    pub fn open_store(&self) -> libpod::Result<libpod::Store> {
        libpod::Store::open(&self.root_dir(), &self.runroot_dir())
    }

    /// How to re-exec this rpod as a container monitor with the same storage and runtime.
    pub fn monitor_command(&self) -> anyhow::Result<libpod::MonitorCommand> {
        let exe = std::env::current_exe().map_err(|e| anyhow::anyhow!("finding the rpod executable: {e}"))?;
        let mut global_args = vec![
            "--root".to_string(),
            self.root_dir().display().to_string(),
            "--runroot".to_string(),
            self.runroot_dir().display().to_string(),
            "--log-level".to_string(),
            self.log_level.clone(),
        ];
        if let Some(runtime) = &self.runtime {
            global_args.extend(["--runtime".to_string(), runtime.clone()]);
        }
        Ok(libpod::MonitorCommand { exe, global_args })
    }
}

/// Podman's (logrus's) level names; `fatal` and `panic` show errors only, as rpod has no
/// messages above error.
const LOG_LEVELS: [&str; 7] = ["trace", "debug", "info", "warn", "error", "fatal", "panic"];

fn level_filter(level: &str) -> LevelFilter {
    match level {
        "trace" => LevelFilter::TRACE,
        "debug" => LevelFilter::DEBUG,
        "info" => LevelFilter::INFO,
        "warn" => LevelFilter::WARN,
        _ => LevelFilter::ERROR,
    }
}

/// rpod's own crates log at `level`; libraries underneath (TLS, HTTP, D-Bus) only at debug and
/// trace, so their internal complaints do not double rpod's one error line.
fn log_filter(level: &str) -> Targets {
    const OWN: [&str; 8] = ["rpod", "libpod", "image", "registry", "autoupdate", "systemd", "generate", "report"];
    let own = level_filter(level);
    let others = if own >= LevelFilter::DEBUG { own } else { LevelFilter::OFF };
    Targets::new().with_default(others).with_targets(OWN.map(|krate| (krate, own)))
}

/// Warnings and debug output go to stderr through `tracing`, filtered by `--log-level`.
pub fn init_logging(global: &GlobalArgs) {
    use std::io::IsTerminal;
    let output = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time();
    tracing_subscriber::registry().with(output.with_filter(log_filter(&global.log_level))).init();
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn own_crates_follow_the_level_and_libraries_speak_only_when_debugging() {
        let warn = log_filter("warn");
        assert!(warn.would_enable("libpod::store", &Level::WARN));
        assert!(!warn.would_enable("libpod::store", &Level::INFO));
        assert!(!warn.would_enable("rustls::conn", &Level::ERROR));
        let debug = log_filter("debug");
        assert!(debug.would_enable("registry::client", &Level::DEBUG));
        assert!(debug.would_enable("zbus::connection", &Level::DEBUG));
        assert!(!debug.would_enable("zbus::connection", &Level::TRACE));
        assert!(log_filter("fatal").would_enable("autoupdate", &Level::ERROR));
        assert!(!log_filter("panic").would_enable("autoupdate", &Level::WARN));
    }
}
