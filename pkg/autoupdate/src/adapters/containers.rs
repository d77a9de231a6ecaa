//! Containers from rpod's state store.

use libpod::config::SYSTEMD_UNIT_ENV;
use libpod::health::HealthStatus;
use libpod::{Container, ContainerConfig, ContainerStatus};

use crate::backends::{BackendError, ContainerSource, Health, Observed};

impl ContainerSource for libpod::Store {
    fn running_containers(&self) -> Result<Vec<ContainerConfig>, BackendError> {
        Ok(running(self)?.map(|c| c.config).collect())
    }

    fn unit_containers(&self, unit: &str) -> Result<Vec<Observed>, BackendError> {
        Ok(running(self)?
            .filter(|c| c.config.labels.get(SYSTEMD_UNIT_ENV).map(String::as_str) == Some(unit))
            .map(|c| Observed { health: health(self, &c), id: c.config.id, name: c.config.name })
            .collect())
    }
}

fn running(store: &libpod::Store) -> Result<impl Iterator<Item = Container>, libpod::Error> {
    Ok(store.list()?.into_iter().filter(|c| c.state.state == ContainerStatus::Running))
}

/// The container's health check status as its monitor last recorded it.
fn health(store: &libpod::Store, container: &Container) -> Health {
    match libpod::health::container_health(store, container).map(|results| results.status) {
        None => Health::None,
        Some(HealthStatus::Healthy) => Health::Healthy,
        Some(HealthStatus::Unhealthy) => Health::Unhealthy,
        Some(HealthStatus::Unset | HealthStatus::Starting | HealthStatus::Stopped) => Health::Starting,
    }
}
