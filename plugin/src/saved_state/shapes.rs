//! The pattern document of every format version, field for field as written. These shapes are
//! frozen: a format change adds a new shape and a step in [`super::migrate`], it never edits an
//! old one, so old projects keep loading.

use serde::{Deserialize, Serialize};

/// Version 1: one pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatternV1 {
    pub format: String,
    pub version: u32,
    pub seed: u32,
    pub tracks: Vec<Track>,
}

/// Version 2: the slots that are not empty, in slot order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatternV2 {
    pub format: String,
    pub version: u32,
    pub slots: Vec<SlotV2>,
}

/// One pattern slot in version 2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SlotV2 {
    /// 1–16, as musicians count.
    pub slot: u8,
    pub seed: u32,
    pub tracks: Vec<Track>,
}

/// One track, the same in versions 1 and 2 (version 1 was never written with `notes`, which
/// came with version 2, but reads it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Track {
    pub name: String,
    pub length: u8,
    pub rate: String,
    /// 1–16, as musicians count.
    pub channel: u8,
    pub note: u8,
    /// The steps as a pattern string, `length` characters.
    pub steps: String,
    /// Per-step MIDI velocity, only when a step differs from what its character implies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratchet: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nudge: Option<Vec<i8>>,
    /// Per-step MIDI note, `null` where the step plays the track's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<Option<u8>>>,
    /// Euclid mode: hits from the Euclid pulses and rotation parameters.
    #[serde(default, skip_serializing_if = "is_false")]
    pub euclid: bool,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// Version 3: version 2 with trig conditions per step, a playback direction and a melodic flag
/// per track, and a scale per slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatternV3 {
    pub format: String,
    pub version: u32,
    pub slots: Vec<SlotV3>,
}

/// One pattern slot in version 3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SlotV3 {
    /// 1–16, as musicians count.
    pub slot: u8,
    pub seed: u32,
    /// Root and scale (`"D dorian"`); absent for C chromatic (no scale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<String>,
    pub tracks: Vec<TrackV3>,
}

/// One track in version 3: every field of [`Track`], then `conditions`, `direction` and
/// `melodic`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrackV3 {
    pub name: String,
    pub length: u8,
    pub rate: String,
    /// 1–16, as musicians count.
    pub channel: u8,
    pub note: u8,
    /// The steps as a pattern string, `length` characters.
    pub steps: String,
    /// Per-step MIDI velocity, only when a step differs from what its character implies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratchet: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nudge: Option<Vec<i8>>,
    /// Per-step MIDI note, `null` where the step plays the track's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<Option<u8>>>,
    /// Euclid mode: hits from the Euclid pulses and rotation parameters.
    #[serde(default, skip_serializing_if = "is_false")]
    pub euclid: bool,
    /// Per-step trig condition in its text form (`""` for none, `"1:2"`, `"!1st"`, …), only when
    /// a step has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<String>>,
    /// Playback direction (`reverse`, `pendulum`, `random`); absent for forward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// A melodic track follows transposition and the slot's scale; written only when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub melodic: bool,
}

impl From<Track> for TrackV3 {
    /// A version-2 track as version 3: no conditions, forward.
    fn from(track: Track) -> Self {
        TrackV3 {
            name: track.name,
            length: track.length,
            rate: track.rate,
            channel: track.channel,
            note: track.note,
            steps: track.steps,
            velocity: track.velocity,
            probability: track.probability,
            ratchet: track.ratchet,
            nudge: track.nudge,
            notes: track.notes,
            euclid: track.euclid,
            conditions: None,
            direction: None,
            melodic: false,
        }
    }
}

/// Version 4: version 3 with modulation lanes, note cycles and exact track frequencies; the slots
/// that are not empty, in slot order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatternV4 {
    pub format: String,
    pub version: u32,
    pub slots: Vec<SlotV4>,
}

/// One pattern slot in version 4.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SlotV4 {
    /// 1–16, as musicians count.
    pub slot: u8,
    pub seed: u32,
    /// Root and scale (`"D dorian"`); absent for C chromatic (no scale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<String>,
    pub tracks: Vec<TrackV4>,
}

/// One track in version 4: every field of [`TrackV3`], then the exact frequency, the note cycle
/// and the modulation lanes (each only when set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrackV4 {
    pub name: String,
    pub length: u8,
    pub rate: String,
    /// 1–16, as musicians count.
    pub channel: u8,
    pub note: u8,
    /// The steps as a pattern string, `length` characters.
    pub steps: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratchet: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nudge: Option<Vec<i8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<Option<u8>>>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub euclid: bool,
    /// Per-step trig condition in its text form, only when a step has one (as in version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<String>>,
    /// Playback direction; absent for forward (as in version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// A melodic track follows transposition and the slot's scale; written only when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub melodic: bool,
    /// The track's pitch as an exact frequency in Hz (`note` is the nearest MIDI note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freq: Option<f32>,
    /// The note cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<CycleV4>,
    /// The lanes that differ from an empty lane.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lanes: Vec<LaneV4>,
}

/// A note cycle in version 4.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CycleV4 {
    /// Frequencies in Hz, in order.
    pub hz: Vec<f32>,
    /// The played hit (counted from the song start) that plays the first.
    pub origin: i64,
}

/// A modulation lane in version 4.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LaneV4 {
    /// 1–4.
    pub lane: u8,
    /// `off`, `cc<number>` (`cc74`) or `bend`.
    pub midi: String,
    pub length: u8,
    /// 0–16383.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<u16>,
    /// `length` values, 0–16383, `null` for none.
    pub values: Vec<Option<u16>>,
}

impl TrackV4 {
    /// A version-3 track as version 4: no frequency, cycle or lanes.
    pub fn from_v3(track: TrackV3) -> TrackV4 {
        TrackV4 {
            name: track.name,
            length: track.length,
            rate: track.rate,
            channel: track.channel,
            note: track.note,
            steps: track.steps,
            velocity: track.velocity,
            probability: track.probability,
            ratchet: track.ratchet,
            nudge: track.nudge,
            notes: track.notes,
            euclid: track.euclid,
            conditions: track.conditions,
            direction: track.direction,
            melodic: track.melodic,
            freq: None,
            cycle: None,
            lanes: Vec::new(),
        }
    }

    /// The fields version 3 has.
    pub fn v3_part(&self) -> TrackV3 {
        TrackV3 {
            name: self.name.clone(),
            length: self.length,
            rate: self.rate.clone(),
            channel: self.channel,
            note: self.note,
            steps: self.steps.clone(),
            velocity: self.velocity.clone(),
            probability: self.probability.clone(),
            ratchet: self.ratchet.clone(),
            nudge: self.nudge.clone(),
            notes: self.notes.clone(),
            euclid: self.euclid,
            conditions: self.conditions.clone(),
            direction: self.direction.clone(),
            melodic: self.melodic,
        }
    }
}
