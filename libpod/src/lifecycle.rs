//! Container lifecycle operations that span the store and the container's directories.

use crate::error::{Error, Result};
use crate::state::ContainerStatus;
use crate::store::{Container, Store};

/// Removes a container: its records and its directories. A running container is refused with
/// Podman's `container state improper` error unless `force`, which stops it first (waiting
/// `stop_timeout` seconds, default the container's own, before killing it).
pub fn remove_container(store: &Store, container: &Container, force: bool, stop_timeout: Option<u32>) -> Result<()> {
    let id = &container.config.id;
    if container.state.state == ContainerStatus::Running {
        if !force {
            return Err(Error::RemoveRunning(id.clone()));
        }
        crate::start::stop_container(store, container, stop_timeout)?;
    }
    // The runtime may still hold the container when its monitor died: delete it there too,
    // which also kills processes left behind.
    if !container.state.runtime.is_empty() {
        if let Ok(runtime) = crate::runtime::oci::for_container(store, container) {
            let _ = crate::runtime::oci::OciRuntime::delete(&runtime, id, true);
        }
    }
    crate::runtime::rootfs::release(store, id);
    match store.remove(id) {
        Ok(()) => {}
        // A `--rm` container's monitor removes it itself once it has stopped.
        Err(Error::NoSuchContainer(_)) if force => {}
        Err(err) => return Err(err),
    }
    for dir in [store.container_dir(id), store.runtime_dir(id)] {
        if let Some(container_root) = dir.parent() {
            let _ = std::fs::remove_dir_all(container_root);
        }
    }
    Ok(())
}

/// Where and how to store a new container, beyond its config.
#[derive(Debug, Clone, Default)]
pub struct CreatePlacement {
    /// `--cidfile`: written with the new ID; refused up front if it already holds one.
    pub cidfile: Option<std::path::PathBuf>,
    /// `--replace`: remove a container holding the requested name first.
    pub replace: bool,
}

/// Stores a new container built by [`crate::new_container_config`]: fixes its monitor PID and
/// log paths, takes a fresh generated name when the generated one is taken, and writes the
/// `--cidfile`. Every check that can fail on bad input runs before anything is stored.
pub fn create_container(store: &Store, mut config: crate::ContainerConfig, generated_name: bool, placement: &CreatePlacement) -> Result<crate::ContainerConfig> {
    if let Some(path) = &placement.cidfile {
        crate::cidfile::ensure_free(path)?;
    }
    if placement.replace {
        match store.lookup(&config.name) {
            Ok(existing) if existing.config.name == config.name => remove_container(store, &existing, true, None)?,
            Ok(_) | Err(Error::NoSuchContainer(_)) => {}
            Err(err) => return Err(err),
        }
    }
    let runtime_dir = store.runtime_dir(&config.id);
    config.conmon_pid_file = runtime_dir.join("conmon.pid").display().to_string();
    config.log_path = store.container_dir(&config.id).join("ctr.log").display().to_string();
    let state = crate::ContainerState::default();
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
        privatefs::create_dir_all(&dir).map_err(|source| Error::CreateDir { path: dir.clone(), source })?;
    }
    if let Some(path) = &placement.cidfile {
        if let Err(err) = crate::cidfile::write(path, &config.id) {
            let _ = store.remove(&config.id);
            return Err(err);
        }
    }
    Ok(config)
}
