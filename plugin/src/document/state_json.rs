//! The persisted form of the pattern document: versioned, human-readable JSON in which each
//! track's steps appear as a pattern string. `docs/STATE.md` describes the format.

use serde::{Deserialize, Serialize};

use super::pattern_string;
use super::{PatternDoc, TrackDoc};
use crate::engine::pattern::{
    Step, StepRate, TrackPattern, MAX_NUDGE_PERCENT, MAX_RATCHET, MAX_STEPS, MAX_TRACKS,
};

/// Value of the `format` field that marks our state.
pub const FORMAT: &str = "chronus-seq/pattern";
/// The version this build writes. It reads every version up to this one.
pub const VERSION: u32 = 1;

/// Why saved state could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
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

/// Version 1 of the format, as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateV1 {
    format: String,
    version: u32,
    seed: u32,
    tracks: Vec<TrackV1>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackV1 {
    name: String,
    length: u8,
    rate: String,
    /// 1–16, as musicians count.
    channel: u8,
    note: u8,
    /// The steps as a pattern string, `length` characters.
    steps: String,
    /// Per-step MIDI velocity, only when a step differs from what its character implies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    velocity: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    probability: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ratchet: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nudge: Option<Vec<i8>>,
    /// Euclid mode: hits from the Euclid pulses and rotation parameters.
    #[serde(default, skip_serializing_if = "is_false")]
    euclid: bool,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// The velocity a step's character stands for.
fn implied_velocity(step: &Step) -> u8 {
    pattern_string::implied_velocity(pattern_string::step_char(step))
}

/// The per-step values, or `None` when every one equals `neutral`.
fn column<T: Copy + PartialEq>(
    steps: &[Step],
    value: impl Fn(&Step) -> T,
    neutral: impl Fn(&Step) -> T,
) -> Option<Vec<T>> {
    steps
        .iter()
        .any(|step| value(step) != neutral(step))
        .then(|| steps.iter().map(value).collect())
}

impl From<&TrackDoc> for TrackV1 {
    fn from(track: &TrackDoc) -> Self {
        let pattern = &track.pattern;
        let steps = &pattern.steps[..usize::from(pattern.length)];
        TrackV1 {
            name: track.name.clone(),
            length: pattern.length,
            rate: pattern.rate.label(),
            channel: pattern.channel + 1,
            note: pattern.note,
            steps: pattern_string::print(steps),
            velocity: column(steps, |s| s.velocity, implied_velocity),
            probability: column(steps, |s| s.probability, |_| Step::REST.probability),
            ratchet: column(steps, |s| s.ratchet, |_| Step::REST.ratchet),
            nudge: column(steps, |s| s.nudge, |_| Step::REST.nudge),
            euclid: pattern.euclid,
        }
    }
}

fn in_range<T: PartialOrd + std::fmt::Display>(
    what: &str,
    value: T,
    low: T,
    high: T,
) -> Result<T, StateError> {
    if value < low || value > high {
        return Err(StateError::Invalid(format!(
            "{what} {value} is outside {low}–{high}"
        )));
    }
    Ok(value)
}

/// Applies an optional per-step column to `steps`, checking its length and range.
fn apply_column<T: Copy + PartialOrd + std::fmt::Display>(
    what: &str,
    column: Option<&[T]>,
    (low, high): (T, T),
    steps: &mut [Step],
    set: impl Fn(&mut Step, T),
) -> Result<(), StateError> {
    let Some(values) = column else {
        return Ok(());
    };
    if values.len() != steps.len() {
        return Err(StateError::Invalid(format!(
            "{what} has {} values for {} steps",
            values.len(),
            steps.len()
        )));
    }
    for (step, value) in steps.iter_mut().zip(values) {
        set(step, in_range(what, *value, low, high)?);
    }
    Ok(())
}

impl TryFrom<&TrackV1> for TrackDoc {
    type Error = StateError;

    fn try_from(saved: &TrackV1) -> Result<Self, StateError> {
        let length = in_range("length", saved.length, 1, MAX_STEPS as u8)?;
        let rate = StepRate::parse(&saved.rate)
            .ok_or_else(|| StateError::Invalid(format!("unknown rate {:?}", saved.rate)))?;
        let channel = in_range("channel", saved.channel, 1, 16)? - 1;
        let note = in_range("note", saved.note, 0, 127)?;
        let parsed = pattern_string::parse(&saved.steps)
            .map_err(|error| StateError::Invalid(format!("steps: {error}")))?;
        if parsed.len() != usize::from(length) {
            return Err(StateError::Invalid(format!(
                "steps has {} characters for length {length}",
                parsed.len()
            )));
        }
        let mut pattern = TrackPattern {
            length,
            rate,
            channel,
            note,
            euclid: saved.euclid,
            ..TrackPattern::empty(note)
        };
        let steps = &mut pattern.steps[..parsed.len()];
        steps.copy_from_slice(&parsed);
        let velocity = saved.velocity.as_deref();
        apply_column("velocity", velocity, (1, 127), steps, |s, v| s.velocity = v)?;
        let probability = saved.probability.as_deref();
        apply_column("probability", probability, (0, 100), steps, |s, v| {
            s.probability = v
        })?;
        let ratchet = saved.ratchet.as_deref();
        apply_column("ratchet", ratchet, (1, MAX_RATCHET), steps, |s, v| {
            s.ratchet = v
        })?;
        let nudge = saved.nudge.as_deref();
        let nudge_range = (-MAX_NUDGE_PERCENT, MAX_NUDGE_PERCENT);
        apply_column("nudge", nudge, nudge_range, steps, |s, v| s.nudge = v)?;
        Ok(TrackDoc {
            name: saved.name.clone(),
            pattern,
        })
    }
}

impl PatternDoc {
    /// The canonical JSON text of this document. The same document always gives the same bytes.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.saved_form()).expect("the pattern document always serializes")
    }

    fn saved_form(&self) -> StateV1 {
        StateV1 {
            format: FORMAT.to_owned(),
            version: VERSION,
            seed: self.seed,
            tracks: self.tracks.iter().map(TrackV1::from).collect(),
        }
    }

    /// Reads a document saved by this or an older version.
    pub fn from_json(text: &str) -> Result<PatternDoc, StateError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| StateError::Corrupt(e.to_string()))?;
        PatternDoc::from_value(value)
    }

    fn from_value(value: serde_json::Value) -> Result<PatternDoc, StateError> {
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(StateError::Foreign);
        }
        let version = value
            .get("version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| StateError::Invalid("version is missing".to_owned()))?;
        if version > u64::from(VERSION) {
            return Err(StateError::NewerVersion(
                u32::try_from(version).unwrap_or(u32::MAX),
            ));
        }
        let state: StateV1 =
            serde_json::from_value(value).map_err(|e| StateError::Invalid(e.to_string()))?;
        if state.tracks.len() > MAX_TRACKS {
            return Err(StateError::Invalid(format!(
                "{} tracks; at most {MAX_TRACKS}",
                state.tracks.len()
            )));
        }
        let mut doc = PatternDoc::empty();
        doc.seed = state.seed;
        for (slot, saved) in doc.tracks.iter_mut().zip(&state.tracks) {
            *slot = TrackDoc::try_from(saved)?;
        }
        Ok(doc)
    }
}

impl Serialize for PatternDoc {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.saved_form().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PatternDoc {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        PatternDoc::from_value(value).map_err(serde::de::Error::custom)
    }
}
