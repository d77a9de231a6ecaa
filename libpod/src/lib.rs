//! libpod: the container data model, the state store and the container lifecycle.
//!
//! The split follows Podman's own `libpod/`: an immutable [`ContainerConfig`] written once at
//! create time, and a mutable [`ContainerState`] that the lifecycle updates.

pub mod config;
pub mod error;
pub mod names;
pub mod state;
pub mod store;

pub use config::{ContainerConfig, SdNotifyMode};
pub use error::{Error, Result};
pub use state::{ContainerState, ContainerStatus};
pub use store::{Container, Store};
