//! The native command set under `/chronus/`: every edit of the document and every performance
//! control, numbered as musicians count (tracks, steps and slots from 1). Each command reads its
//! arguments into one [`Edit`] and hands it to the edit layer. `docs/OSC.md` lists them with
//! their arguments and replies.

use rosc::{OscMessage, OscType};

use super::args::Args;
use super::{ok, Remote};
use crate::edit::notes::read_note;
use crate::edit::values::{
    self, PatternSteps, TrackName, CHANNEL, LENGTH, NUDGE, PROBABILITY, RATCHET, VELOCITY,
};
use crate::edit::{Edit, StepChange, TrackChange, TrackRef};
use crate::engine::pattern::{StepRate, MAX_STEPS, MAX_TRACKS, SLOT_COUNT};
use crate::engine::slot_switch::SlotQuantize;
use crate::osc_in::CommandError;

/// Handles `/chronus/...`; `None` for an address it does not know.
pub fn handle(
    remote: &mut Remote,
    message: &OscMessage,
) -> Option<Result<Vec<OscMessage>, CommandError>> {
    let mut args = Args::new(message);
    let address = message.addr.as_str();
    let edit = match address {
        "/chronus/pattern" => set_pattern(&mut args),
        "/chronus/replace" => replace(&mut args),
        "/chronus/step/on" => step(&mut args, |args| Ok(StepChange::On(args.flag("on")?))),
        "/chronus/step/velocity" => step(&mut args, |args| {
            Ok(StepChange::Velocity(
                args.ranged("velocity", &VELOCITY)? as u8
            ))
        }),
        "/chronus/step/probability" => step(&mut args, |args| {
            Ok(StepChange::Probability(
                args.ranged("probability", &PROBABILITY)? as u8,
            ))
        }),
        "/chronus/step/ratchet" => step(&mut args, |args| {
            Ok(StepChange::Ratchet(args.ranged("ratchet", &RATCHET)? as u8))
        }),
        "/chronus/step/nudge" => step(&mut args, |args| {
            Ok(StepChange::Nudge(args.ranged("nudge", &NUDGE)? as i8))
        }),
        "/chronus/step/note" => step(&mut args, |args| {
            let text = args.text("note")?;
            if text.trim() == "-1" {
                return Ok(StepChange::Note(None));
            }
            Ok(StepChange::Note(Some(note_argument(args, &text)?)))
        }),
        "/chronus/step/condition" => step(&mut args, |args| {
            let text = args.string("condition")?;
            let condition = values::parse_condition(text).map_err(|e| args.refused(e))?;
            Ok(StepChange::Condition(condition))
        }),
        "/chronus/track/length" => track(&mut args, |args| {
            Ok(TrackChange::Length(args.ranged("length", &LENGTH)? as u8))
        }),
        "/chronus/track/rate" => track(&mut args, |args| {
            let text = args.string("rate")?;
            let rate = StepRate::parse(text).ok_or_else(|| {
                args.error(format!(
                    "unknown rate {text:?}; use 1/1 … 1/64, with d (dotted) or t (triplet)"
                ))
            })?;
            Ok(TrackChange::Rate(rate))
        }),
        "/chronus/track/note" => track(&mut args, |args| {
            let text = args.text("note")?;
            Ok(TrackChange::Note(note_argument(args, &text)?))
        }),
        "/chronus/track/channel" => track(&mut args, |args| {
            Ok(TrackChange::Channel(
                args.ranged("channel", &CHANNEL)? as u8 - 1,
            ))
        }),
        "/chronus/track/name" => track(&mut args, |args| {
            let name = TrackName::parse(args.string("name")?).map_err(|e| args.refused(e))?;
            Ok(TrackChange::Name(name))
        }),
        "/chronus/track/direction" => track(&mut args, |args| {
            let text = args.string("direction")?;
            let direction = values::parse_direction(text).map_err(|e| args.refused(e))?;
            Ok(TrackChange::Direction(direction))
        }),
        "/chronus/track/melodic" => track(&mut args, |args| {
            Ok(TrackChange::Melodic(args.flag("melodic")?))
        }),
        "/chronus/euclid" => euclid(&mut args, false),
        "/chronus/euclid/stamp" => euclid(&mut args, true),
        "/chronus/euclid/off" => track(&mut args, |_| Ok(TrackChange::EuclidMode(false))),
        "/chronus/copy" => copy_track(&mut args),
        "/chronus/copy/slot" => copy_slot(&mut args),
        "/chronus/clear" => clear(&mut args),
        "/chronus/reseed" => reseed(&mut args),
        "/chronus/undo" => args.finish().map(|()| Edit::Undo),
        "/chronus/redo" => args.finish().map(|()| Edit::Redo),
        "/chronus/mute" => mute_or_solo(&mut args, true),
        "/chronus/solo" => mute_or_solo(&mut args, false),
        "/chronus/gate" => gate(&mut args),
        "/chronus/swing" => swing(&mut args),
        "/chronus/fill" => fill(&mut args),
        "/chronus/scale" => scale(&mut args),
        "/chronus/slot" => select_slot(&mut args),
        "/chronus/quantize" => quantize(&mut args),
        "/chronus/edit_slot" => return Some(edit_slot(remote, &mut args).map(|()| ok(address))),
        "/chronus/query" => return Some(super::query::state(remote, &mut args)),
        "/chronus/ping" => {
            return Some(args.finish().map(|()| {
                vec![OscMessage {
                    addr: "/chronus/pong".to_owned(),
                    args: vec![OscType::String(env!("CARGO_PKG_VERSION").to_owned())],
                }]
            }))
        }
        _ => return None,
    };
    Some(
        edit.and_then(|edit| remote.apply(edit).map_err(|error| args.refused(error)))
            .map(|()| ok(address)),
    )
}

type Read = Result<Edit, CommandError>;

/// A note argument in the one note grammar: a MIDI number, a name (`C4`, `Eb3`) or Hz (`220.0`).
fn note_argument(args: &Args, text: &str) -> Result<u8, CommandError> {
    read_note(text).map_err(|error| args.refused(error))
}

/// Reads a pattern string argument into steps.
fn pattern_argument(args: &mut Args, name: &str) -> Result<PatternSteps, CommandError> {
    let text = args.string(name)?;
    PatternSteps::parse(text).map_err(|error| args.refused(error))
}

fn set_pattern(args: &mut Args) -> Read {
    let track = args.index("track", MAX_TRACKS)?;
    let steps = pattern_argument(args, "pattern")?;
    args.finish()?;
    Ok(Edit::WriteSteps {
        track: TrackRef::Index(track),
        steps,
    })
}

/// `track pattern [track pattern …]`: every pair is checked before anything changes, and all
/// change in one edit (one snapshot, one undo step).
fn replace(args: &mut Args) -> Read {
    if args.remaining() == 0 || !args.remaining().is_multiple_of(2) {
        return Err(args.error("expected pairs of track and pattern"));
    }
    let mut writes = Vec::new();
    while args.remaining() > 0 {
        let track = args.index("track", MAX_TRACKS)?;
        let steps = pattern_argument(args, "pattern")?;
        writes.push((track, steps));
    }
    Ok(Edit::WriteTracks(writes))
}

/// `track step value`: one value of one step, read by `value`.
fn step(
    args: &mut Args,
    value: impl FnOnce(&mut Args) -> Result<StepChange, CommandError>,
) -> Read {
    let track = args.index("track", MAX_TRACKS)?;
    let step = args.index("step", MAX_STEPS)?;
    let change = value(args)?;
    args.finish()?;
    Ok(Edit::SetStep {
        track: TrackRef::Index(track),
        step,
        change,
    })
}

/// `track value`: one setting of one track, read by `value`.
fn track(
    args: &mut Args,
    value: impl FnOnce(&mut Args) -> Result<TrackChange, CommandError>,
) -> Read {
    let track = args.index("track", MAX_TRACKS)?;
    let change = value(args)?;
    args.finish()?;
    Ok(Edit::SetTrack {
        track: TrackRef::Index(track),
        change,
    })
}

/// `track pulses steps rotation`: Euclid mode on, or (`stamp`) the rhythm written into the
/// steps.
fn euclid(args: &mut Args, stamp: bool) -> Read {
    let track = args.index("track", MAX_TRACKS)?;
    let pulses = args.int("pulses", 0, MAX_STEPS as i64)? as u8;
    let steps = args.ranged("steps", &LENGTH)? as u8;
    let rotation = args.int("rotation", 0, MAX_STEPS as i64 - 1)? as u8;
    args.finish()?;
    Ok(if stamp {
        Edit::StampEuclid {
            track,
            pulses,
            steps,
            rotation,
        }
    } else {
        Edit::Euclid {
            track,
            pulses,
            steps,
            rotation,
        }
    })
}

fn copy_track(args: &mut Args) -> Read {
    let from = args.index("from track", MAX_TRACKS)?;
    let to = args.index("to track", MAX_TRACKS)?;
    args.finish()?;
    Ok(Edit::CopyTrack { from, to })
}

fn copy_slot(args: &mut Args) -> Read {
    let from = args.index("from slot", SLOT_COUNT)?;
    let to = args.index("to slot", SLOT_COUNT)?;
    args.finish()?;
    Ok(Edit::CopySlot { from, to })
}

/// `[track]`: clears one track's steps, or with no argument every track of the slot (names,
/// notes and rates stay; Euclid mode ends).
fn clear(args: &mut Args) -> Read {
    let track = if args.remaining() > 0 {
        Some(TrackRef::Index(args.index("track", MAX_TRACKS)?))
    } else {
        None
    };
    args.finish()?;
    Ok(Edit::ClearSteps(track))
}

/// `[seed]`: a new probability seed for the slot; without an argument one from the clock.
fn reseed(args: &mut Args) -> Read {
    let seed = if args.remaining() > 0 {
        Some(args.int("seed", 0, i64::from(u32::MAX))? as u32)
    } else {
        None
    };
    args.finish()?;
    Ok(Edit::Reseed(seed))
}

fn mute_or_solo(args: &mut Args, mute: bool) -> Read {
    let track = args.index("track", MAX_TRACKS)?;
    let on = args.flag(if mute { "mute" } else { "solo" })?;
    args.finish()?;
    Ok(if mute {
        Edit::Mute { track, on }
    } else {
        Edit::Solo { track, on }
    })
}

fn gate(args: &mut Args) -> Read {
    let track = args.index("track", MAX_TRACKS)?;
    let range = values::GATE_PERCENT;
    let percent = args.float("gate percent", *range.start(), *range.end())? as f32;
    args.finish()?;
    Ok(Edit::Gate {
        track: TrackRef::Index(track),
        percent,
    })
}

fn swing(args: &mut Args) -> Read {
    let range = values::SWING_PERCENT;
    let percent = args.float("swing percent", *range.start(), *range.end())? as f32;
    args.finish()?;
    Ok(Edit::Swing(percent))
}

fn fill(args: &mut Args) -> Read {
    let on = args.flag("fill")?;
    args.finish()?;
    Ok(Edit::Fill(on))
}

fn scale(args: &mut Args) -> Read {
    let root = args.text("root")?;
    let name = args.string("scale")?;
    let scale = values::parse_scale(&root, name).map_err(|e| args.refused(e))?;
    args.finish()?;
    Ok(Edit::Scale(scale))
}

fn select_slot(args: &mut Args) -> Read {
    let slot = args.index("slot", SLOT_COUNT)?;
    args.finish()?;
    Ok(Edit::PlaySlot {
        slot,
        quantize: None,
    })
}

/// The name [`parse_quantize`] reads back: `now`, `step` or `bar`.
pub fn quantize_name(quantize: SlotQuantize) -> &'static str {
    match quantize {
        SlotQuantize::Now => "now",
        SlotQuantize::NextStep => "step",
        SlotQuantize::NextBar => "bar",
    }
}

/// Reads a quantize name: `now`, `step` or `bar`.
pub fn parse_quantize(text: &str) -> Option<SlotQuantize> {
    match text.trim().to_ascii_lowercase().as_str() {
        "now" | "immediate" => Some(SlotQuantize::Now),
        "step" | "next step" => Some(SlotQuantize::NextStep),
        "bar" | "next bar" => Some(SlotQuantize::NextBar),
        _ => None,
    }
}

fn quantize(args: &mut Args) -> Read {
    let text = args.string("quantize")?;
    let quantize = parse_quantize(text)
        .ok_or_else(|| args.error(format!("unknown quantize {text:?}; use now, step or bar")))?;
    args.finish()?;
    Ok(Edit::SlotQuantize(quantize))
}

/// `slot`: later edits go to this slot; 0 makes them follow the Pattern Slot parameter again.
/// This is the client's own choice, not a change of the document.
fn edit_slot(remote: &mut Remote, args: &mut Args) -> Result<(), CommandError> {
    let slot = args.int("slot", 0, SLOT_COUNT as i64)? as usize;
    args.finish()?;
    remote.edit_slot = slot.checked_sub(1);
    Ok(())
}
