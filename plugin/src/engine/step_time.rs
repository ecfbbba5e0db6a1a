//! When a step starts in song time as played: its grid position moved by swing and by its own
//! nudge. Hits and modulation-lane values of a step both start here, so a lane value and the
//! step's first hit always share a sample.

use super::pattern::{TrackPattern, MAX_NUDGE_PERCENT};
use super::performance::Performance;

/// Song beat at which song step `index` (counted from beat 0 of the song) of `track` starts,
/// when it plays pattern step `at` (the step the track's direction plays there): its grid
/// position, swing, and the played step's nudge.
pub(crate) fn step_start(
    track: &TrackPattern,
    performance: &Performance,
    index: i64,
    at: usize,
) -> f64 {
    let step_beats = track.rate.beats();
    let step = &track.steps[at.min(super::pattern::MAX_STEPS - 1)];
    let nudge = f64::from(step.nudge.clamp(-MAX_NUDGE_PERCENT, MAX_NUDGE_PERCENT)) / 100.0;
    index as f64 * step_beats + performance.swing_delay(index, step_beats) + nudge * step_beats
}

/// The song step indexes whose hits or values may start in `(after, up_to]`: a step starts
/// between half a step before and two steps after its grid position.
pub(crate) fn candidate_steps(step_beats: f64, after: f64, up_to: f64) -> (i64, i64) {
    let first = ((after - 2.0 * step_beats) / step_beats).floor() as i64;
    let last = ((up_to + 0.5 * step_beats) / step_beats).floor() as i64 + 1;
    (first, last)
}
