//! The immutable configuration of a container, serialized with Podman's JSON keys.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Label that names a container's auto-update policy (`registry`, `image`, `local`, `disabled`).
pub const AUTO_UPDATE_LABEL: &str = "io.containers.autoupdate";
/// Label that names the auth file auto-update uses for this container; it wins over `--authfile`.
pub const AUTO_UPDATE_AUTHFILE_LABEL: &str = "io.containers.autoupdate.authfile";
/// Environment variable (and label) that ties a container to the systemd unit that created it.
pub const SYSTEMD_UNIT_ENV: &str = "PODMAN_SYSTEMD_UNIT";
/// Stop timeout in seconds when the user gives none (containers.conf `stop_timeout`).
pub const DEFAULT_STOP_TIMEOUT: u32 = 10;

/// How a container tells systemd it is ready (`--sdnotify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SdNotifyMode {
    /// The monitor sends `READY=1` once the container process started.
    #[default]
    Conmon,
    /// The socket is passed into the container and the application notifies itself.
    Container,
    /// Nothing is sent.
    Ignore,
    /// The monitor sends `READY=1` once the container's health check first passes (Podman
    /// ≥4.7); a container that exits or turns unhealthy first never gets it.
    Healthy,
}

/// Everything fixed when a container is created. Stored as one JSON document per container;
/// the keys are Podman's (`libpod/container_config.go`), including its odd capitalised ones.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContainerConfig {
    /// 64 lowercase hex characters.
    pub id: String,
    /// Unique name, `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
    pub name: String,
    /// The full argv of the `create`/`run` that made this container; `generate systemd --new`
    /// rewrites it into the unit's `ExecStart=`.
    #[serde(rename = "CreateCommand", default, skip_serializing_if = "Vec::is_empty")]
    pub create_command: Vec<String>,
    /// The image argument exactly as the user typed it; auto-update checks and pulls this name.
    #[serde(rename = "RawImageName", default, skip_serializing_if = "image::RawImageName::is_empty")]
    pub raw_image_name: image::RawImageName,
    /// ID (config digest, hex) of the image the rootfs comes from.
    #[serde(rename = "rootfsImageID", default, skip_serializing_if = "String::is_empty")]
    pub rootfs_image_id: String,
    /// The normalized image name, e.g. `quay.io/libpod/alpine:latest`.
    #[serde(rename = "rootfsImageName", default, skip_serializing_if = "String::is_empty")]
    pub rootfs_image_name: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Seconds `stop` waits after the stop signal before it kills.
    #[serde(rename = "stopTimeout", default)]
    pub stop_timeout: u32,
    #[serde(rename = "createdTime")]
    pub created_time: DateTime<Utc>,

    /// Image entrypoint, or `--entrypoint`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entrypoint: Vec<String>,
    /// Image command, or the command arguments after the image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// The merged environment (image env, then `--env-file`, then `--env`), `NAME=value`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    #[serde(rename = "workDir", default, skip_serializing_if = "String::is_empty")]
    pub work_dir: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    /// `--network`: `host`, `none`, or `bridge` (netavark networks, listed in `newNetworks`).
    #[serde(rename = "networkMode", default, skip_serializing_if = "String::is_empty")]
    pub network_mode: String,
    /// `--restart` policy name without the retry count (`no`, `on-failure`, `always`, `unless-stopped`).
    #[serde(rename = "restart_policy", default, skip_serializing_if = "String::is_empty")]
    pub restart_policy: String,
    /// The `N` of `--restart=on-failure:N`.
    #[serde(rename = "restart_retries", default, skip_serializing_if = "Option::is_none")]
    pub restart_retries: Option<u32>,
    #[serde(rename = "sdnotifyMode", default)]
    pub sdnotify_mode: SdNotifyMode,
    /// `--cgroups`: `enabled`, `disabled`, `no-conmon` or `split`.
    #[serde(rename = "cgroupsMode", default, skip_serializing_if = "String::is_empty")]
    pub cgroups_mode: String,
    /// `--rm`: remove the container when it exits.
    #[serde(rename = "autoRemove", default)]
    pub auto_remove: bool,
    /// `-i`: the container's standard input stays open and its monitor forwards what attached
    /// clients send into it (Podman's `stdin`).
    #[serde(rename = "stdin", default, skip_serializing_if = "std::ops::Not::not")]
    pub stdin: bool,
    /// `-t`: the container's process runs on a pseudo-terminal whose master its monitor holds
    /// (Podman keeps this in the stored spec's `process.terminal`).
    #[serde(rename = "terminal", default, skip_serializing_if = "std::ops::Not::not")]
    pub terminal: bool,
    /// PID file of the container's monitor; `PIDFile=` of units generated without `--new`.
    #[serde(rename = "conmonPidFile", default, skip_serializing_if = "String::is_empty")]
    pub conmon_pid_file: String,
    /// Where the monitor writes the container's output, read by `logs`.
    #[serde(rename = "logPath", default, skip_serializing_if = "String::is_empty")]
    pub log_path: String,
    /// OCI runtime chosen at create time (`--runtime`), empty for the configured default.
    #[serde(rename = "runtime", default, skip_serializing_if = "String::is_empty")]
    pub oci_runtime: String,
    /// `--memory`, `--memory-swap`, `--cpus`, `--cpu-shares`, `--pids-limit`, `--shm-size`.
    #[serde(flatten)]
    pub limits: crate::limits::ResourceLimits,
    /// `--dns`, `--dns-search`, `--dns-option`, `--add-host`, `--no-hosts`.
    #[serde(flatten)]
    pub name_resolution: crate::name_resolution::NameResolution,
    /// Capabilities, seccomp, `--privileged`, `--read-only`, sysctls and ulimits, decided at
    /// create time (absent in records made before rpod applied a profile: see [`crate::security`]).
    #[serde(flatten)]
    pub security: crate::security::SecurityConfig,
    /// The health check (`--health-*`, or the image's `Healthcheck`); `None` or a `NONE` test
    /// when the container has none.
    #[serde(rename = "healthcheck", default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<health::HealthConfig>,
    /// `--health-on-failure`.
    #[serde(rename = "healthcheck_on_failure_action", default)]
    pub health_on_failure: health::OnFailureAction,
    /// `--health-max-log-count`: results the health log keeps (0: all; unset: 5).
    #[serde(rename = "healthMaxLogCount", default, skip_serializing_if = "Option::is_none")]
    pub health_max_log_count: Option<u32>,
    /// `--health-max-log-size`: bytes of each result's output kept (0: all; unset: 500).
    #[serde(rename = "healthMaxLogSize", default, skip_serializing_if = "Option::is_none")]
    pub health_max_log_size: Option<u32>,
    /// `--health-log-destination`: `local`, `events_logger`, or an absolute directory.
    #[serde(rename = "healthLogDestination", default, skip_serializing_if = "Option::is_none")]
    pub health_log_destination: Option<String>,
    /// `-v/--volume`, `--mount` and `--tmpfs`: the container's bind and tmpfs mounts.
    #[serde(flatten)]
    pub mounts: crate::mounts::MountsConfig,
    /// `--network` on netavark networks, `--ip`, `--mac-address`, `--network-alias`, `-p`, `-P`.
    #[serde(flatten)]
    pub network: crate::network::NetworkConfig,
}

impl ContainerConfig {
    /// The first 12 characters of the ID, as `ps` and `auto-update` print it.
    pub fn short_id(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }

    /// The container's health check, when it has one that runs a command (Podman's
    /// `HasHealthCheck`).
    pub fn health_check(&self) -> Option<&health::HealthConfig> {
        self.healthcheck.as_ref().filter(|c| c.is_defined())
    }

    /// How much of the health check results the container's log keeps.
    pub fn health_log_limits(&self) -> health::LogLimits {
        let default = health::LogLimits::default();
        health::LogLimits {
            max_count: self.health_max_log_count.map_or(default.max_count, |n| n as usize),
            max_size: self.health_max_log_size.map_or(default.max_size, |n| n as usize),
        }
    }

    /// The container's host name: `--hostname`, else its short ID (rpod gives every container
    /// a UTS namespace of its own).
    pub fn effective_hostname(&self) -> &str {
        if self.hostname.is_empty() {
            self.short_id()
        } else {
            &self.hostname
        }
    }
}
