//! Host parameters: what a DAW automates. The pattern itself is persisted alongside them.

use std::sync::Arc;

use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::*;

use crate::document::store::PatternStore;
use crate::engine::pattern::MAX_TRACKS;
use crate::engine::performance::{Performance, TrackPerformance, MAX_SWING, MIN_SWING};
use crate::osc_out::{OscOutSettings, SettingsCell};

/// Every host parameter plus the persisted pattern document.
#[derive(Params)]
pub struct SeqParams {
    /// The pattern document, saved with the project as JSON. Read and edited by non-real-time
    /// threads only; the audio thread sees it through published snapshots.
    #[persist = "pattern"]
    pub pattern: PatternStore,

    /// Where and how OSC gates are sent, saved with the project. Written by state loads and the
    /// editor, read by the OSC sidecar thread.
    #[persist = "osc_out"]
    pub osc_out: OscSettingsField,

    /// Swing of odd steps in percent (50 straight, 75 hard). Set by the host, read by audio.
    #[id = "swing"]
    pub swing: FloatParam,

    /// Host bypass: all notes end and the sequencer stays silent. Set by the host, read by audio.
    #[id = "bypass"]
    pub bypass: BoolParam,

    /// Whether gates go out over OSC. Set by the host, read by audio.
    #[id = "osc_on"]
    pub osc_enabled: BoolParam,

    /// Extra delay of OSC gates in milliseconds, to line the modular up with the DAW's output.
    /// Set by the host, read by audio.
    #[id = "osc_delay"]
    pub osc_delay_ms: FloatParam,

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

/// Reads a number, with or without the trailing `unit`.
fn number_text(unit: &'static str) -> TextToValue {
    Arc::new(move |text| {
        let text = text.trim();
        text.strip_suffix(unit.trim())
            .unwrap_or(text)
            .trim()
            .parse()
            .ok()
    })
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
            .with_string_to_value(number_text("%")),
        }
    }
}

impl SeqParams {
    /// Parameters at their defaults around `pattern` and the OSC settings.
    pub fn new(pattern: PatternStore, osc_out: Arc<SettingsCell>) -> Self {
        SeqParams {
            pattern,
            osc_out: OscSettingsField(osc_out),
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
            .with_string_to_value(number_text("%")),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
            osc_enabled: BoolParam::new("OSC Out", true),
            osc_delay_ms: FloatParam::new(
                "OSC Delay",
                0.0,
                FloatRange::Linear {
                    min: 0.0,
                    max: 250.0,
                },
            )
            .with_step_size(0.1)
            .with_unit(" ms")
            .with_value_to_string(fixed_decimals(1))
            .with_string_to_value(number_text(" ms")),
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

/// The OSC settings as a persisted field.
pub struct OscSettingsField(pub Arc<SettingsCell>);

impl<'a> PersistentField<'a, OscOutSettings> for OscSettingsField {
    fn set(&self, new_value: OscOutSettings) {
        self.0.set(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&OscOutSettings) -> R,
    {
        f(&self.0.get())
    }
}
