//! libpod: the container data model, the state store and the container lifecycle.
//!
//! The split follows Podman's own `libpod/`: an immutable [`ContainerConfig`] written once at
//! create time, and a mutable [`ContainerState`] that the lifecycle updates.

pub mod config;
pub mod state;

pub use config::{ContainerConfig, SdNotifyMode};
pub use state::{ContainerState, ContainerStatus};
