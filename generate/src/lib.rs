//! Pure generation of systemd unit files for containers (`rpod generate systemd`).
//!
//! The text is Podman 5.x's, byte for byte, with rpod's executable and header; everything a
//! container or the user supplies is escaped so that systemd reads back exactly what was meant
//! (or refused when systemd cannot carry it), where Podman lets a newline break the unit.

mod container;
mod env;
mod error;
mod escape;
mod json;
mod names;
mod options;
mod restart;
mod rewrite;
mod run_flags;
mod template;
mod unit;

pub use container::{container_unit, Unit};
pub use env::{parse_env_flags, EnvVar};
pub use error::Error;
/// The escapers are public so that `fuzz/` can check that systemd reads back exactly their input.
pub use escape::{escape_arg, escape_env_assignment, escape_executable};
pub use json::units_json;
pub use options::{StorageFlags, UnitOptions};
pub use rewrite::{rewrite_create_command, with_storage_flags, RunCommand};
