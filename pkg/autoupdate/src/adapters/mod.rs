//! The real backends: rpod's container store, image store, registry client and the systemd
//! manager, adapted to the traits the executor uses.

mod containers;
mod systemd;

pub use self::systemd::SystemdUnits;
