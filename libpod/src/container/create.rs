//! `create`: storing a new container's config, name and ID file.

use super::Runtime;
use crate::config::ContainerConfig;
use crate::error::{Error, Result};
use crate::state::ContainerState;

/// Where and how to store a new container, beyond its config.
#[derive(Debug, Clone, Default)]
pub struct CreatePlacement {
    /// `--cidfile`: written with the new ID; refused up front if it already holds one.
    pub cidfile: Option<std::path::PathBuf>,
    /// `--replace`: remove a container holding the requested name first.
    pub replace: bool,
}

impl Runtime<'_> {
    /// Stores a new container built by [`crate::new_container_config`]: fixes its monitor PID
    /// and log paths, takes a fresh generated name when the generated one is taken, and writes
    /// the `--cidfile`. Every check that can fail on bad input runs before anything is stored.
    pub fn create(
        &self,
        mut config: ContainerConfig,
        generated_name: bool,
        placement: &CreatePlacement,
    ) -> Result<ContainerConfig> {
        let store = self.store;
        if let Some(path) = &placement.cidfile {
            crate::cidfile::ensure_free(path)?;
        }
        if placement.replace {
            match store.lookup(&config.name) {
                Ok(existing) if existing.config.name == config.name => self.remove(&existing, true, None)?,
                Ok(_) | Err(Error::NoSuchContainer(_)) => {}
                Err(err) => return Err(err),
            }
        }
        let runtime_dir = store.runtime_dir(&config.id);
        config.conmon_pid_file = store.monitor_pid_file(&config.id).display().to_string();
        config.log_path = store.container_log(&config.id).display().to_string();
        let state = ContainerState::default();
        let mut attempts = 0;
        loop {
            match store.add_container(&config, &state) {
                Err(Error::NameInUse { .. }) if generated_name && attempts < 100 => {
                    attempts += 1;
                    config.name = format!("{}_{attempts}", crate::names::generate_name());
                }
                Err(err) => return Err(err),
                Ok(()) => break,
            }
        }
        for dir in [store.container_dir(&config.id), runtime_dir] {
            privatefs::create_dir_all(&dir).map_err(|source| Error::CreateDir {
                path: dir.clone(),
                source,
            })?;
        }
        if let Some(path) = &placement.cidfile {
            if let Err(err) = crate::cidfile::write(path, &config.id) {
                let _ = store.remove(&config.id);
                return Err(err);
            }
        }
        Ok(config)
    }
}
