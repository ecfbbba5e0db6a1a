//! Pattern strings in the Music Chronus dialect: one character per step, `.` rest, `x` hit,
//! `X` accent.

use crate::engine::pattern::{Step, MAX_STEPS};

/// Velocity of an `x` step: 0.6 of full scale.
pub const HIT_VELOCITY: u8 = 76;
/// Velocity of an `X` step: full scale.
pub const ACCENT_VELOCITY: u8 = 127;

/// A pattern string that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternStringError {
    /// A character that is not a step, with its position (0-based, in characters).
    UnknownCharacter { position: usize, character: char },
    /// More steps than a track holds.
    TooLong { steps: usize },
}

impl std::fmt::Display for PatternStringError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatternStringError::UnknownCharacter {
                position,
                character,
            } => write!(
                f,
                "unknown step character {character:?} at position {position}; use '.', 'x' or 'X'"
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
    let steps = text
        .chars()
        .enumerate()
        .map(|(position, character)| match character {
            '.' => Ok(Step::REST),
            'x' => Ok(Step::hit(HIT_VELOCITY)),
            'X' => Ok(Step::hit(ACCENT_VELOCITY)),
            _ => Err(PatternStringError::UnknownCharacter {
                position,
                character,
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if steps.len() > MAX_STEPS {
        return Err(PatternStringError::TooLong { steps: steps.len() });
    }
    Ok(steps)
}

/// The character that shows a step.
pub fn step_char(step: &Step) -> char {
    match (step.on, step.velocity) {
        (false, _) => '.',
        (true, ACCENT_VELOCITY) => 'X',
        (true, _) => 'x',
    }
}

/// Writes steps as a pattern string.
pub fn print(steps: &[Step]) -> String {
    steps.iter().map(step_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_music_chronus_dialect() {
        let steps = parse("X.x.").expect("valid pattern");
        assert_eq!(steps[0], Step::hit(127));
        assert_eq!(steps[1], Step::REST);
        assert_eq!(steps[2], Step::hit(76));
        assert_eq!(print(&steps), "X.x.");
    }

    #[test]
    fn names_the_bad_character() {
        let error = parse("x.?").expect_err("'?' is not a step");
        assert_eq!(
            error,
            PatternStringError::UnknownCharacter {
                position: 2,
                character: '?'
            }
        );
        assert!(error.to_string().contains("position 2"));
        assert!(matches!(
            parse(&"x".repeat(65)),
            Err(PatternStringError::TooLong { steps: 65 })
        ));
    }
}
