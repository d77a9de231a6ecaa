//! The mutable runtime state of a container, kept apart from its immutable config.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Lifecycle states, with Podman's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerStatus {
    /// Created in the store; no OCI container exists yet.
    #[default]
    Created,
    Running,
    /// Stopped by `stop`/`kill`, exit code recorded.
    Stopped,
    /// The process ended by itself, exit code recorded.
    Exited,
}

impl ContainerStatus {
    /// The word `ps` and `inspect` print (`created`, `running`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerStatus::Created => "created",
            ContainerStatus::Running => "running",
            ContainerStatus::Stopped => "stopped",
            ContainerStatus::Exited => "exited",
        }
    }
}

/// Runtime state of one container, with Podman's JSON keys.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContainerState {
    pub state: ContainerStatus,
    /// PID of the container's init process while running, else 0.
    #[serde(default)]
    pub pid: i32,
    /// PID of the monitor that owns the container process, else 0.
    #[serde(rename = "conmonPid", default)]
    pub conmon_pid: i32,
    #[serde(rename = "exitCode", default)]
    pub exit_code: i32,
    #[serde(rename = "startedTime", default, skip_serializing_if = "Option::is_none")]
    pub started_time: Option<DateTime<Utc>>,
    #[serde(rename = "finishedTime", default, skip_serializing_if = "Option::is_none")]
    pub finished_time: Option<DateTime<Utc>>,
    /// The OCI runtime that runs the container (the first one that worked).
    #[serde(rename = "ociRuntime", default, skip_serializing_if = "String::is_empty")]
    pub runtime: String,
    /// Files rpod wrote for the container and bind-mounted into it, by their path inside it
    /// (`/etc/hosts` → the run directory's `hosts`), as Podman records them.
    #[serde(rename = "bindMounts", default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub bind_mounts: std::collections::BTreeMap<String, String>,
    /// The OOM killer killed a process of the container's last run (reset at each start).
    #[serde(rename = "oomKilled", default, skip_serializing_if = "std::ops::Not::not")]
    pub oom_killed: bool,
    /// The network namespace and netavark's answer while a bridged container has them.
    #[serde(flatten)]
    pub network: crate::network::NetworkState,
}
