//! The rules for writing steps: typed patterns over a track, painting cells, Euclid rhythms
//! turned into plain steps, and note cycles over hits.

use crate::document::pattern_string;
use crate::document::PatternDoc;
use crate::engine::euclid::{euclid_hit, euclid_mask};
use crate::engine::pattern::{Step, TrackPattern, MAX_STEPS};

/// Euclid pulses and rotation of one track, as the host parameters hold them.
pub type EuclidRhythm = (u8, u8);

/// Whether step `step` of a track plays a hit as shown: the Euclid rhythm on a Euclid track
/// (`rhythm` = pulses, rotation), the step's own switch otherwise.
pub fn shows_hit(pattern: &TrackPattern, step: usize, (pulses, rotation): EuclidRhythm) -> bool {
    if step >= MAX_STEPS {
        return false;
    }
    if pattern.euclid {
        euclid_hit(euclid_mask(pulses, pattern.length, rotation), step)
    } else {
        pattern.steps[step].on
    }
}

/// Writes `steps` over `pattern`: its length becomes theirs and Euclid mode ends. A step whose
/// character did not change (a Euclid track compared as it played with `rhythm`) keeps
/// everything it had, so an exact velocity such as 97 shown as `7` stays 97; a changed step
/// takes the typed hit, rest or tie and velocity but keeps its probability, ratchets, nudge and
/// note. Steps past the new length stay, unplayed.
pub fn write_typed(pattern: &mut TrackPattern, steps: &[Step], rhythm: EuclidRhythm) {
    let shown: Vec<bool> = (0..steps.len())
        .map(|index| shows_hit(pattern, index, rhythm))
        .collect();
    let was_euclid = pattern.euclid;
    for (index, typed) in steps.iter().enumerate() {
        let old = &mut pattern.steps[index];
        let mut as_shown = *old;
        if was_euclid {
            as_shown.on = shown[index];
            as_shown.tie = false;
        }
        if pattern_string::step_char(&as_shown) == pattern_string::step_char(typed) {
            *old = as_shown;
            continue;
        }
        old.on = typed.on;
        old.tie = typed.tie;
        if typed.on {
            old.velocity = typed.velocity;
        }
    }
    pattern.length = steps.len() as u8;
    pattern.euclid = false;
}

/// Writes the Euclid rhythm E(`pulses`, track length) turned left by `rotation` into the steps
/// of `track` as plain hits and rests (velocities kept, ties cleared) and ends Euclid mode.
pub fn stamp_euclid(doc: &mut PatternDoc, track: usize, (pulses, rotation): EuclidRhythm) {
    let pattern = &mut doc.tracks[track].pattern;
    let mask = euclid_mask(pulses, pattern.length, rotation);
    for (index, step) in pattern.steps[..usize::from(pattern.length)]
        .iter_mut()
        .enumerate()
    {
        step.on = euclid_hit(mask, index);
        step.tie = false;
    }
    pattern.euclid = false;
}

/// Turns a Euclid track into plain steps with the hits it played, so touching one step changes
/// just that step.
pub fn release_euclid(doc: &mut PatternDoc, track: usize, rhythm: EuclidRhythm) {
    if doc.tracks[track].pattern.euclid {
        stamp_euclid(doc, track, rhythm);
    }
}

/// Every step of `pattern` a rest, Euclid mode off.
pub fn clear(pattern: &mut TrackPattern) {
    pattern.steps = [Step::REST; MAX_STEPS];
    pattern.euclid = false;
}

/// Gives the hits of `pattern` the notes of `cycle` in turn, from the first hit.
pub fn apply_note_cycle(pattern: &mut TrackPattern, cycle: &[u8]) {
    let length = usize::from(pattern.length);
    let hits = pattern.steps[..length].iter_mut().filter(|step| step.on);
    for (step, note) in hits.zip(cycle.iter().cycle()) {
        step.note = Some(*note);
    }
}

/// The notes the hits of `pattern` play, in order, while hits have their own note.
pub fn note_cycle(pattern: &TrackPattern) -> Vec<u8> {
    let hits = pattern.steps[..usize::from(pattern.length)]
        .iter()
        .filter(|step| step.on);
    hits.map_while(|step| step.note).collect()
}

/// Writes `steps` as Music Chronus does: the track is exactly these steps (nothing of the old
/// steps stays), its length theirs, Euclid off.
pub fn write_fresh(pattern: &mut TrackPattern, steps: &[Step]) {
    clear(pattern);
    pattern.steps[..steps.len()].copy_from_slice(steps);
    pattern.length = steps.len() as u8;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::pattern_string::parse;

    #[test]
    fn text_keeps_what_it_cannot_show() {
        let mut pattern = TrackPattern::empty(36);
        pattern.steps[0] = Step {
            probability: 40,
            ratchet: 3,
            ..Step::hit(97)
        };
        pattern.steps[20] = Step::hit(50);
        pattern.length = 4;
        write_typed(&mut pattern, &parse("7.X_x").unwrap(), (0, 0));
        assert_eq!(pattern.length, 5);
        assert_eq!(pattern.steps[0].velocity, 97, "unchanged: exact velocity");
        assert_eq!(pattern.steps[0].ratchet, 3);
        assert_eq!(pattern.steps[2], Step::hit(127));
        assert!(pattern.steps[3].tie && !pattern.steps[3].on);
        assert_eq!(pattern.steps[20], Step::hit(50), "past the length: kept");
    }

    #[test]
    fn a_changed_step_keeps_its_extras() {
        let mut pattern = TrackPattern::empty(36);
        pattern.steps[1].probability = 30;
        pattern.steps[1].nudge = -10;
        write_typed(&mut pattern, &parse("xx").unwrap(), (0, 0));
        assert!(pattern.steps[1].on);
        assert_eq!(
            (pattern.steps[1].probability, pattern.steps[1].nudge),
            (30, -10)
        );
    }

    #[test]
    fn a_euclid_track_is_compared_as_it_played() {
        let mut pattern = TrackPattern::empty(36);
        pattern.length = 8;
        pattern.euclid = true;
        write_typed(&mut pattern, &parse("7..7..7X").unwrap(), (3, 0));
        assert!(!pattern.euclid);
        let on: Vec<bool> = pattern.steps[..8].iter().map(|s| s.on).collect();
        assert_eq!(on, [true, false, false, true, false, false, true, true]);
        assert_eq!(
            pattern.steps[0].velocity, 100,
            "unchanged steps keep theirs"
        );
    }

    #[test]
    fn a_euclid_fill_stamps_into_the_grid() {
        let mut doc = PatternDoc::empty();
        doc.tracks[4].pattern.length = 8;
        doc.tracks[4].pattern.euclid = true;
        doc.tracks[4].pattern.steps[1] = Step::TIE;
        stamp_euclid(&mut doc, 4, (5, 0));
        let on: String = doc.tracks[4].pattern.steps[..8]
            .iter()
            .map(|step| if step.on { 'x' } else { '.' })
            .collect();
        assert_eq!(on, "x.xx.xx.", "E(5,8)");
        assert!(!doc.tracks[4].pattern.steps[1].tie);
        assert!(!doc.tracks[4].pattern.euclid);
    }

    #[test]
    fn notes_cycle_over_the_hits() {
        let mut pattern = TrackPattern::empty(36);
        write_fresh(&mut pattern, &parse("x.x.x.x.").unwrap());
        apply_note_cycle(&mut pattern, &[36, 41, 43]);
        let notes: Vec<Option<u8>> = pattern.steps[..8].iter().map(|s| s.note).collect();
        let expected = [
            Some(36),
            None,
            Some(41),
            None,
            Some(43),
            None,
            Some(36),
            None,
        ];
        assert_eq!(notes, expected);
        assert_eq!(note_cycle(&pattern), vec![36, 41, 43, 36]);
    }
}
