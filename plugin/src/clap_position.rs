//! Repairs the song position nice-plug 0.4.2 reports after a mid-buffer CLAP transport event.
//!
//! With sample-accurate automation the CLAP wrapper splits the host buffer at parameter and
//! transport events and, for every sub-block that starts at offset `j > 0`, reports
//! `position = event position + j · tempo / 60 / rate`. That is right when the position comes
//! from the buffer's own transport (sample 0), but a `CLAP_EVENT_TRANSPORT` at offset `e` already
//! describes sample `e`, so every later sub-block in that buffer is `e` samples' worth ahead —
//! a loop wrap inside a buffer would lose its downbeat and the next buffer would replay steps.
//!
//! The plugin cannot see `j` or `e`, but it can see where each sub-block's audio lives: the
//! wrapper hands out slices of the host's buffer, so a sub-block whose first channel starts where
//! the previous one ended continues the same host buffer. From that it knows `j`, and from the
//! reported position it tells apart the three cases:
//! - the position continues the previous sub-block: a parameter split, nothing to repair;
//! - it continues the previous one once the last event's offset `e` is taken off: a parameter
//!   split after a transport event, take `e` off;
//! - neither: a transport event at `j` itself, take `j` off and remember `e = j`.
//!
//! The repair is a no-op for hosts that never send mid-buffer transport events, and it is only
//! applied to the CLAP wrapper (VST3 positions are always relative to sample 0).

/// Positions closer than this many beats count as equal.
const SAME_POSITION_BEATS: f64 = 1e-6;

/// Tracks sub-blocks of one host buffer and repairs their reported positions.
#[derive(Debug, Default)]
pub struct ClapPositionRepair {
    /// Address one past the previous sub-block's first channel, or 0 when unknown.
    next_address: usize,
    /// Offset in the host buffer that a continuing sub-block starts at.
    next_offset: usize,
    /// Offset in the host buffer of the transport event the wrapper's positions are based on.
    event_offset: usize,
    /// Repaired position where the previous sub-block ended.
    expected_beat: Option<f64>,
    /// Largest host buffer, from the activation.
    max_buffer: usize,
}

impl ClapPositionRepair {
    /// A tracker for host buffers of at most `max_buffer` samples.
    pub fn new(max_buffer: usize) -> Self {
        ClapPositionRepair {
            max_buffer,
            ..ClapPositionRepair::default()
        }
    }

    /// Forgets the host buffer in progress (after reset or a gap in processing).
    pub fn forget(&mut self) {
        *self = ClapPositionRepair::new(self.max_buffer);
    }

    /// The true position of sample 0 of a sub-block of `len` samples whose first output channel
    /// starts at `address`, given the `reported` position, the tempo and the sample rate.
    pub fn repair(
        &mut self,
        address: usize,
        len: usize,
        reported: f64,
        tempo: f64,
        sample_rate: f64,
    ) -> f64 {
        let beats_per_sample = tempo / 60.0 / sample_rate;
        let continues_buffer = address != 0
            && address == self.next_address
            && self.next_offset + len <= self.max_buffer;
        let near_expected = |beat: f64| matches!(self.expected_beat, Some(e) if (e - beat).abs() <= SAME_POSITION_BEATS);
        let mut offset = if continues_buffer {
            self.next_offset
        } else {
            0
        };

        let repaired = if offset == 0 {
            self.event_offset = 0;
            reported
        } else if near_expected(reported - self.event_offset as f64 * beats_per_sample) {
            reported - self.event_offset as f64 * beats_per_sample
        } else if near_expected(reported) {
            // Only a new host buffer that happens to sit right after the last one in memory gets
            // here: its position is exact.
            offset = 0;
            self.event_offset = 0;
            reported
        } else {
            self.event_offset = offset;
            reported - offset as f64 * beats_per_sample
        };

        self.next_address = address.wrapping_add(len * std::mem::size_of::<f32>());
        self.next_offset = offset + len;
        self.expected_beat = Some(repaired + len as f64 * beats_per_sample);
        repaired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: f64 = 48_000.0;
    const TEMPO: f64 = 120.0;
    const BEATS_PER_SAMPLE: f64 = TEMPO / 60.0 / RATE;

    /// What nice-plug reports for a sub-block at `offset` whose transport came from an event at
    /// `event_offset` with position `event_beat`.
    fn reported(event_beat: f64, offset: usize) -> f64 {
        event_beat + offset as f64 * BEATS_PER_SAMPLE
    }

    #[test]
    fn parameter_splits_pass_through() {
        let mut repair = ClapPositionRepair::new(512);
        let base = 1000;
        assert_eq!(repair.repair(base, 100, 2.0, TEMPO, RATE), 2.0);
        let second = repair.repair(base + 400, 412, reported(2.0, 100), TEMPO, RATE);
        assert!((second - reported(2.0, 100)).abs() < 1e-12);
    }

    #[test]
    fn a_mid_buffer_loop_wrap_is_repaired() {
        let mut repair = ClapPositionRepair::new(512);
        let base = 1000;
        // Buffer at beat 3.99, the loop (0..4 beats) wraps at sample 240 back to beat 0.
        assert_eq!(repair.repair(base, 240, 3.99, TEMPO, RATE), 3.99);
        let wrapped = repair.repair(base + 960, 100, reported(0.0, 240), TEMPO, RATE);
        assert!(wrapped.abs() < 1e-12, "got {wrapped}");
        // A parameter split later in the same buffer keeps the event's base.
        let later = repair.repair(base + 1360, 172, reported(0.0, 340), TEMPO, RATE);
        assert!(
            (later - 100.0 * BEATS_PER_SAMPLE).abs() < 1e-12,
            "got {later}"
        );
        // The next host buffer reuses the same memory and reports sample 0 exactly.
        let next = repair.repair(base, 512, 272.0 * BEATS_PER_SAMPLE, TEMPO, RATE);
        assert!((next - 272.0 * BEATS_PER_SAMPLE).abs() < 1e-12);
    }

    #[test]
    fn a_new_buffer_right_after_the_last_in_memory_is_taken_as_exact() {
        let mut repair = ClapPositionRepair::new(4096);
        let base = 1000;
        repair.repair(base, 240, 3.99, TEMPO, RATE);
        repair.repair(base + 960, 272, reported(0.0, 240), TEMPO, RATE);
        let exact = 272.0 * BEATS_PER_SAMPLE;
        let next = repair.repair(base + 2048, 512, exact, TEMPO, RATE);
        assert!((next - exact).abs() < 1e-12, "got {next}");
    }
}
