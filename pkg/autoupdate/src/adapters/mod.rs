//! The real backends: rpod's container store, image store, registry client and the systemd
//! manager, adapted to the traits the executor uses.

mod containers;
mod images;
mod registry;
mod systemd;

pub use self::images::{local_image, LazyImageStore};
pub use self::registry::RegistryClients;
pub use self::systemd::SystemdUnits;
