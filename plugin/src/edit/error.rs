//! The one way an edit is refused: a reason for a human, and the character to blame when the
//! edit came from typed text. The editor shows it under the field it came from; OSC sends it
//! back as `/seq/error <address> <reason>`.

use std::fmt;

/// Why an edit was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError {
    /// What is wrong, for the musician or the script's author.
    pub reason: String,
    /// The character (0-based, counted in characters) of the typed text to blame, if one is.
    pub position: Option<usize>,
}

impl EditError {
    /// A refusal with no particular character to blame.
    pub fn new(reason: impl Into<String>) -> EditError {
        EditError {
            reason: reason.into(),
            position: None,
        }
    }

    /// A refusal blaming character `position` of the typed text.
    pub fn at(reason: impl Into<String>, position: usize) -> EditError {
        EditError {
            reason: reason.into(),
            position: Some(position),
        }
    }
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for EditError {}
