//! Time, injected: one trait for reading the clock and waiting on it, taken by every part that
//! schedules by time — the host adapter (wall time of each `process` call, from which the gate
//! clock computes due instants), the OSC sidecar (due instants, lateness, timetags, its rate
//! cap), the OSC input dispatcher (its rate limits) and the headless driver (its deadlines).
//!
//! [`SystemClock`] is the machine's monotonic clock. [`ManualClock`] moves only when told to, so
//! tests check ordering, timetags, lateness and rate limits exactly instead of against real
//! time: a thread waiting on it wakes when the clock is moved past its deadline.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, Thread};
use std::time::{Duration, Instant, SystemTime};

/// A source of time and a way to wait for it.
pub trait Clock: Send + Sync {
    /// The monotonic time now. The audio thread calls it once per `process` call: an
    /// implementation must not block, lock or allocate here.
    fn now(&self) -> Instant;

    /// The wall-clock (calendar) time now, paired with [`Clock::now`] to turn instants into OSC
    /// timetags. Not for the audio thread.
    fn wall_now(&self) -> SystemTime;

    /// Blocks the calling thread until `deadline`, or earlier when the thread is unparked
    /// ([`Thread::unpark`]) or wakes spuriously: callers read [`Clock::now`] again and decide.
    /// Returns at once when the deadline has passed. Never called on the audio thread.
    fn sleep_until(&self, deadline: Instant);
}

/// The machine's monotonic clock; waiting parks the thread with a timeout.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall_now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep_until(&self, deadline: Instant) {
        if let Some(wait) = deadline.checked_duration_since(Instant::now()) {
            thread::park_timeout(wait);
        }
    }
}

/// The shared system clock, for parts that hold a clock as `Arc<dyn Clock>`.
pub fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// Wall-clock time of a [`ManualClock`]'s start: 2027-01-15 08:00:00 UTC, a fixed moment so
/// timetags in tests are the same on every run.
pub const MANUAL_WALL_START_UNIX_SECS: u64 = 1_800_000_000;

/// A clock that moves only when [`ManualClock::advance`] or [`ManualClock::advance_to`] moves
/// it. Clones share the time. Reading it is one atomic load (no lock, no allocation); moving it
/// wakes every thread waiting in [`Clock::sleep_until`], which then looks at the time again. A
/// thread that busy-waits on it spins until the clock is moved.
#[derive(Clone)]
pub struct ManualClock {
    shared: Arc<Manual>,
}

/// The state shared by the clones of one [`ManualClock`].
struct Manual {
    /// The instant the clock started at (time zero).
    start: Instant,
    /// The wall-clock time at time zero.
    wall_start: SystemTime,
    /// Nanoseconds since time zero. Written by whoever moves the clock, read by anyone.
    elapsed_ns: AtomicU64,
    /// Threads inside `sleep_until`, woken when the clock moves. Locked by sleepers and movers
    /// (never by the audio thread).
    sleepers: Mutex<Vec<Thread>>,
    /// How many times a thread began to wait. Written by sleepers, read by tests.
    waits: AtomicU64,
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("elapsed", &self.elapsed())
            .finish_non_exhaustive()
    }
}

impl ManualClock {
    /// A clock at time zero: a monotonic instant taken now, and the wall-clock time
    /// [`MANUAL_WALL_START_UNIX_SECS`].
    pub fn new() -> ManualClock {
        ManualClock {
            shared: Arc::new(Manual {
                start: Instant::now(),
                wall_start: SystemTime::UNIX_EPOCH
                    + Duration::from_secs(MANUAL_WALL_START_UNIX_SECS),
                elapsed_ns: AtomicU64::new(0),
                sleepers: Mutex::new(Vec::new()),
                waits: AtomicU64::new(0),
            }),
        }
    }

    /// The instant of time zero.
    pub fn start(&self) -> Instant {
        self.shared.start
    }

    /// The instant `offset` after time zero.
    pub fn at(&self, offset: Duration) -> Instant {
        self.shared.start + offset
    }

    /// Time since time zero.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.shared.elapsed_ns.load(Ordering::Acquire))
    }

    /// Moves the clock forward by `by` and wakes every waiting thread.
    pub fn advance(&self, by: Duration) {
        self.advance_to(self.now() + by);
    }

    /// Moves the clock to `instant` (never backwards: an earlier instant leaves it where it is)
    /// and wakes every waiting thread.
    pub fn advance_to(&self, instant: Instant) {
        let target = instant.saturating_duration_since(self.shared.start);
        let nanos = u64::try_from(target.as_nanos()).unwrap_or(u64::MAX);
        self.shared.elapsed_ns.fetch_max(nanos, Ordering::AcqRel);
        let sleepers = self.lock_sleepers();
        for sleeper in sleepers.iter() {
            sleeper.unpark();
        }
    }

    /// How many times a thread began to wait on this clock.
    pub fn waits(&self) -> u64 {
        self.shared.waits.load(Ordering::Acquire)
    }

    fn lock_sleepers(&self) -> std::sync::MutexGuard<'_, Vec<Thread>> {
        self.shared
            .sleepers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.shared.start + self.elapsed()
    }

    fn wall_now(&self) -> SystemTime {
        self.shared.wall_start + self.elapsed()
    }

    fn sleep_until(&self, deadline: Instant) {
        if self.now() >= deadline {
            return;
        }
        self.shared.waits.fetch_add(1, Ordering::AcqRel);
        let me = thread::current();
        self.lock_sleepers().push(me.clone());
        // A move between the look above and this park unparked us already: park returns at once.
        if self.now() < deadline {
            thread::park();
        }
        let mut sleepers = self.lock_sleepers();
        if let Some(index) = sleepers.iter().position(|t| t.id() == me.id()) {
            sleepers.swap_remove(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_time_moves_only_when_told_and_never_backwards() {
        let clock = ManualClock::new();
        let zero = clock.now();
        assert_eq!(zero, clock.start());
        assert_eq!(clock.now(), zero);
        clock.advance(Duration::from_micros(1_500));
        assert_eq!(clock.now(), zero + Duration::from_micros(1_500));
        clock.advance_to(zero);
        assert_eq!(clock.now(), zero + Duration::from_micros(1_500));
        assert_eq!(
            clock.wall_now(),
            SystemTime::UNIX_EPOCH
                + Duration::from_secs(MANUAL_WALL_START_UNIX_SECS)
                + Duration::from_micros(1_500)
        );
    }

    #[test]
    fn a_sleeper_wakes_when_the_clock_passes_its_deadline() {
        let clock = ManualClock::new();
        let deadline = clock.at(Duration::from_millis(10));
        let sleeper = {
            let clock = clock.clone();
            thread::spawn(move || {
                while clock.now() < deadline {
                    clock.sleep_until(deadline);
                }
                clock.now()
            })
        };
        while clock.waits() == 0 {
            thread::yield_now();
        }
        clock.advance(Duration::from_millis(4));
        clock.advance(Duration::from_millis(7));
        assert_eq!(sleeper.join().unwrap(), clock.at(Duration::from_millis(11)));
    }

    #[test]
    fn sleeping_until_a_past_deadline_returns_at_once() {
        let clock = ManualClock::new();
        clock.advance(Duration::from_secs(1));
        clock.sleep_until(clock.at(Duration::from_millis(5)));
        assert_eq!(clock.waits(), 0);
        SystemClock.sleep_until(Instant::now());
    }
}
