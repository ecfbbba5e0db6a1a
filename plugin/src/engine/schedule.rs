//! Where the hits of a track fall in song time: step grid, swing, nudge, ratchets, probability.
//!
//! Step `k` of a track with step length `L` beats nominally starts at `k·L`, counted from beat 0
//! of the song, so polymeter and phase follow from the host position alone.

use super::condition::Occasion;
use super::euclid::{euclid_hit, euclid_mask};
use super::lanes::{self, LaneHit};
use super::pattern::{TrackPattern, MAX_RATCHET};
use super::performance::Performance;
use super::step_time::steps_in_window;

/// One hit of a step, before it is placed on a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hit {
    /// Song beat of the note-on.
    pub beat: f64,
    /// Song beat of the note-off.
    pub off_beat: f64,
    /// MIDI velocity, 1–127.
    pub velocity: u8,
    /// The step's own MIDI note, if it has one.
    pub note: Option<u8>,
    /// The step's index counted from beat 0 of the song (for note cycles).
    pub step_index: i64,
}

/// Calls `emit` with every hit of `track` whose beat lies in `(after, up_to]`, in step order,
/// and `on_lane` with the lane values of every step that starts there (before the step's
/// hits; see [`lanes::values_of_step`]). Hits and values before beat 0 (pre-roll) never play.
/// The track plays its steps in its direction, and a step's trig condition is decided by
/// `occasion`.
pub(crate) fn hits_in_window(
    track_index: usize,
    track: &TrackPattern,
    performance: &Performance,
    occasion: &Occasion,
    (after, up_to): (f64, f64),
    mut on_lane: impl FnMut(LaneHit),
    mut emit: impl FnMut(Hit),
) {
    if up_to <= after || up_to < 0.0 {
        return;
    }
    let step_beats = track.rate.beats();
    let length = i64::from(track.length.clamp(1, super::pattern::MAX_STEPS as u8));
    let controls = &performance.tracks[track_index];
    let euclid = track.euclid.then(|| {
        euclid_mask(
            controls.euclid_pulses,
            length as u8,
            controls.euclid_rotation,
        )
    });
    let plays_at = |at: usize| match euclid {
        Some(mask) => euclid_hit(mask, at),
        None => track.steps[at].on,
    };
    let seed = occasion.pattern().seed;
    let window = (after, up_to);
    // A step's last ratchet starts less than one step after the step.
    let reach = 1.0;
    steps_in_window(
        track,
        performance,
        (track_index, seed),
        window,
        reach,
        |index, at, start| {
            if start > after && start <= up_to && start >= 0.0 {
                let played = (index, at, start);
                lanes::values_of_step(track, (track_index, seed), played, &mut on_lane);
            }
            let step = &track.steps[at];
            let ratchet = step.ratchet.clamp(1, MAX_RATCHET);
            let spacing = if ratchet == 1 {
                step_beats
            } else {
                step_beats / f64::from(ratchet)
            };
            // Most candidates have no hit in the window: skip them before the dice and the trig
            // condition, which may look at other steps and tracks.
            let last_hit = start + f64::from(ratchet - 1) * spacing;
            if last_hit <= after || start > up_to || last_hit < 0.0 {
                return;
            }
            let played = plays_at(at)
                && plays(seed, track_index, index, step.probability)
                && occasion.allows(track_index, index, step.condition);
            // The track below may ask about this step for its `nei` steps.
            occasion.remember(track_index, index, played);
            if !played {
                return;
            }
            let gate = super::performance::clamp_number(
                controls.gate,
                super::performance::MIN_GATE,
                super::performance::MAX_GATE,
            );
            let held = match euclid {
                Some(_) => 0.0,
                None => tied_steps(track, index, seed, track_index) as f64 * step_beats,
            };
            for repeat in 0..ratchet {
                let beat = start + f64::from(repeat) * spacing;
                if beat > after && beat <= up_to && beat >= 0.0 {
                    let tie = if repeat + 1 == ratchet { held } else { 0.0 };
                    emit(Hit {
                        beat,
                        off_beat: beat + gate * spacing + tie,
                        velocity: step.velocity.clamp(1, 127),
                        note: step.note,
                        step_index: index,
                    });
                }
            }
        },
    );
}

/// Number of tie steps played right after song step `index` (in the track's direction), each
/// holding that step's last hit one step longer.
fn tied_steps(track: &TrackPattern, index: i64, seed: u32, track_index: usize) -> usize {
    let length = i64::from(track.length.clamp(1, super::pattern::MAX_STEPS as u8));
    (1..length)
        .take_while(|ahead| {
            let at = track
                .direction
                .position(index + ahead, track.length, seed, track_index);
            track.steps[at].tie
        })
        .count()
}

/// Whether step `index` of `track` plays, given its probability in percent. The outcome depends
/// only on the seed, the track and the step's position in the song.
pub(crate) fn plays(seed: u32, track: usize, index: i64, probability: u8) -> bool {
    if probability >= 100 {
        return true;
    }
    let mixed = splitmix64(u64::from(seed) ^ ((track as u64) << 56) ^ (index as u64));
    (mixed % 100) < u64::from(probability)
}

pub(crate) fn splitmix64(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pattern::{Direction, PatternSnapshot, Step, TrackPattern};

    fn collect(
        track: &TrackPattern,
        performance: &Performance,
        after: f64,
        up_to: f64,
    ) -> Vec<f64> {
        let mut beats = Vec::new();
        let pattern = alone(track);
        let occasion = occasion(&pattern, performance);
        hits_in_window(
            0,
            track,
            performance,
            &occasion,
            (after, up_to),
            |_| {},
            |hit| beats.push(hit.beat),
        );
        beats
    }

    /// A pattern whose first track is `track`.
    fn alone(track: &TrackPattern) -> PatternSnapshot {
        let mut pattern = PatternSnapshot::default();
        pattern.tracks[0] = *track;
        pattern
    }

    fn occasion<'a>(pattern: &'a PatternSnapshot, performance: &'a Performance) -> Occasion<'a> {
        Occasion::new(pattern, performance, 0.0)
    }

    /// Note-on and note-off beats of `track` in `(after, up_to]`.
    fn spans(track: &TrackPattern, after: f64, up_to: f64) -> Vec<(f64, f64)> {
        let mut offs = Vec::new();
        let pattern = alone(track);
        let performance = Performance::default();
        let occasion = occasion(&pattern, &performance);
        hits_in_window(
            0,
            track,
            &performance,
            &occasion,
            (after, up_to),
            |_| {},
            |hit| offs.push((hit.beat, hit.off_beat)),
        );
        offs
    }

    #[test]
    fn four_on_the_floor_lands_on_each_beat() {
        let mut track = TrackPattern::empty(36);
        for index in [0, 4, 8, 12] {
            track.steps[index] = Step::hit(100);
        }
        let beats = collect(&track, &Performance::default(), -0.5, 7.9);
        assert_eq!(beats, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
    }

    #[test]
    fn swing_delays_only_odd_steps() {
        let mut track = TrackPattern::empty(36);
        track.steps[0] = Step::hit(100);
        track.steps[1] = Step::hit(100);
        let performance = Performance {
            swing: 0.75,
            ..Performance::default()
        };
        assert_eq!(collect(&track, &performance, -0.1, 0.9), vec![0.0, 0.375]);
    }

    #[test]
    fn ratchets_and_nudge_split_and_shift_the_step() {
        let mut track = TrackPattern::empty(36);
        track.steps[1] = Step {
            ratchet: 4,
            nudge: -50,
            ..Step::hit(100)
        };
        let beats = collect(&track, &Performance::default(), -0.1, 0.9);
        assert_eq!(beats, vec![0.125, 0.1875, 0.25, 0.3125]);
    }

    #[test]
    fn probability_is_a_function_of_position() {
        let first: Vec<bool> = (0..1000).map(|index| plays(7, 3, index, 30)).collect();
        let again: Vec<bool> = (0..1000).map(|index| plays(7, 3, index, 30)).collect();
        assert_eq!(first, again);
        let played = first.iter().filter(|p| **p).count();
        assert!(
            (200..400).contains(&played),
            "30 % of 1000 steps, got {played}"
        );
        assert!((0..1000).all(|index| !plays(7, 3, index, 0)));
    }

    #[test]
    fn ties_hold_the_last_hit_of_the_step_before_them() {
        let mut track = TrackPattern::empty(36);
        track.length = 4;
        track.steps[0] = Step::hit(100);
        track.steps[1] = Step::TIE;
        track.steps[2] = Step {
            ratchet: 2,
            ..Step::hit(100)
        };
        track.steps[3] = Step::TIE;
        let offs = spans(&track, -0.1, 0.9);
        // Gate 50 %: the first step lasts half a step plus one tied step; of the ratchet pair
        // only the second hit is held over the tie.
        assert_eq!(offs, vec![(0.0, 0.375), (0.5, 0.5625), (0.625, 0.9375)]);
    }

    #[test]
    fn a_tie_at_the_start_holds_the_last_step_of_the_cycle_before() {
        let mut track = TrackPattern::empty(36);
        track.length = 4;
        track.steps[0] = Step::TIE;
        track.steps[3] = Step::hit(100);
        let offs = spans(&track, 0.0, 0.9);
        assert_eq!(offs, vec![(0.75, 1.125)]);
    }

    #[test]
    fn a_euclid_track_plays_its_pulses_and_follows_their_automation() {
        let mut track = TrackPattern::empty(36);
        track.length = 8;
        track.euclid = true;
        track.steps[1] = Step::hit(100);
        let mut performance = Performance::default();
        performance.tracks[0].euclid_pulses = 3;
        // E(3,8) = x..x..x., sixteenths of a quarter beat each; the steps' own on/off is ignored.
        assert_eq!(
            collect(&track, &performance, -0.1, 1.9),
            vec![0.0, 0.75, 1.5]
        );
        performance.tracks[0].euclid_rotation = 1;
        assert_eq!(
            collect(&track, &performance, -0.1, 1.9),
            vec![0.5, 1.25, 1.75]
        );
        performance.tracks[0].euclid_pulses = 0;
        assert_eq!(collect(&track, &performance, -0.1, 1.9), Vec::<f64>::new());
    }

    #[test]
    fn nothing_plays_before_beat_zero() {
        let mut track = TrackPattern::empty(36);
        track.steps[0] = Step::hit(100);
        assert_eq!(
            collect(&track, &Performance::default(), -8.0, -0.001),
            Vec::<f64>::new()
        );
    }

    #[test]
    fn directions_play_the_steps_in_their_order_on_the_same_grid() {
        let mut track = TrackPattern::empty(36);
        track.length = 4;
        for (index, step) in track.steps.iter_mut().take(4).enumerate() {
            *step = Step {
                note: Some(60 + index as u8),
                ..Step::hit(100)
            };
        }
        let notes = |direction: Direction| {
            let mut track = track;
            track.direction = direction;
            let pattern = alone(&track);
            let performance = Performance {
                swing: 0.75,
                ..Performance::default()
            };
            let occasion = occasion(&pattern, &performance);
            let mut out = Vec::new();
            hits_in_window(
                0,
                &track,
                &performance,
                &occasion,
                (-0.1, 1.99),
                |_| {},
                |hit| out.push((hit.beat, hit.note.unwrap_or(0) - 60)),
            );
            out
        };
        let order = |direction| notes(direction).iter().map(|hit| hit.1).collect::<Vec<_>>();
        assert_eq!(order(Direction::Reverse), [3, 2, 1, 0, 3, 2, 1, 0]);
        assert_eq!(order(Direction::Pendulum), [0, 1, 2, 3, 2, 1, 0, 1]);
        // Swing stays on the odd steps of the song, whatever step they play.
        let beats: Vec<f64> = notes(Direction::Reverse).iter().map(|hit| hit.0).collect();
        assert_eq!(beats, [0.0, 0.375, 0.5, 0.875, 1.0, 1.375, 1.5, 1.875]);
    }

    #[test]
    fn a_tie_holds_the_step_played_before_it_in_reverse() {
        let mut track = TrackPattern::empty(36);
        track.length = 4;
        track.direction = Direction::Reverse;
        track.steps[3] = Step::hit(100);
        track.steps[2] = Step::TIE;
        // Reverse plays 3, 2 (the tie), 1, 0: step 3 lasts half a step plus the tied one.
        assert_eq!(spans(&track, -0.1, 0.9), vec![(0.0, 0.375)]);
    }
}
