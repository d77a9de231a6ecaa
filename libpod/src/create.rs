//! Turning `create` options and the image's defaults into a new [`ContainerConfig`].
//!
//! Podman's rules, applied here once for `create` and `run`: the command comes from the
//! arguments after the image, else the image's `Cmd`; `--entrypoint` replaces the image's
//! entrypoint and, when given without arguments, also drops the image's `Cmd`; the environment
//! is the image's, then `--env-file`, then `--env`, later names winning; the label
//! `PODMAN_SYSTEMD_UNIT` comes from the creating process's environment when it is set there
//! (even empty), overriding a user label.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use image::{RawImageName, Transport};

use crate::config::{ContainerConfig, SdNotifyMode, AUTO_UPDATE_LABEL, DEFAULT_STOP_TIMEOUT, SYSTEMD_UNIT_ENV};
use crate::error::{Error, Result};
use crate::limits::{ResourceLimits, ResourceRequest};
use crate::name_resolution::NameResolution;
use crate::names;

/// rpod has no bridge networking: without `--network`, a container shares the host's network
/// namespace (`--network none` gives it an empty one of its own).
pub const DEFAULT_NETWORK: &str = "host";

/// What the image contributes to a new container.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageDefaults {
    /// Image ID (hex config digest).
    pub id: String,
    /// Normalized name the image was resolved to, e.g. `quay.io/libpod/alpine:latest`.
    pub name: String,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub working_dir: String,
    pub user: String,
    /// The image's `VOLUME` destinations ([`crate::mounts::ImageVolumeMode`] says what they become).
    pub volumes: Vec<String>,
    /// The image's `ExposedPorts` (`80/tcp`), which `-P` publishes.
    pub exposed_ports: Vec<String>,
    /// The image's `Healthcheck`, which the container keeps unless `--health-cmd` or
    /// `--no-healthcheck` replaces it.
    pub healthcheck: Option<health::HealthConfig>,
}

/// Everything the user decided at create time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreateOptions {
    pub name: Option<String>,
    /// Labels from `--label-file` then `--label`, in order (later wins).
    pub labels: Vec<(String, String)>,
    /// `--env-file` entries then `--env` entries (`NAME=value`, or `NAME` to take the host's).
    pub env: Vec<String>,
    /// `--entrypoint`, already split (JSON array form or a single string).
    pub entrypoint: Option<Vec<String>>,
    /// Arguments after the image.
    pub command: Vec<String>,
    pub work_dir: Option<String>,
    pub user: Option<String>,
    pub hostname: Option<String>,
    /// The network mode (`host`, `none`, `bridge`), resolved from `--network` and containers.conf.
    pub network: Option<String>,
    /// The networks and ports of a bridged container ([`crate::network::NetworkRequest::resolve`]).
    pub network_config: crate::network::NetworkConfig,
    pub stop_timeout: Option<u32>,
    /// `--restart` as given (`no`, `always`, `on-failure[:N]`, `unless-stopped`).
    pub restart: Option<String>,
    pub sdnotify: Option<SdNotifyMode>,
    pub cgroups: Option<String>,
    pub auto_remove: bool,
    /// `-i`: keep the container's standard input open.
    pub stdin: bool,
    /// `-t`: give the container a pseudo-terminal.
    pub terminal: bool,
    /// `--memory`, `--cpus`, `--pids-limit`, `--shm-size` and the like, typed.
    pub resources: ResourceRequest,
    /// `--dns*`, `--add-host`, `--no-hosts`, validated one by one.
    pub name_resolution: NameResolution,
    pub runtime: Option<String>,
    /// The image argument exactly as typed.
    pub raw_image_name: RawImageName,
    /// The full argv of the creating process.
    pub create_command: Vec<String>,
    /// The creating process's `PODMAN_SYSTEMD_UNIT`, if set at all.
    pub systemd_unit: Option<String>,
    /// `--health-*`, `--no-healthcheck`, checked.
    pub health: crate::health::flags::HealthRequest,
}

/// Refuses an auto-update label on an image reference auto-update could never check
/// (Podman 4.3+ `libpod/container_validate.go`): only `registry` and its alias `image` need a
/// fully-qualified docker reference; `local` and invalid values pass (auto-update reports them).
pub fn validate_auto_update_image(labels: &BTreeMap<String, String>, raw_image_name: &RawImageName) -> Result<()> {
    let needs_registry = matches!(labels.get(AUTO_UPDATE_LABEL).map(String::as_str), Some("registry" | "image"));
    if !needs_registry {
        return Ok(());
    }
    match raw_image_name.transport() {
        Transport::Other(transport) => Err(Error::AutoUpdateTransport(transport.to_string())),
        Transport::Registry if raw_image_name.is_short_name() => {
            Err(Error::AutoUpdateShortName(raw_image_name.to_string()))
        }
        Transport::Registry => Ok(()),
    }
}

/// Builds the config of a new container. `host_env` resolves `--env NAME` without a value.
pub fn new_container_config(
    opts: &CreateOptions,
    image: &ImageDefaults,
    host_env: &dyn Fn(&str) -> Option<String>,
    now: DateTime<Utc>,
) -> Result<ContainerConfig> {
    let name = match &opts.name {
        Some(name) => {
            names::validate_name(name)?;
            name.clone()
        }
        None => names::generate_name(),
    };
    let mut labels: BTreeMap<String, String> = opts.labels.iter().cloned().collect();
    if let Some(unit) = &opts.systemd_unit {
        labels.insert(SYSTEMD_UNIT_ENV.to_string(), unit.clone());
    }
    let (entrypoint, command) = match &opts.entrypoint {
        Some(entrypoint) => (entrypoint.clone(), opts.command.clone()),
        None if opts.command.is_empty() => (image.entrypoint.clone(), image.cmd.clone()),
        None => (image.entrypoint.clone(), opts.command.clone()),
    };
    if entrypoint.is_empty() && command.is_empty() {
        return Err(Error::NoCommandOrEntrypoint);
    }
    let (restart_policy, restart_retries) = parse_restart(opts.restart.as_deref())?;
    let network_mode = opts.network.clone().unwrap_or_else(|| DEFAULT_NETWORK.to_string());
    opts.name_resolution.validate(&network_mode)?;
    let cgroups_mode = opts.cgroups.clone().unwrap_or_default();
    let limits = ResourceLimits::from_request(&opts.resources, cgroups_mode == "disabled")?;
    let mut env = merge_env(&image.env, &opts.env, host_env);
    env.extend(default_term(&env, opts.terminal).map(str::to_string));
    let healthcheck = opts.health.resolve(image.healthcheck.as_ref());
    if opts.sdnotify == Some(SdNotifyMode::Healthy)
        && !healthcheck.as_ref().is_some_and(health::HealthConfig::is_defined)
    {
        return Err(crate::health::HealthCheckError::SdNotifyNeedsHealthCheck.into());
    }
    Ok(ContainerConfig {
        id: names::new_id(),
        name,
        create_command: opts.create_command.clone(),
        raw_image_name: opts.raw_image_name.clone(),
        rootfs_image_id: image.id.clone(),
        rootfs_image_name: image.name.clone(),
        labels,
        stop_timeout: opts.stop_timeout.unwrap_or(DEFAULT_STOP_TIMEOUT),
        created_time: now,
        entrypoint,
        command,
        env,
        work_dir: opts.work_dir.clone().unwrap_or_else(|| image.working_dir.clone()),
        user: opts.user.clone().unwrap_or_else(|| image.user.clone()),
        hostname: opts.hostname.clone().unwrap_or_default(),
        network_mode,
        restart_policy,
        restart_retries,
        sdnotify_mode: opts.sdnotify.unwrap_or_default(),
        cgroups_mode,
        auto_remove: opts.auto_remove,
        stdin: opts.stdin,
        terminal: opts.terminal,
        conmon_pid_file: String::new(),
        log_path: String::new(),
        oci_runtime: opts.runtime.clone().unwrap_or_default(),
        limits,
        name_resolution: opts.name_resolution.clone(),
        security: Default::default(),
        mounts: Default::default(),
        network: opts.network_config.clone(),
        healthcheck,
        health_on_failure: opts.health.on_failure,
        health_max_log_count: opts.health.max_log_count,
        health_max_log_size: opts.health.max_log_size,
        health_log_destination: opts.health.log_destination.clone(),
    })
}

/// The `TERM` a process on a terminal gets when its environment sets none: Podman gives `run -t`
/// containers and `exec -t` commands `TERM=xterm`, so full-screen programs know what they draw on.
pub(crate) fn default_term(env: &[String], terminal: bool) -> Option<&'static str> {
    (terminal && !env.iter().any(|entry| entry.starts_with("TERM="))).then_some("TERM=xterm")
}

/// `PATH` a container gets when neither the image nor the user sets one (Podman's default).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Image env first, then the user's entries; a later `NAME` replaces an earlier one in place.
/// `NAME` alone takes the host's value and is dropped when the host has none (Podman).
fn merge_env(image_env: &[String], user_env: &[String], host_env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let mut merged: Vec<(String, String)> = vec![("PATH".to_string(), DEFAULT_PATH.to_string())];
    let entries =
        image_env.iter().map(|e| split_env(e, &|_| None)).chain(user_env.iter().map(|e| split_env(e, host_env)));
    for (name, value) in entries.flatten() {
        match merged.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => merged.push((name, value)),
        }
    }
    merged.into_iter().map(|(n, v)| format!("{n}={v}")).collect()
}

fn split_env(entry: &str, host_env: &dyn Fn(&str) -> Option<String>) -> Option<(String, String)> {
    match entry.split_once('=') {
        Some((name, value)) => Some((name.to_string(), value.to_string())),
        None => host_env(entry).map(|value| (entry.to_string(), value)),
    }
}

/// Splits `--restart` into Podman's policy name and retry count, refusing unknown policies.
pub fn parse_restart(restart: Option<&str>) -> Result<(String, Option<u32>)> {
    let Some(restart) = restart else { return Ok((String::new(), None)) };
    let (policy, retries) = match restart.split_once(':') {
        Some((policy, count)) => {
            let count = count.parse().map_err(|_| Error::InvalidRestartPolicy(restart.to_string()))?;
            (policy, Some(count))
        }
        None => (restart, None),
    };
    match policy {
        "" | "no" | "always" | "unless-stopped" if retries.is_none() => Ok((policy.to_string(), None)),
        "on-failure" => Ok((policy.to_string(), retries)),
        _ => Err(Error::InvalidRestartPolicy(restart.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> ImageDefaults {
        ImageDefaults {
            id: "f".repeat(64),
            name: "quay.io/x/y:1".into(),
            entrypoint: vec!["/entry".into()],
            cmd: vec!["default".into()],
            env: vec!["PATH=/bin".into(), "A=image".into()],
            working_dir: "/srv".into(),
            user: "1000".into(),
            volumes: vec![],
            exposed_ports: vec![],
            healthcheck: None,
        }
    }

    fn build(opts: CreateOptions) -> ContainerConfig {
        new_container_config(&opts, &image(), &|n| (n == "HOSTVAR").then(|| "fromhost".to_string()), Utc::now())
            .unwrap()
    }

    #[test]
    fn the_images_health_check_is_kept_and_sdnotify_healthy_needs_one() {
        let check = health::HealthConfig { test: vec!["CMD".into(), "true".into()], ..Default::default() };
        let with_check = ImageDefaults { healthcheck: Some(check), ..image() };
        let config = new_container_config(&CreateOptions::default(), &with_check, &|_| None, Utc::now()).unwrap();
        let kept = config.health_check().unwrap();
        assert_eq!((kept.test.as_slice(), kept.retries), (["CMD".to_string(), "true".into()].as_slice(), 3));
        let healthy = CreateOptions { sdnotify: Some(SdNotifyMode::Healthy), ..Default::default() };
        assert!(new_container_config(&healthy, &with_check, &|_| None, Utc::now()).is_ok());
        let err = new_container_config(&healthy, &image(), &|_| None, Utc::now()).unwrap_err();
        assert_eq!(err.to_string(), r#"invalid argument: sdnotify policy "healthy" requires a healthcheck to be set"#);
    }

    #[test]
    fn command_and_entrypoint_rules() {
        let cfg = build(CreateOptions::default());
        assert_eq!((cfg.entrypoint, cfg.command), (vec!["/entry".to_string()], vec!["default".to_string()]));
        let cfg = build(CreateOptions { command: vec!["top".into()], ..Default::default() });
        assert_eq!((cfg.entrypoint, cfg.command), (vec!["/entry".to_string()], vec!["top".to_string()]));
        let cfg = build(CreateOptions { entrypoint: Some(vec!["sh".into()]), ..Default::default() });
        assert_eq!((cfg.entrypoint, cfg.command), (vec!["sh".to_string()], vec![]));
    }

    #[test]
    fn an_image_without_entrypoint_or_command_is_refused_unless_one_is_given() {
        let bare = ImageDefaults { entrypoint: vec![], cmd: vec![], ..image() };
        let refused = new_container_config(&CreateOptions::default(), &bare, &|_| None, Utc::now()).unwrap_err();
        assert_eq!(refused.to_string(), "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
        let given = CreateOptions { command: vec!["sh".into()], ..Default::default() };
        assert!(new_container_config(&given, &bare, &|_| None, Utc::now()).is_ok());
    }

    #[test]
    fn env_merges_in_order_and_takes_host_values() {
        let cfg = build(CreateOptions {
            env: vec!["A=user".into(), "HOSTVAR".into(), "UNSET".into(), "B=x=y".into()],
            ..Default::default()
        });
        assert_eq!(cfg.env, ["PATH=/bin", "A=user", "HOSTVAR=fromhost", "B=x=y"]);
        let no_path = ImageDefaults { env: vec![], ..image() };
        let cfg = new_container_config(&CreateOptions::default(), &no_path, &|_| None, Utc::now()).unwrap();
        assert_eq!(cfg.env, [format!("PATH={DEFAULT_PATH}")]);
    }

    #[test]
    fn a_terminal_gets_term_xterm_unless_the_image_or_user_sets_it() {
        let cfg = build(CreateOptions { terminal: true, ..Default::default() });
        assert_eq!(cfg.env, ["PATH=/bin", "A=image", "TERM=xterm"]);
        let cfg = build(CreateOptions { terminal: true, env: vec!["TERM=vt100".into()], ..Default::default() });
        assert_eq!(cfg.env, ["PATH=/bin", "A=image", "TERM=vt100"]);
        assert!(!build(CreateOptions::default()).env.iter().any(|e| e.starts_with("TERM=")));
    }

    #[test]
    fn systemd_unit_env_overrides_a_user_label_even_when_empty() {
        let labels = vec![("PODMAN_SYSTEMD_UNIT".to_string(), "mine".to_string())];
        let cfg =
            build(CreateOptions { labels: labels.clone(), systemd_unit: Some(String::new()), ..Default::default() });
        assert_eq!(cfg.labels["PODMAN_SYSTEMD_UNIT"], "");
        let cfg = build(CreateOptions { labels, systemd_unit: None, ..Default::default() });
        assert_eq!(cfg.labels["PODMAN_SYSTEMD_UNIT"], "mine");
    }

    #[test]
    fn restart_policies() {
        assert_eq!(parse_restart(Some("on-failure:3")).unwrap(), ("on-failure".into(), Some(3)));
        assert_eq!(parse_restart(Some("always")).unwrap(), ("always".into(), None));
        for bad in ["sometimes", "always:3", "on-failure:x"] {
            assert!(parse_restart(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn auto_update_validation_matches_podman() {
        let labels = |v: &str| BTreeMap::from([(AUTO_UPDATE_LABEL.to_string(), v.to_string())]);
        let short = validate_auto_update_image(&labels("registry"), &"shortname:latest".into());
        assert_eq!(
            short.unwrap_err().to_string(),
            r#"short name: auto updates require fully-qualified image reference: "shortname:latest""#
        );
        let archive = validate_auto_update_image(&labels("image"), &"docker-archive:/x.tar".into());
        assert_eq!(
            archive.unwrap_err().to_string(),
            r#"auto updates require the docker image transport but image is of transport "docker-archive""#
        );
        for accepted in ["local", "bogus", "disabled"] {
            assert!(validate_auto_update_image(&labels(accepted), &"alpine".into()).is_ok());
        }
        assert!(validate_auto_update_image(&labels("registry"), &"quay.io/a/b".into()).is_ok());
        assert!(validate_auto_update_image(&labels("registry"), &"docker://quay.io/a/b".into()).is_ok());
    }
}
