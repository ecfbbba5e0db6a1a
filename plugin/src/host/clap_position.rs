//! Repairs the song position nice-plug 0.4.2 reports after a mid-buffer CLAP transport event.
//!
//! With sample-accurate automation the CLAP wrapper splits the host buffer at parameter and
//! transport events and, for every sub-block that starts at offset `j > 0`, reports
//! `position = event position + j · tempo / 60 / rate`. That is right when the position comes
//! from the buffer's own transport (sample 0), but a `CLAP_EVENT_TRANSPORT` at offset `e` already
//! describes sample `e`, so every later sub-block in that buffer is `e` samples' worth ahead —
//! a loop wrap inside a buffer would lose its downbeat and the next buffer would replay steps.
//!
//! The plugin cannot see `j` or `e`, but the host buffer locator ([`super::buffer`]) knows each
//! piece's offset in its host buffer. A host that splits its own buffer (Reaper, at the loop end)
//! calls again with the rest of the same buffer and an exact position, so `j` counts from the
//! start of the piece that began the current CLAP call, and the reported position decides, in
//! this order:
//! - it continues the previous sub-block once the last event's offset `e` is taken off (`e` is 0
//!   until an event is seen): a parameter split, take `e` off;
//! - it continues the previous sub-block as reported: a new host buffer, exact;
//! - it continues the previous sub-block once `j` is taken off: a transport event at `j` that
//!   restates the position (a tempo change), take `j` off and remember `e = j`;
//! - it is the active loop's start as reported (or less than one sample past it, where the loop
//!   is not a whole number of samples long): a host-split loop wrap, exact;
//! - it is the loop start (within that sample) once `j` is taken off: a transport event at the
//!   loop wrap (Bitwig), take `j` off and remember `e = j`;
//! - anything else is taken as exact: a seek. (A seek sent as a transport event inside a buffer
//!   cannot be told from a host-split seek; such positions stay `j` samples ahead until the next
//!   host buffer, as the framework reports them.)
//!
//! The repair is a no-op for hosts that never send mid-buffer transport events, and it is only
//! applied to the CLAP wrapper (VST3 positions are always relative to sample 0).

/// Positions closer than this many beats count as equal.
const SAME_POSITION_BEATS: f64 = 1e-6;

/// Repairs the reported positions of the sub-blocks of one CLAP call. Audio thread only.
#[derive(Debug, Default)]
pub struct ClapPositionRepair {
    /// Offset in the host buffer of the piece that began the current CLAP call.
    call_start: usize,
    /// Offset in the CLAP call of the transport event the wrapper's positions are based on.
    event_offset: usize,
    /// Repaired position where the previous sub-block ended.
    expected_beat: Option<f64>,
}

impl ClapPositionRepair {
    /// Forgets the call in progress (after reset or a gap in processing).
    pub fn forget(&mut self) {
        *self = ClapPositionRepair::default();
    }

    /// The true position of sample 0 of a sub-block of `len` samples at `in_buffer` samples into
    /// its host buffer, given the `reported` position, the tempo, the sample rate and the start
    /// of the active loop. Every value in `reported` must be finite, tempo and rate positive.
    pub fn repair(&mut self, in_buffer: usize, len: usize, reported: Reported) -> f64 {
        let beats_per_sample = reported.tempo / 60.0 / reported.sample_rate;
        if in_buffer == 0 || in_buffer < self.call_start {
            self.call_start = 0;
        }
        let offset = in_buffer - self.call_start;
        let position = reported.position;
        let event_shift = self.event_offset as f64 * beats_per_sample;
        let offset_shift = offset as f64 * beats_per_sample;
        let expected = self.expected_beat;
        let continues = |beat: f64| matches!(expected, Some(e) if same(e, beat));
        // The first sample after a wrap lies up to one sample past the loop start when the loop
        // is not a whole number of samples long.
        let is_loop_start = |beat: f64| {
            matches!(reported.loop_start, Some(s)
                if beat - s >= -SAME_POSITION_BEATS && beat - s < beats_per_sample - SAME_POSITION_BEATS)
        };

        // Each case gives the repaired position and, if the sub-block continues the host buffer,
        // the offset of the transport event its position is based on.
        let (repaired, same_buffer_event) = if offset == 0 {
            (position, None)
        } else if continues(position - event_shift) {
            (position - event_shift, Some(self.event_offset))
        } else if continues(position) {
            (position, None)
        } else if continues(position - offset_shift) {
            (position - offset_shift, Some(offset))
        } else if is_loop_start(position) {
            (position, None)
        } else if is_loop_start(position - offset_shift) {
            (position - offset_shift, Some(offset))
        } else {
            (position, None)
        };
        match same_buffer_event {
            Some(event_offset) => self.event_offset = event_offset,
            None => {
                // This piece begins a CLAP call of its own: later offsets count from here.
                self.event_offset = 0;
                self.call_start = in_buffer;
            }
        }
        self.expected_beat = Some(repaired + len as f64 * beats_per_sample);
        repaired
    }
}

/// The transport of a sub-block as nice-plug reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reported {
    /// Reported song position of sample 0, in beats.
    pub position: f64,
    /// Tempo in BPM.
    pub tempo: f64,
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// Start of the active loop in beats, if a loop is active.
    pub loop_start: Option<f64>,
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= SAME_POSITION_BEATS
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: f64 = 48_000.0;
    const TEMPO: f64 = 120.0;
    const BEATS_PER_SAMPLE: f64 = TEMPO / 60.0 / RATE;
    /// A piece at `offset` samples into its host buffer.
    fn at(offset: usize) -> usize {
        offset
    }

    fn report(position: f64, loop_start: Option<f64>) -> Reported {
        Reported {
            position,
            tempo: TEMPO,
            sample_rate: RATE,
            loop_start,
        }
    }

    /// What nice-plug reports for a sub-block at `offset` whose transport came from an event
    /// with position `event_beat`.
    fn shifted(event_beat: f64, offset: usize) -> f64 {
        event_beat + offset as f64 * BEATS_PER_SAMPLE
    }

    fn assert_beat(got: f64, expected: f64) {
        assert!(
            (got - expected).abs() < 1e-12,
            "got {got}, expected {expected}"
        );
    }

    #[test]
    fn parameter_splits_pass_through() {
        let mut repair = ClapPositionRepair::default();
        assert_beat(repair.repair(at(0), 100, report(2.0, None)), 2.0);
        let second = repair.repair(at(100), 412, report(shifted(2.0, 100), None));
        assert_beat(second, shifted(2.0, 100));
    }

    #[test]
    fn a_transport_event_at_a_loop_wrap_is_repaired() {
        let mut repair = ClapPositionRepair::default();
        let looped = Some(0.0);
        // Buffer at beat 3.99, the loop (0..4 beats) wraps at sample 240 back to beat 0.
        assert_beat(repair.repair(at(0), 240, report(3.99, looped)), 3.99);
        let wrapped = repair.repair(at(240), 100, report(shifted(0.0, 240), looped));
        assert_beat(wrapped, 0.0);
        // A parameter split later in the same buffer keeps the event's base.
        let later = repair.repair(at(340), 172, report(shifted(0.0, 340), looped));
        assert_beat(later, 100.0 * BEATS_PER_SAMPLE);
        // The next host buffer reuses the same memory and reports sample 0 exactly.
        let next = repair.repair(at(0), 512, report(272.0 * BEATS_PER_SAMPLE, looped));
        assert_beat(next, 272.0 * BEATS_PER_SAMPLE);
    }

    #[test]
    fn a_wrap_event_a_fraction_of_a_sample_past_the_loop_start_is_repaired() {
        let mut repair = ClapPositionRepair::default();
        let looped = Some(1.0);
        // The loop end falls between samples 240 and 241 of the buffer: the host reports sample
        // 241, 0.37 samples past the loop start.
        let past = 1.0 + 0.37 * BEATS_PER_SAMPLE;
        repair.repair(at(0), 241, report(3.0 - 240.63 * BEATS_PER_SAMPLE, looped));
        let wrapped = repair.repair(at(241), 100, report(shifted(past, 241), looped));
        assert_beat(wrapped, past);
        let later = repair.repair(at(341), 171, report(shifted(past, 341), looped));
        assert_beat(later, past + 100.0 * BEATS_PER_SAMPLE);
    }

    #[test]
    fn a_transport_event_restating_the_position_is_repaired() {
        let mut repair = ClapPositionRepair::default();
        repair.repair(at(0), 200, report(8.0, None));
        // A tempo change at sample 200: the event says beat 8 + 200 samples; nice-plug adds 200
        // samples more at the new tempo.
        let event_beat = 8.0 + 200.0 * BEATS_PER_SAMPLE;
        let faster = Reported {
            tempo: 150.0,
            ..report(event_beat + 200.0 * 150.0 / 60.0 / RATE, None)
        };
        assert_beat(repair.repair(at(200), 312, faster), event_beat);
    }

    #[test]
    fn a_host_split_at_the_loop_end_is_exact() {
        let mut repair = ClapPositionRepair::default();
        let looped = Some(0.0);
        // The host splits its own 512-sample buffer at the loop end, 256 samples in, and calls
        // again with the second half of the same memory and the exact loop start.
        repair.repair(at(0), 256, report(4.0 - 256.0 * BEATS_PER_SAMPLE, looped));
        assert_beat(repair.repair(at(256), 256, report(0.0, looped)), 0.0);
        let next = repair.repair(at(0), 512, report(256.0 * BEATS_PER_SAMPLE, looped));
        assert_beat(next, 256.0 * BEATS_PER_SAMPLE);
    }

    #[test]
    fn a_new_buffer_right_after_the_last_in_memory_is_taken_as_exact() {
        let mut repair = ClapPositionRepair::default();
        let looped = Some(0.0);
        repair.repair(at(0), 240, report(3.99, looped));
        repair.repair(at(240), 272, report(shifted(0.0, 240), looped));
        let exact = 272.0 * BEATS_PER_SAMPLE;
        assert_beat(repair.repair(at(512), 512, report(exact, looped)), exact);
    }

    #[test]
    fn a_seek_is_taken_as_exact() {
        let mut repair = ClapPositionRepair::default();
        repair.repair(at(0), 240, report(3.0, None));
        assert_beat(repair.repair(at(240), 100, report(17.25, None)), 17.25);
    }
}
