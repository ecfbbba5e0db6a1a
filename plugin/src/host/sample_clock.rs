//! Song positions from the host's sample clock, for hosts that round their musical position.
//!
//! A VST3 host passes the position twice: `projectTimeSamples`, a whole number of samples, and
//! `projectTimeMusic`, in quarter notes. Ardour 7 rounds the second to its tick grid (1/1920 of a
//! quarter note, 12.5 samples at 120 BPM and 48 kHz); the first is exact. Taking each block's beat
//! from the rounded value puts notes up to half a tick off their sample, differently in every
//! block. Here the beat comes from the sample clock instead:
//!
//! `beat(p) = anchor beat + (p − anchor sample) · tempo / 60 / rate`
//!
//! on a straight line (one tempo) that is kept for as long as the host's own musical positions
//! agree with it within their rounding: half a tick plus float noise ([`ROUNDING_BEATS`]). Every
//! report narrows the range of anchor beats that agree with all reports so far; a report outside
//! that range is a real jump the line cannot explain (a seek across a tempo change, a tempo
//! change, a new tempo map), and a tempo that differs from the line's starts a new line too.
//! Seeks and loop wraps at the line's tempo stay on the line: at one tempo the sample clock and
//! the beat grid map onto each other the same way everywhere.
//!
//! A new line is anchored on the best estimate of the true beat:
//! - when the line through sample 0 at beat 0 (`p · tempo / 60 / rate`) agrees with the host's
//!   beat within the rounding, that line: it is exact whenever the tempo has been constant since
//!   the song start, which is the case in any song without tempo changes;
//! - otherwise the host's beat itself, marked as an estimate: while later reports narrow the
//!   range of agreeing anchor beats, the anchor moves to the middle of that range, by at most a
//!   quarter of a millisecond per piece so the engine hears no seek. After a tempo change the
//!   notes are evenly spaced from the start and converge on their exact samples.
//!
//! A line that proves wrong (its anchor beat leaves the agreeing range) becomes an estimate and
//! moves the same way. Hosts whose musical position is exact pass every check with their own
//! values, so they keep their positions to within float noise.

/// One tick of the host's musical grid, in beats (Ardour: 1/1920 of a quarter note).
pub const HOST_TICK_BEATS: f64 = 1.0 / 1920.0;
/// Float noise allowed on top of the rounding, in beats (0.024 samples at 120 BPM and 48 kHz).
const FLOAT_NOISE_BEATS: f64 = 1e-6;
/// How far a host's rounded beat may lie from the true beat: half a tick plus float noise.
pub const ROUNDING_BEATS: f64 = HOST_TICK_BEATS / 2.0 + FLOAT_NOISE_BEATS;
/// Largest move of an estimated anchor in one piece, in seconds: well inside the engine's
/// continuity window ([`crate::engine::CONTINUITY_SECONDS`]).
const MAX_REFINE_SECONDS: f64 = 0.000_25;
/// Sample positions further than this from 0 are not used (they stay exact in an `f64`, and the
/// differences of two of them never overflow).
const MAX_SAMPLES: i64 = 1 << 52;
/// Tempos closer than this (relative) are the same tempo.
const SAME_TEMPO: f64 = 1e-9;

/// What the host reports for the first sample of a piece.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockReport {
    /// The sample clock: song position in samples (exact).
    pub samples: i64,
    /// The musical position in beats (may be rounded to the host's tick grid).
    pub beat: f64,
    /// Tempo in BPM.
    pub tempo: f64,
    /// Sample rate in Hz.
    pub sample_rate: f64,
}

impl ClockReport {
    /// Whether every value is usable: finite, in range, tempo and rate positive.
    fn is_usable(&self) -> bool {
        self.samples.unsigned_abs() < MAX_SAMPLES.unsigned_abs()
            && self.beat.is_finite()
            && self.beat.abs() < 1e12
            && self.tempo.is_finite()
            && self.tempo > 0.0
            && self.sample_rate.is_finite()
            && self.sample_rate > 0.0
    }

    fn beats_per_sample(&self) -> f64 {
        self.tempo / 60.0 / self.sample_rate
    }
}

/// A straight line from samples to beats at one tempo.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Line {
    /// The sample the line is anchored at.
    samples: i64,
    /// The beat of `samples`: the estimate the line plays from.
    beat: f64,
    /// Tempo in BPM.
    tempo: f64,
    /// Sample rate in Hz.
    sample_rate: f64,
    /// Lowest anchor beat that agrees with every report since the line started.
    low: f64,
    /// Highest anchor beat that agrees with every report since the line started.
    high: f64,
    /// Whether `beat` is an estimate that follows the middle of `low..=high`.
    estimated: bool,
}

/// Derives song positions from the sample clock. Audio thread only.
#[derive(Debug, Default, Clone)]
pub struct SampleClock {
    line: Option<Line>,
}

impl SampleClock {
    /// Forgets the line (after a reset): the next piece starts a new one.
    pub fn forget(&mut self) {
        self.line = None;
    }

    /// The song position in beats of the sample `report.samples`, or `None` when a reported
    /// value is unusable (not finite, out of range): the caller then passes the host's values on
    /// and the engine decides what to do with them.
    pub fn position(&mut self, report: ClockReport) -> Option<f64> {
        if !report.is_usable() {
            self.line = None;
            return None;
        }
        let beats_per_sample = report.beats_per_sample();
        if let Some(line) = self.line.as_mut().filter(|line| line.fits(&report)) {
            let delta = (report.samples - line.samples) as f64 * beats_per_sample;
            let low = line.low.max(report.beat - delta - ROUNDING_BEATS);
            let high = line.high.min(report.beat - delta + ROUNDING_BEATS);
            if low <= high {
                line.low = low;
                line.high = high;
                if line.estimated || !(low..=high).contains(&line.beat) {
                    line.estimated = true;
                    let step = MAX_REFINE_SECONDS * report.tempo / 60.0;
                    line.beat += ((low + high) / 2.0 - line.beat).clamp(-step, step);
                }
                return Some(line.beat + delta);
            }
        }
        let from_zero = report.samples as f64 * beats_per_sample;
        let exact = (from_zero - report.beat).abs() <= ROUNDING_BEATS;
        let beat = if exact { from_zero } else { report.beat };
        self.line = Some(Line {
            samples: report.samples,
            beat,
            tempo: report.tempo,
            sample_rate: report.sample_rate,
            low: report.beat - ROUNDING_BEATS,
            high: report.beat + ROUNDING_BEATS,
            estimated: !exact,
        });
        Some(beat)
    }
}

impl Line {
    /// Whether a report at this tempo and rate can lie on the line.
    fn fits(&self, report: &ClockReport) -> bool {
        (self.tempo - report.tempo).abs() <= SAME_TEMPO * report.tempo
            && self.sample_rate == report.sample_rate
    }
}

/// The loop as the engine should take it in a piece whose first sample is at `start_beat` and
/// whose sample after the last is at `end_beat` (both from the sample clock). The host rounds
/// its loop points like its positions; a loop end within that rounding of the piece's end is the
/// piece's end (for a host that splits its cycle at the loop end, a rounded end a few samples
/// early would wrap the loop too soon), and a loop start within the rounding of the piece's start
/// is the piece's start (the piece after such a split starts on the loop start). Ardour does not
/// split the plugin's cycle at the loop end when the track has latency: its cycle runs over the
/// loop end and the engine wraps on the rounded points (`docs/TIMING.md`).
pub fn snap_loop((loop_start, loop_end): (f64, f64), start_beat: f64, end_beat: f64) -> (f64, f64) {
    let snap = |point: f64, exact: f64| {
        if (point - exact).abs() <= ROUNDING_BEATS {
            exact
        } else {
            point
        }
    };
    (snap(loop_start, start_beat), snap(loop_end, end_beat))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: f64 = 48_000.0;

    /// The beat Ardour reports for `samples` at `tempo` from a constant tempo since beat 0:
    /// the exact beat rounded to the nearest tick.
    fn ardour_beat(samples: f64, tempo: f64) -> f64 {
        (samples * tempo / 60.0 / RATE / HOST_TICK_BEATS).round() * HOST_TICK_BEATS
    }

    fn report(samples: i64, beat: f64, tempo: f64) -> ClockReport {
        ClockReport {
            samples,
            beat,
            tempo,
            sample_rate: RATE,
        }
    }

    fn assert_beat(got: Option<f64>, expected: f64) {
        let got = got.expect("a position");
        assert!(
            (got - expected).abs() < 1e-9,
            "got {got}, expected {expected}"
        );
    }

    #[test]
    fn rounded_positions_at_a_constant_tempo_come_out_exact() {
        for tempo in [90.0, 120.0, 137.0] {
            let mut clock = SampleClock::default();
            for block in 0..2_000_i64 {
                let samples = 12_345 + block * 512;
                let exact = samples as f64 * tempo / 60.0 / RATE;
                let reported = ardour_beat(samples as f64, tempo);
                assert_beat(clock.position(report(samples, reported, tempo)), exact);
            }
        }
    }

    #[test]
    fn seeks_and_loop_wraps_at_one_tempo_stay_exact() {
        let mut clock = SampleClock::default();
        let tempo = 137.0;
        let at = |samples: i64| report(samples, ardour_beat(samples as f64, tempo), tempo);
        let exact = |samples: i64| samples as f64 * tempo / 60.0 / RATE;
        for samples in [24_000, 24_512, 61_000, 24_000, 96_017, 3, 61_499] {
            assert_beat(clock.position(at(samples)), exact(samples));
        }
    }

    #[test]
    fn the_host_beat_is_used_when_it_is_exact() {
        // A host whose musical position is exact and not counted from sample 0 (a song start
        // offset): its own values come through.
        let mut clock = SampleClock::default();
        for block in 0..100_i64 {
            let samples = block * 480;
            let beat = 7.123_456 + samples as f64 * 2.0 / RATE;
            assert_beat(clock.position(report(samples, beat, 120.0)), beat);
        }
    }

    #[test]
    fn after_a_tempo_change_notes_are_evenly_spaced_and_converge_on_the_true_beat() {
        // 120 BPM from the start to beat 16 (sample 384,000), then 137 BPM: the line through
        // sample 0 no longer fits, so the host's rounded beat starts an estimated line.
        let mut clock = SampleClock::default();
        let change = 384_000_i64;
        let true_beat = |samples: i64| 16.0 + (samples - change) as f64 * 137.0 / 60.0 / RATE;
        let rounded =
            |samples: i64| (true_beat(samples) / HOST_TICK_BEATS).round() * HOST_TICK_BEATS;
        let mut previous: Option<(i64, f64)> = None;
        let mut last_error = f64::MAX;
        for block in 0..400_i64 {
            let samples = change + 100 + block * 512;
            let got = clock
                .position(report(samples, rounded(samples), 137.0))
                .expect("a position");
            let error = (got - true_beat(samples)).abs();
            assert!(
                error <= ROUNDING_BEATS,
                "block {block}: off by {error} beats"
            );
            if let Some((previous_samples, previous_beat)) = previous {
                // Consecutive pieces continue each other within the engine's continuity.
                let expected =
                    previous_beat + (samples - previous_samples) as f64 * 137.0 / 60.0 / RATE;
                assert!((got - expected).abs() <= MAX_REFINE_SECONDS * 137.0 / 60.0 + 1e-12);
            }
            previous = Some((samples, got));
            last_error = error;
        }
        // After 400 blocks the estimate is far inside one sample (0.0014 beats at 137 BPM).
        let one_sample = 137.0 / 60.0 / RATE;
        assert!(
            last_error < one_sample / 4.0,
            "still {last_error} beats off"
        );
    }

    #[test]
    fn a_tempo_change_starts_a_new_line_and_the_old_tempo_comes_back_exact() {
        let mut clock = SampleClock::default();
        let at =
            |samples: i64, tempo: f64| report(samples, ardour_beat(samples as f64, tempo), tempo);
        assert_beat(clock.position(at(48_000, 120.0)), 2.0);
        // A different tempo from the start (the tempo map was edited): the line through 0 fits.
        assert_beat(clock.position(at(48_512, 90.0)), 48_512.0 * 1.5 / RATE);
        assert_beat(clock.position(at(49_024, 120.0)), 49_024.0 * 2.0 / RATE);
    }

    #[test]
    fn unusable_values_pass_nothing() {
        let mut clock = SampleClock::default();
        for bad in [
            report(0, f64::NAN, 120.0),
            report(0, f64::INFINITY, 120.0),
            report(0, 0.0, f64::NAN),
            report(0, 0.0, -120.0),
            report(0, 0.0, 0.0),
            report(i64::MAX, 0.0, 120.0),
            report(i64::MIN, 0.0, 120.0),
            ClockReport {
                sample_rate: f64::NAN,
                ..report(0, 0.0, 120.0)
            },
            ClockReport {
                sample_rate: -48_000.0,
                ..report(0, 0.0, 120.0)
            },
        ] {
            assert_eq!(clock.position(bad), None, "{bad:?}");
        }
        // Huge but usable positions work, and a jump from one extreme to the other does not
        // overflow.
        let far = MAX_SAMPLES - 1;
        let beat = far as f64 * 2.0 / RATE;
        assert_beat(clock.position(report(far, beat, 120.0)), beat);
        assert_beat(clock.position(report(-far, -beat, 120.0)), -beat);
    }

    #[test]
    fn loop_points_within_the_rounding_snap_to_the_piece_edges() {
        // Loop [24003, 61507) samples at 137 BPM: Ardour's loop beats are rounded like positions.
        let tempo = 137.0;
        let beat = |samples: f64| samples * tempo / 60.0 / RATE;
        let reported = (ardour_beat(24_003.0, tempo), ardour_beat(61_507.0, tempo));
        assert!(reported.0 != beat(24_003.0) && reported.1 != beat(61_507.0));
        // The piece that ends at the loop end.
        let (_, end) = snap_loop(reported, beat(61_000.0), beat(61_507.0));
        assert_eq!(end, beat(61_507.0));
        // The piece after the wrap.
        let (start, end) = snap_loop(reported, beat(24_003.0), beat(24_515.0));
        assert_eq!(start, beat(24_003.0));
        assert_eq!(end, reported.1);
        // Far from the edges the host's points stay.
        assert_eq!(
            snap_loop(reported, beat(40_000.0), beat(40_512.0)),
            reported
        );
    }
}
