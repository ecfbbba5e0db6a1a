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

/// Calls `visit(index, at, start)` for the song steps `index` of track `track_index` (in a
/// pattern with `seed`) whose start or hits may fall in `(after, up_to]`, where `at` is the
/// pattern step the track's direction plays there and `start` its start as played
/// ([`step_start`]). A step's hits last at most `reach` steps after its start (its ratchets;
/// 0 for a lane value, which goes out at the start). Steps that cannot reach the window are
/// left out before their position is computed: a step starts at most half a step (its nudge)
/// either side of its grid line moved by swing.
pub(crate) fn steps_in_window(
    track: &TrackPattern,
    performance: &Performance,
    (track_index, seed): (usize, u32),
    (after, up_to): (f64, f64),
    reach: f64,
    mut visit: impl FnMut(i64, usize, f64),
) {
    let step_beats = track.rate.beats();
    let (first, last) = candidate_steps(step_beats, after, up_to);
    let early = (0.5 + PRUNE_MARGIN) * step_beats;
    let late = (0.5 + reach + PRUNE_MARGIN) * step_beats;
    for index in first..=last {
        let grid = index as f64 * step_beats + performance.swing_delay(index, step_beats);
        if grid + late <= after || grid - early > up_to {
            continue;
        }
        let at = track
            .direction
            .position(index, track.length, seed, track_index);
        visit(index, at, step_start(track, performance, index, at));
    }
}

/// Slack, in steps, on the bounds [`steps_in_window`] prunes with: far above float noise, far
/// below a step.
const PRUNE_MARGIN: f64 = 0.01;

/// The song step indexes whose hits or values may start in `(after, up_to]`: a step starts
/// between half a step before and two steps after its grid position.
fn candidate_steps(step_beats: f64, after: f64, up_to: f64) -> (i64, i64) {
    let first = ((after - 2.0 * step_beats) / step_beats).floor() as i64;
    let last = ((up_to + 0.5 * step_beats) / step_beats).floor() as i64 + 1;
    (first, last)
}
