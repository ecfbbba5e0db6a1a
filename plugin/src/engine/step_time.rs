//! When a step starts in song time as played: its grid position moved by swing and by its own
//! nudge. Hits and modulation-lane values of a step both start here, so a lane value and the
//! step's first hit always share a sample.

use super::pattern::{TrackPattern, MAX_NUDGE_PERCENT, MAX_STEPS};
use super::performance::Performance;
use super::whole_number::floor_to_int;

/// Calls `visit(index, at, start)` for the song steps `index` (counted from beat 0 of the song)
/// of track `track_index` (in a pattern with `seed`) whose start or hits may fall in
/// `(after, up_to]`, in step order. `at` is the pattern step the track's direction plays there
/// and `start` its start as played: its grid position, swing, and the played step's nudge. A
/// step's hits last at most `reach` steps after its start (its ratchets; 0 for a lane value,
/// which goes out at the start). Steps that cannot reach the window are left out before their
/// position is computed: a step starts at most half a step (its nudge) either side of its grid
/// line moved by swing. Never allocates.
pub(crate) fn steps_in_window(
    track: &TrackPattern,
    performance: &Performance,
    (track_index, seed): (usize, u32),
    (after, up_to): (f64, f64),
    reach: f64,
    mut visit: impl FnMut(i64, usize, f64),
) {
    let step_beats = track.rate.beats();
    let steps_per_beat = track.rate.steps_per_beat();
    // Swing delays the odd steps of the song by the same amount.
    let odd_delay = performance.odd_step_delay(step_beats);
    let early = (0.5 + PRUNE_MARGIN) * step_beats;
    let late = (0.5 + reach + PRUNE_MARGIN) * step_beats;
    // The bounds below, with swing anywhere from none to the odd steps' delay.
    let first = floor_to_int((after - late - odd_delay) * steps_per_beat);
    let end = floor_to_int((up_to + early) * steps_per_beat).saturating_add(1);
    let mut walk = track.direction.walk(first, track.length, seed, track_index);
    let mut index = first;
    while index < end {
        let swing = if index & 1 == 1 { odd_delay } else { 0.0 };
        let grid = index as f64 * step_beats + swing;
        if grid + late > after && grid - early <= up_to {
            let at = walk.position();
            let step = &track.steps[at.min(MAX_STEPS - 1)];
            let nudge_percent = step.nudge.clamp(-MAX_NUDGE_PERCENT, MAX_NUDGE_PERCENT);
            let start = if nudge_percent == 0 {
                grid
            } else {
                grid + f64::from(nudge_percent) / 100.0 * step_beats
            };
            visit(index, at, start);
        }
        walk.advance();
        index += 1;
    }
}

/// Slack, in steps, on the bounds [`steps_in_window`] prunes with: far above float noise, far
/// below a step.
const PRUNE_MARGIN: f64 = 0.01;
