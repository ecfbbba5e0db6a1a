//! The pattern part in the current version: the codec between the document ([`SongDoc`]) and
//! its saved text, with every range checked on the way in. Older versions reach it through
//! [`super::migrate`]; this file only reads the current one.

use serde::{Deserialize, Serialize};

use super::migrate;
use super::shapes::{PatternV4, SlotV4, TrackV3};
use super::version::{parse_json, StateError, Version, FORMAT};
use crate::document::pattern_string;
use crate::document::{PatternDoc, SongDoc, TrackDoc};
use crate::engine::pattern::{
    Condition, Direction, Scale, Step, StepRate, TrackPattern, MAX_NUDGE_PERCENT, MAX_RATCHET,
    MAX_STEPS, MAX_TRACKS, SLOT_COUNT,
};

/// The canonical text of `song` in the current version. The same document always gives the
/// same bytes.
pub fn encode(song: &SongDoc) -> String {
    serde_json::to_string(&saved_form(song)).expect("the document always serializes")
}

/// Reads a pattern document of the current version.
pub fn decode(text: &str) -> Result<SongDoc, StateError> {
    decode_value(parse_json(text)?)
}

/// Reads a pattern document of any version this build reads (older ones through the migration
/// chain).
pub fn read_any_version(text: &str) -> Result<SongDoc, StateError> {
    decode(&migrate::pattern_to_current(text)?)
}

impl SongDoc {
    /// The canonical JSON text of this document (see [`encode`]).
    pub fn to_json(&self) -> String {
        encode(self)
    }

    /// Reads a document saved by this or an older version (see [`read_any_version`]).
    pub fn from_json(text: &str) -> Result<SongDoc, StateError> {
        read_any_version(text)
    }
}

/// The framework writes the `pattern` field with this: [`encode`].
impl Serialize for SongDoc {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        saved_form(self).serialize(serializer)
    }
}

/// The framework reads the `pattern` field with this, after `Plugin::filter_state` brought it
/// to the current version: [`decode`].
impl<'de> Deserialize<'de> for SongDoc {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        decode_value(value).map_err(serde::de::Error::custom)
    }
}

fn saved_form(song: &SongDoc) -> PatternV4 {
    let empty = PatternDoc::empty();
    PatternV4 {
        format: FORMAT.to_owned(),
        version: Version::CURRENT.number(),
        slots: song
            .slots()
            .enumerate()
            .filter(|(_, pattern)| **pattern != empty)
            .map(|(index, pattern)| SlotV4 {
                slot: index as u8 + 1,
                seed: pattern.seed,
                scale: (pattern.scale != Scale::default()).then(|| pattern.scale.label()),
                tracks: pattern
                    .tracks
                    .iter()
                    .map(super::lanes::track_to_saved)
                    .collect(),
            })
            .collect(),
    }
}

fn decode_value(value: serde_json::Value) -> Result<SongDoc, StateError> {
    let version = Version::of_pattern(&value)?;
    if version != Version::CURRENT {
        return Err(StateError::Invalid(format!(
            "version {} must go through the migration chain first",
            version.number()
        )));
    }
    let state: PatternV4 =
        serde_json::from_value(value).map_err(|e| StateError::Invalid(e.to_string()))?;
    let mut song = SongDoc::new(PatternDoc::empty());
    let mut seen = [false; SLOT_COUNT];
    for saved in &state.slots {
        let slot = usize::from(in_range("slot", saved.slot, 1, SLOT_COUNT as u8)?);
        if std::mem::replace(&mut seen[slot - 1], true) {
            return Err(StateError::Invalid(format!("slot {slot} appears twice")));
        }
        *song.slot_mut(slot - 1) = pattern_from_saved(saved).map_err(|error| match error {
            StateError::Invalid(reason) => StateError::Invalid(format!("slot {slot}: {reason}")),
            other => other,
        })?;
    }
    Ok(song)
}

fn pattern_from_saved(saved: &SlotV4) -> Result<PatternDoc, StateError> {
    let tracks = &saved.tracks;
    if tracks.len() > MAX_TRACKS {
        return Err(StateError::Invalid(format!(
            "{} tracks; at most {MAX_TRACKS}",
            tracks.len()
        )));
    }
    let mut doc = PatternDoc::empty();
    doc.seed = saved.seed;
    if let Some(text) = &saved.scale {
        let (root, name) = text.split_once(' ').unwrap_or((text, ""));
        doc.scale = crate::edit::values::parse_scale(root, name)
            .map_err(|error| StateError::Invalid(format!("scale: {}", error.reason)))?;
    }
    for (slot, saved) in doc.tracks.iter_mut().zip(tracks) {
        *slot = super::lanes::track_from_saved(saved)?;
    }
    Ok(doc)
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

impl From<&TrackDoc> for TrackV3 {
    fn from(track: &TrackDoc) -> Self {
        let pattern = &track.pattern;
        let steps = &pattern.steps[..usize::from(pattern.length)];
        TrackV3 {
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
            conditions: column(steps, |s| s.condition, |_| Condition::Always)
                .map(|conditions| conditions.iter().map(|c| c.label()).collect()),
            direction: (pattern.direction != Direction::Forward)
                .then(|| pattern.direction.name().to_owned()),
            melodic: pattern.melodic,
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

impl TryFrom<&TrackV3> for TrackDoc {
    type Error = StateError;

    fn try_from(saved: &TrackV3) -> Result<Self, StateError> {
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
            melodic: saved.melodic,
            direction: match &saved.direction {
                None => Direction::Forward,
                Some(name) => Direction::parse(name)
                    .ok_or_else(|| StateError::Invalid(format!("unknown direction {name:?}")))?,
            },
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
        if let Some(conditions) = &saved.conditions {
            if conditions.len() != steps.len() {
                return Err(StateError::Invalid(format!(
                    "conditions has {} values for {} steps",
                    conditions.len(),
                    steps.len()
                )));
            }
            for (step, text) in steps.iter_mut().zip(conditions) {
                step.condition = Condition::parse(text)
                    .map_err(|reason| StateError::Invalid(format!("conditions: {reason}")))?;
            }
        }
        Ok(TrackDoc {
            name: saved.name.clone(),
            pattern,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_framework_codec_reads_only_the_current_version() {
        let v1 = r#"{"format":"chronus-seq/pattern","version":1,"seed":0,"tracks":[]}"#;
        let error = serde_json::from_str::<SongDoc>(v1).expect_err("version 1 is migrated first");
        assert!(error.to_string().contains("migration chain"), "{error}");
        assert_eq!(read_any_version(v1), Ok(SongDoc::new(PatternDoc::empty())));
        let current = encode(&SongDoc::default());
        assert_eq!(
            serde_json::to_string(&SongDoc::default()).ok(),
            Some(current.clone())
        );
        assert_eq!(
            serde_json::from_str::<SongDoc>(&current).ok(),
            Some(SongDoc::default())
        );
    }

    #[test]
    fn conditions_and_directions_round_trip_and_bad_ones_are_refused() {
        let mut doc = PatternDoc::empty();
        let track = &mut doc.tracks[2].pattern;
        track.length = 3;
        track.direction = Direction::Pendulum;
        track.steps[0] = Step {
            condition: Condition::Ratio { a: 3, b: 8 },
            ..Step::hit(100)
        };
        track.steps[2].condition = Condition::NotNeighbour;
        track.melodic = true;
        doc.scale = Scale {
            root: 6,
            kind: crate::engine::pattern::ScaleKind::HarmonicMinor,
        };
        let song = SongDoc::new(doc);
        let text = encode(&song);
        assert!(
            text.contains(
                r#""conditions":["3:8","","!nei"],"direction":"pendulum","melodic":true"#
            ),
            "{text}"
        );
        assert!(text.contains(r#""scale":"F# harmonic-minor""#), "{text}");
        assert_eq!(decode(&text), Ok(song));
        for (from, to, reason) in [
            (r#""3:8""#, r#""9:8""#, "conditions: `9:8`"),
            (r#""!nei""#, r#""nie""#, "`nie` is not a condition"),
            (r#""pendulum""#, r#""sideways""#, "unknown direction"),
            (r#","!nei"]"#, "]", "conditions has 2 values for 3 steps"),
            ("harmonic-minor", "bebop", "scale: `bebop` is not a scale"),
            ("F# ", "H ", "scale: `H` is not a root"),
        ] {
            let broken = text.replace(from, to);
            match decode(&broken) {
                Err(StateError::Invalid(got)) => assert!(got.contains(reason), "{got}"),
                other => panic!("{broken}: {other:?}"),
            }
        }
    }
}
