//! The file a container's health lives in, `healthcheck.log` beside its run directory as in
//! Podman: the monitor's scheduled checks, `healthcheck run` and the monitor's start all
//! update it, so every change is a read-modify-write under an exclusive `flock`, and the new
//! text replaces the old by rename (a reader never sees half a file).

use std::fs::File;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

use crate::error::HealthError;
use crate::results::{HealthResults, LogLimits};

/// A container's health check log file, and how much of the results it keeps.
#[derive(Debug, Clone)]
pub struct HealthLogFile {
    path: PathBuf,
    limits: LogLimits,
}

impl HealthLogFile {
    /// The log at `path` (its directory is created on the first write), with Podman's default
    /// limits.
    pub fn at(path: impl Into<PathBuf>) -> HealthLogFile {
        HealthLogFile { path: path.into(), limits: LogLimits::default() }
    }

    /// This log keeping what `limits` allow.
    pub fn with_limits(self, limits: LogLimits) -> HealthLogFile {
        HealthLogFile { limits, ..self }
    }

    /// What the log keeps.
    pub fn limits(&self) -> LogLimits {
        self.limits
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored results; empty ones (status unset) when there is no file yet.
    pub fn read(&self) -> Result<HealthResults, HealthError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| self.error(e.into())),
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(HealthResults::default()),
            Err(err) => Err(self.error(err)),
        }
    }

    /// Changes the stored results with `change` under the file's lock; returns them as written.
    pub fn update(&self, change: impl FnOnce(&mut HealthResults)) -> Result<HealthResults, HealthError> {
        let _lock = self.lock()?;
        let mut results = self.read()?;
        change(&mut results);
        let text = serde_json::to_vec(&results).map_err(|e| self.error(e.into()))?;
        let temporary = self.path.with_extension("log.new");
        privatefs::write(&temporary, text).map_err(|e| self.error(e))?;
        std::fs::rename(&temporary, &self.path).map_err(|e| self.error(e))?;
        Ok(results)
    }

    fn lock(&self) -> Result<Flock<File>, HealthError> {
        if let Some(dir) = self.path.parent() {
            privatefs::create_dir_all(dir).map_err(|e| self.error(e))?;
        }
        let lock_path = self.path.with_extension("lock");
        let file = privatefs::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| self.error(e))?;
        Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, errno)| self.error(errno.into()))
    }

    fn error(&self, source: std::io::Error) -> HealthError {
        HealthError::LogFile { path: self.path.clone(), source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::HealthStatus;

    #[test]
    fn concurrent_updates_are_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let log = HealthLogFile::at(dir.path().join("ctr/healthcheck.log"));
        assert_eq!(log.read().unwrap(), HealthResults::default());
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..25 {
                        log.update(|r| r.failing_streak += 1).unwrap();
                    }
                });
            }
        });
        assert_eq!(log.read().unwrap().failing_streak, 200);
        let written = log.update(|r| r.status = HealthStatus::Starting).unwrap();
        assert_eq!(log.read().unwrap(), written);
    }
}
