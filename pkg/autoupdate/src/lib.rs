//! Auto-update: find containers with an update policy, check, pull, restart units, roll back.
//!
//! The shape follows `podman auto-update` (5.x): running containers with the
//! `io.containers.autoupdate` label become [`Task`]s grouped by their `PODMAN_SYSTEMD_UNIT`;
//! a pure [`plan()`] decides each task from the answers of the checks; the executor pulls,
//! restarts each unit over D-Bus and rolls back what does not start. Unlike Podman it asks
//! the registry once per distinct image per run, in parallel, orders reports by unit, holds a
//! run lock, and really re-applies an update after another unit rolled the same image back.

pub mod adapters;
mod authfile;
mod backends;
mod error;
mod execute;
mod lock;
mod manual;
mod plan;
mod policy;
mod report;
mod restart;
mod rollout;
#[cfg(test)]
mod rollout_scenarios;
#[cfg(test)]
mod scenarios;
mod task;
#[cfg(test)]
mod testing;
mod waves;

pub use authfile::resolve_authfile;
pub use backends::{
    BackendError, Clock, ContainerSource, Health, ImageStore, LocalImage, Observed, Registry, RegistryCheck,
    RemoteRequest, SharedCause, SystemClock, UnitManager,
};
pub use error::{stat_reason, Error, NoAnswer, StatError};
pub use execute::{auto_update, default_max_workers, Backends, Options, Outcome};
pub use lock::RunLock;
pub use manual::roll_back_unit;
pub use plan::{plan, CheckResults, Decision, PlannedTask, UnitPlan, UpdateTarget};
pub use policy::{lookup_policy, InvalidPolicy, Policy};
pub use report::{Report, ReportRow, Status, DEFAULT_ROW, HEADERS};
pub use rollout::WatchFailure;
pub use task::{assemble_tasks, registry_checks, Assembled, Task, UnitTasks, WATCH_WINDOW_LABEL};
