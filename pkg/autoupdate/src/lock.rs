//! One auto-update at a time: two runs at once (the timer and a manual run) would pull the
//! same image twice and restart the same units twice (Podman has no such lock).

use std::fs::File;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use crate::Error;

/// An exclusive `flock` on a file under the runroot, held until dropped. The executor takes
/// a reference to it, so a run cannot start without it.
#[derive(Debug)]
pub struct RunLock {
    _lock: Flock<File>,
}

impl RunLock {
    /// Takes the lock, waiting for a run that holds it (and saying so at info level). Blocks
    /// the calling thread: take it before starting async work.
    pub fn acquire(path: &Path) -> Result<RunLock, Error> {
        let err = |source| Error::Lock { path: PathBuf::from(path), source };
        if let Some(dir) = path.parent() {
            privatefs::create_dir_all(dir).map_err(err)?;
        }
        let file = privatefs::options().create(true).truncate(false).write(true).open(path).map_err(err)?;
        let file = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => return Ok(RunLock { _lock: lock }),
            Err((file, Errno::EWOULDBLOCK)) => file,
            Err((_, errno)) => return Err(err(errno.into())),
        };
        tracing::info!("another auto-update is running; waiting for it to finish ({})", path.display());
        Flock::lock(file, FlockArg::LockExclusive)
            .map(|lock| RunLock { _lock: lock })
            .map_err(|(_, errno)| err(errno.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_second_run_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("sub/auto-update.lock");
        let first = RunLock::acquire(&path).unwrap_or_else(|e| panic!("{e}"));
        let (tx, rx) = mpsc::channel();
        let waiter_path = path.clone();
        let waiter = std::thread::spawn(move || {
            let lock = RunLock::acquire(&waiter_path);
            let _ = tx.send(lock.is_ok());
        });
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "second run must wait");
        drop(first);
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(true));
        let _ = waiter.join();
    }
}
