//! `rpod create`: make a container from an image without starting it. Its flags are shared by
//! `rpod run`, which flattens [`CreateArgs`].

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use image::{PullPolicy, RawImageName, Transport};
use libpod::flag_values;
use libpod::CreatePlacement;
use libpod::{CreateOptions, SdNotifyMode};

use crate::global::GlobalArgs;
use crate::go_flags;
use crate::image_resolve;

/// Flags of `create` (and `run`). `-h` is `--hostname` here, as in Podman, so help is `--help`.
#[derive(Debug, Clone, Args)]
pub struct CreateArgs {
    /// Name of the container (default: a generated one)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Set a label: KEY=VALUE or KEY (repeatable)
    #[arg(short = 'l', long = "label", value_name = "LABEL")]
    pub labels: Vec<String>,
    /// Read labels from a file of KEY=VALUE lines (repeatable)
    #[arg(long = "label-file", value_name = "FILE")]
    pub label_files: Vec<PathBuf>,
    /// Set an environment variable: NAME=VALUE, or NAME to take this environment's value
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: Vec<String>,
    /// Read environment variables from a file of NAME=VALUE lines (repeatable)
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Override the image's entrypoint: a command or a JSON array
    #[arg(long, value_name = "COMMAND", allow_hyphen_values = true)]
    pub entrypoint: Option<String>,
    /// Working directory inside the container
    #[arg(short = 'w', long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// User (name or UID[:GID]) the command runs as
    #[arg(short = 'u', long, value_name = "USER")]
    pub user: Option<String>,
    /// Container host name
    #[arg(short = 'h', long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Seconds to wait after the stop signal before killing
    #[arg(long, value_name = "SECONDS")]
    pub stop_timeout: Option<u32>,
    /// Restart policy: no, always, on-failure[:N], unless-stopped
    #[arg(long, value_name = "POLICY")]
    pub restart: Option<String>,
    /// How the container reports readiness to systemd: conmon, container, healthy or ignore
    #[arg(long, value_name = "MODE", value_parser = ["conmon", "container", "healthy", "ignore"])]
    pub sdnotify: Option<String>,
    /// Cgroup mode: enabled, disabled, no-conmon or split
    #[arg(long, value_name = "MODE", value_parser = ["enabled", "disabled", "no-conmon", "split"])]
    pub cgroups: Option<String>,
    /// Write the container ID to this file
    #[arg(long, value_name = "FILE")]
    pub cidfile: Option<PathBuf>,
    /// Remove the container when it exits
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub rm: Option<bool>,
    /// Replace a container of the same name
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub replace: Option<bool>,
    /// When to pull the image: missing, always, never or newer
    #[arg(long, value_name = "POLICY", default_value = "missing", value_parser = pull_policy_parser())]
    pub pull: PullPolicy,
    #[command(flatten)]
    pub registry: crate::registry_access::RegistryArgs,
    #[command(flatten)]
    pub limits: crate::resource_flags::ResourceFlags,
    #[command(flatten)]
    pub security: crate::security_flags::SecurityFlags,
    #[command(flatten)]
    pub mounts: crate::mount_flags::MountFlags,
    #[command(flatten)]
    pub health: crate::health_flags::HealthFlagArgs,
    #[command(flatten)]
    pub network: crate::network_flags::NetworkFlags,
    /// Allocate a pseudo-terminal for the container
    #[arg(short = 't', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub tty: Option<bool>,
    /// Keep standard input open, even when not attached
    #[arg(short = 'i', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub interactive: Option<bool>,
    /// Print help
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// Image to create the container from, exactly as auto-update will look it up again
    #[arg(value_name = "IMAGE")]
    pub image: RawImageName,
    /// Command and arguments (default: the image's)
    #[arg(value_name = "COMMAND", trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

pub fn run(args: CreateArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let config = create(&args, global)?;
    println!("{}", config.id);
    Ok(0)
}

/// Creates the container `args` describe; `run` calls this before starting it.
pub fn create(args: &CreateArgs, global: &GlobalArgs) -> anyhow::Result<libpod::ContainerConfig> {
    let mut opts = create_options(args)?;
    let network = args.network.request()?;
    let security = args.security.request()?;
    let mounts = args.mounts.config()?;
    let image_volume_mode = args.mounts.image_volume_mode()?;
    libpod::validate_auto_update_image(&opts.labels.iter().cloned().collect(), &args.image)?;
    if let Transport::Other(transport) = args.image.transport() {
        anyhow::bail!("rpod can only create containers from registry images, not from transport {transport:?}");
    }
    let image = image_resolve::resolve(global, &args.image, args.pull, &args.registry)?;
    let resolved = libpod::network::resolve_on_host(&network, &image.exposed_ports)?;
    if let Some(warning) = &resolved.warning {
        tracing::warn!("{warning}");
    }
    opts.network = Some(resolved.mode);
    opts.network_config = resolved.config;
    let mut config = libpod::new_container_config(&opts, &image, &|name| std::env::var(name).ok(), chrono::Utc::now())?;
    config.security = libpod::security::resolve_on_host(&security, &config)?;
    config.mounts = mounts;
    config.mounts.add_image_volumes(&image.volumes, image_volume_mode);
    let placement = CreatePlacement { cidfile: args.cidfile.clone(), replace: args.replace.unwrap_or(false) };
    let store = global.open_store()?;
    Ok(libpod::Runtime::on_host(&store, None).create(config, args.name.is_none(), &placement)?)
}

/// `--pull`: clap lists and checks the names (its error text for a bad one is what rpod has
/// always printed), then each becomes its [`PullPolicy`].
fn pull_policy_parser() -> impl clap::builder::TypedValueParser<Value = PullPolicy> {
    use clap::builder::TypedValueParser;
    let names = PullPolicy::ALL.map(PullPolicy::as_str);
    clap::builder::PossibleValuesParser::new(names).try_map(|name| name.parse::<PullPolicy>())
}

fn create_options(args: &CreateArgs) -> anyhow::Result<CreateOptions> {
    let mut labels = Vec::new();
    for path in &args.label_files {
        labels.extend(read_key_value_file(path)?.iter().map(|line| flag_values::split_label(line)));
    }
    labels.extend(args.labels.iter().map(|l| flag_values::split_label(l)));
    let mut env = Vec::new();
    for path in &args.env_files {
        env.extend(read_key_value_file(path)?);
    }
    env.extend(args.env.iter().cloned());
    flag_values::check_env_entries(&env)?;
    let sdnotify = args.sdnotify.as_deref().map(|mode| match mode {
        "container" => SdNotifyMode::Container,
        "healthy" => SdNotifyMode::Healthy,
        "ignore" => SdNotifyMode::Ignore,
        _ => SdNotifyMode::Conmon,
    });
    Ok(CreateOptions {
        name: args.name.clone(),
        labels,
        env,
        entrypoint: args.entrypoint.as_deref().map(flag_values::parse_entrypoint).transpose()?,
        command: args.command.clone(),
        work_dir: args.workdir.clone(),
        user: args.user.clone(),
        hostname: args.hostname.clone(),
        network: None,
        network_config: Default::default(),
        stop_timeout: args.stop_timeout,
        restart: args.restart.clone(),
        sdnotify,
        cgroups: args.cgroups.clone(),
        auto_remove: args.rm.unwrap_or(false),
        stdin: args.interactive.unwrap_or(false),
        terminal: args.tty.unwrap_or(false),
        resources: args.limits.resources()?,
        name_resolution: args.limits.name_resolution()?,
        runtime: None,
        raw_image_name: args.image.clone(),
        create_command: std::env::args().collect(),
        systemd_unit: std::env::var_os(libpod::config::SYSTEMD_UNIT_ENV).map(|v| v.to_string_lossy().into_owned()),
        health: args.health.request()?,
    })
}

/// The entries of a `--label-file` or `--env-file`.
fn read_key_value_file(path: &PathBuf) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(flag_values::key_value_lines(&text))
}
