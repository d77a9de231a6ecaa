//! Units restarted through the systemd manager over D-Bus.

use std::time::Duration;

use systemd::{ManagerAddress, SystemdManager};
use tokio::sync::OnceCell;

use crate::backends::{BackendError, UnitManager};

/// The systemd manager, connected on first use: a run with nothing to restart (dry run, no
/// updates) never opens a D-Bus connection, like Podman.
pub struct SystemdUnits {
    addresses: Vec<ManagerAddress>,
    restart_timeout: Duration,
    manager: OnceCell<SystemdManager>,
}

impl SystemdUnits {
    /// The first manager of `addresses` that answers (see `systemd::manager_addresses`);
    /// each restart waits at most `restart_timeout` for its job.
    pub fn new(addresses: Vec<ManagerAddress>, restart_timeout: Duration) -> Self {
        SystemdUnits { addresses, restart_timeout, manager: OnceCell::new() }
    }

    async fn manager(&self) -> Result<&SystemdManager, systemd::Error> {
        self.manager.get_or_try_init(|| SystemdManager::connect_first(&self.addresses)).await
    }
}

impl UnitManager for SystemdUnits {
    async fn restart(&self, unit: &str) -> Result<(), BackendError> {
        Ok(self.manager().await?.restart_unit(unit, self.restart_timeout).await?)
    }

    async fn reset_failed(&self, unit: &str) -> Result<(), BackendError> {
        Ok(self.manager().await?.reset_failed_unit(unit).await?)
    }

    async fn active_state(&self, unit: &str) -> Result<String, BackendError> {
        Ok(self.manager().await?.unit_active_state(unit).await?)
    }

    async fn dependents(&self, unit: &str) -> Result<Vec<String>, BackendError> {
        Ok(self.manager().await?.unit_dependents(unit).await?)
    }
}
