//! `start`, `stop`, `kill`, `wait`, `logs`, `exec` and the hidden `container-monitor`.

use std::os::fd::FromRawFd;
use std::path::PathBuf;

use clap::Args;

use crate::failure::{libpod_failure, CommandResult};
use crate::global::GlobalArgs;
use crate::go_flags;

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Attach to the container's output and return its exit code
    #[arg(short = 'a', long)]
    pub attach: bool,
    /// Containers to start
    #[arg(value_name = "CONTAINER", required = true)]
    pub containers: Vec<String>,
}

pub fn start(args: StartArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let store = global.open_store()?;
    let lifecycle = libpod::Runtime::on_host(&store, Some(global.monitor_command()?));
    for name in &args.containers {
        let container = store.lookup(name)?;
        let output = args.attach.then(|| super::run::ContainerOutput::open(&container.config.log_path));
        lifecycle.start(&container, &|w| tracing::warn!("{w}"))?;
        if let Some(output) = output {
            return super::run::follow_output(&store, output, &container.config.id);
        }
        println!("{name}");
    }
    Ok(0)
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Seconds to wait before killing the container (default: its stop timeout)
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    pub time: Option<u32>,
    /// Do not fail when a container does not exist
    #[arg(short = 'i', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub ignore: Option<bool>,
    /// Read the container ID from this file (repeatable)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<PathBuf>,
    /// Stop all running containers
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Containers to stop
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

pub fn stop(args: StopArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let ignore = args.ignore.unwrap_or(false);
    let store = global.open_store()?;
    let mut targets = args.containers.clone();
    targets.extend(libpod::cidfile::read_all(&args.cidfile, ignore)?);
    if args.all {
        targets.extend(
            store
                .list()?
                .into_iter()
                .filter(|c| c.state.state == libpod::ContainerStatus::Running)
                .map(|c| c.config.id),
        );
    }
    for target in targets {
        match store.lookup(&target) {
            Ok(container) => libpod::Runtime::on_host(&store, None).stop(&container, args.time)?,
            Err(libpod::Error::NoSuchContainer(_)) if ignore => continue,
            Err(err) => return Err(err.into()),
        }
        println!("{target}");
    }
    Ok(0)
}

#[derive(Debug, Args)]
pub struct KillArgs {
    /// Signal to send (name or number)
    #[arg(short = 's', long, default_value = "KILL", value_name = "SIGNAL")]
    pub signal: String,
    /// Containers to signal
    #[arg(value_name = "CONTAINER", required = true)]
    pub containers: Vec<String>,
}

pub fn kill(args: KillArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let store = global.open_store()?;
    let signal = args.signal.trim_start_matches("SIG");
    for name in &args.containers {
        libpod::Runtime::on_host(&store, None).kill(&store.lookup(name)?, signal)?;
        println!("{name}");
    }
    Ok(0)
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Containers to wait for
    #[arg(value_name = "CONTAINER", required = true)]
    pub containers: Vec<String>,
}

pub fn wait(args: WaitArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let store = global.open_store()?;
    for name in &args.containers {
        let id = store.lookup(name)?.config.id;
        println!("{}", libpod::Runtime::on_host(&store, None).wait(&id)?);
    }
    Ok(0)
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Keep printing output until the container exits
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Container whose output to print
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

pub fn logs(args: LogsArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let store = global.open_store()?;
    let container = store.lookup(&args.container)?;
    if args.follow {
        super::run::follow_output(
            &store,
            super::run::ContainerOutput::open(&container.config.log_path),
            &container.config.id,
        )?;
    } else {
        let text = std::fs::read(&container.config.log_path).unwrap_or_default();
        std::io::Write::write_all(&mut std::io::stdout(), &text)?;
    }
    Ok(0)
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Running container to run the command in
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Command and arguments
    #[arg(value_name = "COMMAND", required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// Runs the command in the container and returns its exit code; a command that cannot run
/// fails with Podman's 127/126.
pub fn exec(args: ExecArgs, global: &GlobalArgs) -> CommandResult {
    let store = global.open_store()?;
    match libpod::Runtime::on_host(&store, None).exec(&store.lookup(&args.container)?, &args.command) {
        Ok(code) => Ok(u8::try_from(code).unwrap_or(255)),
        Err(err) => Err(libpod_failure(err)),
    }
}

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// ID of the container to monitor
    pub id: String,
}

/// The monitor a `start` spawns (see `libpod::monitor`); it reports on fd 3.
pub fn monitor(args: MonitorArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    // SAFETY: `start` dup2()s the report pipe to this descriptor before exec and nothing else
    // in this process owns it.
    let report = unsafe { std::fs::File::from_raw_fd(libpod::MONITOR_REPORT_FD) };
    let store = global.open_store()?;
    libpod::monitor::run(&store, &args.id, global.runtime.as_deref(), report)?;
    Ok(0)
}
