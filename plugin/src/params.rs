//! Host parameters: what a DAW automates. The pattern itself is persisted alongside them.

use std::sync::Arc;

use nice_plug::prelude::*;

use crate::document::store::PatternStore;
use crate::engine::pattern::MAX_TRACKS;
use crate::engine::performance::{Performance, TrackPerformance, MAX_SWING, MIN_SWING};

/// Every host parameter plus the persisted pattern document.
#[derive(Params)]
pub struct SeqParams {
    /// The pattern document, saved with the project as JSON. Read and edited by non-real-time
    /// threads only; the audio thread sees it through published snapshots.
    #[persist = "pattern"]
    pub pattern: PatternStore,

    /// Swing of odd steps in percent (50 straight, 75 hard). Set by the host, read by audio.
    #[id = "swing"]
    pub swing: FloatParam,

    /// Host bypass: all notes end and the sequencer stays silent. Set by the host, read by audio.
    #[id = "bypass"]
    pub bypass: BoolParam,

    /// Per-track controls, ids `mute_1`, `solo_1`, `gate_1` … `gate_16`.
    #[nested(array, group = "Track")]
    pub tracks: [TrackParams; MAX_TRACKS],
}

/// The automatable controls of one track.
#[derive(Params)]
pub struct TrackParams {
    /// Silences the track and ends its notes. Set by the host, read by audio.
    #[id = "mute"]
    pub mute: BoolParam,
    /// When any track is soloed only soloed tracks play. Set by the host, read by audio.
    #[id = "solo"]
    pub solo: BoolParam,
    /// Note length in percent of a step. Set by the host, read by audio.
    #[id = "gate"]
    pub gate: FloatParam,
}

/// Turns a parameter value into its display text.
type ValueToText = Arc<dyn Fn(f32) -> String + Send + Sync>;
/// Reads a parameter value back from text.
type TextToValue = Arc<dyn Fn(&str) -> Option<f32> + Send + Sync>;

/// Shows a value with a fixed number of decimals that parses back to the same value.
fn fixed_decimals(decimals: usize) -> ValueToText {
    Arc::new(move |value| format!("{value:.decimals$}"))
}

/// Reads a number, with or without a trailing `%`.
fn percent_text() -> TextToValue {
    Arc::new(|text| text.trim().trim_end_matches('%').trim().parse().ok())
}

impl TrackParams {
    fn new(index: usize) -> Self {
        let number = index + 1;
        TrackParams {
            mute: BoolParam::new(format!("Track {number} Mute"), false),
            solo: BoolParam::new(format!("Track {number} Solo"), false),
            gate: FloatParam::new(
                format!("Track {number} Gate"),
                50.0,
                FloatRange::Linear {
                    min: 1.0,
                    max: 100.0,
                },
            )
            .with_step_size(1.0)
            .with_unit(" %")
            .with_value_to_string(fixed_decimals(0))
            .with_string_to_value(percent_text()),
        }
    }
}

impl SeqParams {
    /// Parameters at their defaults around `pattern`.
    pub fn new(pattern: PatternStore) -> Self {
        SeqParams {
            pattern,
            swing: FloatParam::new(
                "Swing",
                (MIN_SWING * 100.0) as f32,
                FloatRange::Linear {
                    min: (MIN_SWING * 100.0) as f32,
                    max: (MAX_SWING * 100.0) as f32,
                },
            )
            .with_step_size(0.1)
            .with_unit(" %")
            .with_value_to_string(fixed_decimals(1))
            .with_string_to_value(percent_text()),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
            tracks: std::array::from_fn(TrackParams::new),
        }
    }

    /// The current parameter values as the engine takes them. Reads atomics only.
    pub fn performance(&self) -> Performance {
        Performance {
            swing: f64::from(self.swing.value()) / 100.0,
            tracks: std::array::from_fn(|index| {
                let track = &self.tracks[index];
                TrackPerformance {
                    mute: track.mute.value(),
                    solo: track.solo.value(),
                    gate: f64::from(track.gate.value()) / 100.0,
                }
            }),
        }
    }
}
