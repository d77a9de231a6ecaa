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
                Ok(existing) if existing.config.name == config.name => {
                    self.remove(&existing, true, None)?;
                    // Podman's `--replace` is `rm -f` without `-v`: a `--rm` container's own
                    // clean-up removes its anonymous volumes when it wins the race with the
                    // removal, so they go here always (the `--rm` contract), and another
                    // container's stay, as `rm` leaves them.
                    if existing.config.auto_remove {
                        crate::mounts::volumes::remove_anonymous(store, &existing.config)?;
                    }
                }
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
            match store.add_container_with_volumes(&config, &state, &config.mounts.volume_specs()).map(drop) {
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
                let _ = crate::mounts::volumes::remove_anonymous(store, &config);
                return Err(err);
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Reaction, World};
    use super::CreatePlacement;
    use crate::config::ContainerConfig;
    use crate::error::Error;
    use crate::mounts::{parse_volume, MountsConfig};

    fn named(name: &str) -> ContainerConfig {
        ContainerConfig { id: crate::names::new_id(), name: name.to_string(), ..Default::default() }
    }

    #[test]
    fn replace_stops_and_removes_the_container_holding_the_name() {
        let world = World::new();
        let old = world.running("web", Reaction::ExitsOnTerm);
        let replace = CreatePlacement { replace: true, ..Default::default() };
        let new = world.runtime().create(named("web"), false, &replace).unwrap();
        assert_eq!(world.signals(), vec!["15"]);
        assert_eq!(world.lookup("web").config.id, new.id);
        assert!(matches!(world.store.lookup(&old.config.id), Err(Error::NoSuchContainer(_))));
        assert!(world.store.container_dir(&new.id).exists() && world.store.runtime_dir(&new.id).exists());
        assert_eq!(new.log_path, world.store.container_log(&new.id).display().to_string());
        assert_eq!(new.conmon_pid_file, world.store.monitor_pid_file(&new.id).display().to_string());
    }

    #[test]
    fn replacing_a_rm_container_removes_its_anonymous_volumes_and_keeps_named_ones() {
        let cwd = std::path::Path::new("/");
        let mounts = || {
            let specs = vec![parse_volume("/cache", cwd).unwrap(), parse_volume("data:/data", cwd).unwrap()];
            MountsConfig::from_specs(specs).unwrap()
        };
        let world = World::new();
        let replace = CreatePlacement { replace: true, ..Default::default() };
        let volumes = || world.store.volumes().unwrap().into_iter().map(|v| v.name.to_string()).collect::<Vec<_>>();
        let kept = world.add("keep", |c| c.mounts = mounts());
        let anonymous = kept.config.mounts.anonymous_volumes().next().unwrap().to_string();
        world.runtime().create(ContainerConfig { mounts: mounts(), ..named("keep") }, false, &replace).unwrap();
        assert!(volumes().contains(&anonymous), "rm -f without -v keeps them: {:?}", volumes());
        world.add("web", |c| {
            c.auto_remove = true;
            c.mounts = mounts();
        });
        let before = volumes();
        let new =
            world.runtime().create(ContainerConfig { mounts: mounts(), ..named("web") }, false, &replace).unwrap();
        let fresh = new.mounts.anonymous_volumes().next().unwrap().to_string();
        let after = volumes();
        assert_eq!(after.len(), before.len(), "one anonymous volume went, one came: {before:?} {after:?}");
        assert!(after.contains(&fresh) && after.contains(&"data".to_string()));
        assert_eq!(world.store.volume_users("data").unwrap().len(), 2, "keep's and the new web's");
    }

    #[test]
    fn a_taken_name_is_refused_unless_it_was_generated() {
        let world = World::new();
        let first = world.add("web", |_| {});
        let err = world.runtime().create(named("web"), false, &CreatePlacement::default()).unwrap_err();
        assert!(matches!(err, Error::NameInUse { ref id, .. } if *id == first.config.id));
        let generated = world.runtime().create(named("web"), true, &CreatePlacement::default()).unwrap();
        assert!(generated.name != "web" && generated.name.ends_with("_1"), "{}", generated.name);
    }
}
