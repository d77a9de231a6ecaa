//! libpod: the container data model, the state store and the container lifecycle.
//!
//! The split follows Podman's own `libpod/`: an immutable [`ContainerConfig`] written once at
//! create time, and a mutable [`ContainerState`] that the lifecycle updates.

pub mod cidfile;
pub mod config;
pub mod container;
pub mod create;
pub mod error;
mod filters;
pub mod flag_values;
pub mod health;
pub mod images;
pub mod inspect;
pub mod limits;
pub mod monitor;
pub mod mounts;
pub mod name_resolution;
pub mod names;
pub mod network;
pub mod network_use;
pub mod ps;
pub mod runtime;
pub mod security;
pub mod state;
pub mod store;
pub mod volume;

pub use config::{ContainerConfig, SdNotifyMode};
pub use container::{CreatePlacement, Runtime, Signal, SignalError, StopTimeout, WaitCondition};
pub use create::{new_container_config, validate_auto_update_image, CreateOptions, ImageDefaults};
pub use error::{CommandFault, Error, Result};
pub use runtime::monitor_process::{MonitorCommand, MONITOR_REPORT_FD};
pub use state::{ContainerState, ContainerStatus};
pub use store::{Container, Store};
pub use volume::{InspectVolumeData, Volume, VolumeError, VolumeName, VolumeSpec};
