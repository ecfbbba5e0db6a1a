//! A track as a pattern string and back, for the track's text field.
//!
//! The text shows what plays: on a Euclid track, the Euclid rhythm. Applying text sets the
//! track's length to the number of steps typed and ends Euclid mode (the text says exactly which
//! steps play). A step whose character did not change keeps everything it had (an exact
//! velocity such as 97 shows as `7` and stays 97); a changed step takes the typed hit, rest or
//! tie and velocity but keeps its probability, ratchets, nudge and note. Steps past the new
//! length stay in the document, unplayed (they are not saved with the project), so lengthening
//! the track again in the same session brings them back.

use super::gesture::shows_hit;
use super::text_field::FieldError;
use crate::document::pattern_string::{self, PatternStringError};
use crate::engine::pattern::{Step, TrackPattern};

/// The track as a pattern string, as it plays (`euclid` = pulses, rotation).
pub fn shown_text(pattern: &TrackPattern, euclid: (u8, u8)) -> String {
    let length = usize::from(pattern.length);
    let steps: Vec<Step> = (0..length)
        .map(|index| {
            let mut step = pattern.steps[index];
            if pattern.euclid {
                step.on = shows_hit(pattern, index, euclid);
                step.tie = false;
            }
            step
        })
        .collect();
    pattern_string::print(&steps)
}

/// Reads typed text, or says what is wrong with it and where.
pub fn read(text: &str) -> Result<Vec<Step>, FieldError> {
    match pattern_string::parse(text) {
        Ok(steps) if steps.is_empty() => Err(FieldError::new(
            "no steps: type at least one of . x X 1-9 _",
        )),
        Ok(steps) => Ok(steps),
        Err(error) => {
            let position = match error {
                PatternStringError::UnknownCharacter { position, .. } => Some(position),
                PatternStringError::TooLong { .. } => None,
            };
            Err(FieldError {
                message: error.to_string(),
                position,
            })
        }
    }
}

/// Writes `steps` into `pattern` as described in the module docs. `euclid` is the track's pulses
/// and rotation, so the steps of a Euclid track are compared as they played.
pub fn apply(pattern: &mut TrackPattern, steps: &[Step], euclid: (u8, u8)) {
    let shown: Vec<bool> = (0..steps.len())
        .map(|index| shows_hit(pattern, index, euclid))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_keeps_what_it_cannot_show() {
        let mut pattern = TrackPattern::empty(36);
        pattern.steps[0] = Step {
            probability: 40,
            ratchet: 3,
            ..Step::hit(97)
        };
        pattern.steps[20] = Step::hit(50);
        pattern.length = 4;
        assert_eq!(shown_text(&pattern, (0, 0)), "7...");

        let steps = read("7.X_x").expect("valid");
        apply(&mut pattern, &steps, (0, 0));
        assert_eq!(pattern.length, 5);
        assert_eq!(
            pattern.steps[0].velocity, 97,
            "unchanged character, exact velocity kept"
        );
        assert_eq!(pattern.steps[0].ratchet, 3);
        assert_eq!(pattern.steps[2], Step::hit(127));
        assert!(pattern.steps[3].tie && !pattern.steps[3].on);
        assert_eq!(pattern.steps[20], Step::hit(50), "past the length: kept");
        assert_eq!(shown_text(&pattern, (0, 0)), "7.X_x");
    }

    #[test]
    fn a_changed_step_keeps_its_extras() {
        let mut pattern = TrackPattern::empty(36);
        pattern.steps[1].probability = 30;
        pattern.steps[1].nudge = -10;
        apply(&mut pattern, &read("xx").expect("valid"), (0, 0));
        assert!(pattern.steps[1].on);
        assert_eq!(
            (pattern.steps[1].probability, pattern.steps[1].nudge),
            (30, -10)
        );
    }

    #[test]
    fn a_euclid_track_shows_and_keeps_its_rhythm() {
        let mut pattern = TrackPattern::empty(36);
        pattern.length = 8;
        pattern.euclid = true;
        assert_eq!(
            shown_text(&pattern, (3, 0)),
            "7..7..7.",
            "the steps' velocity 100 is level 7"
        );
        apply(&mut pattern, &read("7..7..7X").expect("valid"), (3, 0));
        assert!(!pattern.euclid);
        assert_eq!(shown_text(&pattern, (3, 0)), "7..7..7X");
        assert_eq!(
            pattern.steps[0].velocity, 100,
            "unchanged steps keep their velocity"
        );
    }

    #[test]
    fn errors_name_the_character() {
        let error = read("x.?.").expect_err("'?' is no step");
        assert_eq!(error.position, Some(2));
        assert!(error.message.contains("position 2"), "{}", error.message);
        assert!(read("").is_err());
        assert!(read(" | ").is_err());
        assert_eq!(read(&"x".repeat(65)).expect_err("too long").position, None);
    }
}
