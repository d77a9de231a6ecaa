//! A small client of the systemd manager over D-Bus: restart a unit and wait for its job.
//!
//! `rpod auto-update` restarts the unit that runs a container so that `rpod run` in its
//! `ExecStart=` recreates the container from the new image. Like Podman (pkg/systemd/dbus.go),
//! root talks to the system manager through its private socket and other users to their own
//! user manager; the restart is a `RestartUnit(unit, "replace")` whose job result decides
//! between success and rollback.

mod address;
mod error;
mod manager;
mod private;
mod unit_name;

pub use address::{manager_addresses, ManagerAddress};
pub use error::Error;
pub use manager::SystemdManager;
pub use unit_name::{validate_service_name, InvalidUnitName, UNIT_NAME_MAX};

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
