//! Units restarted through the systemd manager over D-Bus.

use std::time::Duration;

use systemd::SystemdManager;
use tokio::sync::OnceCell;

use crate::backends::{BackendError, UnitManager};

/// The systemd manager, connected on first use: a run with nothing to restart (dry run, no
/// updates) never opens a D-Bus connection; a run with updates connects before it pulls or
/// tags anything (see [`UnitManager::connect`]).
pub struct SystemdUnits {
    host: host::Host,
    restart_timeout: Duration,
    manager: OnceCell<SystemdManager>,
}

impl SystemdUnits {
    /// The system manager for root, else the user's manager under the host's runtime dir
    /// (`$XDG_RUNTIME_DIR`); each restart waits at most `restart_timeout` for its job. A
    /// missing runtime dir is only an error once a unit must be restarted.
    pub fn new(host: host::Host, restart_timeout: Duration) -> Self {
        SystemdUnits { host, restart_timeout, manager: OnceCell::new() }
    }

    async fn manager(&self) -> Result<&SystemdManager, systemd::Error> {
        self.manager
            .get_or_try_init(|| async {
                let addresses = systemd::manager_addresses(!self.host.is_rootless(), self.host.runtime_dir.as_deref())?;
                SystemdManager::connect_first(&addresses, self.host.euid).await
            })
            .await
    }
}

impl UnitManager for SystemdUnits {
    async fn connect(&self) -> Result<(), BackendError> {
        self.manager().await?;
        Ok(())
    }

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
