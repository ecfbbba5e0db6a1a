//! A track as a pattern string, for the track's text field. The text shows what plays: on a
//! Euclid track, the Euclid rhythm. Typed text goes back as an `Edit::WriteSteps`, whose rule
//! (in `crate::edit::steps`) is the same for the editor and OSC.

use crate::document::pattern_string;
use crate::edit::steps::shows_hit;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_shows_what_plays() {
        let mut pattern = TrackPattern::empty(36);
        pattern.steps[0] = Step::hit(97);
        pattern.steps[2] = Step::hit(127);
        pattern.steps[3] = Step::TIE;
        pattern.length = 5;
        assert_eq!(shown_text(&pattern, (0, 0)), "7.X_.");
        pattern.length = 8;
        pattern.euclid = true;
        assert_eq!(
            shown_text(&pattern, (3, 0)),
            "7..7..7.",
            "a Euclid track shows its rhythm; velocity 100 is level 7"
        );
    }
}
