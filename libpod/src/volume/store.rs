//! The store's volume records and their directories, kept in step: a volume's directory is made
//! before its row commits and removed if the commit does not happen, so a crash leaves at most a
//! directory without a row, which the next create of that name clears.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{owner_from_options, Volume, VolumeError, VolumeName, VolumeSpec, LOCAL_DRIVER};
use crate::error::{Error, Result};
use crate::store::{to_json, Store};

/// Mode of a volume's `_data` directory, as Podman makes it: containers' users must reach it.
const DATA_MODE: u32 = 0o755;

impl Store {
    /// `<root>/volumes`: one private directory per volume.
    pub fn volumes_dir(&self) -> PathBuf {
        self.root().join("volumes")
    }

    /// Creates a volume (a random name when the spec has none). Refuses a taken name, an unknown
    /// driver or option, in Podman's words, leaving nothing behind.
    pub fn create_volume(&self, spec: &VolumeSpec) -> Result<Volume> {
        let name = spec.name.clone().unwrap_or_else(VolumeName::random);
        spec.validate(&name)?;
        let tx = self.write_transaction()?;
        if volume_in(&tx, name.as_str())?.is_some() {
            return Err(VolumeError::Exists(name.to_string()).into());
        }
        let (volume, dir) = self.insert_volume(&tx, &name, spec)?;
        tx.commit()?;
        dir.keep();
        Ok(volume)
    }

    /// The volume called `name`, or Podman's "no such volume".
    pub fn volume(&self, name: &str) -> Result<Volume> {
        volume_in(self.conn(), name)?.ok_or_else(|| VolumeError::NoSuchVolume(name.to_string()).into())
    }

    /// The volume called `name`, else the one volume whose name starts with it, as Podman's
    /// `volume inspect` and `volume rm` find volumes ("a unique partial name").
    pub fn lookup_volume(&self, name_or_prefix: &str) -> Result<Volume> {
        if let Some(volume) = volume_in(self.conn(), name_or_prefix)? {
            return Ok(volume);
        }
        let mut stmt = self
            .conn()
            .prepare("SELECT Name, JSON FROM Volume WHERE substr(Name, 1, length(?1)) = ?1 ORDER BY Name LIMIT 2")?;
        let mut rows =
            stmt.query_map([name_or_prefix], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        match rows.len() {
            0 => Err(VolumeError::NoSuchVolume(name_or_prefix.to_string()).into()),
            1 => decode(rows.remove(0)),
            _ => Err(VolumeError::Ambiguous(name_or_prefix.to_string()).into()),
        }
    }

    /// Every volume, by name (Podman's `volume ls` order).
    pub fn volumes(&self) -> Result<Vec<Volume>> {
        volumes_in(self.conn(), "SELECT Name, JSON FROM Volume ORDER BY Name")
    }

    /// The volume `name`, created with defaults when it does not exist yet (a container's first
    /// use); `true` when this call created it. Two processes asking for one new name at once
    /// make one volume: the check and the insert share a write lock.
    pub fn volume_or_create(&self, name: &VolumeName) -> Result<(Volume, bool)> {
        let tx = self.write_transaction()?;
        if let Some(volume) = volume_in(&tx, name.as_str())? {
            return Ok((volume, false));
        }
        let (volume, dir) = self.insert_volume(&tx, name, &VolumeSpec::named(name.clone()))?;
        tx.commit()?;
        dir.keep();
        Ok((volume, true))
    }

    /// Records that container `container_id` uses the volumes `names` (which must exist), so
    /// they cannot be removed while it exists. Removing the container drops these records.
    pub fn record_volume_use(&self, container_id: &str, names: &[VolumeName]) -> Result<()> {
        let tx = self.write_transaction()?;
        for name in names {
            if volume_in(&tx, name.as_str())?.is_none() {
                return Err(VolumeError::NoSuchVolume(name.to_string()).into());
            }
            insert_use(&tx, container_id, name)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Saves a volume's changed record (its copy-up and chown flags after a first mount).
    pub fn update_volume(&self, volume: &Volume) -> Result<()> {
        let tx = self.write_transaction()?;
        let changed =
            tx.execute("UPDATE Volume SET JSON = ?2 WHERE Name = ?1", params![volume.name.as_str(), to_json(volume)?])?;
        if changed == 0 {
            return Err(VolumeError::NoSuchVolume(volume.name.to_string()).into());
        }
        tx.commit()?;
        Ok(())
    }

    /// The IDs of the containers using volume `name`, oldest first.
    pub fn volume_users(&self, name: &str) -> Result<Vec<String>> {
        users_in(self.conn(), name)
    }

    /// Removes a volume and its data. Refuses one a container uses, in Podman's words: the
    /// caller removes those containers first (`volume rm -f`). The row goes first, so a crash
    /// leaves a directory the next create of the name clears, never a volume without data.
    pub fn remove_volume(&self, name: &str) -> Result<()> {
        let tx = self.write_transaction()?;
        let volume = volume_in(&tx, name)?.ok_or_else(|| VolumeError::NoSuchVolume(name.to_string()))?;
        let users = users_in(&tx, name)?;
        if !users.is_empty() {
            return Err(VolumeError::InUse { name: name.to_string(), containers: users }.into());
        }
        tx.execute("DELETE FROM Volume WHERE Name = ?1", [name])?;
        tx.commit()?;
        remove_dir(&self.volume_dir(&volume.name))
    }

    /// Removes what is left on disk of volume `name` once no record of it remains:
    /// [`Store::remove_volume`] deletes the record before the data, so another process that
    /// took the record may still be deleting the data. Only for names nobody creates meanwhile
    /// (anonymous volumes' random ones); a recorded volume is left alone.
    pub fn remove_unrecorded_volume_data(&self, name: &VolumeName) -> Result<()> {
        if volume_in(self.conn(), name.as_str())?.is_some() {
            return Ok(());
        }
        remove_dir(&self.volume_dir(name))
    }

    /// Removes every volume no container uses and `select` accepts (`volume prune`'s filters);
    /// returns their names.
    pub fn prune_volumes(&self, select: &dyn Fn(&Volume) -> bool) -> Result<Vec<VolumeName>> {
        let tx = self.write_transaction()?;
        let unused = volumes_in(
            &tx,
            "SELECT Name, JSON FROM Volume WHERE Name NOT IN (SELECT VolumeName FROM VolumeUse) ORDER BY Name",
        )?;
        let doomed: Vec<VolumeName> = unused.into_iter().filter(|v| select(v)).map(|v| v.name).collect();
        for name in &doomed {
            tx.execute("DELETE FROM Volume WHERE Name = ?1", [name.as_str()])?;
        }
        tx.commit()?;
        for name in &doomed {
            remove_dir(&self.volume_dir(name))?;
        }
        Ok(doomed)
    }

    /// The second half of [`Store::add_container_with_volumes`]: inside its transaction, makes
    /// the missing volumes, records the container's use of each, and commits.
    pub(crate) fn use_volumes_in(
        &self,
        tx: Transaction<'_>,
        container_id: &str,
        specs: &[VolumeSpec],
    ) -> Result<Vec<Volume>> {
        let mut volumes = Vec::with_capacity(specs.len());
        let mut new_dirs = Vec::new();
        for spec in specs {
            let name = spec.name.clone().unwrap_or_else(VolumeName::random);
            let volume = match volume_in(&tx, name.as_str())? {
                Some(volume) => volume,
                None => {
                    spec.validate(&name)?;
                    let (volume, dir) = self.insert_volume(&tx, &name, spec)?;
                    new_dirs.push(dir);
                    volume
                }
            };
            insert_use(&tx, container_id, &volume.name)?;
            volumes.push(volume);
        }
        tx.commit()?;
        new_dirs.into_iter().for_each(NewVolumeDir::keep);
        Ok(volumes)
    }

    fn volume_dir(&self, name: &VolumeName) -> PathBuf {
        self.volumes_dir().join(name.as_str())
    }

    /// Makes the volume's directories, then its row in `tx`. The returned guard removes the
    /// directories unless the caller keeps them after the commit.
    fn insert_volume(
        &self,
        tx: &Transaction<'_>,
        name: &VolumeName,
        spec: &VolumeSpec,
    ) -> Result<(Volume, NewVolumeDir)> {
        let dir = NewVolumeDir::create(&self.volumes_dir(), name)?;
        let (uid, gid) = owner_from_options(&spec.options);
        if uid.is_some() || gid.is_some() {
            // Podman gives the data directory its `o=uid=`/`gid=` owner at create (root for
            // the one not given); containers then find it so, whoever they run as.
            let data = dir.path.join("_data");
            std::os::unix::fs::chown(&data, Some(uid.unwrap_or(0)), Some(gid.unwrap_or(0)))
                .map_err(|source| VolumeError::CreateDir { path: data, source })?;
        }
        let volume = Volume {
            name: name.clone(),
            driver: LOCAL_DRIVER.to_string(),
            mountpoint: dir.path.join("_data"),
            created_at: chrono::Utc::now(),
            labels: spec.labels.clone(),
            options: spec.options.clone(),
            uid,
            gid,
            anonymous: spec.anonymous,
            needs_copy_up: true,
            needs_chown: uid.is_none() && gid.is_none(),
            mounted_by: Default::default(),
        };
        tx.execute("INSERT INTO Volume (Name, JSON) VALUES (?1, ?2)", params![name.as_str(), to_json(&volume)?])?;
        Ok((volume, dir))
    }
}

/// A volume directory made for a row not yet committed: dropped without [`NewVolumeDir::keep`]
/// (an error, a failed commit), it removes itself.
struct NewVolumeDir {
    path: PathBuf,
    keep: bool,
}

impl NewVolumeDir {
    /// Makes `<volumes>/NAME` (private) and its `_data` (`0755`). A directory already there has
    /// no row (the caller holds the write lock and found none): a crash's leftover, cleared.
    fn create(volumes: &Path, name: &VolumeName) -> Result<NewVolumeDir> {
        let path = volumes.join(name.as_str());
        let failed = |source| Error::from(VolumeError::CreateDir { path: path.clone(), source });
        privatefs::ensure_dir(volumes).map_err(failed)?;
        if path.symlink_metadata().is_ok() {
            remove_dir(&path)?;
        }
        let dir = NewVolumeDir { path: path.clone(), keep: false };
        privatefs::create_dir_all(&path).map_err(failed)?;
        let data = path.join("_data");
        std::fs::create_dir(&data)
            .and_then(|()| std::fs::set_permissions(&data, std::fs::Permissions::from_mode(DATA_MODE)))
            .map_err(failed)?;
        Ok(dir)
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for NewVolumeDir {
    fn drop(&mut self) {
        if !self.keep {
            // Best effort: what stays is cleared by the next create of this name.
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

fn remove_dir(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(VolumeError::RemoveDir { path: path.to_path_buf(), source: err }.into())
        }
        _ => Ok(()),
    }
}

fn volume_in(conn: &Connection, name: &str) -> Result<Option<Volume>> {
    let row = conn
        .query_row("SELECT Name, JSON FROM Volume WHERE Name = ?1", [name], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    row.map(decode).transpose()
}

/// The volumes a `SELECT Name, JSON FROM Volume …` query without parameters returns.
fn volumes_in(conn: &Connection, sql: &str) -> Result<Vec<Volume>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(decode).collect()
}

fn users_in(conn: &Connection, name: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT u.ContainerID FROM VolumeUse u JOIN ContainerConfig c ON c.ID = u.ContainerID
         WHERE u.VolumeName = ?1 ORDER BY c.rowid",
    )?;
    let ids = stmt.query_map([name], |row| row.get(0))?.collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}

fn insert_use(tx: &Transaction<'_>, container_id: &str, name: &VolumeName) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO VolumeUse (ContainerID, VolumeName) VALUES (?1, ?2)",
        params![container_id, name.as_str()],
    )?;
    Ok(())
}

fn decode((name, json): (String, String)) -> Result<Volume> {
    serde_json::from_str(&json).map_err(|source| Error::Corrupt { id: name, source })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;
    use crate::names::new_id;
    use crate::{ContainerConfig, ContainerState};

    fn store_at(dir: &Path) -> Store {
        Store::open(&dir.join("root"), &dir.join("run")).unwrap()
    }

    fn name(s: &str) -> VolumeName {
        VolumeName::parse(s).unwrap()
    }

    fn container(store: &Store, ctr: &str, volumes: &[&str]) -> String {
        let config = ContainerConfig { id: new_id(), name: ctr.into(), ..Default::default() };
        let specs: Vec<_> = volumes.iter().map(|v| VolumeSpec::named(name(v))).collect();
        store.add_container_with_volumes(&config, &ContainerState::default(), &specs).unwrap();
        config.id
    }

    #[test]
    fn create_lists_inspects_and_refuses_a_taken_name() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store_at(tmp.path());
        let spec = VolumeSpec {
            name: Some(name("data")),
            labels: [("a".into(), "b".into())].into(),
            options: [("o".into(), "uid=5".into())].into(),
            ..Default::default()
        };
        let volume = store.create_volume(&spec).unwrap();
        assert_eq!(volume.mountpoint, store.volumes_dir().join("data/_data"));
        assert_eq!((volume.uid, volume.gid, volume.needs_chown), (Some(5), None, false));
        let owner = std::fs::metadata(&volume.mountpoint).unwrap();
        assert_eq!((owner.uid(), owner.gid()), (5, 0), "o=uid= owns the data from the start");
        assert_eq!(store.volume("data").unwrap(), volume);
        let taken = store.create_volume(&spec).unwrap_err().to_string();
        assert_eq!(taken, "volume with name data already exists: volume already exists");
        let random = store.create_volume(&VolumeSpec::default()).unwrap();
        assert_eq!(random.name.as_str().len(), 64);
        let names: Vec<_> = store.volumes().unwrap().into_iter().map(|v| v.name).collect();
        assert_eq!(names.len(), 2);
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        let missing = store.volume("nope").unwrap_err().to_string();
        assert_eq!(missing, "no volume with name \"nope\" found: no such volume");
    }

    #[test]
    fn lookup_takes_a_unique_prefix_but_an_exact_name_first() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store_at(tmp.path());
        for v in ["abc", "abc1", "abc2", "xyz"] {
            store.create_volume(&VolumeSpec::named(name(v))).unwrap();
        }
        assert_eq!(store.lookup_volume("abc").unwrap().name, name("abc"));
        assert_eq!(store.lookup_volume("xy").unwrap().name, name("xyz"));
        assert!(store.volume("xy").is_err(), "volume() takes exact names only");
        let ambiguous = store.lookup_volume("ab").unwrap_err().to_string();
        assert_eq!(ambiguous, "more than one result for volume name \"ab\": volume already exists");
        assert!(store.lookup_volume("a_c").is_err(), "no SQL wildcards");
        assert!(store.lookup_volume("q").is_err());
    }

    #[test]
    fn directories_are_private_above_data_and_data_is_0755() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store_at(tmp.path());
        let volume = store.create_volume(&VolumeSpec::named(name("v"))).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o7777;
        assert_eq!(mode(&store.volumes_dir()), 0o700);
        assert_eq!(mode(&store.volumes_dir().join("v")), 0o700);
        assert_eq!(mode(&volume.mountpoint), 0o755);
    }

    #[test]
    fn a_refused_create_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store_at(tmp.path());
        let bad = VolumeSpec { name: Some(name("v")), driver: Some("foo".into()), ..Default::default() };
        assert!(store.create_volume(&bad).is_err());
        let bad =
            VolumeSpec { name: Some(name("v")), options: [("x".into(), "1".into())].into(), ..Default::default() };
        assert!(store.create_volume(&bad).is_err());
        assert!(store.volumes().unwrap().is_empty());
        assert!(!store.volumes_dir().join("v").exists());
    }

    #[test]
    fn a_crash_leftover_directory_is_cleared_by_the_next_create() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store_at(tmp.path());
        let leftover = store.volumes_dir().join("v/_data");
        std::fs::create_dir_all(&leftover).unwrap();
        std::fs::write(leftover.join("junk"), "x").unwrap();
        let volume = store.create_volume(&VolumeSpec::named(name("v"))).unwrap();
        assert_eq!(std::fs::read_dir(&volume.mountpoint).unwrap().count(), 0);
    }

    #[test]
    fn a_used_volume_is_refused_removal_until_its_container_goes() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store_at(tmp.path());
        let id = container(&store, "web", &["data"]);
        assert_eq!(store.volume_users("data").unwrap(), vec![id.clone()]);
        let refused = store.remove_volume("data").unwrap_err().to_string();
        assert_eq!(
            refused,
            format!("volume data is being used by the following container(s): {id}: volume is being used")
        );
        assert!(store.prune_volumes(&|_| true).unwrap().is_empty());
        store.remove(&id).unwrap();
        assert!(store.volume_users("data").unwrap().is_empty());
        let mountpoint = store.volume("data").unwrap().mountpoint;
        store.remove_volume("data").unwrap();
        assert!(!mountpoint.exists());
        assert!(store.remove_volume("data").is_err());
    }

    #[test]
    fn unrecorded_volume_data_goes_and_recorded_data_stays() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store_at(tmp.path());
        let kept = store.create_volume(&VolumeSpec::named(name("kept"))).unwrap();
        let taken = store.create_volume(&VolumeSpec::named(name("taken"))).unwrap();
        std::fs::write(taken.mountpoint.join("f"), "x").unwrap();
        // What another process's remove_volume leaves between its commit and its deletion.
        store.conn().execute("DELETE FROM Volume WHERE Name = 'taken'", []).unwrap();
        for v in ["kept", "taken", "never"] {
            store.remove_unrecorded_volume_data(&name(v)).unwrap();
        }
        assert!(kept.mountpoint.exists());
        assert!(!store.volumes_dir().join("taken").exists());
    }

    #[test]
    fn a_container_name_clash_creates_no_volume() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store_at(tmp.path());
        container(&store, "web", &[]);
        let config = ContainerConfig { id: new_id(), name: "web".into(), ..Default::default() };
        let specs = [VolumeSpec::named(name("fresh"))];
        assert!(store.add_container_with_volumes(&config, &ContainerState::default(), &specs).is_err());
        assert!(store.volumes().unwrap().is_empty());
        assert!(!store.volumes_dir().join("fresh").exists());
    }

    #[test]
    fn record_use_and_volume_or_create() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store_at(tmp.path());
        let (first, created) = store.volume_or_create(&name("v")).unwrap();
        assert!(created);
        let (again, created) = store.volume_or_create(&name("v")).unwrap();
        assert!(!created);
        assert_eq!(first, again);
        let id = container(&store, "web", &[]);
        assert!(store.record_volume_use(&id, &[name("nope")]).is_err());
        store.record_volume_use(&id, &[name("v"), name("v")]).unwrap();
        assert_eq!(store.volume_users("v").unwrap(), vec![id]);
        let mut updated = first.clone();
        updated.needs_copy_up = false;
        store.update_volume(&updated).unwrap();
        assert!(!store.volume("v").unwrap().needs_copy_up);
    }

    #[test]
    fn prune_removes_the_unused_volumes_the_filter_accepts() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store_at(tmp.path());
        for v in ["a", "b", "c"] {
            store.create_volume(&VolumeSpec::named(name(v))).unwrap();
        }
        container(&store, "web", &["a"]);
        let pruned = store.prune_volumes(&|v| v.name.as_str() != "c").unwrap();
        assert_eq!(pruned, vec![name("b")]);
        let left: Vec<_> = store.volumes().unwrap().into_iter().map(|v| v.name.to_string()).collect();
        assert_eq!(left, ["a", "c"]);
    }

    #[test]
    fn two_threads_creating_one_name_make_one_volume() {
        let tmp = tempfile::tempdir().unwrap();
        store_at(tmp.path());
        let barrier = std::sync::Barrier::new(8);
        let created: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let store = store_at(tmp.path());
                        barrier.wait();
                        store.volume_or_create(&name("shared")).unwrap().1
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(created.iter().filter(|c| **c).count(), 1);
        let store = store_at(tmp.path());
        assert_eq!(store.volumes().unwrap().len(), 1);
        assert!(store.volume("shared").unwrap().mountpoint.is_dir());
    }
}
