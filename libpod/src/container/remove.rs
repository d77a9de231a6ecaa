//! `rm`: a container's records and directories, stopping it first with `--force`.

use super::Runtime;
use crate::error::{Error, Result};
use crate::runtime::rootfs;
use crate::state::ContainerStatus;
use crate::store::Container;

impl Runtime<'_> {
    /// Removes a container: its records and its directories. A running container is refused
    /// with Podman's `container state improper` error unless `force`, which stops it first
    /// (waiting `stop_timeout` seconds, default the container's own, before killing it).
    pub fn remove(&self, container: &Container, force: bool, stop_timeout: Option<u32>) -> Result<()> {
        let id = &container.config.id;
        if container.state.state == ContainerStatus::Running {
            if !force {
                return Err(Error::RemoveRunning(id.clone()));
            }
            self.stop(container, stop_timeout)?;
        }
        // The runtime may still hold the container when its monitor died: delete it there too,
        // which also kills processes left behind.
        if !container.state.runtime.is_empty() {
            if let Ok(runtime) = self.oci_runtime(container) {
                let _ = runtime.delete(id, true);
            }
        }
        rootfs::release(self.store, id);
        // A monitor that died left its volumes' filesystems held: nobody else gives them back.
        if let Err(err) = crate::mounts::volumes::release_volumes(self.store, &container.config) {
            tracing::warn!("container {id}: {err}");
        }
        // Normally the monitor tore the network down at the exit; after a crash it is done here.
        self.detach_network(container)?;
        match self.store.remove(id) {
            Ok(()) => {}
            // A `--rm` container's monitor removes it itself once it has stopped.
            Err(Error::NoSuchContainer(_)) if force => {}
            Err(err) => return Err(err),
        }
        for dir in [self.store.container_dir(id), self.store.runtime_dir(id)] {
            if let Some(container_root) = dir.parent() {
                let _ = std::fs::remove_dir_all(container_root);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Reaction, World};
    use crate::error::Error;

    #[test]
    fn a_running_container_is_refused_without_force() {
        let world = World::new();
        let web = world.running("web", Reaction::ExitsOnTerm);
        let err = world.runtime().remove(&web, false, None).unwrap_err();
        assert!(matches!(err, Error::RemoveRunning(ref id) if *id == web.config.id));
        assert!(world.signals().is_empty());
        assert_eq!(world.lookup("web").config.id, web.config.id);
    }

    #[test]
    fn rm_force_stops_deletes_and_removes_everything() {
        let world = World::new();
        let web = world.running("web", Reaction::IgnoresTerm);
        world.runtime().remove(&web, true, Some(5)).unwrap();
        assert_eq!(world.signals(), vec!["15", "9"], "stopped with the timeout given");
        assert_eq!(world.deleted(), vec![(web.config.id.clone(), true)], "and deleted from the runtime");
        assert!(matches!(world.store.lookup("web"), Err(Error::NoSuchContainer(_))));
        assert!(!world.store.container_dir(&web.config.id).exists());
        assert!(!world.store.runtime_dir(&web.config.id).exists());
    }

    #[test]
    fn rm_force_of_a_container_its_monitor_already_removed_succeeds() {
        let world = World::new();
        let web = world.add("web", |c| c.auto_remove = true);
        world.store.remove(&web.config.id).unwrap();
        world.runtime().remove(&web, true, None).unwrap();
        assert!(matches!(world.runtime().remove(&web, false, None), Err(Error::NoSuchContainer(_))));
    }

    #[test]
    fn a_container_that_never_ran_is_not_sent_to_a_runtime() {
        let world = World::new();
        let created = world.add("web", |_| {});
        world.runtime().remove(&created, false, None).unwrap();
        assert!(world.deleted().is_empty());
        assert!(matches!(world.store.lookup("web"), Err(Error::NoSuchContainer(_))));
    }
}
