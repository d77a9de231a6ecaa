//! `start`, `stop`, `kill`, `wait`, `logs`, `exec` and the hidden `container-monitor`.

use std::os::fd::FromRawFd;
use std::path::PathBuf;

use clap::Args;

use crate::failure::{libpod_failure, CommandFailure, CommandResult};
use crate::global::GlobalArgs;
use crate::go_flags;
use crate::targets::{Selection, Target};

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Attach to the container's output and return its exit code
    #[arg(short = 'a', long)]
    pub attach: bool,
    /// Forward stdin to a container created with -i (with --attach)
    #[arg(short = 'i', long)]
    pub interactive: bool,
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
            let attachment = libpod::runtime::attach::Attachment::open(&store, &container, args.interactive)?;
            return super::run::follow_output(&store, output, &container.config.id, attachment);
        }
        println!("{name}");
    }
    Ok(0)
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Seconds to wait before killing the container (default: its stop timeout; -1: no limit)
    #[arg(short = 't', long = "time", value_name = "SECONDS", allow_negative_numbers = true, value_parser = go_flags::parse_int)]
    pub time: Option<i64>,
    /// Do not fail when a container does not exist
    #[arg(short = 'i', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub ignore: Option<bool>,
    /// Read the container ID from this file (repeatable)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<PathBuf>,
    /// Stop all running containers
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Stop the containers that match: label=KEY[=VALUE], name=NAME, id=ID, status=STATUS
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Containers to stop
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Stops each container and prints it; one that fails is reported and the others still stop.
pub fn stop(args: StopArgs, global: &GlobalArgs) -> CommandResult {
    let ignore = args.ignore.unwrap_or(false);
    let filters = super::ps::parse_filters(&args.filters)?;
    let selection = Selection {
        names: &args.containers,
        all: args.all,
        cidfiles: &args.cidfile,
        filters: &filters,
        running_only: true,
    };
    selection.check()?;
    let timeout = args.time.map_or(libpod::StopTimeout::ContainerDefault, libpod::StopTimeout::from_flag);
    let store = global.open_store()?;
    let targets = selection.resolve(&store, libpod::cidfile::read_all(&args.cidfile, ignore)?, ignore)?;
    let lifecycle = libpod::Runtime::on_host(&store, None);
    for_each_target(targets, |container| lifecycle.stop(container, timeout))
}

/// Runs `act` on each target and prints the ones it succeeded on; the failures are reported
/// together at the end with exit code 125, as Podman reports a multi-container command.
pub(super) fn for_each_target(
    targets: Vec<Target>,
    act: impl Fn(&libpod::Container) -> libpod::Result<()>,
) -> CommandResult {
    let mut errors = Vec::new();
    for target in targets {
        match act(&target.container) {
            Ok(()) => println!("{}", target.shown),
            Err(err) => errors.push(anyhow::Error::from(err)),
        }
    }
    all_done(errors)
}

/// Exit 0, or 125 with every container's error, one `Error:` line each.
fn all_done(errors: Vec<anyhow::Error>) -> CommandResult {
    if errors.is_empty() {
        Ok(0)
    } else {
        Err(CommandFailure { code: crate::failure::EXIT_ERROR, errors })
    }
}

#[derive(Debug, Args)]
pub struct KillArgs {
    /// Signal to send: a name (KILL, SIGHUP, rtmin+3) or a number
    #[arg(short = 's', long, default_value = "KILL", value_name = "SIGNAL")]
    pub signal: String,
    /// Signal all running containers
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Read the container ID from this file (repeatable)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Vec<PathBuf>,
    /// Containers to signal
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// Sends the signal to each container; the signal is checked before anything is touched.
pub fn kill(args: KillArgs, global: &GlobalArgs) -> CommandResult {
    let signal = libpod::Signal::parse(&args.signal)?;
    let selection = Selection {
        names: &args.containers,
        all: args.all,
        cidfiles: &args.cidfile,
        running_only: true,
        ..Default::default()
    };
    selection.check()?;
    let store = global.open_store()?;
    let targets = selection.resolve(&store, libpod::cidfile::read_all(&args.cidfile, false)?, false)?;
    let lifecycle = libpod::Runtime::on_host(&store, None);
    for_each_target(targets, |container| lifecycle.kill(container, signal))
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Condition to wait for: stopped, exited, created, running, removing, initialized, paused,
    /// healthy, unhealthy (repeatable; default stopped and exited)
    #[arg(long, value_name = "CONDITION", value_delimiter = ',')]
    pub condition: Vec<String>,
    /// How often to look at the containers (a Go duration; a plain number is milliseconds)
    #[arg(short = 'i', long, value_name = "DURATION", default_value = "250ms")]
    pub interval: String,
    /// Print -1 for a container that does not exist instead of failing
    #[arg(long)]
    pub ignore: bool,
    /// Containers to wait for
    #[arg(value_name = "CONTAINER", required = true)]
    pub containers: Vec<String>,
}

/// Waits for each container in turn and prints its exit code (-1 for a state condition).
pub fn wait(args: WaitArgs, global: &GlobalArgs) -> CommandResult {
    let interval = libpod::flag_values::parse_go_duration(&args.interval)
        .or_else(|err| libpod::flag_values::parse_go_duration(&format!("{}ms", args.interval)).map_err(|_| err))
        .map_err(anyhow::Error::from)?;
    let mut conditions =
        args.condition.iter().map(|c| libpod::WaitCondition::parse(c)).collect::<Result<Vec<_>, _>>()?;
    if conditions.is_empty() {
        conditions.push(libpod::WaitCondition::Exited);
    }
    let store = global.open_store()?;
    let lifecycle = libpod::Runtime::on_host(&store, None);
    let mut errors = Vec::new();
    for name in &args.containers {
        match store.lookup(name).and_then(|c| lifecycle.wait_for(&c.config.id, &conditions, interval)) {
            Ok(code) => println!("{code}"),
            Err(libpod::Error::NoSuchContainer(_)) if args.ignore => println!("-1"),
            Err(err) => errors.push(anyhow::Error::from(err)),
        }
    }
    all_done(errors)
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
            None,
        )?;
    } else {
        let text = std::fs::read(&container.config.log_path).unwrap_or_default();
        std::io::Write::write_all(&mut std::io::stdout(), &text)?;
    }
    Ok(0)
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Keep stdin open: the command reads this process's stdin (else /dev/null)
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Give the command a pseudo-terminal
    #[arg(short = 't', long)]
    pub tty: bool,
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
    let stdio = libpod::runtime::oci::ExecStdio { stdin: args.interactive, terminal: args.tty };
    match libpod::Runtime::on_host(&store, None).exec(&store.lookup(&args.container)?, &args.command, stdio) {
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
