//! The values a DAW automates, as the engine sees them for one block.

use super::pattern::{MAX_TRACKS, SLOT_COUNT};
use super::slot_switch::SlotQuantize;

/// Smallest swing: straight sixteenths.
pub const MIN_SWING: f64 = 0.50;
/// Largest swing: the odd step sits at three quarters of its pair (MPC 75 %).
pub const MAX_SWING: f64 = 0.75;
/// Shortest gate, as a fraction of a step.
pub const MIN_GATE: f64 = 0.01;
/// Longest gate, as a fraction of a step.
pub const MAX_GATE: f64 = 1.0;

/// Euclid pulses of a track before any automation.
pub const DEFAULT_EUCLID_PULSES: u8 = 4;

/// Per-track performance controls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackPerformance {
    /// The track plays nothing and its sounding notes end.
    pub mute: bool,
    /// When any track is soloed, only soloed tracks play.
    pub solo: bool,
    /// Note length as a fraction of the step, [`MIN_GATE`]–[`MAX_GATE`].
    pub gate: f64,
    /// Euclid mode: hits spread over the track's length.
    pub euclid_pulses: u8,
    /// Euclid mode: steps the pattern is turned left by.
    pub euclid_rotation: u8,
}

impl Default for TrackPerformance {
    fn default() -> Self {
        TrackPerformance {
            mute: false,
            solo: false,
            gate: 0.5,
            euclid_pulses: DEFAULT_EUCLID_PULSES,
            euclid_rotation: 0,
        }
    }
}

/// All performance controls for one block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Performance {
    /// Swing as the position of each odd step inside its pair, [`MIN_SWING`]–[`MAX_SWING`].
    pub swing: f64,
    /// Controls of each track.
    pub tracks: [TrackPerformance; MAX_TRACKS],
    /// The pattern slot asked for, 0 to [`SLOT_COUNT`] − 1 (larger values mean the last).
    pub slot: u8,
    /// When a change of `slot` takes effect.
    pub slot_quantize: SlotQuantize,
    /// Fill: steps with the `fill` condition play, steps with `!fill` rest.
    pub fill: bool,
}

impl Default for Performance {
    fn default() -> Self {
        Performance {
            swing: MIN_SWING,
            tracks: [TrackPerformance::default(); MAX_TRACKS],
            slot: 0,
            slot_quantize: SlotQuantize::default(),
            fill: false,
        }
    }
}

/// `value` clamped to `min ..= max`, and `min` when it is not a number (`f64::clamp` keeps a
/// NaN). The engine reads its fractional controls (swing, gate) through this, so no host value
/// can make a note's timing NaN.
pub(crate) fn clamp_number(value: f64, min: f64, max: f64) -> f64 {
    if value.is_nan() {
        min
    } else {
        value.clamp(min, max)
    }
}

impl Performance {
    /// The slot asked for, as an index below `slot_count` (and below [`SLOT_COUNT`]).
    pub fn slot_index(&self, slot_count: usize) -> usize {
        usize::from(self.slot).min(slot_count.min(SLOT_COUNT).saturating_sub(1))
    }

    /// Which tracks may sound now, after mute and solo.
    pub fn audible_tracks(&self) -> [bool; MAX_TRACKS] {
        let any_solo = self.tracks.iter().any(|t| t.solo);
        std::array::from_fn(|index| {
            let controls = &self.tracks[index];
            !controls.mute && (!any_solo || controls.solo)
        })
    }

    /// Delay swing gives every odd song step (counted from 0 at the song start; even steps
    /// stay on the grid), in beats, for steps `step_beats` long.
    pub fn odd_step_delay(&self, step_beats: f64) -> f64 {
        (clamp_number(self.swing, MIN_SWING, MAX_SWING) - 0.5) * 2.0 * step_beats
    }
}
