//! Opening rpod's SQLite databases (libpod's container state, the image store's records) with
//! the rules that make them safe for many `rpod` processes at once and across crashes:
//!
//! * WAL journal with `synchronous=FULL`: a committed transaction survives a crash or power loss;
//! * a busy timeout, so writers queue instead of failing with "database is locked";
//! * writes in `BEGIN IMMEDIATE` transactions ([`write_transaction`]), so two writers never
//!   deadlock upgrading read locks;
//! * forward-only schema migrations, applied once even when processes race to open a new file;
//! * files only their owner can read (`0600`, the `-wal` and `-shm` too): the container
//!   database holds the environment of every container, passwords included.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, FileControl, Transaction, TransactionBehavior};

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("opening the database {}: {source}", path.display())]
    Open { path: PathBuf, source: rusqlite::Error },
    /// The file (or its `-wal`/`-shm`) could not be created private or made private.
    #[error("making the database {} private: {source}", path.display())]
    Private { path: PathBuf, source: std::io::Error },
    /// The file was written by a newer rpod whose schema this one does not know.
    #[error("database {} has schema version {found}, newer than this rpod supports ({supported})", path.display())]
    SchemaTooNew { path: PathBuf, found: i64, supported: i64 },
}

/// Opens (creating when missing) the database at `path` and brings its schema up to date.
/// Entry `n` of `migrations` takes the schema from version `n` to `n + 1`; released entries are
/// never edited, only appended to.
///
/// The file is created `0600` before SQLite opens it, so the `-wal` and `-shm` files SQLite
/// creates take that mode too; files an older rpod left readable by others are set to `0600`.
pub fn open(path: &Path, migrations: &[&str]) -> Result<Connection, Error> {
    make_private(path)?;
    // While processes race to create a new file, SQLite can answer "database is locked" to the
    // journal-mode switch or the first read without consulting the busy handler; such an open
    // is simply tried again until the busy timeout.
    let deadline = Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(2);
    loop {
        match open_once(path, migrations) {
            Err(Error::Open { source, .. }) if is_busy(&source) && Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            result => return result,
        }
    }
}

fn open_once(path: &Path, migrations: &[&str]) -> Result<Connection, Error> {
    let failed = |source| Error::Open { path: path.to_path_buf(), source };
    let conn = Connection::open(path).map_err(failed)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(failed)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY, true).map_err(failed)?;
    // rpod processes are short-lived: the last one out would delete the -wal and -shm files and
    // the next one create them again. Kept, the WAL is instead emptied at close
    // (journal_size_limit = 0), after the checkpoint that every last close still makes.
    conn.file_control(Some(rusqlite::MAIN_DB), FileControl::PersistWal(&mut 1)).map_err(failed)?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 0;")
        .map_err(failed)?;
    migrate(&conn, path, migrations)?;
    Ok(conn)
}

/// The database file and whatever `-wal` and `-shm` files exist, `0600`.
fn make_private(path: &Path) -> Result<(), Error> {
    privatefs::ensure_file(path).map_err(|source| Error::Private { path: path.to_path_buf(), source })?;
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        let side = PathBuf::from(name);
        privatefs::restrict_file_if_present(&side).map_err(|source| Error::Private { path: side.clone(), source })?;
    }
    Ok(())
}

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(err.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

/// A write transaction that takes the write lock up front (`BEGIN IMMEDIATE`).
pub fn write_transaction(conn: &Connection) -> rusqlite::Result<Transaction<'_>> {
    Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
}

/// Applies the missing migrations. The common case — an up-to-date file — is one read and no
/// write, so opening costs no fsync; otherwise the check is repeated under the write lock.
fn migrate(conn: &Connection, path: &Path, migrations: &[&str]) -> Result<(), Error> {
    let failed = |source| Error::Open { path: path.to_path_buf(), source };
    let supported = migrations.len() as i64;
    let version = |conn: &Connection| conn.query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0));
    let current = version(conn).map_err(failed)?;
    if current > supported {
        return Err(Error::SchemaTooNew { path: path.to_path_buf(), found: current, supported });
    }
    if current == supported {
        return Ok(());
    }
    let tx = write_transaction(conn).map_err(failed)?;
    let current = version(&tx).map_err(failed)?;
    for migration in migrations.iter().skip(current.max(0) as usize) {
        tx.execute_batch(migration).map_err(failed)?;
    }
    tx.pragma_update(None, "user_version", supported.max(current)).map_err(failed)?;
    tx.commit().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "CREATE TABLE t (a TEXT);";
    const V2: &str = "ALTER TABLE t ADD COLUMN b TEXT;";

    #[test]
    fn migrations_apply_once_and_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        open(&path, &[V1]).unwrap().execute("INSERT INTO t (a) VALUES ('kept')", []).unwrap();
        let conn = open(&path, &[V1, V2]).unwrap();
        let (a, b): (String, Option<String>) =
            conn.query_row("SELECT a, b FROM t", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!((a.as_str(), b), ("kept", None));
        open(&path, &[V1, V2]).unwrap();
    }

    #[test]
    fn every_connection_is_wal_with_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("x.db"), &[V1]).unwrap();
        let pragma = |name: &str| {
            conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, rusqlite::types::Value>(0)).unwrap()
        };
        assert_eq!(pragma("journal_mode"), rusqlite::types::Value::Text("wal".into()));
        assert_eq!(pragma("synchronous"), rusqlite::types::Value::Integer(2));
        assert_eq!(pragma("foreign_keys"), rusqlite::types::Value::Integer(1));
    }

    #[test]
    fn the_last_close_checkpoints_and_empties_the_wal_but_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        let conn = open(&path, &[V1]).unwrap();
        conn.execute("INSERT INTO t (a) VALUES ('committed')", []).unwrap();
        let wal = dir.path().join("x.db-wal");
        assert!(std::fs::metadata(&wal).unwrap().len() > 0, "the commit is in the WAL");
        drop(conn);
        assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0, "the close checkpoints and empties the WAL");
        let plain = Connection::open(&path).unwrap();
        let a: String = plain.query_row("SELECT a FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(a, "committed");
    }

    #[test]
    fn racing_openers_of_a_new_file_all_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("race.db");
        let openers: Vec<_> = (0..16)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || open(&path, &[V1, V2]).map(|_| ()))
            })
            .collect();
        for opener in openers {
            opener.join().unwrap().unwrap();
        }
    }

    #[test]
    fn the_database_and_its_wal_and_shm_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        let conn = open(&path, &[V1]).unwrap();
        conn.execute("INSERT INTO t (a) VALUES ('secret')", []).unwrap();
        for name in ["x.db", "x.db-wal", "x.db-shm"] {
            assert_eq!(mode(&dir.path().join(name)), 0o600, "{name}");
        }
        drop(conn);
        // An older rpod left them world-readable: the next open tightens all three.
        for name in ["x.db", "x.db-wal", "x.db-shm"] {
            std::fs::set_permissions(dir.path().join(name), std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let _conn = open(&path, &[V1]).unwrap();
        for name in ["x.db", "x.db-wal", "x.db-shm"] {
            assert_eq!(mode(&dir.path().join(name)), 0o600, "{name} after reopening");
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        open(&path, &[V1, V2]).unwrap();
        assert!(matches!(open(&path, &[V1]), Err(Error::SchemaTooNew { found: 2, supported: 1, .. })));
    }
}
