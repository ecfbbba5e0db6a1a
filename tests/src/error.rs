//! The single error type of the harness.
//!
//! Every fallible harness call returns [`HarnessError`]: a message that says what the host was
//! doing and what went wrong, so a failing test reads like a bug report.

use std::fmt;

/// What went wrong while building, loading or driving the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarnessError {
    message: String,
}

impl HarnessError {
    /// An error with the given explanation.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// Wraps a lower-level error with what the harness was doing at the time.
    pub fn context(doing: &str, cause: impl fmt::Display) -> Self {
        Self::new(format!("{doing}: {cause}"))
    }

    /// The explanation.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HarnessError {}

/// Shorthand for harness results.
pub type Result<T> = std::result::Result<T, HarnessError>;
