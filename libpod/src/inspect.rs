//! `container inspect` output: Podman's `InspectContainerData` keys (5.x shapes), built from a
//! stored container. `RawImageName` is deliberately absent, as in Podman: `Image` is the image ID
//! and `ImageName` the normalized name.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::Container;

/// One element of the `inspect` JSON array.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectContainer {
    pub id: String,
    pub created: DateTime<Utc>,
    pub path: String,
    pub args: Vec<String>,
    pub state: InspectState,
    pub image: String,
    pub image_name: String,
    /// The host paths of the files bind-mounted at /etc/resolv.conf, /etc/hostname and
    /// /etc/hosts; empty before the first start or when the image's file is kept.
    pub resolv_conf_path: String,
    pub hostname_path: String,
    pub hosts_path: String,
    pub name: String,
    pub restart_count: u32,
    pub driver: &'static str,
    pub log_path: String,
    pub conmon_pid_file: String,
    /// `EffectiveCaps`, `BoundingCaps`.
    #[serde(flatten)]
    pub capabilities: crate::security::InspectCapabilities,
    /// Volumes and bind mounts; filled by [`InspectContainer::with_mounts`], which knows where
    /// the store keeps volumes.
    pub mounts: Vec<crate::mounts::inspect::InspectMount>,
    pub network_settings: crate::network::inspect::InspectNetworkSettings,
    pub config: InspectConfig,
    pub host_config: InspectHostConfig,
}

/// `.State`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectState {
    pub status: &'static str,
    pub running: bool,
    pub paused: bool,
    pub restarting: bool,
    #[serde(rename = "OOMKilled")]
    pub oom_killed: bool,
    pub dead: bool,
    pub pid: i32,
    pub conmon_pid: i32,
    pub exit_code: i32,
    pub error: String,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Present for a container with a health check; filled by [`InspectContainer::with_health`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<health::HealthResults>,
}

/// `.Config`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectConfig {
    pub hostname: String,
    pub domainname: String,
    pub user: String,
    pub tty: bool,
    pub open_stdin: bool,
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    pub image: String,
    pub working_dir: String,
    pub entrypoint: Vec<String>,
    /// `null` when the container has no labels, as Podman prints it.
    pub labels: Option<BTreeMap<String, String>>,
    pub stop_signal: &'static str,
    /// Absent for containers made without a command line (Podman: REST API containers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_command: Option<Vec<String>>,
    #[serde(rename = "SdNotifyMode")]
    pub sd_notify_mode: String,
    /// The health check as stored (Podman's `Healthcheck`), absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<health::HealthConfig>,
    /// `--health-on-failure` (Podman 5 prints it for every container).
    pub healthcheck_on_failure_action: &'static str,
    /// `--health-max-log-count`, `--health-max-log-size` in effect (Podman 5 leaves out 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub healthcheck_max_log_count: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub healthcheck_max_log_size: usize,
    /// `--health-log-destination` (`local` unless given).
    pub health_log_destination: String,
    pub stop_timeout: u32,
}

/// `.HostConfig`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectHostConfig {
    pub network_mode: String,
    pub port_bindings: BTreeMap<String, Vec<crate::network::inspect::InspectHostPort>>,
    pub dns: Vec<String>,
    pub dns_options: Vec<String>,
    pub dns_search: Vec<String>,
    /// `--add-host` entries as given (`name:ip`).
    pub extra_hosts: Vec<String>,
    /// Limits in Podman's units: bytes, CPU shares, microseconds, billionths of a CPU; 0 is none.
    pub memory: i64,
    pub memory_swap: i64,
    pub nano_cpus: i64,
    pub cpu_shares: u64,
    pub cpu_period: u64,
    pub cpu_quota: i64,
    pub pids_limit: i64,
    pub shm_size: i64,
    pub cgroup_mode: String,
    pub restart_policy: InspectRestartPolicy,
    pub auto_remove: bool,
    /// `CapAdd`, `CapDrop`, `Privileged`, `ReadonlyRootfs`, `SecurityOpt`, `Ulimits`.
    #[serde(flatten)]
    pub security: crate::security::InspectHostSecurity,
}

/// `.HostConfig.RestartPolicy`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectRestartPolicy {
    pub name: String,
    pub maximum_retry_count: u32,
}

impl InspectContainer {
    /// Fills `Mounts` from `container`'s config, its volumes being under `store`.
    pub fn with_mounts(mut self, container: &Container, store: &crate::Store) -> Self {
        self.mounts = crate::mounts::inspect::mounts(&container.config.mounts, &store.volumes_dir());
        self
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl InspectContainer {
    /// Fills `State.Health` from the container's health check log under `store`.
    pub fn with_health(mut self, container: &Container, store: &crate::Store) -> Self {
        self.state.health = crate::health::container_health(store, container);
        self
    }
}

impl From<&Container> for InspectContainer {
    fn from(container: &Container) -> Self {
        let (config, state) = (&container.config, &container.state);
        let mut argv = config.entrypoint.iter().chain(&config.command).cloned();
        let path = argv.next().unwrap_or_default();
        let status = state.state.as_str();
        InspectContainer {
            id: config.id.clone(),
            created: config.created_time,
            path,
            args: argv.collect(),
            state: InspectState {
                status,
                running: status == "running",
                paused: false,
                restarting: false,
                oom_killed: state.oom_killed,
                dead: false,
                pid: state.pid,
                conmon_pid: state.conmon_pid,
                exit_code: state.exit_code,
                error: String::new(),
                started_at: state.started_time,
                finished_at: state.finished_time,
                health: None,
            },
            image: config.rootfs_image_id.clone(),
            image_name: config.rootfs_image_name.clone(),
            resolv_conf_path: state.bind_mounts.get("/etc/resolv.conf").cloned().unwrap_or_default(),
            hostname_path: state.bind_mounts.get("/etc/hostname").cloned().unwrap_or_default(),
            hosts_path: state.bind_mounts.get("/etc/hosts").cloned().unwrap_or_default(),
            name: config.name.clone(),
            restart_count: 0,
            driver: "overlay",
            log_path: config.log_path.clone(),
            conmon_pid_file: config.conmon_pid_file.clone(),
            capabilities: config.security.inspect_capabilities(),
            mounts: Vec::new(),
            network_settings: crate::network::inspect::network_settings(container),
            config: InspectConfig {
                hostname: config.effective_hostname().to_string(),
                domainname: String::new(),
                user: config.user.clone(),
                tty: config.terminal,
                open_stdin: config.stdin,
                env: config.env.clone(),
                cmd: config.command.clone(),
                image: config.rootfs_image_name.clone(),
                working_dir: if config.work_dir.is_empty() { "/".into() } else { config.work_dir.clone() },
                entrypoint: config.entrypoint.clone(),
                labels: (!config.labels.is_empty()).then(|| config.labels.clone()),
                stop_signal: "SIGTERM",
                create_command: (!config.create_command.is_empty()).then(|| config.create_command.clone()),
                sd_notify_mode: serde_json::to_value(config.sdnotify_mode)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                healthcheck: config.healthcheck.clone(),
                healthcheck_on_failure_action: config.health_on_failure.as_str(),
                healthcheck_max_log_count: config.health_log_limits().max_count,
                healthcheck_max_log_size: config.health_log_limits().max_size,
                health_log_destination: config.health_log_destination.clone().unwrap_or_else(|| "local".into()),
                stop_timeout: config.stop_timeout,
            },
            host_config: InspectHostConfig {
                network_mode: config.network_mode.clone(),
                port_bindings: crate::network::inspect::port_bindings(&config.network.port_mappings),
                dns: config.name_resolution.dns_servers.iter().map(ToString::to_string).collect(),
                dns_options: config.name_resolution.dns_options.clone(),
                dns_search: config.name_resolution.dns_search.clone(),
                extra_hosts: config.name_resolution.hosts_add.iter().map(ToString::to_string).collect(),
                memory: config.limits.memory.unwrap_or(0),
                memory_swap: config.limits.memory_swap.unwrap_or(0),
                nano_cpus: config.limits.nano_cpus(),
                cpu_shares: config.limits.cpu_shares.unwrap_or(0),
                cpu_period: config.limits.cpu_period.unwrap_or(0),
                cpu_quota: config.limits.cpu_quota.unwrap_or(0),
                pids_limit: config.limits.pids_limit.unwrap_or(0),
                shm_size: config.limits.shm_size(),
                cgroup_mode: if config.cgroups_mode.is_empty() {
                    "enabled".into()
                } else {
                    config.cgroups_mode.clone()
                },
                restart_policy: InspectRestartPolicy {
                    name: config.restart_policy.clone(),
                    maximum_retry_count: config.restart_retries.unwrap_or(0),
                },
                auto_remove: config.auto_remove,
                security: config.security.inspect_host_config(),
            },
        }
    }
}
