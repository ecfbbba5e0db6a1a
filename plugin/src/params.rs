//! Host parameters: what a DAW automates. The pattern itself is persisted alongside them.

use std::sync::Arc;

use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::*;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::edit::PatternStore;
use crate::editor::size::EditorSizeField;
use crate::engine::midi_input::{MidiInputSettings, TransposeMode};
use crate::engine::pattern::{MAX_STEPS, MAX_TRACKS, SLOT_COUNT};
use crate::engine::performance::{
    Performance, TrackPerformance, DEFAULT_EUCLID_PULSES, MAX_GATE, MAX_SWING, MIN_GATE, MIN_SWING,
};
use crate::engine::slot_switch::SlotQuantize;
use crate::osc_in::OscInSettings;
use crate::osc_out::OscOutSettings;
use crate::versioned_cell::VersionedCell;

/// Every host parameter plus the persisted pattern document.
#[derive(Params)]
pub struct SeqParams {
    /// The pattern document, saved with the project as JSON. Read and edited by non-real-time
    /// threads only; the audio thread sees it through published snapshots.
    #[persist = "pattern"]
    pub pattern: PatternStore,

    /// Where and how OSC gates are sent, saved with the project. Written by state loads, the
    /// editor and OSC commands (through the edit layer), read by the OSC sidecar thread.
    #[persist = "osc_out"]
    pub osc_out: PersistedCell<OscOutSettings>,

    /// Where the OSC input listens, saved with the project. Written by state loads (any thread,
    /// the audio thread included: a plain data change), read by the OSC input's supervisor
    /// thread, which rebinds when the version changes.
    #[persist = "osc_in"]
    pub osc_in: PersistedCell<OscInSettings>,

    /// The editor window's size in logical points, saved with the project. Written by the GUI
    /// thread when the window is resized and by state loads; read when the editor opens.
    #[persist = "editor_size"]
    pub editor_size: EditorSizeField,

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

    /// The pattern slot that plays, 1–16; automation chains patterns. Set by the host, read by
    /// audio, which switches at the `slot_quantize` point.
    #[id = "slot"]
    pub slot: IntParam,

    /// When a slot change takes effect. Set by the host, read by audio.
    #[id = "slot_quantize"]
    pub slot_quantize: EnumParam<QuantizeChoice>,

    /// Fill: steps with the `fill` trig condition play, steps with `!fill` rest. Sample-accurate
    /// (a block splits at its automation points). Set by the host or through the parameter
    /// gateway (editor, OSC `/chronus/fill`), read by audio.
    #[id = "fill"]
    pub fill: BoolParam,

    /// MIDI channel (1–16, 0 off) whose keys transpose the melodic tracks. Set by the host,
    /// read by audio.
    #[id = "transpose_channel"]
    pub transpose_channel: IntParam,

    /// Whether a played key keeps transposing after release (latch) or only while held. Set by
    /// the host, read by audio.
    #[id = "transpose_mode"]
    pub transpose_mode: EnumParam<TransposeChoice>,

    /// The key that means no transposition (C3 = 48 by default). Set by the host, read by audio.
    #[id = "reference_key"]
    pub reference_key: IntParam,

    /// MIDI channel (1–16, 0 off) whose keys in the slot range select pattern slots. Set by
    /// the host, read by audio.
    #[id = "slot_key_channel"]
    pub slot_key_channel: IntParam,

    /// The key that selects slot 1; the next fifteen keys select slots 2–16. Set by the host,
    /// read by audio.
    #[id = "slot_low_key"]
    pub slot_low_key: IntParam,

    /// Per-track controls, ids `mute_N`, `solo_N`, `gate_N`, `pulses_N`, `rotation_N` for
    /// N = 1 … 16.
    #[nested(array, group = "Track")]
    pub tracks: [TrackParams; MAX_TRACKS],
}

/// How a played key transposes, as the host shows it.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransposeChoice {
    /// The last key played keeps transposing.
    #[id = "latch"]
    Latch,
    /// Only while a key is held.
    #[id = "hold"]
    Hold,
}

impl From<TransposeMode> for TransposeChoice {
    fn from(mode: TransposeMode) -> TransposeChoice {
        match mode {
            TransposeMode::Latch => TransposeChoice::Latch,
            TransposeMode::Hold => TransposeChoice::Hold,
        }
    }
}

impl From<TransposeChoice> for TransposeMode {
    fn from(choice: TransposeChoice) -> TransposeMode {
        match choice {
            TransposeChoice::Latch => TransposeMode::Latch,
            TransposeChoice::Hold => TransposeMode::Hold,
        }
    }
}

impl TransposeChoice {
    /// The parameter value's id, as the host saves it and OSC names it: `latch` or `hold`.
    pub fn id(self) -> &'static str {
        match self {
            TransposeChoice::Latch => "latch",
            TransposeChoice::Hold => "hold",
        }
    }
}

/// When a slot change takes effect, as the host shows it.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantizeChoice {
    /// At once, on the next sample.
    #[id = "now"]
    Now,
    /// On the next step of the grid.
    #[id = "step"]
    #[name = "Next Step"]
    NextStep,
    /// On the next bar line (a loop wrap counts as one).
    #[id = "bar"]
    #[name = "Next Bar"]
    NextBar,
}

impl From<QuantizeChoice> for SlotQuantize {
    fn from(choice: QuantizeChoice) -> SlotQuantize {
        match choice {
            QuantizeChoice::Now => SlotQuantize::Now,
            QuantizeChoice::NextStep => SlotQuantize::NextStep,
            QuantizeChoice::NextBar => SlotQuantize::NextBar,
        }
    }
}

impl From<SlotQuantize> for QuantizeChoice {
    fn from(quantize: SlotQuantize) -> QuantizeChoice {
        match quantize {
            SlotQuantize::Now => QuantizeChoice::Now,
            SlotQuantize::NextStep => QuantizeChoice::NextStep,
            SlotQuantize::NextBar => QuantizeChoice::NextBar,
        }
    }
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
    /// Euclid mode: hits spread over the track's length. Set by the host, read by audio.
    #[id = "pulses"]
    pub euclid_pulses: IntParam,
    /// Euclid mode: steps the rhythm is turned left by. Set by the host, read by audio.
    #[id = "rotation"]
    pub euclid_rotation: IntParam,
}

/// A linear parameter shown with `unit` (e.g. `" %"`) whose steps are `decimals` decimal places, shown with exactly
/// that many decimals, so its text always parses back to the same value.
fn stepped_param(
    name: String,
    default: f32,
    (min, max): (f32, f32),
    decimals: usize,
    unit: &'static str,
) -> FloatParam {
    let step = 10f32.powi(-(decimals as i32));
    FloatParam::new(name, default, FloatRange::Linear { min, max })
        .with_step_size(step)
        .with_unit(unit)
        .with_value_to_string(Arc::new(move |value| format!("{value:.decimals$}")))
        .with_string_to_value(Arc::new(move |text| {
            let text = text.trim();
            let number = text.strip_suffix(unit.trim()).unwrap_or(text);
            number.trim().parse().ok()
        }))
}

impl TrackParams {
    fn new(index: usize) -> Self {
        let number = index + 1;
        TrackParams {
            mute: BoolParam::new(format!("Track {number} Mute"), false),
            solo: BoolParam::new(format!("Track {number} Solo"), false),
            gate: stepped_param(format!("Track {number} Gate"), 50.0, (1.0, 100.0), 0, " %"),
            euclid_pulses: IntParam::new(
                format!("Track {number} Pulses"),
                i32::from(DEFAULT_EUCLID_PULSES),
                IntRange::Linear {
                    min: 0,
                    max: MAX_STEPS as i32,
                },
            ),
            euclid_rotation: IntParam::new(
                format!("Track {number} Rotation"),
                0,
                IntRange::Linear {
                    min: 0,
                    max: MAX_STEPS as i32 - 1,
                },
            ),
        }
    }
}

impl SeqParams {
    /// Parameters at their defaults around the saved parts: `pattern` and the OSC settings.
    pub fn new(
        pattern: PatternStore,
        osc_out: Arc<VersionedCell<OscOutSettings>>,
        osc_in: Arc<VersionedCell<OscInSettings>>,
    ) -> Self {
        SeqParams {
            pattern,
            osc_out: PersistedCell(osc_out),
            osc_in: PersistedCell(osc_in),
            editor_size: EditorSizeField::default(),
            swing: stepped_param(
                "Swing".to_owned(),
                (MIN_SWING * 100.0) as f32,
                ((MIN_SWING * 100.0) as f32, (MAX_SWING * 100.0) as f32),
                1,
                " %",
            ),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
            osc_enabled: BoolParam::new("OSC Out", true),
            osc_delay_ms: stepped_param("OSC Delay".to_owned(), 0.0, (0.0, 250.0), 1, " ms"),
            slot: IntParam::new(
                "Pattern Slot",
                1,
                IntRange::Linear {
                    min: 1,
                    max: SLOT_COUNT as i32,
                },
            ),
            slot_quantize: EnumParam::new("Slot Quantize", QuantizeChoice::NextBar),
            fill: BoolParam::new("Fill", false),
            transpose_channel: channel_param("Transpose Channel"),
            transpose_mode: EnumParam::new("Transpose Mode", TransposeChoice::Latch),
            reference_key: key_param("Reference Key", 48, 127),
            slot_key_channel: channel_param("Slot Key Channel"),
            slot_low_key: key_param("Slot Low Key", 24, 127 - SLOT_COUNT as i32 + 1),
            tracks: std::array::from_fn(TrackParams::new),
        }
    }

    /// The current parameter values as the engine takes them, every one in its range whatever
    /// was stored (a value that is not a number counts as the parameter's default). Reads
    /// atomics only.
    pub fn performance(&self) -> Performance {
        Performance {
            swing: (number_or_default(&self.swing) / 100.0).clamp(MIN_SWING, MAX_SWING),
            tracks: std::array::from_fn(|index| {
                let track = &self.tracks[index];
                TrackPerformance {
                    mute: track.mute.value(),
                    solo: track.solo.value(),
                    gate: (number_or_default(&track.gate) / 100.0).clamp(MIN_GATE, MAX_GATE),
                    euclid_pulses: track.euclid_pulses.value().clamp(0, MAX_STEPS as i32) as u8,
                    euclid_rotation: track.euclid_rotation.value().clamp(0, MAX_STEPS as i32) as u8,
                }
            }),
            slot: (self.slot.value() - 1).clamp(0, SLOT_COUNT as i32 - 1) as u8,
            slot_quantize: self.slot_quantize.value().into(),
            fill: self.fill.value(),
        }
    }
}

/// A MIDI input channel: 1–16, 0 off (shown as `Off`), channel 1 by default.
fn channel_param(name: &str) -> IntParam {
    IntParam::new(name, 1, IntRange::Linear { min: 0, max: 16 })
        .with_value_to_string(Arc::new(|channel| match channel {
            0 => "Off".to_owned(),
            channel => channel.to_string(),
        }))
        .with_string_to_value(Arc::new(|text| match text.trim() {
            off if off.eq_ignore_ascii_case("off") => Some(0),
            number => number
                .parse()
                .ok()
                .filter(|channel| (0..=16).contains(channel)),
        }))
}

/// A MIDI key 0–`max`, shown and typed as a note name with its number (`C3 · 48`).
fn key_param(name: &str, default: i32, max: i32) -> IntParam {
    IntParam::new(name, default, IntRange::Linear { min: 0, max })
        .with_value_to_string(Arc::new(|key| {
            crate::edit::notes::note_name(key.clamp(0, 127) as u8)
        }))
        .with_string_to_value(Arc::new(move |text| {
            crate::edit::notes::parse_note(text)
                .map(i32::from)
                .filter(|key| *key <= max)
        }))
}

impl SeqParams {
    /// What the MIDI input listens for, from the host parameters. Reads atomics only.
    pub fn midi_input_settings(&self) -> MidiInputSettings {
        let channel = |param: &IntParam| match param.value() {
            channel @ 1..=16 => Some(channel as u8 - 1),
            _ => None,
        };
        MidiInputSettings {
            transpose_channel: channel(&self.transpose_channel),
            mode: self.transpose_mode.value().into(),
            reference_key: self.reference_key.value().clamp(0, 127) as u8,
            slot_channel: channel(&self.slot_key_channel),
            slot_low_key: self.slot_low_key.value().clamp(0, 127) as u8,
        }
    }
}

/// The value of `param`, or its default when the value is not a number. nice-plug stores what
/// it is given: its wrappers refuse non-finite host values, but a NaN set through the
/// framework's own setters (state, the plugin's own changes) is kept, and clamping keeps a NaN.
fn number_or_default(param: &FloatParam) -> f64 {
    let value = param.value();
    f64::from(if value.is_nan() {
        param.default_plain_value()
    } else {
        value
    })
}

/// A [`VersionedCell`] saved with the project. Restoring state only stores the value (a plain
/// data change, safe on any thread); whoever uses the value notices the new version.
#[derive(Debug, Default)]
pub struct PersistedCell<T>(pub Arc<VersionedCell<T>>);

impl<'a, T> PersistentField<'a, T> for PersistedCell<T>
where
    T: Clone + Serialize + DeserializeOwned + Send + Sync,
{
    fn set(&self, new_value: T) {
        self.0.set(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&T) -> R,
    {
        f(&self.0.get())
    }
}

impl std::fmt::Debug for SeqParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeqParams").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for TrackParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackParams").finish_non_exhaustive()
    }
}
