//! Where the host adapter reads the wall time of a `process` call.

use std::time::Instant;

/// A source of monotonic wall time. The plugin reads it once per `process` call; a test or a
/// later host integration can hand the adapter another one.
pub trait WallClock: Send {
    /// The time now. Called on the audio thread: must not block or allocate.
    fn now(&self) -> Instant;
}

/// The system's monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl WallClock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}
