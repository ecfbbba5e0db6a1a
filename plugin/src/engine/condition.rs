//! Trig conditions: whether a step that is on (and passed its probability) plays this time.
//!
//! Every condition is decided from the song position, like probability, so a bounce equals
//! playback and a loop or a seek gives the same result every time. A track's song steps are
//! numbered from the song start (`index` = song beat / step length, floored); a *pass* is `length`
//! song steps, so pass `p` holds the indexes `p·length ..= p·length + length − 1` whatever the
//! track's direction.
//!
//! - `A:B` plays on pass `A` of every `B` passes (pass number modulo `B` equals `A − 1`).
//! - `1st` / `!1st`: the first `length` steps of the run / all others. A run starts where playback
//!   starts, on a seek, on a loop wrap and on a pattern slot switch.
//! - `fill` / `!fill`: while the Fill control is on / off.
//! - `pre` / `!pre`: the previous *conditioned* step of the same track played / did not. A
//!   conditioned step is a step that is on (or a Euclid pulse) with an `A:B`, `1st`, `!1st`,
//!   `fill` or `!fill` condition or a probability below 100 %; steps with `pre`, `!pre`, `nei` or
//!   `!nei` are not, so several `pre` steps follow one decision. The search goes back along the
//!   song (not along what played after a loop wrap) at most [`PRE_LOOKBACK`] steps; none found
//!   counts as not played.
//! - `nei` / `!nei`: the step of the track above that is current at this step's nominal start
//!   played / did not (on, probability and its own condition; mute and solo do not count). The
//!   first track has no neighbour: `nei` never plays there, `!nei` always does.

use std::cell::Cell;

use super::euclid::{euclid_hit, euclid_mask};
use super::pattern::{PatternSnapshot, TrackPattern, MAX_STEPS, MAX_TRACKS};
use super::performance::Performance;
use super::schedule::plays;
use super::whole_number::{ceil_to_int, floor_to_int};
use super::BEAT_TOLERANCE;

/// Highest `B` of an `A:B` condition.
pub const MAX_RATIO: u8 = 8;
/// How many song steps `pre` looks back for the previous conditioned step.
pub const PRE_LOOKBACK: i64 = 2 * MAX_STEPS as i64;

/// When a step that is on plays, beyond its probability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Condition {
    /// No condition: the step plays every time.
    #[default]
    Always,
    /// `A:B`: plays on pass `a` of every `b` passes; `1 <= a <= b <= MAX_RATIO`.
    Ratio {
        /// Which pass, from 1.
        a: u8,
        /// Out of how many passes.
        b: u8,
    },
    /// `1st`: the first pass of the run.
    First,
    /// `!1st`: every pass but the first of the run.
    NotFirst,
    /// `fill`: while Fill is on.
    Fill,
    /// `!fill`: while Fill is off.
    NotFill,
    /// `pre`: the previous conditioned step of the track played.
    Previous,
    /// `!pre`: the previous conditioned step of the track did not play.
    NotPrevious,
    /// `nei`: the current step of the track above played.
    Neighbour,
    /// `!nei`: the current step of the track above did not play.
    NotNeighbour,
}

impl Condition {
    /// The text form: empty for [`Condition::Always`], else `A:B`, `1st`, `!1st`, `fill`,
    /// `!fill`, `pre`, `!pre`, `nei` or `!nei`. [`Condition::parse`] reads it back.
    pub fn label(self) -> String {
        match self {
            Condition::Ratio { a, b } => format!("{a}:{b}"),
            other => other.word().to_owned(),
        }
    }

    /// The fixed word of every condition but `A:B` (empty for [`Condition::Always`]).
    fn word(self) -> &'static str {
        match self {
            Condition::Always | Condition::Ratio { .. } => "",
            Condition::First => "1st",
            Condition::NotFirst => "!1st",
            Condition::Fill => "fill",
            Condition::NotFill => "!fill",
            Condition::Previous => "pre",
            Condition::NotPrevious => "!pre",
            Condition::Neighbour => "nei",
            Condition::NotNeighbour => "!nei",
        }
    }

    /// Every condition without numbers, in the order the editor lists them.
    pub const WORDS: [Condition; 8] = [
        Condition::First,
        Condition::NotFirst,
        Condition::Fill,
        Condition::NotFill,
        Condition::Previous,
        Condition::NotPrevious,
        Condition::Neighbour,
        Condition::NotNeighbour,
    ];

    /// Reads the text form (surrounding spaces ignored, words in any case). `Err` says what is
    /// wrong.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Condition::Always);
        }
        if let Some((a, b)) = text.split_once(':') {
            let number = |part: &str| part.trim().parse::<u8>().ok();
            return match (number(a), number(b)) {
                (Some(a), Some(b)) if (1..=MAX_RATIO).contains(&b) && (1..=b).contains(&a) => {
                    Ok(Condition::Ratio { a, b })
                }
                _ => Err(format!(
                    "`{text}`: A:B needs whole numbers with 1 <= A <= B <= {MAX_RATIO}"
                )),
            };
        }
        Condition::WORDS
            .into_iter()
            .find(|condition| condition.word().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!(
                    "`{text}` is not a condition (A:B, 1st, !1st, fill, !fill, pre, !pre, nei, !nei)"
                )
            })
    }

    /// Whether the outcome of a step with this condition is what `pre` looks back for.
    fn sets_previous(self) -> bool {
        !matches!(
            self,
            Condition::Always
                | Condition::Previous
                | Condition::NotPrevious
                | Condition::Neighbour
                | Condition::NotNeighbour
        )
    }
}

/// Everything a condition is decided from, for one stretch of playback, and the steps already
/// decided in it. Lives on the stack of the thread that plays (the audio thread); never
/// allocates.
#[derive(Debug)]
pub(crate) struct Occasion<'a> {
    /// The pattern playing.
    pattern: &'a PatternSnapshot,
    /// The performance controls (Fill, Euclid pulses and rotation).
    performance: &'a Performance,
    /// Song beat where the current run started (playback start, seek, loop wrap, slot switch).
    run_start: f64,
    /// Per track, the last song step decided and whether it played: a `nei` chain asks each
    /// track above about the step it has just decided for itself. A cache of a pure function
    /// of the fields above, so it never changes an answer.
    decided: [Cell<Option<(i64, bool)>>; MAX_TRACKS],
}

impl<'a> Occasion<'a> {
    /// Conditions of `pattern` under `performance`, in a run that started at song beat
    /// `run_start`, with nothing decided yet.
    pub fn new(pattern: &'a PatternSnapshot, performance: &'a Performance, run_start: f64) -> Self {
        Occasion {
            pattern,
            performance,
            run_start,
            decided: Default::default(),
        }
    }

    /// The pattern the conditions are decided in.
    pub fn pattern(&self) -> &'a PatternSnapshot {
        self.pattern
    }

    /// Notes that song step `index` of track `track_index` played (on, probability and
    /// condition) or not, as decided by whoever plays it.
    pub fn remember(&self, track_index: usize, index: i64, played: bool) {
        if let Some(slot) = self.decided.get(track_index) {
            slot.set(Some((index, played)));
        }
    }

    /// What [`Occasion::remember`] noted for song step `index` of track `track_index`, if it is
    /// the last step noted for that track.
    fn recall(&self, track_index: usize, index: i64) -> Option<bool> {
        match self.decided.get(track_index)?.get() {
            Some((decided, played)) if decided == index => Some(played),
            _ => None,
        }
    }
    /// Whether song step `index` of track `track_index`, with `condition`, may play. The step's
    /// on/off and probability are the caller's.
    pub fn allows(&self, track_index: usize, index: i64, condition: Condition) -> bool {
        match condition {
            Condition::Always => true,
            Condition::Previous => self.previous_played(track_index, index),
            Condition::NotPrevious => !self.previous_played(track_index, index),
            Condition::Neighbour => self.neighbour_played(track_index, index),
            Condition::NotNeighbour => !self.neighbour_played(track_index, index),
            own => self.own_condition_holds(track_index, index, own),
        }
    }

    /// `A:B`, `1st`, `!1st`, `fill`, `!fill` (the conditions that need no other step).
    fn own_condition_holds(&self, track_index: usize, index: i64, condition: Condition) -> bool {
        let track = &self.pattern.tracks[track_index];
        let length = i64::from(track.length.clamp(1, MAX_STEPS as u8));
        match condition {
            Condition::Ratio { a, b } => {
                let b = i64::from(b.clamp(1, MAX_RATIO));
                index.div_euclid(length).rem_euclid(b) == i64::from(a) - 1
            }
            Condition::First => self.in_first_pass(track, index, length),
            Condition::NotFirst => !self.in_first_pass(track, index, length),
            Condition::Fill => self.performance.fill,
            Condition::NotFill => !self.performance.fill,
            _ => true,
        }
    }

    /// Whether song step `index` is one of the first `length` steps of the run.
    fn in_first_pass(&self, track: &TrackPattern, index: i64, length: i64) -> bool {
        let first = ceil_to_int(self.run_start / track.rate.beats() - BEAT_TOLERANCE);
        (first..first + length).contains(&index)
    }

    /// The step the track plays at song step `index`, and whether that step is on.
    fn step_at(&self, track_index: usize, index: i64) -> (usize, bool) {
        let track = &self.pattern.tracks[track_index];
        let at = track
            .direction
            .position(index, track.length, self.pattern.seed, track_index);
        let on = if track.euclid {
            let controls = &self.performance.tracks[track_index];
            let mask = euclid_mask(
                controls.euclid_pulses,
                track.length.clamp(1, MAX_STEPS as u8),
                controls.euclid_rotation,
            );
            euclid_hit(mask, at)
        } else {
            track.steps[at].on
        };
        (at, on)
    }

    /// Whether the latest conditioned step before song step `index` played.
    fn previous_played(&self, track_index: usize, index: i64) -> bool {
        let track = &self.pattern.tracks[track_index];
        let seed = self.pattern.seed;
        for earlier in (index - PRE_LOOKBACK..index).rev() {
            if earlier < 0 {
                return false;
            }
            let (at, on) = self.step_at(track_index, earlier);
            let step = &track.steps[at];
            if on && (step.condition.sets_previous() || step.probability < 100) {
                return plays(seed, track_index, earlier, step.probability)
                    && self.own_condition_holds(track_index, earlier, step.condition);
            }
        }
        false
    }

    /// Whether the step of the track above, current at song step `index`'s nominal start, played.
    fn neighbour_played(&self, track_index: usize, index: i64) -> bool {
        let Some(above) = track_index.checked_sub(1) else {
            return false;
        };
        let beat = index as f64 * self.pattern.tracks[track_index].rate.beats();
        let upper_beats = self.pattern.tracks[above].rate.beats();
        let upper = floor_to_int(beat / upper_beats + BEAT_TOLERANCE);
        self.step_played(above, upper)
    }

    /// Whether song step `index` of a track played: on, probability and condition.
    fn step_played(&self, track_index: usize, index: i64) -> bool {
        if index < 0 {
            return false;
        }
        if let Some(played) = self.recall(track_index, index) {
            return played;
        }
        let (at, on) = self.step_at(track_index, index);
        let step = &self.pattern.tracks[track_index].steps[at];
        let played = on
            && plays(self.pattern.seed, track_index, index, step.probability)
            && self.allows(track_index, index, step.condition);
        self.remember(track_index, index, played);
        played
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pattern::Step;

    #[test]
    fn text_forms_round_trip_and_bad_text_is_refused() {
        let mut all = vec![Condition::Always];
        all.extend(Condition::WORDS);
        for b in 1..=MAX_RATIO {
            for a in 1..=b {
                all.push(Condition::Ratio { a, b });
            }
        }
        for condition in all {
            assert_eq!(Condition::parse(&condition.label()), Ok(condition));
        }
        assert_eq!(Condition::parse(" FILL "), Ok(Condition::Fill));
        for bad in ["3:2", "0:4", "1:9", "a:b", "2nd", "1:", "!!1st"] {
            assert!(Condition::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ratio_first_and_fill_follow_the_pass_and_the_controls() {
        let mut pattern = PatternSnapshot::default();
        pattern.tracks[0].length = 4;
        let mut performance = Performance::default();
        let at = |performance: &Performance, run_start: f64, index: i64, condition| {
            Occasion::new(&pattern, performance, run_start).allows(0, index, condition)
        };
        let two_of_three = Condition::Ratio { a: 2, b: 3 };
        let passes: Vec<bool> = (0..6)
            .map(|pass| at(&performance, 0.0, pass * 4 + 1, two_of_three))
            .collect();
        assert_eq!(passes, [false, true, false, false, true, false]);
        // Sixteenths: a run from beat 2 starts at song step 8 and its first pass ends at 11.
        let first: Vec<bool> = (6..14)
            .map(|index| at(&performance, 2.0, index, Condition::First))
            .collect();
        assert_eq!(first, [false, false, true, true, true, true, false, false]);
        assert!(!at(&performance, 0.0, 0, Condition::Fill));
        assert!(at(&performance, 0.0, 0, Condition::NotFill));
        performance.fill = true;
        assert!(at(&performance, 0.0, 0, Condition::Fill));
        assert!(!at(&performance, 0.0, 0, Condition::NotFill));
    }

    #[test]
    fn pre_follows_the_latest_conditioned_step_and_nei_the_track_above() {
        let mut pattern = PatternSnapshot::default();
        let track = &mut pattern.tracks[0];
        track.length = 4;
        // Step 0 plays every other pass; steps 1 and 2 follow it, step 3 does the opposite.
        track.steps[0] = Step {
            condition: Condition::Ratio { a: 1, b: 2 },
            ..Step::hit(100)
        };
        track.steps[1] = Step {
            condition: Condition::Previous,
            ..Step::hit(100)
        };
        track.steps[2] = Step {
            condition: Condition::Previous,
            ..Step::hit(100)
        };
        track.steps[3] = Step {
            condition: Condition::NotPrevious,
            ..Step::hit(100)
        };
        // Track 2 (eighths) plays where track 1's current step played.
        pattern.tracks[1].rate = crate::engine::pattern::StepRate {
            division: 8,
            feel: crate::engine::pattern::RateFeel::Straight,
        };
        pattern.tracks[1].steps = [Step {
            condition: Condition::Neighbour,
            ..Step::hit(100)
        }; MAX_STEPS];
        let performance = Performance::default();
        let occasion = Occasion::new(&pattern, &performance, 0.0);
        let played = |track: usize, index: i64| occasion.step_played(track, index);
        let first: Vec<bool> = (0..8).map(|index| played(0, index)).collect();
        assert_eq!(first, [true, true, true, false, false, false, false, true]);
        // Eighth n starts where sixteenth 2n does.
        let second: Vec<bool> = (0..4).map(|index| played(1, index)).collect();
        assert_eq!(second, [true, true, false, false]);
        // The first track has no neighbour.
        assert!(!occasion.neighbour_played(0, 3));
        assert!(!played(0, -1));
    }
}
