//! Which parts of a track differ between two versions, by name: what clients that follow
//! changes (OSC subscriptions, `/chronus/check`) are told besides the pattern string, so a
//! change the pattern string does not show (a lane, a trig condition, the direction) is named.
//!
//! The comparison destructures every field of a track and of a step, so a field added to
//! either does not compile until it has a name here.

use super::TrackDoc;
use crate::engine::lanes::LANES;
use crate::engine::pattern::{Step, TrackPattern};

/// The part names, in the order they are reported: `name`; the track's `length`, `rate`,
/// `note`, `channel`, `euclid`, `direction`, `melodic`, `freq`, `cycle`; per step `steps` (on,
/// velocity, tie: what the pattern string shows), `probability`, `ratchet`, `nudge`,
/// `step_notes`, `conditions`; the lanes `lane1` … `lane4` (MIDI destination, length, base,
/// values).
pub const PART_NAMES: [&str; 20] = [
    "name",
    "length",
    "rate",
    "note",
    "channel",
    "euclid",
    "direction",
    "melodic",
    "freq",
    "cycle",
    "steps",
    "probability",
    "ratchet",
    "nudge",
    "step_notes",
    "conditions",
    "lane1",
    "lane2",
    "lane3",
    "lane4",
];

/// Names of the lane parts, lane 1 first.
const LANE_PARTS: [&str; LANES] = ["lane1", "lane2", "lane3", "lane4"];

/// Names of the step parts, in the order [`step_differences`] reports them.
const STEP_PARTS: [&str; 6] = [
    "steps",
    "probability",
    "ratchet",
    "nudge",
    "step_notes",
    "conditions",
];

/// Which step parts differ between `a` and `b`, in [`STEP_PARTS`] order.
fn step_differences(a: &Step, b: &Step) -> [bool; 6] {
    let Step {
        on,
        velocity,
        probability,
        ratchet,
        nudge,
        tie,
        note,
        condition,
    } = *a;
    [
        on != b.on || velocity != b.velocity || tie != b.tie,
        probability != b.probability,
        ratchet != b.ratchet,
        nudge != b.nudge,
        note != b.note,
        condition != b.condition,
    ]
}

/// The names of the parts of `after` that differ from `before`, in [`PART_NAMES`] order;
/// empty when the two are equal.
pub fn changed_parts(before: &TrackDoc, after: &TrackDoc) -> Vec<&'static str> {
    let TrackPattern {
        length,
        rate,
        channel,
        note,
        steps,
        euclid,
        lanes,
        cycle,
        freq,
        direction,
        melodic,
    } = &before.pattern;
    let other = &after.pattern;
    let mut parts = Vec::new();
    let mut push = |changed: bool, name: &'static str| {
        if changed {
            parts.push(name);
        }
    };
    push(before.name != after.name, "name");
    push(*length != other.length, "length");
    push(*rate != other.rate, "rate");
    push(*note != other.note, "note");
    push(*channel != other.channel, "channel");
    push(*euclid != other.euclid, "euclid");
    push(*direction != other.direction, "direction");
    push(*melodic != other.melodic, "melodic");
    push(*freq != other.freq, "freq");
    push(*cycle != other.cycle, "cycle");
    let mut step_parts = [false; 6];
    for (a, b) in steps.iter().zip(&other.steps) {
        for (flag, differs) in step_parts.iter_mut().zip(step_differences(a, b)) {
            *flag |= differs;
        }
    }
    for (differs, name) in step_parts.into_iter().zip(STEP_PARTS) {
        push(differs, name);
    }
    for ((a, b), name) in lanes.iter().zip(&other.lanes).zip(LANE_PARTS) {
        push(a != b, name);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lanes::{LaneMidi, LaneValue};
    use crate::engine::pattern::{Condition, Direction};

    fn track() -> TrackDoc {
        crate::document::PatternDoc::default().tracks[0].clone()
    }

    #[test]
    fn equal_tracks_have_no_changed_parts() {
        assert!(changed_parts(&track(), &track()).is_empty());
    }

    #[test]
    fn each_change_the_pattern_string_hides_is_named() {
        let before = track();
        let mut after = before.clone();
        after.pattern.lanes[1].values[3] = LaneValue::new(100).expect("a value");
        assert_eq!(changed_parts(&before, &after), ["lane2"]);

        let mut after = before.clone();
        after.pattern.lanes[3].midi = LaneMidi::PitchBend;
        after.pattern.steps[5].condition = Condition::Fill;
        assert_eq!(changed_parts(&before, &after), ["conditions", "lane4"]);

        let mut after = before.clone();
        after.pattern.direction = Direction::Pendulum;
        after.pattern.steps[0].velocity = 1;
        after.pattern.steps[1].probability = 50;
        after.name = "Bass".into();
        assert_eq!(
            changed_parts(&before, &after),
            ["name", "direction", "steps", "probability"]
        );
    }

    #[test]
    fn every_reported_name_is_listed() {
        let names: Vec<&str> = STEP_PARTS.iter().chain(&LANE_PARTS).copied().collect();
        assert!(names.iter().all(|name| PART_NAMES.contains(name)));
    }
}
