//! Pattern strings: one character per step, in the Music Chronus dialect extended with velocity
//! levels and ties.
//!
//! | character | step |
//! |---|---|
//! | `.` | rest |
//! | `x` | hit, velocity 76 (0.6) |
//! | `X` | accent, velocity 127 (1.0) |
//! | `1`–`9` | hit at velocity level 1–9 (14, 28, 42, 56, 71, 85, 99, 113, 127) |
//! | `_` | tie: holds the previous step's note one step longer |
//! | space, `\|` | ignored (for grouping) |
//!
//! [`print`] is canonical: `print(parse(s))` parses back to the same steps and prints the same
//! text again. A velocity with no character of its own prints as the nearest level.

use crate::engine::pattern::{Step, MAX_STEPS};

/// Velocity of an `x` step: 0.6 of full scale.
pub const HIT_VELOCITY: u8 = 76;
/// Velocity of an `X` step: full scale.
pub const ACCENT_VELOCITY: u8 = 127;
/// Velocities of the levels `1`–`9`: `level / 9` of full scale, rounded.
pub const LEVEL_VELOCITIES: [u8; 9] = [14, 28, 42, 56, 71, 85, 99, 113, 127];

/// A pattern string that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternStringError {
    /// A character that is not a step, with its position (0-based, in characters of the text).
    UnknownCharacter {
        /// Where it is, 0-based, in characters.
        position: usize,
        /// The character.
        character: char,
    },
    /// More steps than a track holds.
    TooLong {
        /// How many steps the text has.
        steps: usize,
    },
}

impl std::fmt::Display for PatternStringError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatternStringError::UnknownCharacter {
                position,
                character,
            } => write!(
                f,
                "unknown step character {character:?} at position {position}; \
                 use '.', 'x', 'X', '1'-'9' or '_' (spaces and '|' are ignored)"
            ),
            PatternStringError::TooLong { steps } => {
                write!(f, "{steps} steps; a track holds at most {MAX_STEPS}")
            }
        }
    }
}

impl std::error::Error for PatternStringError {}

/// Reads a pattern string into steps.
pub fn parse(text: &str) -> Result<Vec<Step>, PatternStringError> {
    let mut steps = Vec::with_capacity(text.len().min(MAX_STEPS));
    for (position, character) in text.chars().enumerate() {
        let step = match character {
            ' ' | '|' => continue,
            '.' => Step::REST,
            '_' => Step::TIE,
            'x' => Step::hit(HIT_VELOCITY),
            'X' => Step::hit(ACCENT_VELOCITY),
            '1'..='9' => Step::hit(LEVEL_VELOCITIES[usize::from(character as u8 - b'1')]),
            _ => {
                return Err(PatternStringError::UnknownCharacter {
                    position,
                    character,
                })
            }
        };
        steps.push(step);
    }
    if steps.len() > MAX_STEPS {
        return Err(PatternStringError::TooLong { steps: steps.len() });
    }
    Ok(steps)
}

/// The character that shows a step.
pub fn step_char(step: &Step) -> char {
    match (step.on, step.tie, step.velocity) {
        (false, true, _) => '_',
        (false, false, _) => '.',
        (true, _, ACCENT_VELOCITY) => 'X',
        (true, _, HIT_VELOCITY) => 'x',
        (true, _, velocity) => {
            let level = (0..LEVEL_VELOCITIES.len())
                .min_by_key(|&level| LEVEL_VELOCITIES[level].abs_diff(velocity))
                .unwrap_or(0);
            char::from(b'1' + level as u8)
        }
    }
}

/// The velocity a step's character stands for: what [`parse`] gives it back. Rests and ties
/// imply the velocity a rest has.
pub fn implied_velocity(character: char) -> u8 {
    match character {
        'X' => ACCENT_VELOCITY,
        'x' => HIT_VELOCITY,
        '1'..='9' => LEVEL_VELOCITIES[usize::from(character as u8 - b'1')],
        _ => Step::REST.velocity,
    }
}

/// Writes steps as a pattern string.
pub fn print(steps: &[Step]) -> String {
    steps.iter().map(step_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_music_chronus_dialect() {
        let steps = parse("X.x.").expect("valid pattern");
        assert_eq!(steps[0], Step::hit(127));
        assert_eq!(steps[1], Step::REST);
        assert_eq!(steps[2], Step::hit(76));
        assert_eq!(print(&steps), "X.x.");
    }

    #[test]
    fn reads_levels_ties_and_grouping() {
        let steps = parse("1_5. | 9x__").expect("valid pattern");
        assert_eq!(steps.len(), 8);
        assert_eq!(steps[0], Step::hit(14));
        assert_eq!(steps[1], Step::TIE);
        assert_eq!(steps[2], Step::hit(71));
        assert_eq!(steps[4], Step::hit(127));
        assert_eq!(print(&steps), "1_5.Xx__", "level 9 is an accent");
    }

    #[test]
    fn a_velocity_without_a_character_prints_as_the_nearest_level() {
        assert_eq!(step_char(&Step::hit(97)), '7');
        assert_eq!(step_char(&Step::hit(1)), '1');
        assert_eq!(implied_velocity('7'), 99);
    }

    #[test]
    fn names_the_bad_character() {
        let error = parse("x. ?").expect_err("'?' is not a step");
        assert_eq!(
            error,
            PatternStringError::UnknownCharacter {
                position: 3,
                character: '?'
            }
        );
        assert!(error.to_string().contains("position 3"));
        assert!(matches!(
            parse(&"x".repeat(65)),
            Err(PatternStringError::TooLong { steps: 65 })
        ));
        assert!(parse(&format!("{} |", "x".repeat(64))).is_ok());
    }

    proptest! {
        #[test]
        fn printing_is_canonical(text in "[.xX1-9_ |]{0,80}") {
            if let Ok(steps) = parse(&text) {
                let printed = print(&steps);
                let again = parse(&printed).expect("printed text parses");
                prop_assert_eq!(print(&again), printed.clone());
                prop_assert_eq!(again.len(), steps.len());
                for (a, b) in again.iter().zip(&steps) {
                    prop_assert_eq!((a.on, a.tie), (b.on, b.tie));
                    prop_assert_eq!(step_char(a), step_char(b));
                }
            }
        }

        #[test]
        fn any_text_parses_or_names_a_position(text in "\\PC{0,80}") {
            match parse(&text) {
                Ok(steps) => prop_assert!(steps.len() <= MAX_STEPS),
                Err(PatternStringError::UnknownCharacter { position, character }) => {
                    prop_assert_eq!(text.chars().nth(position), Some(character));
                }
                Err(PatternStringError::TooLong { steps }) => prop_assert!(steps > MAX_STEPS),
            }
        }
    }
}
