//! Storage only its owner can reach: directories `0700`, files `0600`.
//!
//! rpod runs as root and keeps secrets and other users' data in its storage (`-e PASSWORD=…`
//! in the container database and the OCI spec, container logs, unpacked layers that may hold
//! setuid binaries). Podman's storage (`/var/lib/containers/storage/overlay`, its databases)
//! keeps other local users out the same way: private ancestors. What lives *inside* a
//! container's root filesystem keeps its own modes, so unprivileged processes in the container
//! still work; only the directories above it are private.
//!
//! Every crate that creates storage goes through this one: [`ensure_dir`] for the directories
//! rpod owns (also tightening what an older rpod created `0755`), [`create_dir_all`] where a
//! parent may belong to the user (only what it creates is private), and [`ensure_file`],
//! [`write`] and [`options`] for files.

use std::fs::{File, OpenOptions, Permissions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// The mode of every directory rpod keeps to itself.
pub const DIR_MODE: u32 = 0o700;
/// The mode of every file rpod keeps to itself.
pub const FILE_MODE: u32 = 0o600;

/// Makes `path` a private directory: creates it (and any missing parents) `0700`, or, when it
/// exists, sets its mode to `0700` if it is anything else. For directories rpod owns: `--root`,
/// `--runroot` and the stores under them, so storage an older rpod created world-readable
/// is fixed by the next command. A symlink is followed (a root may be a link to another disk).
pub fn ensure_dir(path: &Path) -> std::io::Result<()> {
    create_dir_all(path)?;
    restrict(path, DIR_MODE)
}

/// Creates `path` and any missing parents, each new one `0700`; directories that exist keep
/// their mode. For places where a parent may be the user's own (the auth file's directory).
pub fn create_dir_all(path: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(DIR_MODE).create(path)
}

/// Makes `path` a private file: creates it empty `0600` when missing, or sets its mode to
/// `0600` when it exists with another. For files another program opens after us, such as
/// SQLite's database, whose `-wal` and `-shm` files then take the database's mode.
pub fn ensure_file(path: &Path) -> std::io::Result<()> {
    match options().write(true).create_new(true).open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == ErrorKind::AlreadyExists => restrict(path, FILE_MODE),
        Err(err) => Err(err),
    }
}

/// Sets the mode of an existing file to `0600` if it is anything else; a missing file is not
/// an error (SQLite's `-wal` and `-shm` come and go).
pub fn restrict_file_if_present(path: &Path) -> std::io::Result<()> {
    match restrict(path, FILE_MODE) {
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(()),
        result => result,
    }
}

/// Writes `contents` to `path` as a private file: created `0600`, or truncated and set to
/// `0600` when it exists.
pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> std::io::Result<()> {
    let mut file = options().write(true).create(true).truncate(true).open(path)?;
    tighten(&file, FILE_MODE)?;
    file.write_all(contents.as_ref())
}

/// Open options whose newly created files are `0600`; set the access and creation flags on
/// them as usual. A file that already exists keeps its mode (see [`tighten`]).
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.mode(FILE_MODE);
    options
}

/// Sets an open file's mode to `0600` if it is anything else (a log an older rpod created
/// world-readable).
pub fn tighten_file(file: &File) -> std::io::Result<()> {
    tighten(file, FILE_MODE)
}

fn tighten(file: &File, mode: u32) -> std::io::Result<()> {
    if file.metadata()?.permissions().mode() & 0o7777 != mode {
        file.set_permissions(Permissions::from_mode(mode))?;
    }
    Ok(())
}

fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    if std::fs::metadata(path)?.permissions().mode() & 0o7777 != mode {
        std::fs::set_permissions(path, Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn ensure_dir_creates_every_missing_level_private() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        ensure_dir(&deep).unwrap();
        for level in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode(&dir.path().join(level)), 0o700, "{level}");
        }
    }

    #[test]
    fn ensure_dir_tightens_what_exists() {
        let dir = tempfile::tempdir().unwrap();
        for old in [0o755, 0o777, 0o711, 0o1777] {
            let path = dir.path().join(format!("old-{old:o}"));
            std::fs::create_dir(&path).unwrap();
            std::fs::set_permissions(&path, Permissions::from_mode(old)).unwrap();
            ensure_dir(&path).unwrap();
            assert_eq!(mode(&path), 0o700, "{old:o}");
        }
    }

    #[test]
    fn create_dir_all_leaves_existing_parents_alone() {
        let dir = tempfile::tempdir().unwrap();
        let parent = dir.path().join("home");
        std::fs::create_dir(&parent).unwrap();
        std::fs::set_permissions(&parent, Permissions::from_mode(0o755)).unwrap();
        create_dir_all(&parent.join("containers/auth")).unwrap();
        assert_eq!(mode(&parent), 0o755, "the user's directory keeps its mode");
        assert_eq!(mode(&parent.join("containers")), 0o700);
        assert_eq!(mode(&parent.join("containers/auth")), 0o700);
    }

    #[test]
    fn ensure_dir_refuses_a_file_in_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        std::fs::write(&path, "").unwrap();
        assert!(ensure_dir(&path).is_err());
    }

    #[test]
    fn files_are_created_private_and_old_ones_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.db");
        ensure_file(&new).unwrap();
        assert_eq!((mode(&new), std::fs::metadata(&new).unwrap().len()), (0o600, 0));

        let old = dir.path().join("old.db");
        std::fs::write(&old, "data").unwrap();
        std::fs::set_permissions(&old, Permissions::from_mode(0o644)).unwrap();
        ensure_file(&old).unwrap();
        assert_eq!(mode(&old), 0o600);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "data", "tightening keeps the contents");

        let written = dir.path().join("config.json");
        std::fs::write(&written, "old").unwrap();
        std::fs::set_permissions(&written, Permissions::from_mode(0o644)).unwrap();
        write(&written, "{}").unwrap();
        assert_eq!((mode(&written), std::fs::read_to_string(&written).unwrap().as_str()), (0o600, "{}"));

        let opened = options().create(true).append(true).open(dir.path().join("ctr.log")).unwrap();
        assert_eq!(mode(&dir.path().join("ctr.log")), 0o600);
        drop(opened);
    }

    #[test]
    fn tighten_file_and_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("ctr.log");
        std::fs::write(&log, "").unwrap();
        std::fs::set_permissions(&log, Permissions::from_mode(0o644)).unwrap();
        tighten_file(&File::open(&log).unwrap()).unwrap();
        assert_eq!(mode(&log), 0o600);
        restrict_file_if_present(&dir.path().join("x.db-wal")).unwrap();
    }
}
