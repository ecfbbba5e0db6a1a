//! Wall-clock instants of samples, for scheduling OSC gates.
//!
//! A gate is due when its sample would be heard if the DAW's audio left one host buffer after the
//! `process` call that made it: `due = wall time of the host buffer's call + (offset in the host
//! buffer + event offset) / rate + one buffer + the user's delay`. The pieces nice-plug splits a
//! host buffer into all count from the call for the first piece (the host adapter,
//! [`crate::host`], says which host buffer a piece is from and where in it), so sample-accurate
//! automation does not shift the gates.

use std::time::{Duration, Instant};

use crate::host::Piece;

/// Maps the samples of each piece to wall-clock instants.
#[derive(Debug, Clone, Copy)]
pub struct GateClock {
    /// Samples per second.
    sample_rate: f64,
    /// Time from a call to when its buffer is heard: one host buffer.
    lead: Duration,
}

impl GateClock {
    /// A clock for `sample_rate` (checked at activation) and host buffers of at most
    /// `max_buffer` samples.
    pub fn new(sample_rate: f64, max_buffer: usize) -> Self {
        GateClock {
            sample_rate,
            lead: seconds(max_buffer as f64 / sample_rate),
        }
    }

    /// The instant at which sample 0 of `piece` is due.
    pub fn piece_start(&self, piece: &Piece) -> Instant {
        piece.buffer_call + seconds(piece.offset as f64 / self.sample_rate) + self.lead
    }

    /// The instant of `offset` samples after `start`.
    pub fn after(&self, start: Instant, offset: u32) -> Instant {
        start + seconds(f64::from(offset) / self.sample_rate)
    }
}

/// `value` seconds; zero for anything that is not a finite, non-negative, representable time.
fn seconds(value: f64) -> Duration {
    Duration::try_from_secs_f64(value).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::transport::BlockTransport;

    fn piece(offset: usize, buffer_call: Instant) -> Piece {
        Piece {
            buffer: 1,
            offset,
            len: 240,
            buffer_call,
            sample_rate: 48_000.0,
            transport: BlockTransport::default(),
        }
    }

    #[test]
    fn pieces_of_one_buffer_count_from_its_call() {
        let clock = GateClock::new(48_000.0, 480);
        let lead = Duration::from_millis(10);
        let call = Instant::now();
        assert_eq!(clock.piece_start(&piece(0, call)), call + lead);
        let second = clock.piece_start(&piece(240, call));
        assert_eq!(second, call + Duration::from_millis(5) + lead);
        assert_eq!(
            clock.after(second, 48),
            call + Duration::from_millis(6) + lead
        );
    }

    #[test]
    fn unusable_rates_give_no_lead_instead_of_panicking() {
        let call = Instant::now();
        for rate in [0.0, -48_000.0, f64::NAN] {
            let clock = GateClock::new(rate, 480);
            assert_eq!(clock.piece_start(&piece(0, call)), call);
        }
    }
}
