//! OSC packets for gate opens and closes, per profile. Everything here allocates (sidecar only).

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

use super::clock::IMMEDIATELY;
use super::lane_target::LaneTarget;
use super::settings::{OscOutSettings, Profile, TRACKS};
use super::voice_profile::{self, VoiceProfile};
use crate::edit::values::check_osc_address;
use crate::engine::lanes::{LANES, LANE_MAX};
use crate::engine::note_cycle::Hz;

/// Where one track's gates go, checked once per settings load.
#[derive(Clone, Debug, PartialEq)]
pub enum Route {
    /// The address is empty: the track sends nothing.
    Silent,
    /// The address is not a valid OSC address; the text says why.
    Invalid(String),
    /// A valid target.
    Gate(GateRoute),
}

/// The addresses one track sends to.
#[derive(Clone, Debug, PartialEq)]
pub struct GateRoute {
    /// The gate address.
    pub gate: String,
    /// `/mod/<voice>/freq`, when wanted (Music Chronus profile only).
    pub freq: Option<String>,
    /// `/mod/<voice>/amp`, when wanted (Music Chronus profile only).
    pub amp: Option<String>,
    /// The voice profile and its five addresses (Music Chronus profile only); replaces `freq`
    /// and `amp`.
    pub voice: Option<(VoiceProfile, [String; 5])>,
}

/// Everything needed to close a gate exactly where and how it was opened.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenGate {
    /// The gate address the open went to.
    pub address: String,
    /// The dialect of the open.
    pub profile: Profile,
    /// The MIDI note of the open (the Generic close repeats it).
    pub note: u8,
}

/// A packet ready to encode, and how many OSC messages it holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    /// The message or bundle.
    pub packet: OscPacket,
    /// Messages inside (for the rate cap and the `sent` counter).
    pub messages: u32,
}

/// The routes of all tracks under `settings`.
pub fn routes(settings: &OscOutSettings) -> [Route; TRACKS] {
    std::array::from_fn(|index| {
        let target = &settings.tracks[index];
        if target.address.is_empty() {
            return Route::Silent;
        }
        if let Err(error) = check_osc_address(&target.address) {
            return Route::Invalid(format!(
                "track {}: invalid OSC address {:?}: {error}",
                index + 1,
                target.address
            ));
        }
        let music_chronus = settings.profile == Profile::MusicChronus;
        let modulation = |wanted: bool, parameter: &str| {
            (music_chronus && wanted).then(|| format!("/mod/{}/{parameter}", target.voice()))
        };
        let voice = target
            .voice_profile
            .filter(|_| music_chronus)
            .map(|profile| {
                let addresses = voice_profile::PARAMETERS
                    .map(|parameter| format!("/mod/{}/{parameter}", target.voice()));
                (profile, addresses)
            });
        Route::Gate(GateRoute {
            gate: target.address.clone(),
            freq: modulation(target.send_freq && voice.is_none(), "freq"),
            amp: modulation(target.send_amp && voice.is_none(), "amp"),
            voice,
        })
    })
}

/// The OSC destinations of every track's lanes under `settings`: `None` for a lane without an
/// address; an invalid address gives the reason instead.
pub fn lane_routes(
    settings: &OscOutSettings,
) -> [[Result<Option<LaneTarget>, String>; LANES]; TRACKS] {
    std::array::from_fn(|track| {
        std::array::from_fn(|lane| {
            let target = &settings.tracks[track].lanes[lane];
            if target.address.is_empty() {
                return Ok(None);
            }
            check_osc_address(&target.address)
                .map(|()| Some(target.clone()))
                .map_err(|error| {
                    format!(
                        "track {} lane {}: invalid OSC address {:?}: {error}",
                        track + 1,
                        lane + 1,
                        target.address
                    )
                })
        })
    })
}

/// The message setting a lane's OSC destination to lane value `value` (0–16383).
pub fn lane_message(target: &LaneTarget, value: u16) -> OscPacket {
    let unit = f64::from(value.min(LANE_MAX)) / f64::from(LANE_MAX);
    message(&target.address, vec![OscType::Float(target.map(unit))])
}

/// Lane messages with nothing to open after them: a plain message, or a bundle (always with a
/// timetag).
pub fn lane_values(messages: Vec<OscPacket>, timetag: Option<OscTime>) -> Outgoing {
    assemble(messages, timetag)
}

/// Why track `track`'s gates cannot be sent under `settings`, if they cannot (the reason the
/// sidecar reports).
pub fn route_problem(settings: &OscOutSettings, track: usize) -> Option<String> {
    match routes(settings).into_iter().nth(track)? {
        Route::Invalid(reason) => Some(reason),
        Route::Silent | Route::Gate(_) => None,
    }
}

/// Equal-tempered frequency of a MIDI note, A4 = note 69 = 440 Hz.
pub fn midi_to_hz(note: u8) -> f32 {
    (440.0 * 2f64.powf((f64::from(note) - 69.0) / 12.0)) as f32
}

/// The packet opening track `track` (0-based) on `route`. With `timetag` (bundle mode) it is a
/// bundle with that timetag; without, a plain message, or an "immediately" bundle when freq or
/// amp go first.
#[cfg(test)]
pub fn open(
    profile: Profile,
    route: &GateRoute,
    track: u8,
    velocity: u8,
    note: u8,
    timetag: Option<OscTime>,
) -> Outgoing {
    let hit = OpenHit {
        velocity,
        note,
        hz: None,
    };
    open_with(profile, route, track, hit, Vec::new(), timetag)
}

/// What an open plays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OpenHit {
    /// MIDI velocity, 1–127.
    pub velocity: u8,
    /// MIDI note.
    pub note: u8,
    /// Exact frequency, when the hit has one (else the note's).
    pub hz: Option<Hz>,
}

/// Like [`open`], with the hit's exact pitch and the lane messages due with it: in one packet,
/// the voice profile (or freq and amp) first, then the lane messages, then the gate.
pub fn open_with(
    profile: Profile,
    route: &GateRoute,
    track: u8,
    hit: OpenHit,
    lanes: Vec<OscPacket>,
    timetag: Option<OscTime>,
) -> Outgoing {
    let OpenHit { velocity, note, hz } = hit;
    let hz = hz.map_or_else(|| midi_to_hz(note), Hz::get);
    let mut messages = Vec::with_capacity(7 + lanes.len());
    let gate_args = match profile {
        Profile::MusicChronus => {
            if let Some((voice, addresses)) = &route.voice {
                let values = voice_profile::values(voice, velocity, hz);
                for (address, value) in addresses.iter().zip(values) {
                    messages.push(message(address, vec![OscType::Float(value)]));
                }
            }
            if let Some(freq) = &route.freq {
                messages.push(message(freq, vec![OscType::Float(hz)]));
            }
            if let Some(amp) = &route.amp {
                messages.push(message(amp, vec![OscType::Float(unit_velocity(velocity))]));
            }
            vec![OscType::Int(1)]
        }
        Profile::Generic => generic_args(track, unit_velocity(velocity), note),
    };
    messages.extend(lanes);
    messages.push(message(&route.gate, gate_args));
    assemble(messages, timetag)
}

/// The packet closing `gate` of track `track` (0-based), bundled as [`open`] does.
pub fn close(gate: &OpenGate, track: u8, timetag: Option<OscTime>) -> Outgoing {
    let args = match gate.profile {
        Profile::MusicChronus => vec![OscType::Int(0)],
        Profile::Generic => generic_args(track, 0.0, gate.note),
    };
    assemble(vec![message(&gate.address, args)], timetag)
}

/// Velocity 1–127 as 0–1. Out-of-range velocities are clamped, so an open never reads as the
/// Generic close (0.0).
fn unit_velocity(velocity: u8) -> f32 {
    f32::from(velocity.clamp(1, 127)) / 127.0
}

/// Generic profile arguments: int track 1–16, float velocity, int note.
fn generic_args(track: u8, velocity: f32, note: u8) -> Vec<OscType> {
    vec![
        OscType::Int(i32::from(track) + 1),
        OscType::Float(velocity),
        OscType::Int(i32::from(note)),
    ]
}

fn message(address: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: address.to_owned(),
        args,
    })
}

/// A single message stays plain unless a timetag is wanted; several go in one bundle.
fn assemble(mut messages: Vec<OscPacket>, timetag: Option<OscTime>) -> Outgoing {
    let count = messages.len() as u32;
    let packet = match timetag {
        None if messages.len() == 1 => messages.swap_remove(0),
        timetag => OscPacket::Bundle(OscBundle {
            timetag: timetag.unwrap_or(IMMEDIATELY),
            content: messages,
        }),
    };
    Outgoing {
        packet,
        messages: count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route_of(settings: &OscOutSettings, track: usize) -> GateRoute {
        match &routes(settings)[track] {
            Route::Gate(route) => route.clone(),
            other => panic!("not a gate route: {other:?}"),
        }
    }

    fn messages(packet: &OscPacket) -> Vec<(String, Vec<OscType>)> {
        match packet {
            OscPacket::Message(message) => vec![(message.addr.clone(), message.args.clone())],
            OscPacket::Bundle(bundle) => bundle.content.iter().flat_map(messages).collect(),
        }
    }

    #[test]
    fn note_frequencies() {
        assert_eq!(midi_to_hz(69), 440.0);
        assert_eq!(midi_to_hz(81), 880.0);
        assert!((midi_to_hz(60) - 261.625_58).abs() < 1e-3);
    }

    #[test]
    fn music_chronus_gate_alone_is_a_plain_message() {
        let settings = OscOutSettings::default();
        let out = open(
            Profile::MusicChronus,
            &route_of(&settings, 2),
            2,
            100,
            60,
            None,
        );
        assert_eq!(
            out.packet,
            OscPacket::Message(OscMessage {
                addr: "/gate/voice3".into(),
                args: vec![OscType::Int(1)]
            })
        );
        assert_eq!(out.messages, 1);
    }

    #[test]
    fn music_chronus_freq_and_amp_come_first() {
        let mut settings = OscOutSettings::default();
        settings.tracks[2].send_freq = true;
        settings.tracks[2].send_amp = true;
        let out = open(
            Profile::MusicChronus,
            &route_of(&settings, 2),
            2,
            127,
            69,
            None,
        );
        let OscPacket::Bundle(bundle) = &out.packet else {
            panic!("expected a bundle");
        };
        assert_eq!(bundle.timetag, IMMEDIATELY);
        assert_eq!(
            messages(&out.packet),
            vec![
                ("/mod/voice3/freq".into(), vec![OscType::Float(440.0)]),
                ("/mod/voice3/amp".into(), vec![OscType::Float(1.0)]),
                ("/gate/voice3".into(), vec![OscType::Int(1)]),
            ]
        );
        assert_eq!(out.messages, 3);
    }

    #[test]
    fn generic_profile_arguments() {
        let mut settings = OscOutSettings {
            profile: Profile::Generic,
            ..OscOutSettings::default()
        };
        settings.tracks[0].address = "/chronus/gate".into();
        settings.tracks[0].send_freq = true;
        let route = route_of(&settings, 0);
        assert_eq!(route.freq, None, "freq/amp are Music Chronus only");
        let out = open(Profile::Generic, &route, 0, 127, 36, None);
        assert_eq!(
            messages(&out.packet),
            vec![(
                "/chronus/gate".into(),
                vec![OscType::Int(1), OscType::Float(1.0), OscType::Int(36)]
            )]
        );
        let gate = OpenGate {
            address: "/chronus/gate".into(),
            profile: Profile::Generic,
            note: 36,
        };
        assert_eq!(
            messages(&close(&gate, 0, None).packet),
            vec![(
                "/chronus/gate".into(),
                vec![OscType::Int(1), OscType::Float(0.0), OscType::Int(36)]
            )]
        );
    }

    #[test]
    fn open_velocity_never_zero() {
        let settings = OscOutSettings {
            profile: Profile::Generic,
            ..OscOutSettings::default()
        };
        let out = open(Profile::Generic, &route_of(&settings, 0), 0, 0, 60, None);
        let (_, args) = &messages(&out.packet)[0];
        assert_eq!(args[1], OscType::Float(1.0 / 127.0));
    }

    #[test]
    fn timetag_makes_a_bundle() {
        let gate = OpenGate {
            address: "/gate/voice1".into(),
            profile: Profile::MusicChronus,
            note: 60,
        };
        let tag = OscTime {
            seconds: 3_900_000_000,
            fractional: 7,
        };
        let out = close(&gate, 0, Some(tag));
        let OscPacket::Bundle(bundle) = &out.packet else {
            panic!("expected a bundle");
        };
        assert_eq!(bundle.timetag, tag);
        assert_eq!(
            messages(&out.packet),
            vec![("/gate/voice1".into(), vec![OscType::Int(0)])]
        );
    }

    #[test]
    fn empty_and_invalid_addresses() {
        let mut settings = OscOutSettings::default();
        settings.tracks[0].address = String::new();
        settings.tracks[1].address = "gate voice".into();
        let routes = routes(&settings);
        assert_eq!(routes[0], Route::Silent);
        assert!(matches!(&routes[1], Route::Invalid(text) if text.contains("track 2")));
    }
}
