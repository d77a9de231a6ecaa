//! libpod: the container data model, the state store and the container lifecycle.
//!
//! The split follows Podman's own `libpod/`: an immutable [`ContainerConfig`] written once at
//! create time, and a mutable [`ContainerState`] that the lifecycle updates.

pub mod cidfile;
pub mod config;
pub mod create;
pub mod error;
pub mod flag_values;
pub mod images;
pub mod inspect;
pub mod lifecycle;
pub mod names;
pub mod ps;
pub mod runtime;
pub mod start;
pub mod state;
pub mod store;

pub use config::{ContainerConfig, SdNotifyMode};
pub use create::{new_container_config, validate_auto_update_image, CreateOptions, ImageArgKind, ImageDefaults};
pub use error::{Error, Result};
pub use state::{ContainerState, ContainerStatus};
pub use store::{Container, Store};
