//! The Music Chronus voice profile: per hit, the values Music Chronus's own sequencer sets on a
//! voice before it opens the gate (`engine_pyo.py`, `SequencerManager._tick`):
//!
//! | address | value |
//! |---|---|
//! | `/mod/<voice>/freq` | the hit's pitch in Hz (exact: a note cycle or a track frequency) |
//! | `/mod/<voice>/amp` | `base_amp × level` |
//! | `/mod/<voice>/filter/freq` | `filter_freq + accent_boost × (level − 0.5)` |
//! | `/mod/<voice>/send/reverb` | `reverb_send` |
//! | `/mod/<voice>/send/delay` | `delay_send` |
//!
//! `level` is the hit's velocity level: velocity / 127 rounded to hundredths, so the dialect's
//! `X` (127) is 1.0 and `x` (76) is 0.6, Music Chronus's two levels.

use serde::{Deserialize, Serialize};

/// Per-track values of the voice profile, with Music Chronus's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VoiceProfile {
    /// Level at velocity level 1.0 (Music Chronus `base_amp`, default 0.3).
    pub base_amp: f32,
    /// Filter cutoff at velocity level 0.5, Hz (`filter_freq`, default 1000).
    pub filter_freq: f32,
    /// Cutoff added per unit of velocity level above 0.5, Hz (`accent_boost`, default 1500).
    pub accent_boost: f32,
    /// Reverb send, 0–1 (`reverb_send`, default 0).
    pub reverb_send: f32,
    /// Delay send, 0–1 (`delay_send`, default 0).
    pub delay_send: f32,
}

impl Default for VoiceProfile {
    fn default() -> Self {
        VoiceProfile {
            base_amp: 0.3,
            filter_freq: 1000.0,
            accent_boost: 1500.0,
            reverb_send: 0.0,
            delay_send: 0.0,
        }
    }
}

/// The parameters of the profile, in the order they are sent.
pub const PARAMETERS: [&str; 5] = ["freq", "amp", "filter/freq", "send/reverb", "send/delay"];

/// A profile field by its Music Chronus option name (`base_amp`, `filter_freq`,
/// `accent_boost`, `reverb_send`, `delay_send`).
pub fn field<'a>(profile: &'a mut VoiceProfile, name: &str) -> Option<&'a mut f32> {
    match name {
        "base_amp" => Some(&mut profile.base_amp),
        "filter_freq" => Some(&mut profile.filter_freq),
        "accent_boost" => Some(&mut profile.accent_boost),
        "reverb_send" => Some(&mut profile.reverb_send),
        "delay_send" => Some(&mut profile.delay_send),
        _ => None,
    }
}

/// Velocity 1–127 as Music Chronus's velocity level: velocity / 127 to hundredths.
pub fn velocity_level(velocity: u8) -> f64 {
    (f64::from(velocity.clamp(1, 127)) / 127.0 * 100.0).round() / 100.0
}

/// The values of [`PARAMETERS`] for a hit at `velocity` and `hz`.
pub fn values(profile: &VoiceProfile, velocity: u8, hz: f32) -> [f32; 5] {
    let level = velocity_level(velocity);
    let amp = f64::from(profile.base_amp) * level;
    let cutoff = f64::from(profile.filter_freq) + f64::from(profile.accent_boost) * (level - 0.5);
    [
        hz,
        amp as f32,
        cutoff as f32,
        profile.reverb_send,
        profile.delay_send,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn music_chronus_levels_and_formulas() {
        let profile = VoiceProfile::default();
        assert_eq!(velocity_level(127), 1.0);
        assert_eq!(velocity_level(76), 0.6);
        assert_eq!(values(&profile, 127, 440.0), [440.0, 0.3, 1750.0, 0.0, 0.0]);
        assert_eq!(values(&profile, 76, 150.0), [150.0, 0.18, 1150.0, 0.0, 0.0]);
    }

    #[test]
    fn options_by_name() {
        let mut profile = VoiceProfile::default();
        *field(&mut profile, "reverb_send").unwrap() = 0.4;
        assert_eq!(profile.reverb_send, 0.4);
        assert!(field(&mut profile, "note_index").is_none());
    }
}
