//! `container_unit`: a container's config and the options in, the unit out, in the two shapes
//! Podman 5.x generates: `start`/`stop` of the existing container (`Type=forking`, the monitor's
//! PID file), or with `--new` a unit that runs a fresh container each time (`Type=notify`).

use libpod::ContainerConfig;

use crate::env::{self, EnvVar};
use crate::error::Error;
use crate::escape::{check_no_nul, escape_arg, escape_env_assignment, escape_executable, format_options, go_quote};
use crate::names::service_name;
use crate::options::UnitOptions;
use crate::restart::{self, UnitRestart, DEFAULT_RESTART_POLICY};
use crate::rewrite::{rewrite_create_command, with_storage_flags, FIXED_RUN_FLAGS};
use crate::template;
use crate::unit::{unix_date, UnitText};

/// The `--cidfile` of `--new` units, which `stop` and `rm` read back.
const CID_FILE: &str = "%t/%n.ctr-id";

/// One generated unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Service name without `.service` (the key of `--format json`).
    pub service_name: String,
    /// An `@.service` template unit.
    pub template: bool,
    /// The unit file.
    pub text: String,
    /// Warnings for the user (Podman logs them), e.g. a restart policy that fights systemd.
    pub warnings: Vec<String>,
}

impl Unit {
    /// The file name `--files` writes: `<service>.service`, or `<service>@.service` for a template
    /// (Podman writes templates without the `@`, which systemd then does not treat as one).
    pub fn file_name(&self) -> String {
        let at = if self.template { "@" } else { "" };
        format!("{}{at}.service", self.service_name)
    }
}

/// Generates the systemd unit of one container. Pure: no store, no clock, no environment.
pub fn container_unit(cfg: &ContainerConfig, opts: &UnitOptions) -> Result<Unit, Error> {
    let new = opts.new || opts.template;
    let name_or_id = if opts.use_name { &cfg.name } else { &cfg.id };
    let service = service_name(&opts.container_prefix, &opts.separator, name_or_id)?;
    if let Some(policy) = &opts.restart_policy {
        restart::validate_restart_policy(policy)?;
    }
    for (what, values) in [("--wants", &opts.wants), ("--after", &opts.after), ("--requires", &opts.requires)] {
        values.iter().try_for_each(|value| check_verbatim(what, value))?;
    }
    check_no_nul("executable", &opts.executable)?;
    let exe = escape_executable(&opts.executable);
    let stop_timeout = opts.stop_timeout.unwrap_or(cfg.stop_timeout);
    let mut warnings = Vec::new();

    let mut text = UnitText {
        service_name: service.clone(),
        template: opts.template,
        header: (!opts.no_header).then(|| (opts.generator_version.clone(), opts.timestamp.as_ref().map(unix_date))),
        requires_mounts_for: String::new(),
        wants: opts.wants.clone(),
        after: opts.after.clone(),
        requires: opts.requires.clone(),
        container_env: Vec::new(),
        extra_env: env_assignments(&opts.env)?,
        restart: UnitRestart {
            policy: opts.restart_policy.clone().unwrap_or_else(|| DEFAULT_RESTART_POLICY.to_string()),
            start_limit_burst: None,
        },
        restart_sec: opts.restart_sec,
        start_timeout: opts.start_timeout,
        stop_timeout,
        exec_start: String::new(),
        exec_stop: String::new(),
        exec_stop_post: String::new(),
        pid_file: None,
        notify: new,
    };

    if new {
        fill_new(&mut text, cfg, opts, &exe)?;
    } else {
        if !matches!(cfg.restart_policy.as_str(), "" | "no") {
            warnings.push(format!(
                "Container {} has restart policy {} which can lead to issues on shutdown: consider recreating the container without a restart policy and use systemd's restart mechanism instead",
                cfg.id,
                go_quote(&cfg.restart_policy)
            ));
        }
        fill_existing(&mut text, cfg, opts, &exe, escape_arg(name_or_id))?;
    }
    Ok(Unit { service_name: service, template: opts.template, text: text.render(), warnings })
}

/// The unit that starts and stops the existing container.
fn fill_existing(
    text: &mut UnitText,
    cfg: &ContainerConfig,
    opts: &UnitOptions,
    exe: &str,
    name: String,
) -> Result<(), Error> {
    if cfg.conmon_pid_file.is_empty() {
        return Err(Error::EmptyConmonPidFile);
    }
    if opts.run_root.is_empty() {
        return Err(Error::EmptyRunRoot);
    }
    text.requires_mounts_for = unit_path("RequiresMountsFor", &opts.run_root)?;
    text.pid_file = Some(unit_path("PIDFile", &cfg.conmon_pid_file)?);
    let timeout = text.stop_timeout;
    // Podman line-breaks its stop template before substituting it, hence the two spaces.
    text.exec_start = format!("{exe} start {name}");
    text.exec_stop = format!("{exe} stop  \\\n\t-t {timeout} {name}");
    text.exec_stop_post = text.exec_stop.clone();
    Ok(())
}

/// The `--new` unit: `rpod run` from the create command, `stop`/`rm` through the cidfile.
fn fill_new(text: &mut UnitText, cfg: &ContainerConfig, opts: &UnitOptions, exe: &str) -> Result<(), Error> {
    if cfg.create_command.is_empty() {
        return Err(Error::NoCreateCommand(cfg.id.clone()));
    }
    cfg.create_command.iter().try_for_each(|arg| check_no_nul("argument", arg))?;
    let mut run = rewrite_create_command(&cfg.create_command)?;
    run.root_args = with_storage_flags(&run.root_args, &opts.storage);
    if opts.restart_policy.is_none() {
        if let Some(value) = &run.restart {
            text.restart = restart::from_container_restart(value)?;
        }
    }
    text.container_env = env_assignments(&env::container_values(&run.env_names, &cfg.env))?;

    let mut words = vec![exe.to_string()];
    words.extend(run.root_args.iter().map(|arg| escape_arg(arg)));
    // Unlike Podman 3.3+, stop and rm get the root flags too (not the `container` group word):
    // without them they look in the default storage, miss a container created with
    // `--root`/`--runroot`, and leave it behind.
    let root_flags = match run.root_args.last().map(String::as_str) {
        Some("container") => &words[..words.len() - 1],
        _ => &words[..],
    };
    let program = format_options(root_flags);
    let run_index = words.len();
    words.push("run".to_string());
    words.extend(FIXED_RUN_FLAGS.iter().chain(&run.added_flags).map(|flag| flag.to_string()));
    let user_start = words.len();
    words.extend(run.user_flags.iter().map(|arg| escape_arg(arg)));
    let user_flags = user_start..words.len();
    words.extend(run.positionals.iter().map(|arg| escape_arg(arg)));
    if opts.template {
        template::set_container_name(&mut words, run_index, user_flags, &text.service_name);
    }

    let timeout = text.stop_timeout;
    text.requires_mounts_for = "%t/containers".to_string();
    text.exec_start = format_options(&words);
    text.exec_stop = format!("{program} stop \\\n\t--ignore -t {timeout} \\\n\t--cidfile={CID_FILE}");
    text.exec_stop_post = format!("{program} rm \\\n\t-f \\\n\t--ignore -t {timeout} \\\n\t--cidfile={CID_FILE}");
    Ok(())
}

/// `Environment=` words: names systemd accepts, values escaped so systemd reads them back exactly.
fn env_assignments(vars: &[EnvVar]) -> Result<Vec<String>, Error> {
    vars.iter()
        .map(|var| {
            env::check_systemd_name(var)?;
            check_no_nul("environment variable", &var.value)?;
            Ok(escape_env_assignment(&var.assignment()))
        })
        .collect()
}

/// Dependencies are written as given (unit names, maybe with specifiers), so they must not hold
/// anything that ends the line.
fn check_verbatim(what: &str, value: &str) -> Result<(), Error> {
    if value.chars().any(char::is_control) {
        return Err(Error::ControlCharacter { what: what.to_string(), value: value.to_string() });
    }
    Ok(())
}

/// A path for `PIDFile=`/`RequiresMountsFor=`: `%` doubled for systemd's specifiers, and
/// anything systemd would split or unquote refused.
fn unit_path(what: &str, path: &str) -> Result<String, Error> {
    if path.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\')) {
        return Err(Error::UnsafePath { what: what.to_string(), value: path.to_string() });
    }
    Ok(path.replace('%', "%%"))
}
