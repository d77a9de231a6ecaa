//! Flags that every command takes, and the paths they resolve to.

use std::path::PathBuf;

use clap::{Args, Parser};

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
    #[arg(long, global = true, env = "RPOD_ROOT", value_name = "PATH")]
    pub root: Option<PathBuf>,
    /// Path to the runtime state (monitor PID files, container bundles)
    #[arg(long, global = true, env = "RPOD_RUNROOT", value_name = "PATH")]
    pub runroot: Option<PathBuf>,
    /// Log messages at and above this level: trace, debug, info, warn, error
    #[arg(long, global = true, default_value = "warn", value_name = "LEVEL")]
    pub log_level: String,
    /// OCI runtime to run containers with (default: containers.conf, else crun then runc)
    #[arg(long, global = true, value_name = "RUNTIME")]
    pub runtime: Option<String>,
}

impl GlobalArgs {
    /// `--root`, else `/var/lib/rpod` for root and `$XDG_DATA_HOME/rpod` for other users.
    pub fn root_dir(&self) -> PathBuf {
        self.root.clone().unwrap_or_else(|| {
            if is_root() {
                PathBuf::from("/var/lib/rpod")
            } else {
                xdg_dir("XDG_DATA_HOME", ".local/share").join("rpod")
            }
        })
    }

    /// `--runroot`, else `/run/rpod` for root and `$XDG_RUNTIME_DIR/rpod` for other users.
    pub fn runroot_dir(&self) -> PathBuf {
        self.runroot.clone().unwrap_or_else(|| {
            if is_root() {
                PathBuf::from("/run/rpod")
            } else {
                std::env::var_os("XDG_RUNTIME_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(std::env::temp_dir)
                    .join("rpod")
            }
        })
    }
}

impl GlobalArgs {
    /// Opens the container state store at `--root`/`--runroot`.
    pub fn open_store(&self) -> libpod::Result<libpod::Store> {
        libpod::Store::open(&self.root_dir(), &self.runroot_dir())
    }

    /// How to re-exec this rpod as a container monitor with the same storage and runtime.
    pub fn monitor_command(&self) -> anyhow::Result<libpod::start::MonitorCommand> {
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
        Ok(libpod::start::MonitorCommand { exe, global_args })
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn xdg_dir(var: &str, fallback_under_home: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(fallback_under_home)
    })
}

/// rpod's own crates log at `level`; libraries underneath (TLS, HTTP, D-Bus) only at debug and
/// trace, so their internal complaints do not double rpod's one error line.
fn log_filter(level: &str) -> String {
    const OWN: &[&str] = &["rpod", "libpod", "image", "registry", "autoupdate", "systemd", "generate", "report"];
    let others = if matches!(level, "debug" | "trace") { level } else { "off" };
    let own: Vec<String> = OWN.iter().map(|krate| format!("{krate}={level}")).collect();
    format!("{others},{}", own.join(","))
}

/// Warnings and debug output go to stderr through `tracing`, filtered by `--log-level`.
pub fn init_logging(global: &GlobalArgs) {
    let filter = tracing_subscriber::EnvFilter::try_new(log_filter(&global.log_level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(log_filter("warn")));
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .init();
}
