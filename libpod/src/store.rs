//! The state store: one SQLite database (`<root>/rpod.db`) holding every container's config and
//! state, shared safely by concurrent `rpod` processes (see the `statedb` crate for how).

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::config::ContainerConfig;
use crate::error::{Error, Result};
use crate::names::FULL_ID_LEN;
use crate::state::ContainerState;

/// Forward migrations; entry `n` takes the schema from version `n` to `n + 1`. Never edit a
/// released entry: append a new one. Table and column names follow Podman's SQLite backend.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE ContainerConfig (
         ID   TEXT PRIMARY KEY NOT NULL,
         Name TEXT NOT NULL UNIQUE,
         JSON TEXT NOT NULL
     );
     CREATE TABLE ContainerState (
         ID   TEXT PRIMARY KEY NOT NULL REFERENCES ContainerConfig (ID) ON DELETE CASCADE,
         JSON TEXT NOT NULL
     );",
    // Named volumes (issue 15), and which containers use them: a container's rows go with it,
    // and a used volume's row cannot be deleted.
    "CREATE TABLE Volume (
         Name TEXT PRIMARY KEY NOT NULL,
         JSON TEXT NOT NULL
     );
     CREATE TABLE VolumeUse (
         ContainerID TEXT NOT NULL REFERENCES ContainerConfig (ID) ON DELETE CASCADE,
         VolumeName  TEXT NOT NULL REFERENCES Volume (Name),
         PRIMARY KEY (ContainerID, VolumeName)
     );",
];

/// A container as the store returns it: its immutable config and its current state.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub config: ContainerConfig,
    pub state: ContainerState,
}

/// The open state database plus the storage directories it describes.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    root: PathBuf,
    runroot: PathBuf,
}

impl Store {
    /// Opens (creating and migrating when needed) the store under `root`; `runroot` holds
    /// per-boot runtime files. Both, and their `containers` directories, are private (`0700`,
    /// see [`privatefs`]): the database and the OCI specs hold containers' environments, and
    /// root filesystems may hold setuid binaries. Directories an older rpod made `0755` are
    /// tightened here, by whatever command comes next.
    pub fn open(root: &Path, runroot: &Path) -> Result<Store> {
        for dir in [root, runroot, &root.join("containers"), &runroot.join("containers")] {
            privatefs::ensure_dir(dir).map_err(|source| Error::CreateDir { path: dir.to_path_buf(), source })?;
        }
        let conn = statedb::open(&root.join("rpod.db"), MIGRATIONS)?;
        Ok(Store { conn, root: root.to_path_buf(), runroot: runroot.to_path_buf() })
    }

    /// The persistent storage directory (`--root`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The runtime directory (`--runroot`).
    pub fn runroot(&self) -> &Path {
        &self.runroot
    }

    /// Persistent per-container directory: logs and the container's writable layer.
    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.root.join("containers").join(id).join("userdata")
    }

    /// Where the OCI runtimes keep their own state (`--root` of runc/crun), and rpod notes
    /// runtimes that failed on this boot.
    pub fn runtime_state_dir(&self) -> PathBuf {
        self.runroot.join("runtime-state")
    }

    /// Runtime per-container directory: the monitor's PID file and the OCI bundle.
    pub fn runtime_dir(&self, id: &str) -> PathBuf {
        self.runroot.join("containers").join(id).join("userdata")
    }

    /// The container's `--rm`-proof exit record, `<runroot>/exits/<id>`: the monitor leaves the
    /// exit code there, and it outlives a `--rm` container so `run` and `wait` can still report it.
    pub fn exit_file(&self, id: &str) -> PathBuf {
        self.runroot.join("exits").join(id)
    }

    /// The file `stop` leaves for the monitor so that the exit it causes is not restarted.
    pub fn stopped_marker(&self, id: &str) -> PathBuf {
        self.runtime_dir(id).join("stopped-by-user")
    }

    /// The monitor's PID file when the config names none (`conmon_pid_file`, Podman's name).
    pub fn monitor_pid_file(&self, id: &str) -> PathBuf {
        self.runtime_dir(id).join("conmon.pid")
    }

    /// Where the OCI runtime writes the container process's PID.
    pub fn container_pid_file(&self, id: &str) -> PathBuf {
        self.runtime_dir(id).join("pidfile")
    }

    /// The monitor's own standard error: what it could not report to `start`.
    pub fn monitor_log(&self, id: &str) -> PathBuf {
        self.runtime_dir(id).join("monitor.log")
    }

    /// The container's output when the config names no log (`log_path`).
    pub fn container_log(&self, id: &str) -> PathBuf {
        self.container_dir(id).join("ctr.log")
    }

    /// Adds a new container. Fails with [`Error::NameInUse`] when the name is taken; the check and
    /// the insert happen in one transaction, so two processes cannot both take a name.
    pub fn add_container(&self, config: &ContainerConfig, state: &ContainerState) -> Result<()> {
        let tx = self.write_transaction()?;
        insert_container(&tx, config, state)?;
        tx.commit()?;
        Ok(())
    }

    /// [`Store::add_container`] for a container that mounts named volumes: the volumes that do
    /// not exist yet are created and the container's use of each is recorded in the same
    /// transaction, so no other process can remove a volume between the two, and a name clash
    /// leaves no volume behind. Returns the volumes in `volumes`' order.
    pub fn add_container_with_volumes(
        &self,
        config: &ContainerConfig,
        state: &ContainerState,
        volumes: &[crate::volume::VolumeSpec],
    ) -> Result<Vec<crate::volume::Volume>> {
        let tx = self.write_transaction()?;
        insert_container(&tx, config, state)?;
        self.use_volumes_in(tx, &config.id, volumes)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Finds a container by full ID, by name, or by a unique ID prefix (Podman's order). Only
    /// 64 hex digits can be a full ID, so other input skips that query: each query is an SQL
    /// compile, a noticeable part of a short command such as `generate systemd`.
    pub fn lookup(&self, name_or_id: &str) -> Result<Container> {
        const SELECT: &str = "SELECT c.ID, c.JSON, s.JSON FROM ContainerConfig c JOIN ContainerState s ON s.ID = c.ID";
        let hex = !name_or_id.is_empty() && name_or_id.chars().all(|c| c.is_ascii_hexdigit());
        let id = name_or_id.to_ascii_lowercase();
        if hex && id.len() == FULL_ID_LEN {
            if let Some(container) = self.select_one(&format!("{SELECT} WHERE c.ID = ?1"), &id)? {
                return Ok(container);
            }
        }
        if let Some(container) = self.select_one(&format!("{SELECT} WHERE c.Name = ?1"), name_or_id)? {
            return Ok(container);
        }
        if !hex {
            return Err(Error::NoSuchContainer(name_or_id.to_string()));
        }
        let mut stmt = self.conn.prepare(&format!("{SELECT} WHERE substr(c.ID, 1, length(?1)) = ?1 LIMIT 2"))?;
        let mut matches = stmt.query_map([id], raw_row)?.collect::<Result<Vec<_>, _>>()?;
        match matches.len() {
            0 => Err(Error::NoSuchContainer(name_or_id.to_string())),
            1 => decode(matches.remove(0)),
            _ => Err(Error::AmbiguousContainer(name_or_id.to_string())),
        }
    }

    /// Every container, oldest first.
    pub fn list(&self) -> Result<Vec<Container>> {
        let mut stmt = self.conn.prepare(
            "SELECT c.ID, c.JSON, s.JSON FROM ContainerConfig c JOIN ContainerState s ON s.ID = c.ID
             ORDER BY c.rowid",
        )?;
        let rows = stmt.query_map([], raw_row)?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(decode).collect()
    }

    /// Replaces a container's state.
    pub fn update_state(&self, id: &str, state: &ContainerState) -> Result<()> {
        let tx = self.write_transaction()?;
        let changed = tx.execute("UPDATE ContainerState SET JSON = ?2 WHERE ID = ?1", params![id, to_json(state)?])?;
        tx.commit()?;
        if changed == 0 {
            return Err(Error::NoSuchContainer(id.to_string()));
        }
        Ok(())
    }

    /// Removes a container's records (its state goes with it).
    pub fn remove(&self, id: &str) -> Result<()> {
        let tx = self.write_transaction()?;
        let changed = tx.execute("DELETE FROM ContainerConfig WHERE ID = ?1", [id])?;
        tx.commit()?;
        if changed == 0 {
            return Err(Error::NoSuchContainer(id.to_string()));
        }
        Ok(())
    }

    /// The names of all containers using `image_id`, for `rmi` to refuse removing a used image.
    pub fn containers_using_image(&self, image_id: &str) -> Result<Vec<String>> {
        Ok(self.list()?.into_iter().filter(|c| c.config.rootfs_image_id == image_id).map(|c| c.config.id).collect())
    }

    pub(crate) fn write_transaction(&self) -> Result<Transaction<'_>> {
        Ok(statedb::write_transaction(&self.conn)?)
    }

    fn select_one(&self, sql: &str, arg: &str) -> Result<Option<Container>> {
        let row = self.conn.query_row(sql, [arg], raw_row).optional()?;
        row.map(decode).transpose()
    }
}

type RawRow = (String, String, String);

fn raw_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn decode((id, config, state): RawRow) -> Result<Container> {
    let corrupt = |source| Error::Corrupt { id: id.clone(), source };
    Ok(Container {
        config: serde_json::from_str(&config).map_err(corrupt)?,
        state: serde_json::from_str(&state).map_err(corrupt)?,
    })
}

/// Inserts a container's rows after checking its name is free, inside the caller's transaction.
fn insert_container(tx: &Transaction<'_>, config: &ContainerConfig, state: &ContainerState) -> Result<()> {
    let holder: Option<String> =
        tx.query_row("SELECT ID FROM ContainerConfig WHERE Name = ?1", [&config.name], |row| row.get(0)).optional()?;
    if let Some(id) = holder {
        return Err(Error::NameInUse { name: config.name.clone(), id });
    }
    tx.execute(
        "INSERT INTO ContainerConfig (ID, Name, JSON) VALUES (?1, ?2, ?3)",
        params![config.id, config.name, to_json(config)?],
    )?;
    tx.execute("INSERT INTO ContainerState (ID, JSON) VALUES (?1, ?2)", params![config.id, to_json(state)?])?;
    Ok(())
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(Error::Encode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::new_id;

    fn config(name: &str) -> ContainerConfig {
        ContainerConfig {
            id: new_id(),
            name: name.to_string(),
            create_command: vec!["rpod".into(), "create".into(), "x".into()],
            raw_image_name: "quay.io/x/y:1".into(),
            rootfs_image_id: "a".repeat(64),
            created_time: chrono::Utc::now(),
            command: vec!["sh".into()],
            ..Default::default()
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("root"), &dir.path().join("run")).unwrap();
        (dir, store)
    }

    #[test]
    fn round_trip_and_lookup_by_name_id_and_prefix() {
        let (_dir, store) = store();
        let cfg = config("web");
        store.add_container(&cfg, &ContainerState::default()).unwrap();
        assert_eq!(store.lookup("web").unwrap().config, cfg);
        assert_eq!(store.lookup(&cfg.id).unwrap().config, cfg);
        assert_eq!(store.lookup(&cfg.id[..12]).unwrap().config, cfg);
        assert_eq!(store.lookup(&cfg.id.to_ascii_uppercase()).unwrap().config, cfg);
        assert!(matches!(store.lookup("nope"), Err(Error::NoSuchContainer(_))));
    }

    #[test]
    fn a_full_id_wins_over_a_name_and_a_hex_name_over_a_prefix() {
        let (_dir, store) = store();
        let first = config("web");
        let named_like_first = config(&first.id);
        let hex_named = config(&first.id[..6]);
        for cfg in [&first, &named_like_first, &hex_named] {
            store.add_container(cfg, &ContainerState::default()).unwrap();
        }
        assert_eq!(store.lookup(&first.id).unwrap().config.id, first.id);
        assert_eq!(store.lookup(&first.id[..6]).unwrap().config.id, hex_named.id);
    }

    #[test]
    fn names_are_unique() {
        let (_dir, store) = store();
        let first = config("web");
        store.add_container(&first, &ContainerState::default()).unwrap();
        let err = store.add_container(&config("web"), &ContainerState::default()).unwrap_err();
        assert!(matches!(err, Error::NameInUse { ref id, .. } if *id == first.id));
        assert_eq!(store.list().unwrap().len(), 1);
    }

    #[test]
    fn state_updates_and_removal() {
        let (_dir, store) = store();
        let cfg = config("web");
        store.add_container(&cfg, &ContainerState::default()).unwrap();
        let running = ContainerState { state: crate::ContainerStatus::Running, pid: 42, ..Default::default() };
        store.update_state(&cfg.id, &running).unwrap();
        assert_eq!(store.lookup("web").unwrap().state, running);
        store.remove(&cfg.id).unwrap();
        assert!(store.list().unwrap().is_empty());
        assert!(matches!(store.remove(&cfg.id), Err(Error::NoSuchContainer(_))));
    }

    #[test]
    fn reopening_keeps_data_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let (root, run) = (dir.path().join("root"), dir.path().join("run"));
        let cfg = config("web");
        Store::open(&root, &run).unwrap().add_container(&cfg, &ContainerState::default()).unwrap();
        assert_eq!(Store::open(&root, &run).unwrap().lookup("web").unwrap().config, cfg);
    }

    #[test]
    fn storage_is_private_and_what_an_older_rpod_left_open_is_closed() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let dir = tempfile::tempdir().unwrap();
        let (root, run) = (dir.path().join("root"), dir.path().join("run"));
        let private = [
            (root.clone(), 0o700),
            (run.clone(), 0o700),
            (root.join("containers"), 0o700),
            (run.join("containers"), 0o700),
            (root.join("rpod.db"), 0o600),
        ];
        drop(Store::open(&root, &run).unwrap());
        for (path, want) in &private {
            assert_eq!(mode(path), *want, "{} when created", path.display());
            let old = if path.is_dir() { 0o755 } else { 0o644 };
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(old)).unwrap();
        }
        drop(Store::open(&root, &run).unwrap());
        for (path, want) in &private {
            assert_eq!(mode(path), *want, "{} when reopened", path.display());
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (root, run) = (dir.path().join("root"), dir.path().join("run"));
        Store::open(&root, &run).unwrap().conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(
            Store::open(&root, &run),
            Err(Error::Database(statedb::Error::SchemaTooNew { found: 99, .. }))
        ));
    }
}
