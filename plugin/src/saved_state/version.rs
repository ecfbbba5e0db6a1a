//! Which version of the saved state a project holds, and why a state cannot be used.
//!
//! The saved state's version is the `version` of its pattern document (the `pattern` field): the
//! pattern is the one part that carries a version, and every format change so far changed the
//! pattern. The other parts are read the same way in every version (see [`super::Part`]).

/// Value of the pattern document's `format` field that marks our state.
pub const FORMAT: &str = "chronus-seq/pattern";

/// The version this build writes. It reads every version from 1 up to this one.
pub const VERSION: u32 = 4;

/// A format version this build reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// One pattern; OSC output settings may be present.
    V1,
    /// Sixteen pattern slots (the non-empty ones are written), per-step notes; OSC output, OSC
    /// input and editor size may be present.
    V2,
    /// Version 2 with per-step trig conditions and per-track playback directions, melodic
    /// tracks and scales.
    V3,
    /// Version 3 plus modulation lanes, note cycles and exact track frequencies. The current
    /// version.
    V4,
}

impl Version {
    /// The version this build writes.
    pub const CURRENT: Version = Version::V4;

    /// The number written in the pattern document's `version` field.
    pub fn number(self) -> u32 {
        match self {
            Version::V1 => 1,
            Version::V2 => 2,
            Version::V3 => 3,
            Version::V4 => 4,
        }
    }

    /// The version numbered `number`, or why this build cannot read it.
    pub fn from_number(number: u64) -> Result<Version, StateError> {
        match number {
            1 => Ok(Version::V1),
            2 => Ok(Version::V2),
            3 => Ok(Version::V3),
            4 => Ok(Version::V4),
            newer if newer > u64::from(VERSION) => Err(StateError::NewerVersion(
                u32::try_from(newer).unwrap_or(u32::MAX),
            )),
            other => Err(StateError::Invalid(format!("unknown version {other}"))),
        }
    }

    /// The version of a pattern document, read from its `format` and `version` fields only.
    pub fn of_pattern(document: &serde_json::Value) -> Result<Version, StateError> {
        if document.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(StateError::Foreign);
        }
        let number = document
            .get("version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| StateError::Invalid("version is missing".to_owned()))?;
        Version::from_number(number)
    }
}

/// Why a saved pattern could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    /// The state has no pattern at all.
    Missing,
    /// Not JSON at all.
    Corrupt(String),
    /// JSON, but not ours (no or another `format`).
    Foreign,
    /// Written by a newer Chronus Seq.
    NewerVersion(u32),
    /// Ours, but a field is missing, mistyped or out of range.
    Invalid(String),
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateError::Missing => write!(f, "the saved state has no pattern"),
            StateError::Corrupt(reason) => write!(f, "pattern state is not valid JSON: {reason}"),
            StateError::Foreign => write!(f, "pattern state is not Chronus Seq state"),
            StateError::NewerVersion(version) => write!(
                f,
                "pattern state version {version} is newer than this build reads ({VERSION})"
            ),
            StateError::Invalid(reason) => write!(f, "pattern state is invalid: {reason}"),
        }
    }
}

impl std::error::Error for StateError {}

/// Parses `text` as JSON, or says it is corrupt.
pub(crate) fn parse_json(text: &str) -> Result<serde_json::Value, StateError> {
    serde_json::from_str(text).map_err(|e| StateError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_version_is_the_newest_and_numbers_round_trip() {
        assert_eq!(Version::CURRENT.number(), VERSION);
        for version in [Version::V1, Version::V2, Version::V3, Version::V4] {
            assert!(version <= Version::CURRENT);
            assert_eq!(Version::from_number(version.number().into()), Ok(version));
        }
        assert_eq!(Version::from_number(5), Err(StateError::NewerVersion(5)));
        assert_eq!(
            Version::from_number(u64::MAX),
            Err(StateError::NewerVersion(u32::MAX))
        );
        assert!(matches!(
            Version::from_number(0),
            Err(StateError::Invalid(reason)) if reason == "unknown version 0"
        ));
    }

    #[test]
    fn the_header_decides_the_version() {
        let header = |text: &str| Version::of_pattern(&parse_json(text).expect("JSON"));
        assert_eq!(
            header(r#"{"format":"chronus-seq/pattern","version":1}"#),
            Ok(Version::V1)
        );
        assert_eq!(
            header(r#"{"format":"other","version":1}"#),
            Err(StateError::Foreign)
        );
        assert_eq!(header("[1,2]"), Err(StateError::Foreign));
        assert!(matches!(
            header(r#"{"format":"chronus-seq/pattern","version":"2"}"#),
            Err(StateError::Invalid(_))
        ));
        assert!(matches!(parse_json("{oops"), Err(StateError::Corrupt(_))));
    }
}
