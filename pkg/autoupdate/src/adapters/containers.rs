//! Containers from rpod's state store.

use libpod::{ContainerConfig, ContainerStatus};

use crate::backends::{BackendError, ContainerSource};

impl ContainerSource for libpod::Store {
    fn running_containers(&self) -> Result<Vec<ContainerConfig>, BackendError> {
        Ok(self.list()?.into_iter().filter(|c| c.state.state == ContainerStatus::Running).map(|c| c.config).collect())
    }
}
