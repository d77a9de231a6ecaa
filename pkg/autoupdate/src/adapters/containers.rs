//! Containers from rpod's state store.

use libpod::config::SYSTEMD_UNIT_ENV;
use libpod::{Container, ContainerConfig, ContainerStatus};

use crate::backends::{BackendError, ContainerSource, Health, Observed};

impl ContainerSource for libpod::Store {
    fn running_containers(&self) -> Result<Vec<ContainerConfig>, BackendError> {
        Ok(running(self)?.map(|c| c.config).collect())
    }

    fn unit_containers(&self, unit: &str) -> Result<Vec<Observed>, BackendError> {
        Ok(running(self)?
            .filter(|c| c.config.labels.get(SYSTEMD_UNIT_ENV).map(String::as_str) == Some(unit))
            .map(|c| Observed { health: health(&c), id: c.config.id, name: c.config.name })
            .collect())
    }
}

fn running(store: &libpod::Store) -> Result<impl Iterator<Item = Container>, libpod::Error> {
    Ok(store.list()?.into_iter().filter(|c| c.state.state == ContainerStatus::Running))
}

/// The container's health check status; until rpod records one, every container counts as
/// having no health check, and the watch window looks at exits only.
fn health(_container: &Container) -> Health {
    Health::None
}
