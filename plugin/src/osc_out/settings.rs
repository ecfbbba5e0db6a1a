//! Where and how gates are sent: the persisted settings and the cell that shares them with the
//! sidecar.

use serde::{Deserialize, Deserializer, Serialize};

use super::lane_target::LaneTarget;
use super::voice_profile::VoiceProfile;
use crate::engine::lanes::LANES;

/// Number of tracks with an OSC target.
pub const TRACKS: usize = 16;

/// When gates leave the sidecar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimingMode {
    /// Each gate is sent at its due instant (sleep, then spin). Works with any receiver.
    #[default]
    Timed,
    /// Each gate is sent at once inside an OSC bundle timetagged `due + bundle_latency_ms` (wall
    /// clock); the receiver applies it then. Sender and receiver must share a clock.
    Bundle,
}

/// The OSC dialect spoken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Profile {
    /// Music Chronus: `<address> 1` opens, `<address> 0` closes; optional `/mod/<voice>/freq` and
    /// `/mod/<voice>/amp` before the open, in the same bundle.
    #[default]
    MusicChronus,
    /// `<address> track velocity note`: int track 1–16, float velocity 0–1 (0 closes), int note.
    Generic,
}

/// The OSC target of one track.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackTarget {
    /// Gate address, e.g. `/gate/voice1`. Empty: this track sends nothing.
    pub address: String,
    /// Music Chronus profile: send `/mod/<voice>/freq` (Hz from the MIDI note) before each open.
    #[serde(default)]
    pub send_freq: bool,
    /// Music Chronus profile: send `/mod/<voice>/amp` (velocity / 127) before each open.
    #[serde(default)]
    pub send_amp: bool,
    /// Music Chronus profile: the voice profile sent before each open (freq, amp, filter,
    /// sends; replaces `send_freq` and `send_amp`). `None`: not sent.
    #[serde(default)]
    pub voice_profile: Option<VoiceProfile>,
    /// The OSC destinations of the track's modulation lanes.
    #[serde(default)]
    pub lanes: [LaneTarget; LANES],
}

impl OscOutSettings {
    /// Whether track `index`'s gate addresses a voice beyond [`OscOutSettings::voices`] (Music
    /// Chronus profile only).
    pub fn beyond_voices(&self, index: usize) -> bool {
        self.profile == Profile::MusicChronus
            && self
                .tracks
                .get(index)
                .and_then(TrackTarget::voice_number)
                .is_some_and(|voice| voice > u32::from(self.voices))
    }
}

impl TrackTarget {
    /// The default target of track `index` (0-based): `/gate/voice{index + 1}`, gate only.
    pub fn default_for(index: usize) -> TrackTarget {
        TrackTarget {
            address: format!("/gate/voice{}", index + 1),
            send_freq: false,
            send_amp: false,
            voice_profile: None,
            lanes: Default::default(),
        }
    }

    /// The Music Chronus voice number of the address (`/gate/voice3` → 3), if it names one.
    pub fn voice_number(&self) -> Option<u32> {
        self.voice().strip_prefix("voice")?.parse().ok()
    }

    /// The Music Chronus module name: the last non-empty path segment of the address
    /// (`/gate/voice3` → `voice3`).
    pub fn voice(&self) -> &str {
        self.address
            .rsplit('/')
            .find(|segment| !segment.is_empty())
            .unwrap_or("")
    }
}

/// Persisted OSC-out settings. Missing fields load as their defaults, so older or partial state
/// still loads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OscOutSettings {
    /// Receiver host name or IP address. Resolved on the sidecar thread.
    pub host: String,
    /// Receiver UDP port.
    pub port: u16,
    /// Timed sends or timetagged bundles.
    pub mode: TimingMode,
    /// Bundle mode: timetag = due + this many milliseconds.
    pub bundle_latency_ms: f64,
    /// Rate cap in OSC messages per second (burst: a tenth of a second's worth); 0 = no cap.
    /// Over the cap opens are dropped, closes never.
    pub max_messages_per_second: u32,
    /// The OSC dialect.
    pub profile: Profile,
    /// Per-track targets. State with fewer entries fills the rest with defaults.
    #[serde(deserialize_with = "deserialize_tracks")]
    pub tracks: [TrackTarget; TRACKS],
    /// How many voices the modular has (Music Chronus: `CHRONUS_NUM_VOICES`, default 4). Tracks
    /// whose gate addresses a voice beyond it are marked; their messages still go out.
    pub voices: u8,
    /// Forward `/mod/*`, `/gate/*` and `/engine/*` received on the OSC input to this target.
    pub forward_modular: bool,
}

/// Music Chronus's voice count when `CHRONUS_NUM_VOICES` is not set.
pub const DEFAULT_VOICES: u8 = 4;

impl Default for OscOutSettings {
    fn default() -> Self {
        OscOutSettings {
            host: "127.0.0.1".to_owned(),
            port: 5005,
            mode: TimingMode::Timed,
            bundle_latency_ms: 20.0,
            max_messages_per_second: 20_000,
            profile: Profile::MusicChronus,
            tracks: std::array::from_fn(TrackTarget::default_for),
            voices: DEFAULT_VOICES,
            forward_modular: true,
        }
    }
}

/// A track entry as stored, every field optional.
#[derive(Deserialize)]
struct StoredTrack {
    address: Option<String>,
    #[serde(default)]
    send_freq: bool,
    #[serde(default)]
    send_amp: bool,
    #[serde(default)]
    voice_profile: Option<VoiceProfile>,
    #[serde(default)]
    lanes: [LaneTarget; LANES],
}

/// Reads up to [`TRACKS`] entries; missing entries and addresses take their track's default,
/// entries past the sixteenth are ignored.
fn deserialize_tracks<'de, D>(deserializer: D) -> Result<[TrackTarget; TRACKS], D::Error>
where
    D: Deserializer<'de>,
{
    let stored = Vec::<StoredTrack>::deserialize(deserializer)?;
    let mut stored = stored.into_iter();
    Ok(std::array::from_fn(|index| match stored.next() {
        Some(track) => TrackTarget {
            address: track
                .address
                .unwrap_or_else(|| TrackTarget::default_for(index).address),
            send_freq: track.send_freq,
            send_amp: track.send_amp,
            voice_profile: track.voice_profile,
            lanes: track.lanes,
        },
        None => TrackTarget::default_for(index),
    }))
}

/// The settings shared between the editor, OSC commands and state loads (writers) and the
/// sidecar (reader), which polls the version each turn and never waits on a writer for long.
pub type SettingsCell = crate::versioned_cell::VersionedCell<OscOutSettings>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_target_music_chronus() {
        let settings = OscOutSettings::default();
        assert_eq!((settings.host.as_str(), settings.port), ("127.0.0.1", 5005));
        assert_eq!(settings.tracks[0].address, "/gate/voice1");
        assert_eq!(settings.tracks[15].address, "/gate/voice16");
        assert_eq!(settings.tracks[2].voice(), "voice3");
    }

    #[test]
    fn json_round_trips() {
        let mut settings = OscOutSettings {
            host: "synth.local".into(),
            mode: TimingMode::Bundle,
            profile: Profile::Generic,
            ..OscOutSettings::default()
        };
        settings.tracks[4].send_freq = true;
        let json = serde_json::to_string(&settings).unwrap();
        assert_eq!(
            serde_json::from_str::<OscOutSettings>(&json).unwrap(),
            settings
        );
    }

    #[test]
    fn partial_state_loads_with_defaults() {
        let json =
            r#"{"port": 6000, "tracks": [{"address": "/chronus/gate"}, {"send_amp": true}]}"#;
        let settings: OscOutSettings = serde_json::from_str(json).unwrap();
        assert_eq!(settings.port, 6000);
        assert_eq!(settings.host, "127.0.0.1");
        assert_eq!(settings.tracks[0].address, "/chronus/gate");
        assert_eq!(settings.tracks[1].address, "/gate/voice2");
        assert!(settings.tracks[1].send_amp);
        assert_eq!(settings.tracks[15], TrackTarget::default_for(15));
        let empty: OscOutSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, OscOutSettings::default());
    }

    #[test]
    fn voice_is_last_segment() {
        let target = |address: &str| TrackTarget {
            address: address.into(),
            ..TrackTarget::default_for(0)
        };
        assert_eq!(target("/gate/acid1").voice(), "acid1");
        assert_eq!(target("/gate/voice2/").voice(), "voice2");
        assert_eq!(target("").voice(), "");
    }

    #[test]
    fn set_bumps_version() {
        let cell = SettingsCell::default();
        let before = cell.version();
        cell.update(|settings| settings.port = 7000);
        assert_eq!(cell.version(), before + 1);
        assert_eq!(cell.get().port, 7000);
    }
}
