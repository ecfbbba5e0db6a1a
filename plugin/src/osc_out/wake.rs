//! How the audio thread wakes a parked sidecar without waiting, locking or allocating.
//!
//! The sidecar raises [`Wake::parked`] before it parks and checks the queue once more after
//! raising it; the audio thread, after a push, wakes it only if the flag was up, and lowers it.
//! So a sidecar with nothing to do sleeps until its next due instant (or [`IDLE_WAKE`]) instead
//! of polling, and the audio thread makes at most one wake-up call per sidecar park, that is at
//! most one per host buffer while gates flow and none while nothing plays.
//!
//! The wake-up is [`std::thread::Thread::unpark`]: an atomic swap, plus one non-blocking futex
//! wake system call when the sidecar really is parked. It takes no lock, allocates nothing and
//! never waits, which is why the audio thread may make it.

use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::Thread;
use std::time::Duration;

/// Longest park with nothing due: bounds how long a settings change (new target, timing mode)
/// waits to be applied while nothing plays.
pub const IDLE_WAKE: Duration = Duration::from_millis(50);

/// The audio thread's handle for waking the sidecar.
#[derive(Debug, Clone)]
pub struct Wake {
    /// Raised by the sidecar just before it parks, lowered by whoever wakes it. Written by the
    /// sidecar and audio threads.
    parked: Arc<AtomicBool>,
    /// The sidecar thread, for `unpark`. `None` in tests without a sidecar.
    thread: Option<Thread>,
}

impl Wake {
    /// A handle that wakes `thread` through the flag `parked` shared with it.
    pub(crate) fn new(parked: Arc<AtomicBool>, thread: Option<Thread>) -> Wake {
        Wake { parked, thread }
    }

    /// Wakes the sidecar if it is parked (or about to park). Call after pushing. Real-time safe.
    pub fn after_push(&self) {
        // Pairs with the fence in `before_park`: either the sidecar sees the pushed event when it
        // looks at the queue again, or this load sees the raised flag.
        fence(Ordering::SeqCst);
        if self.parked.load(Ordering::Relaxed) && self.parked.swap(false, Ordering::AcqRel) {
            if let Some(thread) = &self.thread {
                thread.unpark();
            }
        }
    }
}

/// Sidecar side: raise the flag; the caller must then look at the queue once more before it
/// parks (and call [`after_park`] when it runs again).
pub(crate) fn before_park(parked: &AtomicBool) {
    parked.store(true, Ordering::Relaxed);
    fence(Ordering::SeqCst);
}

/// Sidecar side: lower the flag after a park (or instead of one).
pub(crate) fn after_park(parked: &AtomicBool) {
    parked.store(false, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_push_wakes_a_parked_thread_once() {
        let parked = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&parked);
        let sleeper = std::thread::spawn(move || {
            before_park(&flag);
            let start = Instant::now();
            // Spurious wake-ups are allowed: park until the flag was taken.
            while flag.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(30) {
                std::thread::park_timeout(Duration::from_secs(30));
            }
            after_park(&flag);
            !flag.load(Ordering::Relaxed)
        });
        let wake = Wake::new(Arc::clone(&parked), Some(sleeper.thread().clone()));
        while !parked.load(Ordering::Relaxed) {
            std::thread::yield_now();
        }
        wake.after_push();
        assert!(!parked.load(Ordering::Relaxed), "the wake took the flag");
        // A second push while nobody is parked wakes nothing.
        wake.after_push();
        assert!(sleeper.join().unwrap());
    }
}
