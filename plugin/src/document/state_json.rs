//! The persisted form of the document: versioned, human-readable JSON in which each track's
//! steps appear as a pattern string. `docs/STATE.md` describes the format. Version 2 holds
//! every non-empty pattern slot; version 1 (one pattern) loads into slot 1.

use serde::{Deserialize, Serialize};

use super::pattern_string;
use super::{PatternDoc, SongDoc, TrackDoc};
use crate::engine::pattern::{
    Step, StepRate, TrackPattern, MAX_NUDGE_PERCENT, MAX_RATCHET, MAX_STEPS, MAX_TRACKS, SLOT_COUNT,
};

/// Value of the `format` field that marks our state.
pub const FORMAT: &str = "chronus-seq/pattern";
/// The version this build writes. It reads every version up to this one.
pub const VERSION: u32 = 2;

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

/// Version 1 of the format: one pattern.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateV1 {
    format: String,
    version: u32,
    seed: u32,
    tracks: Vec<TrackV1>,
}

/// Version 2 of the format, as written: the slots that are not empty, in slot order.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateV2 {
    format: String,
    version: u32,
    slots: Vec<SlotV2>,
}

/// One pattern slot in version 2.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotV2 {
    /// 1–16, as musicians count.
    slot: u8,
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
    /// Per-step MIDI note, `null` where the step plays the track's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notes: Option<Vec<Option<u8>>>,
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
            notes: column(steps, |s| s.note, |_| None),
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
        if let Some(notes) = &saved.notes {
            let numbered: Vec<u8> = notes.iter().map(|note| note.unwrap_or(0)).collect();
            apply_column("notes", Some(&numbered), (0, 127), steps, |_, _| ())?;
            for (step, note) in steps.iter_mut().zip(notes) {
                step.note = *note;
            }
        }
        Ok(TrackDoc {
            name: saved.name.clone(),
            pattern,
        })
    }
}

impl PatternDoc {
    fn saved_tracks(&self) -> Vec<TrackV1> {
        self.tracks.iter().map(TrackV1::from).collect()
    }

    fn from_saved(seed: u32, tracks: &[TrackV1]) -> Result<PatternDoc, StateError> {
        if tracks.len() > MAX_TRACKS {
            return Err(StateError::Invalid(format!(
                "{} tracks; at most {MAX_TRACKS}",
                tracks.len()
            )));
        }
        let mut doc = PatternDoc::empty();
        doc.seed = seed;
        for (slot, saved) in doc.tracks.iter_mut().zip(tracks) {
            *slot = TrackDoc::try_from(saved)?;
        }
        Ok(doc)
    }
}

impl SongDoc {
    /// The canonical JSON text of this document. The same document always gives the same bytes.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.saved_form()).expect("the document always serializes")
    }

    fn saved_form(&self) -> StateV2 {
        let empty = PatternDoc::empty();
        StateV2 {
            format: FORMAT.to_owned(),
            version: VERSION,
            slots: self
                .slots()
                .enumerate()
                .filter(|(_, pattern)| **pattern != empty)
                .map(|(index, pattern)| SlotV2 {
                    slot: index as u8 + 1,
                    seed: pattern.seed,
                    tracks: pattern.saved_tracks(),
                })
                .collect(),
        }
    }

    /// Reads a document saved by this or an older version.
    pub fn from_json(text: &str) -> Result<SongDoc, StateError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| StateError::Corrupt(e.to_string()))?;
        SongDoc::from_value(value)
    }

    fn from_value(value: serde_json::Value) -> Result<SongDoc, StateError> {
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(StateError::Foreign);
        }
        let version = value
            .get("version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| StateError::Invalid("version is missing".to_owned()))?;
        let invalid = |e: serde_json::Error| StateError::Invalid(e.to_string());
        match version {
            1 => {
                let state: StateV1 = serde_json::from_value(value).map_err(invalid)?;
                Ok(SongDoc::new(PatternDoc::from_saved(
                    state.seed,
                    &state.tracks,
                )?))
            }
            2 => {
                let state: StateV2 = serde_json::from_value(value).map_err(invalid)?;
                let mut song = SongDoc::new(PatternDoc::empty());
                let mut seen = [false; SLOT_COUNT];
                for saved in &state.slots {
                    let slot = usize::from(in_range("slot", saved.slot, 1, SLOT_COUNT as u8)?);
                    if std::mem::replace(&mut seen[slot - 1], true) {
                        return Err(StateError::Invalid(format!("slot {slot} appears twice")));
                    }
                    *song.slot_mut(slot - 1) = PatternDoc::from_saved(saved.seed, &saved.tracks)
                        .map_err(|error| match error {
                            StateError::Invalid(reason) => {
                                StateError::Invalid(format!("slot {slot}: {reason}"))
                            }
                            other => other,
                        })?;
                }
                Ok(song)
            }
            newer if newer > u64::from(VERSION) => Err(StateError::NewerVersion(
                u32::try_from(newer).unwrap_or(u32::MAX),
            )),
            other => Err(StateError::Invalid(format!("unknown version {other}"))),
        }
    }
}

impl Serialize for SongDoc {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.saved_form().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SongDoc {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        SongDoc::from_value(value).map_err(serde::de::Error::custom)
    }
}
