//! Waiting for something a test started to happen (a server answering, a health status turning),
//! without a fixed sleep that is too long on an idle machine and too short on a loaded one.

use std::time::{Duration, Instant};

/// Polls `probe` every 100 ms until it returns true or `limit` passes; returns whether it did.
pub fn eventually(limit: Duration, mut probe: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if probe() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    probe()
}
