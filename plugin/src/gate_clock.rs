//! Wall-clock instants of samples, for scheduling OSC gates.
//!
//! A gate is due when its sample would be heard if the DAW's audio left one host buffer after the
//! `process` call that made it: `due = wall time of the host buffer's call + (offset in the host
//! buffer + event offset) / rate + one buffer + the user's delay`. The pieces nice-plug splits a
//! host buffer into all count from the call for the first piece, so sample-accurate automation
//! does not shift the gates.

use std::time::{Duration, Instant};

use crate::host_buffer::HostBufferTracker;

/// Maps the samples of each `process` call to wall-clock instants. Audio thread only.
#[derive(Debug)]
pub struct GateClock {
    /// Where each piece sits in its host buffer.
    buffer: HostBufferTracker,
    /// When the current host buffer's first piece was processed.
    buffer_call: Option<Instant>,
    /// Samples per second.
    sample_rate: f64,
    /// Time from a call to when its buffer is heard: one host buffer.
    lead: Duration,
}

impl GateClock {
    /// A clock for `sample_rate` and host buffers of at most `max_buffer` samples.
    pub fn new(sample_rate: f64, max_buffer: usize) -> Self {
        GateClock {
            buffer: HostBufferTracker::new(max_buffer),
            buffer_call: None,
            sample_rate,
            lead: Duration::from_secs_f64(max_buffer as f64 / sample_rate),
        }
    }

    /// The instant at which sample 0 of a piece of `len` samples starting at `address` is due,
    /// given the wall time `now` of this call. A piece continues the host buffer only when its
    /// audio continues the previous piece's and it comes well before the buffer's audio would
    /// have played out, so a new host buffer that happens to follow in memory starts afresh.
    pub fn piece_start(&mut self, address: usize, len: usize, now: Instant) -> Instant {
        let offset = self.buffer.locate(address, len);
        let into_buffer = Duration::from_secs_f64(offset as f64 / self.sample_rate);
        match self.buffer_call {
            Some(call) if offset > 0 && now.saturating_duration_since(call) < into_buffer / 2 => {
                call + into_buffer + self.lead
            }
            _ => {
                self.buffer.restart(len);
                self.buffer_call = Some(now);
                now + self.lead
            }
        }
    }

    /// The instant of `offset` samples after `start`.
    pub fn after(&self, start: Instant, offset: u32) -> Instant {
        start + Duration::from_secs_f64(f64::from(offset) / self.sample_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_one_buffer_count_from_its_call() {
        let mut clock = GateClock::new(48_000.0, 480);
        let lead = Duration::from_millis(10);
        let call = Instant::now();
        assert_eq!(clock.piece_start(4000, 240, call), call + lead);
        let second = clock.piece_start(4960, 240, call + Duration::from_micros(20));
        assert_eq!(second, call + Duration::from_millis(5) + lead);
        assert_eq!(
            clock.after(second, 48),
            call + Duration::from_millis(6) + lead
        );
    }

    #[test]
    fn a_later_buffer_in_the_next_memory_starts_afresh() {
        let mut clock = GateClock::new(48_000.0, 960);
        let call = Instant::now();
        clock.piece_start(4000, 480, call);
        let later = call + Duration::from_millis(10);
        assert_eq!(
            clock.piece_start(5920, 480, later),
            later + Duration::from_millis(20)
        );
    }
}
