//! Time as the container lifecycle sees it: `stop` waits out a timeout, exits are stamped. A
//! trait so that unit tests run a stop's whole escalation without waiting for it.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// The lifecycle's clock: a monotonic `now` for deadlines, `sleep` for polling, and the wall
/// time recorded as a container's finish time.
pub trait Clock {
    /// Monotonic time, for deadlines.
    fn now(&self) -> Instant;
    /// Waits `duration` (a fake clock just moves on).
    fn sleep(&self, duration: Duration);
    /// Wall-clock time, for the timestamps stored with a container.
    fn wall(&self) -> DateTime<Utc>;
}

/// The host's clocks.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration)
    }

    fn wall(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
