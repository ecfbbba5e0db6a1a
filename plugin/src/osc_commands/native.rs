//! The native command set under `/chronus/`: every edit of the document and every performance
//! control, numbered as musicians count (tracks, steps and slots from 1). `docs/OSC.md` lists
//! them with their arguments and replies.

use rosc::{OscMessage, OscType};

use super::args::Args;
use super::{ok, Remote};
use crate::document::{pattern_string, PatternDoc};
use crate::engine::pattern::{
    Step, StepRate, TrackPattern, MAX_NUDGE_PERCENT, MAX_RATCHET, MAX_STEPS, MAX_TRACKS, SLOT_COUNT,
};
use crate::engine::slot_switch::SlotQuantize;
use crate::osc_in::CommandError;
use crate::params::QuantizeChoice;

/// Handles `/chronus/...`; `None` for an address it does not know.
pub fn handle(
    remote: &mut Remote,
    message: &OscMessage,
) -> Option<Result<Vec<OscMessage>, CommandError>> {
    let mut args = Args::new(message);
    let address = message.addr.as_str();
    let result = match address {
        "/chronus/pattern" => set_pattern(remote, &mut args),
        "/chronus/replace" => replace(remote, &mut args),
        "/chronus/step/on" => step_on(remote, &mut args),
        "/chronus/step/velocity" => step_value(remote, &mut args, "velocity", 1, 127, |s, v| {
            s.velocity = v as u8
        }),
        "/chronus/step/probability" => {
            step_value(remote, &mut args, "probability", 0, 100, |s, v| {
                s.probability = v as u8
            })
        }
        "/chronus/step/ratchet" => {
            let high = i64::from(MAX_RATCHET);
            step_value(remote, &mut args, "ratchet", 1, high, |s, v| {
                s.ratchet = v as u8
            })
        }
        "/chronus/step/nudge" => {
            let limit = i64::from(MAX_NUDGE_PERCENT);
            step_value(remote, &mut args, "nudge", -limit, limit, |s, v| {
                s.nudge = v as i8
            })
        }
        "/chronus/step/note" => step_value(remote, &mut args, "note", -1, 127, |s, v| {
            s.note = u8::try_from(v).ok()
        }),
        "/chronus/track/length" => track_length(remote, &mut args),
        "/chronus/track/rate" => track_rate(remote, &mut args),
        "/chronus/track/note" => {
            track_number(remote, &mut args, ("note", 0, 127), |p, v| p.note = v)
        }
        "/chronus/track/channel" => track_number(remote, &mut args, ("channel", 1, 16), |p, v| {
            p.channel = v - 1
        }),
        "/chronus/track/name" => track_name(remote, &mut args),
        "/chronus/euclid" => euclid(remote, &mut args),
        "/chronus/euclid/off" => euclid_off(remote, &mut args),
        "/chronus/euclid/stamp" => euclid_stamp(remote, &mut args),
        "/chronus/copy" => copy_track(remote, &mut args),
        "/chronus/copy/slot" => copy_slot(remote, &mut args),
        "/chronus/clear" => clear(remote, &mut args),
        "/chronus/reseed" => reseed(remote, &mut args),
        "/chronus/undo" => history(remote, &mut args, true),
        "/chronus/redo" => history(remote, &mut args, false),
        "/chronus/mute" => mute_or_solo(remote, &mut args, true),
        "/chronus/solo" => mute_or_solo(remote, &mut args, false),
        "/chronus/gate" => gate(remote, &mut args),
        "/chronus/swing" => swing(remote, &mut args),
        "/chronus/slot" => select_slot(remote, &mut args),
        "/chronus/quantize" => quantize(remote, &mut args),
        "/chronus/edit_slot" => edit_slot(remote, &mut args),
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
    Some(result.map(|()| ok(address)))
}

type Outcome = Result<(), CommandError>;

/// Reads a pattern string argument into steps (1–64 of them).
fn pattern_argument(args: &mut Args, name: &str) -> Result<Vec<Step>, CommandError> {
    let text = args.string(name)?;
    let steps = pattern_string::parse(text).map_err(|error| args.error(error.to_string()))?;
    if steps.is_empty() {
        return Err(args.error(format!("{name} has no steps")));
    }
    Ok(steps)
}

/// Writes `steps` into a track: its length becomes theirs and Euclid mode ends, so the track
/// plays exactly what was written.
pub fn write_steps(doc: &mut PatternDoc, track: usize, steps: &[Step]) {
    let pattern = &mut doc.tracks[track].pattern;
    pattern.steps = [Step::REST; MAX_STEPS];
    pattern.steps[..steps.len()].copy_from_slice(steps);
    pattern.length = steps.len() as u8;
    pattern.euclid = false;
}

fn set_pattern(remote: &mut Remote, args: &mut Args) -> Outcome {
    let track = args.index("track", MAX_TRACKS)?;
    let steps = pattern_argument(args, "pattern")?;
    args.finish()?;
    remote.edit(|doc| write_steps(doc, track, &steps));
    Ok(())
}

/// `track pattern [track pattern …]`: every pair is checked before anything changes, and all
/// change in one edit (one snapshot, one undo step).
fn replace(remote: &mut Remote, args: &mut Args) -> Outcome {
    if args.remaining() == 0 || !args.remaining().is_multiple_of(2) {
        return Err(args.error("expected pairs of track and pattern"));
    }
    let mut writes = Vec::new();
    while args.remaining() > 0 {
        let track = args.index("track", MAX_TRACKS)?;
        let steps = pattern_argument(args, "pattern")?;
        if writes.iter().any(|(seen, _)| *seen == track) {
            return Err(args.error(format!("track {} appears twice", track + 1)));
        }
        writes.push((track, steps));
    }
    remote.edit(|doc| {
        for (track, steps) in &writes {
            write_steps(doc, *track, steps);
        }
    });
    Ok(())
}

fn track_and_step(args: &mut Args) -> Result<(usize, usize), CommandError> {
    Ok((
        args.index("track", MAX_TRACKS)?,
        args.index("step", MAX_STEPS)?,
    ))
}

fn step_on(remote: &mut Remote, args: &mut Args) -> Outcome {
    let (track, step) = track_and_step(args)?;
    let on = args.flag("on")?;
    args.finish()?;
    remote.edit(|doc| {
        let step = &mut doc.tracks[track].pattern.steps[step];
        step.on = on;
        step.tie = false;
    });
    Ok(())
}

fn step_value(
    remote: &mut Remote,
    args: &mut Args,
    name: &str,
    low: i64,
    high: i64,
    set: impl FnOnce(&mut Step, i64),
) -> Outcome {
    let (track, step) = track_and_step(args)?;
    let value = args.int(name, low, high)?;
    args.finish()?;
    remote.edit(|doc| set(&mut doc.tracks[track].pattern.steps[step], value));
    Ok(())
}

fn track_length(remote: &mut Remote, args: &mut Args) -> Outcome {
    let track = args.index("track", MAX_TRACKS)?;
    let length = args.int("length", 1, MAX_STEPS as i64)? as u8;
    args.finish()?;
    remote.edit(|doc| doc.tracks[track].pattern.length = length);
    Ok(())
}

fn track_rate(remote: &mut Remote, args: &mut Args) -> Outcome {
    let track = args.index("track", MAX_TRACKS)?;
    let text = args.string("rate")?;
    let rate = StepRate::parse(text).ok_or_else(|| {
        args.error(format!(
            "unknown rate {text:?}; use 1/1 … 1/64, with d (dotted) or t (triplet)"
        ))
    })?;
    args.finish()?;
    remote.edit(|doc| doc.tracks[track].pattern.rate = rate);
    Ok(())
}

/// `track value`: a whole-number track setting `(name, low, high)`, written by `set`.
fn track_number(
    remote: &mut Remote,
    args: &mut Args,
    (name, low, high): (&str, i64, i64),
    set: impl FnOnce(&mut TrackPattern, u8),
) -> Outcome {
    let track = args.index("track", MAX_TRACKS)?;
    let value = args.int(name, low, high)? as u8;
    args.finish()?;
    remote.edit(|doc| set(&mut doc.tracks[track].pattern, value));
    Ok(())
}

/// Longest track name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

fn track_name(remote: &mut Remote, args: &mut Args) -> Outcome {
    let track = args.index("track", MAX_TRACKS)?;
    let name = args.string("name")?.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(args.error(format!("a name has 1–{MAX_NAME_CHARS} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(args.error("a name cannot hold control characters"));
    }
    args.finish()?;
    remote.edit(|doc| doc.tracks[track].name = name.to_owned());
    Ok(())
}

/// `track pulses steps rotation`, read and checked together.
fn euclid_arguments(args: &mut Args) -> Result<(usize, u8, u8, u8), CommandError> {
    let track = args.index("track", MAX_TRACKS)?;
    let pulses = args.int("pulses", 0, MAX_STEPS as i64)? as u8;
    let steps = args.int("steps", 1, MAX_STEPS as i64)? as u8;
    let rotation = args.int("rotation", 0, MAX_STEPS as i64 - 1)? as u8;
    args.finish()?;
    if pulses > steps {
        return Err(args.error(format!("{pulses} pulses do not fit in {steps} steps")));
    }
    Ok((track, pulses, steps, rotation))
}

/// Euclid mode on: the track's length becomes `steps`, pulses and rotation go to the host
/// parameters (so the DAW sees and can automate them).
fn euclid(remote: &mut Remote, args: &mut Args) -> Outcome {
    let (track, pulses, steps, rotation) = euclid_arguments(args)?;
    // Pulses and rotation first, so the track never plays Euclid mode with the old ones.
    let controls = &remote.params.tracks[track];
    remote
        .gateway
        .set(&controls.euclid_pulses, i32::from(pulses));
    remote
        .gateway
        .set(&controls.euclid_rotation, i32::from(rotation));
    remote.edit(|doc| {
        let pattern = &mut doc.tracks[track].pattern;
        pattern.length = steps;
        pattern.euclid = true;
    });
    Ok(())
}

fn euclid_off(remote: &mut Remote, args: &mut Args) -> Outcome {
    let track = args.index("track", MAX_TRACKS)?;
    args.finish()?;
    remote.edit(|doc| doc.tracks[track].pattern.euclid = false);
    Ok(())
}

/// Writes a Euclid fill into the grid as plain steps (Euclid mode off).
fn euclid_stamp(remote: &mut Remote, args: &mut Args) -> Outcome {
    let (track, pulses, steps, rotation) = euclid_arguments(args)?;
    remote.edit(|doc| {
        let pattern = &mut doc.tracks[track].pattern;
        pattern.length = steps;
        pattern.euclid = false;
        doc.stamp_euclid(track, pulses, rotation);
    });
    Ok(())
}

fn copy_track(remote: &mut Remote, args: &mut Args) -> Outcome {
    let from = args.index("from track", MAX_TRACKS)?;
    let to = args.index("to track", MAX_TRACKS)?;
    args.finish()?;
    remote.edit(|doc| doc.tracks[to] = doc.tracks[from].clone());
    Ok(())
}

fn copy_slot(remote: &mut Remote, args: &mut Args) -> Outcome {
    let from = args.index("from slot", SLOT_COUNT)?;
    let to = args.index("to slot", SLOT_COUNT)?;
    args.finish()?;
    remote.store.edit(|song| song.copy_slot(from, to));
    Ok(())
}

/// `[track]`: clears one track's steps, or with no argument every track of the slot (names,
/// notes and rates stay).
fn clear(remote: &mut Remote, args: &mut Args) -> Outcome {
    let track = if args.remaining() > 0 {
        Some(args.index("track", MAX_TRACKS)?)
    } else {
        None
    };
    args.finish()?;
    clear_steps(remote, track);
    Ok(())
}

/// Clears the steps of track `only`, or of every track, in the slot being edited.
pub fn clear_steps(remote: &Remote, only: Option<usize>) {
    remote.edit(|doc| {
        for (index, track_doc) in doc.tracks.iter_mut().enumerate() {
            if only.is_none_or(|only| only == index) {
                track_doc.pattern.steps = [Step::REST; MAX_STEPS];
            }
        }
    });
}

/// `[seed]`: a new probability seed for the slot; without an argument one from the clock.
fn reseed(remote: &mut Remote, args: &mut Args) -> Outcome {
    let seed = if args.remaining() > 0 {
        Some(args.int("seed", 0, i64::from(u32::MAX))? as u32)
    } else {
        None
    };
    args.finish()?;
    remote.edit(|doc| match seed {
        Some(seed) => doc.seed = seed,
        None => doc.reseed(),
    });
    Ok(())
}

fn history(remote: &mut Remote, args: &mut Args, undo: bool) -> Outcome {
    args.finish()?;
    let done = if undo {
        remote.store.undo()
    } else {
        remote.store.redo()
    };
    if done {
        Ok(())
    } else {
        Err(args.error(if undo {
            "nothing to undo"
        } else {
            "nothing to redo"
        }))
    }
}

fn mute_or_solo(remote: &mut Remote, args: &mut Args, mute: bool) -> Outcome {
    let track = args.index("track", MAX_TRACKS)?;
    let on = args.flag(if mute { "mute" } else { "solo" })?;
    args.finish()?;
    let controls = &remote.params.tracks[track];
    let param = if mute { &controls.mute } else { &controls.solo };
    remote.gateway.set(param, on);
    Ok(())
}

fn gate(remote: &mut Remote, args: &mut Args) -> Outcome {
    let track = args.index("track", MAX_TRACKS)?;
    let percent = args.float("gate percent", 1.0, 100.0)? as f32;
    args.finish()?;
    remote
        .gateway
        .set(&remote.params.tracks[track].gate, percent);
    Ok(())
}

fn swing(remote: &mut Remote, args: &mut Args) -> Outcome {
    let percent = args.float("swing percent", 50.0, 75.0)? as f32;
    args.finish()?;
    remote.gateway.set(&remote.params.swing, percent);
    Ok(())
}

fn select_slot(remote: &mut Remote, args: &mut Args) -> Outcome {
    let slot = args.int("slot", 1, SLOT_COUNT as i64)? as i32;
    args.finish()?;
    remote.gateway.set(&remote.params.slot, slot);
    Ok(())
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

fn quantize(remote: &mut Remote, args: &mut Args) -> Outcome {
    let text = args.string("quantize")?;
    let quantize = parse_quantize(text)
        .ok_or_else(|| args.error(format!("unknown quantize {text:?}; use now, step or bar")))?;
    args.finish()?;
    let choice = QuantizeChoice::from(quantize);
    remote.gateway.set(&remote.params.slot_quantize, choice);
    Ok(())
}

/// `slot`: later edits go to this slot; 0 makes them follow the Pattern Slot parameter again.
fn edit_slot(remote: &mut Remote, args: &mut Args) -> Outcome {
    let slot = args.int("slot", 0, SLOT_COUNT as i64)? as usize;
    args.finish()?;
    remote.edit_slot = slot.checked_sub(1);
    Ok(())
}
