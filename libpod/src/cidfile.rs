//! `--cidfile`: the file a unit uses to find the container it started.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Refuses a container ID file that already holds an ID (Podman's check), so two units cannot
/// share one. An empty file is fine: systemd units truncate it before a new run.
pub fn ensure_free(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() > 0 => Err(Error::CidFileExists(path.to_path_buf())),
        _ => Ok(()),
    }
}

/// Writes `id` to `path` atomically (temp file in the same directory, then rename), so a reader
/// never sees a partial ID.
pub fn write(path: &Path, id: &str) -> Result<()> {
    let io = |source| Error::CidFile { path: path.to_path_buf(), source };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    temp.write_all(id.as_bytes()).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Reads the container ID that `write` stored.
pub fn read(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::CidFile { path: path.to_path_buf(), source })?;
    Ok(text.trim().to_string())
}

/// The container IDs in `paths`, for `stop`/`rm --cidfile`: an empty file (a unit truncates it
/// before each run) names no container, and with `ignore` a missing file is skipped too.
pub fn read_all(paths: &[std::path::PathBuf], ignore: bool) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for path in paths {
        match read(path) {
            Ok(id) if !id.is_empty() => ids.push(id),
            Ok(_) => {}
            Err(_) if ignore => {}
            Err(err) => return Err(err),
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_read_and_refuse_reuse() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr-id");
        ensure_free(&path).unwrap();
        std::fs::write(&path, "").unwrap();
        ensure_free(&path).unwrap();
        write(&path, "abc").unwrap();
        assert_eq!(read(&path).unwrap(), "abc");
        let err = ensure_free(&path).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("container id file exists. Ensure another container is not using it or delete {}", path.display())
        );
    }
}
