//! Native commands for modulation lanes, note cycles, track frequencies, the voice profile, the
//! voice count and forwarding (`/chronus/lane/…`, `/chronus/track/freq`, `/chronus/track/cycle`,
//! `/chronus/track/voice`, `/chronus/voices`, `/chronus/forward`). Tracks, lanes and steps count
//! from 1; lane values are 0–1 (−1: no value). Each command reads its arguments into one
//! [`Edit`]; `docs/OSC.md` lists them.

use rosc::OscMessage;

use super::args::Args;
use super::{ok, Remote};
use crate::edit::notes::parse_pitch_list;
use crate::edit::{CycleStart, Edit, LaneChange, TrackChange, TrackRef, MAX_VOICES};
use crate::engine::lanes::{LaneMidi, LaneValue, LANES};
use crate::engine::pattern::{MAX_STEPS, MAX_TRACKS};
use crate::osc_in::CommandError;
use crate::osc_out::{voice_profile_field, Curve, LaneTarget, VoiceProfile};

type Read = Result<Edit, CommandError>;

/// Handles the commands above; `None` for an address it does not know.
pub fn handle(
    remote: &mut Remote,
    message: &OscMessage,
) -> Option<Result<Vec<OscMessage>, CommandError>> {
    let mut args = Args::new(message);
    let address = message.addr.as_str();
    let edit = match address {
        "/chronus/lane/cc" => lane(&mut args, |args| {
            Ok(LaneChange::Midi(
                LaneMidi::Cc(args.int("cc", 0, 127)? as u8),
            ))
        }),
        "/chronus/lane/bend" => lane(&mut args, |_| Ok(LaneChange::Midi(LaneMidi::PitchBend))),
        "/chronus/lane/midi_off" => lane(&mut args, |_| Ok(LaneChange::Midi(LaneMidi::Off))),
        "/chronus/lane/length" => lane(&mut args, |args| {
            Ok(LaneChange::Length(
                args.int("length", 1, MAX_STEPS as i64)? as u8
            ))
        }),
        "/chronus/lane/base" => lane(&mut args, |args| Ok(LaneChange::Base(value(args)?))),
        "/chronus/lane/step" => lane(&mut args, |args| {
            let from = args.index("step", MAX_STEPS)?;
            Ok(LaneChange::Values {
                from,
                values: vec![value(args)?],
            })
        }),
        "/chronus/lane/values" => lane(&mut args, |args| {
            let mut values = Vec::new();
            while args.remaining() > 0 {
                values.push(value(args)?);
            }
            Ok(LaneChange::Values { from: 0, values })
        }),
        "/chronus/lane/clear" => lane(&mut args, |_| Ok(LaneChange::Clear)),
        "/chronus/lane/osc" => lane(&mut args, osc_target),
        "/chronus/track/freq" => track(&mut args, |args| {
            let hz = args.float("frequency", 0.0, f64::from(f32::MAX))?;
            Ok(TrackChange::Frequency(hz as f32))
        })
        .map(|(track, change)| Edit::SetTrack { track, change }),
        "/chronus/track/cycle" => cycle(&mut args, remote.position()),
        "/chronus/track/voice" => voice(&mut args),
        "/chronus/voices" => args
            .int("voices", 1, i64::from(MAX_VOICES))
            .and_then(|voices| args.finish().map(|()| Edit::Voices(voices as u8))),
        "/chronus/forward" => args
            .flag("on")
            .and_then(|on| args.finish().map(|()| Edit::ForwardModular(on))),
        _ => return None,
    };
    Some(
        edit.and_then(|edit| remote.apply(edit).map_err(|error| args.refused(error)))
            .map(|()| ok(address)),
    )
}

/// `track …`: the track, read first.
fn track<T>(
    args: &mut Args,
    read: impl FnOnce(&mut Args) -> Result<T, CommandError>,
) -> Result<(TrackRef, T), CommandError> {
    let track = args.index("track", MAX_TRACKS)?;
    let value = read(args)?;
    args.finish()?;
    Ok((TrackRef::Index(track), value))
}

/// `track lane …`: one change of one lane.
fn lane(args: &mut Args, read: impl FnOnce(&mut Args) -> Result<LaneChange, CommandError>) -> Read {
    let track = args.index("track", MAX_TRACKS)?;
    let lane = args.index("lane", LANES)?;
    let change = read(args)?;
    args.finish()?;
    Ok(Edit::Lane {
        track: TrackRef::Index(track),
        lane,
        change,
    })
}

/// A lane value: 0–1, or −1 for none.
fn value(args: &mut Args) -> Result<Option<u16>, CommandError> {
    let unit = args.float("value (0–1, or -1 for none)", -1.0, 1.0)?;
    if unit < 0.0 {
        if unit != -1.0 {
            return Err(args.error(format!("value {unit}: 0–1, or -1 for none")));
        }
        return Ok(None);
    }
    Ok(LaneValue::from_unit(unit).and_then(LaneValue::get))
}

/// `address [min max [lin|exp]]`: the lane's OSC destination (an empty address: none).
fn osc_target(args: &mut Args) -> Result<LaneChange, CommandError> {
    let address = args.string("address")?.to_owned();
    let mut target = LaneTarget {
        address,
        ..LaneTarget::default()
    };
    if args.remaining() > 0 {
        target.min = args.float("min", f64::from(f32::MIN), f64::from(f32::MAX))? as f32;
        target.max = args.float("max", f64::from(f32::MIN), f64::from(f32::MAX))? as f32;
    }
    if args.remaining() > 0 {
        target.curve = match args.string("curve")?.trim() {
            "lin" | "linear" => Curve::Linear,
            "exp" | "exponential" => Curve::Exponential,
            other => return Err(args.error(format!("curve {other:?}: lin or exp"))),
        };
    }
    Ok(LaneChange::Osc(target))
}

/// `track notes [entry]`: the note cycle (names, MIDI numbers, Hz with a decimal point), the
/// next hit playing entry `entry` (from 1; default 1); `-` ends the cycle.
fn cycle(args: &mut Args, at_beat: f64) -> Read {
    let track = args.index("track", MAX_TRACKS)?;
    let notes = args.text("notes")?;
    let entry = if args.remaining() > 0 {
        args.int("entry", 1, 64)? - 1
    } else {
        0
    };
    args.finish()?;
    let pitches = if notes.trim() == "-" {
        Vec::new()
    } else {
        parse_pitch_list(&notes).map_err(|error| args.refused(error))?
    };
    Ok(Edit::PitchCycle {
        track: TrackRef::Index(track),
        pitches,
        start: CycleStart { at_beat, entry },
    })
}

/// `track off` or `track [key=value …]`: the voice profile off, or on with Music Chronus's
/// defaults and the given values (`base_amp`, `filter_freq`, `accent_boost`, `reverb_send`,
/// `delay_send`).
fn voice(args: &mut Args) -> Read {
    let track = args.index("track", MAX_TRACKS)?;
    let mut profile = VoiceProfile::default();
    let mut off = false;
    while args.remaining() > 0 {
        let item = args.text("option")?;
        if item.trim() == "off" {
            off = true;
            continue;
        }
        let Some((key, text)) = item.split_once('=') else {
            return Err(args.error(format!("{item:?}: use key=value or off")));
        };
        let key = key.trim();
        let field = voice_profile_field(&mut profile, key)
            .ok_or_else(|| args.error(format!("unknown option {key:?}")))?;
        *field = text
            .trim()
            .parse()
            .map_err(|_| args.error(format!("{key} {text:?} is not a number")))?;
    }
    Ok(Edit::VoiceProfile {
        track: TrackRef::Index(track),
        profile: (!off).then_some(profile),
    })
}
