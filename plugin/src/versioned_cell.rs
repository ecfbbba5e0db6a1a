//! A value shared between non-real-time threads, with a version number that readers poll to
//! learn of changes without taking the lock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// A value behind a short lock, and a version bumped on every change.
#[derive(Debug, Default)]
pub struct VersionedCell<T> {
    /// The current value. Locked briefly by the threads that read or replace it (GUI, OSC-in,
    /// the host's state thread, the OSC sidecar); never by the audio thread during playback.
    value: Mutex<T>,
    /// Bumped after every change. Written by setters, polled by readers.
    version: AtomicU64,
}

impl<T: Clone> VersionedCell<T> {
    /// A cell holding `value`.
    pub fn new(value: T) -> VersionedCell<T> {
        VersionedCell {
            value: Mutex::new(value),
            version: AtomicU64::new(0),
        }
    }

    /// A copy of the current value. May allocate.
    pub fn get(&self) -> T {
        self.value
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the value and bumps the version.
    pub fn set(&self, value: T) {
        *self.value.lock().unwrap_or_else(PoisonError::into_inner) = value;
        self.version.fetch_add(1, Ordering::Release);
    }

    /// Changes the value in place (one lock), then bumps the version.
    pub fn update(&self, change: impl FnOnce(&mut T)) {
        change(&mut self.value.lock().unwrap_or_else(PoisonError::into_inner));
        self.version.fetch_add(1, Ordering::Release);
    }

    /// How many times the value was changed.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_bumps_the_version() {
        let cell = VersionedCell::new(1);
        assert_eq!((cell.get(), cell.version()), (1, 0));
        cell.set(2);
        cell.update(|value| *value += 1);
        assert_eq!((cell.get(), cell.version()), (3, 2));
    }
}
