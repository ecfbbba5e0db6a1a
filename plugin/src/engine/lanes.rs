//! Modulation lanes: per-step values a track sends to a MIDI controller (CC or pitch bend) and,
//! through the OSC output settings, to an OSC address, on the exact sample of their step.
//!
//! A lane has its own length (the Kirnu/Thesys way): lane step `k mod length` belongs to song
//! step `k` of its track, so a 3-step lane over a 16-step track drifts against it. The lane
//! moves in its track's playback direction over its own length (reverse reads it backwards,
//! pendulum swings over it, random picks from the same dice as the track), so a lane as long as
//! its track always gives the value of the pattern step the track plays. A step
//! without a value sends nothing (the destination keeps what it has). A value goes out where
//! its song step starts as played (swing and the track step's nudge included, see
//! `step_time`), so it shares the sample of the step's first hit and goes before it. The
//! lane's base value, if set, goes out whenever playback (re)starts: start, seek, loop wrap, and
//! where a pattern slot switch lands (the new slot's bases).

use super::pattern::{TrackPattern, MAX_STEPS};

/// Modulation lanes per track.
pub const LANES: usize = 4;
/// Largest lane value: lanes have 14-bit resolution (the resolution of MIDI pitch bend).
pub const LANE_MAX: u16 = 16_383;

/// A lane value 0–[`LANE_MAX`], or none. `Copy`, two bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LaneValue(u16);

impl LaneValue {
    /// No value: the destination is left alone.
    pub const NONE: LaneValue = LaneValue(u16::MAX);

    /// `value` if it is at most [`LANE_MAX`].
    pub fn new(value: u16) -> Option<LaneValue> {
        (value <= LANE_MAX).then_some(LaneValue(value))
    }

    /// The value nearest to `unit` (0–1) on the lane's scale; `None` for NaN or out of range.
    pub fn from_unit(unit: f64) -> Option<LaneValue> {
        (0.0..=1.0)
            .contains(&unit)
            .then(|| LaneValue((unit * f64::from(LANE_MAX)).round() as u16))
    }

    /// The value, if there is one.
    pub fn get(self) -> Option<u16> {
        (self.0 <= LANE_MAX).then_some(self.0)
    }

    /// The value as 0–1, if there is one.
    pub fn unit(self) -> Option<f64> {
        self.get()
            .map(|value| f64::from(value) / f64::from(LANE_MAX))
    }
}

/// Where a lane's values go on the MIDI side (the track's channel).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LaneMidi {
    /// Nowhere on MIDI (the lane may still have an OSC address).
    Off,
    /// Control change 0–127: the value's top 7 bits.
    Cc(u8),
    /// Pitch bend: the full 14-bit value, 8192 the centre.
    PitchBend,
}

/// One modulation lane of a track.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lane {
    /// MIDI destination.
    pub midi: LaneMidi,
    /// Steps before the lane repeats, 1–64; independent of the track's length.
    pub length: u8,
    /// Sent when playback (re)starts, if set.
    pub base: LaneValue,
    /// Per-step values; only the first `length` play.
    pub values: [LaneValue; MAX_STEPS],
}

impl Lane {
    /// A lane with no destination and no values, 16 steps long.
    pub const EMPTY: Lane = Lane {
        midi: LaneMidi::Off,
        length: 16,
        base: LaneValue::NONE,
        values: [LaneValue::NONE; MAX_STEPS],
    };

    /// Whether the lane sends anything at all.
    pub fn is_empty(&self) -> bool {
        self.base.get().is_none() && self.values.iter().all(|value| value.get().is_none())
    }
}

/// A lane value due in song time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LaneHit {
    /// Song beat it goes out at.
    pub beat: f64,
    /// The lane, 0-based.
    pub lane: u8,
    /// The value.
    pub value: u16,
}

/// Calls `emit` with the values, lanes in order, that the lanes of `track` (number
/// `track_index` in a pattern with `seed`) have at song step `index`, where the track plays its
/// step `at`, which starts at `beat` (the start of the step played there: its direction, swing
/// and nudge), whether or not that step plays a hit. The caller finds the steps that start in
/// its window (`schedule::hits_in_window`).
pub(crate) fn values_of_step(
    track: &TrackPattern,
    (track_index, seed): (usize, u32),
    (index, at, beat): (i64, usize, f64),
    mut emit: impl FnMut(LaneHit),
) {
    let song_step = track.direction.at_song_step(index, seed, track_index);
    for (lane_index, lane) in track.lanes.iter().enumerate() {
        // A lane as long as its track is where the track is.
        let value = if lane.length == track.length {
            lane.values[at]
        } else {
            lane.values[song_step.position(lane.length)]
        };
        if let Some(value) = value.get() {
            emit(LaneHit {
                beat,
                lane: lane_index as u8,
                value,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::condition::Occasion;
    use crate::engine::direction::Direction;
    use crate::engine::pattern::PatternSnapshot;
    use crate::engine::performance::Performance;
    use crate::engine::schedule::hits_in_window;

    fn collect(track: &TrackPattern, performance: &Performance, up_to: f64) -> Vec<(f64, u8, u16)> {
        let mut pattern = PatternSnapshot::default();
        pattern.tracks[0] = *track;
        let occasion = Occasion::new(&pattern, performance, 0.0);
        let mut values = Vec::new();
        let on_lane = |value: LaneHit| values.push((value.beat, value.lane, value.value));
        hits_in_window(
            0,
            track,
            performance,
            &occasion,
            (-1.0, up_to),
            on_lane,
            |_| {},
        );
        values
    }

    #[test]
    fn a_short_lane_repeats_against_its_track() {
        let mut track = TrackPattern::empty(36);
        track.lanes[1].length = 3;
        track.lanes[1].values[0] = LaneValue::new(10).unwrap();
        track.lanes[1].values[2] = LaneValue::new(30).unwrap();
        let hits = collect(&track, &Performance::default(), 2.0);
        // Sixteenths: steps 0, 2, 3, 5, 6, 8 … at a quarter beat each.
        let expected: Vec<(f64, u8, u16)> = (0..=8)
            .filter_map(|index: i64| match index % 3 {
                0 => Some((index as f64 * 0.25, 1, 10)),
                2 => Some((index as f64 * 0.25, 1, 30)),
                _ => None,
            })
            .collect();
        assert_eq!(hits, expected);
    }

    #[test]
    fn values_follow_swing_and_nudge_like_hits() {
        let mut track = TrackPattern::empty(36);
        track.steps[1].nudge = 20;
        track.lanes[0].values[1] = LaneValue::new(LANE_MAX).unwrap();
        let performance = Performance {
            swing: 0.75,
            ..Performance::default()
        };
        let hits = collect(&track, &performance, 0.9);
        // Swing 75 % delays the odd sixteenth to 0.375; the nudge adds a fifth of a step.
        assert_eq!(hits, vec![(0.375 + 0.05, 0, LANE_MAX)]);
    }

    #[test]
    fn values_follow_the_step_the_track_plays_in_its_direction() {
        let mut track = TrackPattern::empty(36);
        track.length = 4;
        track.direction = Direction::Reverse;
        track.steps[3].nudge = 20;
        let lane = &mut track.lanes[0];
        lane.length = 4;
        lane.values[3] = LaneValue::new(7).unwrap();
        lane.values[0] = LaneValue::new(9).unwrap();
        // Reverse plays steps 3, 2, 1, 0, 3 …: step 3 (with its nudge) at song steps 0 and 4.
        let hits = collect(&track, &Performance::default(), 1.9);
        assert_eq!(
            hits,
            vec![(0.05, 0, 7), (0.75, 0, 9), (1.05, 0, 7), (1.75, 0, 9)]
        );

        // A lane of another length moves in the same direction over its own length.
        track.lanes[0].length = 2;
        track.steps[3].nudge = 0;
        let mut lane_of_two = track.lanes[0];
        lane_of_two.values = [LaneValue::NONE; MAX_STEPS];
        lane_of_two.values[1] = LaneValue::new(5).unwrap();
        track.lanes[0] = lane_of_two;
        let hits = collect(&track, &Performance::default(), 0.9);
        assert_eq!(hits, vec![(0.0, 0, 5), (0.5, 0, 5)]);

        let mut pendulum = TrackPattern::empty(36);
        pendulum.length = 3;
        pendulum.direction = Direction::Pendulum;
        pendulum.lanes[1].length = 3;
        pendulum.lanes[1].values[2] = LaneValue::new(1).unwrap();
        // Pendulum over 3 steps: 0 1 2 1 0 1 2 …: step 2 at song steps 2 and 6.
        let hits = collect(&pendulum, &Performance::default(), 1.9);
        assert_eq!(hits, vec![(0.5, 1, 1), (1.5, 1, 1)]);
    }

    #[test]
    fn values_are_checked() {
        assert_eq!(LaneValue::new(LANE_MAX + 1), None);
        assert_eq!(LaneValue::NONE.get(), None);
        assert_eq!(
            LaneValue::from_unit(0.5).and_then(LaneValue::get),
            Some(8192)
        );
        assert_eq!(LaneValue::from_unit(f64::NAN), None);
        assert_eq!(LaneValue::from_unit(1.5), None);
        assert!(Lane::EMPTY.is_empty());
    }
}
