//! The native command set under `/chronus/`: every edit of the document and every performance
//! control, numbered as musicians count (tracks, steps and slots from 1). Each command reads its
//! arguments into one [`Edit`] and hands it to the edit layer. `docs/OSC.md` lists them with
//! their arguments and replies.

use rosc::{OscMessage, OscType};

use super::args::Args;
use super::spec::{Arg, Command, Run, REPLIES_OK, SLOT, STEP, TRACK};
use super::{ok, Remote};
use crate::edit::notes::read_note;
use crate::edit::values::{
    self, PatternSteps, TrackName, CHANNEL, LENGTH, NUDGE, PROBABILITY, RATCHET, VELOCITY,
};
use crate::edit::{Edit, StepChange, TrackChange, TrackRef};
use crate::engine::pattern::{StepRate, MAX_STEPS, MAX_TRACKS, SLOT_COUNT};
use crate::engine::slot_switch::SlotQuantize;
use crate::osc_in::CommandError;

/// The native commands, one entry each: address, arguments, replies and the function that
/// carries it out. `/chronus/schema` prints this table; the handler runs from it.
pub const COMMANDS: &[Command] = &[
    Command {
        address: "/chronus/pattern",
        summary: "Sets a track's steps and length (1–64) from a pattern string; Euclid mode off. \
                  A step whose character stays the same keeps everything it had.",
        args: &[TRACK, PATTERN],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| set_pattern(args)),
    },
    Command {
        address: "/chronus/replace",
        summary: "Sets several tracks at once from pattern strings, all or nothing; a track may \
                  appear once.",
        args: &[TRACK.repeats(), PATTERN],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| replace(args)),
    },
    Command {
        address: "/chronus/step/on",
        summary: "Switches a step on or off (switching on clears a tie).",
        args: &[
            TRACK,
            STEP,
            Arg::flag("on", "1 plays the step, 0 makes it a rest"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| step(args, |args| Ok(StepChange::On(args.flag("on")?)))),
    },
    Command {
        address: "/chronus/step/velocity",
        summary: "Sets a step's MIDI velocity.",
        args: &[
            TRACK,
            STEP,
            Arg::ranged("velocity", VELOCITY, "MIDI velocity"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            step(args, |args| {
                Ok(StepChange::Velocity(
                    args.ranged("velocity", &VELOCITY)? as u8
                ))
            })
        }),
    },
    Command {
        address: "/chronus/step/probability",
        summary: "Sets a step's chance to play (deterministic per song position; see \
                  /chronus/reseed).",
        args: &[
            TRACK,
            STEP,
            Arg::ranged("probability", PROBABILITY, "percent"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            step(args, |args| {
                Ok(StepChange::Probability(
                    args.ranged("probability", &PROBABILITY)? as u8,
                ))
            })
        }),
    },
    Command {
        address: "/chronus/step/ratchet",
        summary: "Splits a step into several hits.",
        args: &[
            TRACK,
            STEP,
            Arg::ranged("ratchet", RATCHET, "hits inside the step"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            step(args, |args| {
                Ok(StepChange::Ratchet(args.ranged("ratchet", &RATCHET)? as u8))
            })
        }),
    },
    Command {
        address: "/chronus/step/nudge",
        summary: "Moves a step off the grid.",
        args: &[
            TRACK,
            STEP,
            Arg::ranged("nudge", NUDGE, "percent of a step, early < 0 < late"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            step(args, |args| {
                Ok(StepChange::Nudge(args.ranged("nudge", &NUDGE)? as i8))
            })
        }),
    },
    Command {
        address: "/chronus/step/note",
        summary: "Gives a step its own note, or -1 to play the track's note.",
        args: &[TRACK, STEP, STEP_NOTE_ARG],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            step(args, |args| {
                let text = args.text("note")?;
                if text.trim() == "-1" {
                    return Ok(StepChange::Note(None));
                }
                Ok(StepChange::Note(Some(note_argument(args, &text)?)))
            })
        }),
    },
    Command {
        address: "/chronus/step/condition",
        summary: "Sets a step's trig condition; an empty string clears it.",
        args: &[
            TRACK,
            STEP,
            Arg::string(
                "condition",
                "A:B (1 <= A <= B <= 8), 1st, !1st, fill, !fill, pre, !pre, nei, !nei, or empty",
            ),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            step(args, |args| {
                let text = args.string("condition")?;
                let condition = values::parse_condition(text).map_err(|e| args.refused(e))?;
                Ok(StepChange::Condition(condition))
            })
        }),
    },
    Command {
        address: "/chronus/track/length",
        summary: "Sets the steps before a track repeats.",
        args: &[TRACK, Arg::ranged("length", LENGTH, "steps")],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            track(args, |args| {
                Ok(TrackChange::Length(args.ranged("length", &LENGTH)? as u8))
            })
        }),
    },
    Command {
        address: "/chronus/track/rate",
        summary: "Sets the length of a track's steps.",
        args: &[
            TRACK,
            Arg::string(
                "rate",
                "1/1 … 1/64, suffix d dotted or t triplet (1/16 = sixteenths)",
            ),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            track(args, |args| {
                let text = args.string("rate")?;
                let rate = StepRate::parse(text).ok_or_else(|| {
                    args.error(format!(
                        "unknown rate {text:?}; use 1/1 … 1/64, with d (dotted) or t (triplet)"
                    ))
                })?;
                Ok(TrackChange::Rate(rate))
            })
        }),
    },
    Command {
        address: "/chronus/track/note",
        summary: "Sets a track's MIDI note.",
        args: &[TRACK, NOTE_ARG],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            track(args, |args| {
                let text = args.text("note")?;
                Ok(TrackChange::Note(note_argument(args, &text)?))
            })
        }),
    },
    Command {
        address: "/chronus/track/channel",
        summary: "Sets a track's MIDI channel.",
        args: &[
            TRACK,
            Arg::ranged("channel", CHANNEL, "MIDI channel, from 1"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            track(args, |args| {
                Ok(TrackChange::Channel(
                    args.ranged("channel", &CHANNEL)? as u8 - 1,
                ))
            })
        }),
    },
    Command {
        address: "/chronus/track/name",
        summary: "Names a track (the name is also its Music Chronus track id).",
        args: &[TRACK, Arg::string("name", "1–64 characters")],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            track(args, |args| {
                let name = TrackName::parse(args.string("name")?).map_err(|e| args.refused(e))?;
                Ok(TrackChange::Name(name))
            })
        }),
    },
    Command {
        address: "/chronus/track/direction",
        summary: "Sets the order in which a track plays its steps.",
        args: &[
            TRACK,
            Arg::string("direction", "forward, reverse, pendulum or random"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            track(args, |args| {
                let text = args.string("direction")?;
                let direction = values::parse_direction(text).map_err(|e| args.refused(e))?;
                Ok(TrackChange::Direction(direction))
            })
        }),
    },
    Command {
        address: "/chronus/track/melodic",
        summary: "Marks a track as melodic (transposed by keys, snapped to the scale) or as a \
                  drum track.",
        args: &[TRACK, Arg::flag("melodic", "1 melodic, 0 drum track")],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            track(args, |args| Ok(TrackChange::Melodic(args.flag("melodic")?)))
        }),
    },
    Command {
        address: "/chronus/euclid",
        summary: "Euclid mode on: pulses spread evenly over steps, turned left by rotation; the \
                  track's length becomes steps.",
        args: EUCLID_ARGS,
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| euclid(args, false)),
    },
    Command {
        address: "/chronus/euclid/off",
        summary: "Euclid mode off: the track plays its own steps again.",
        args: &[TRACK],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| track(args, |_| Ok(TrackChange::EuclidMode(false)))),
    },
    Command {
        address: "/chronus/euclid/stamp",
        summary: "Writes a Euclid rhythm into the steps (length becomes steps, Euclid mode off), \
                  to edit it by hand.",
        args: EUCLID_ARGS,
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| euclid(args, true)),
    },
    Command {
        address: "/chronus/copy",
        summary: "Copies a track (name, settings, steps) over another.",
        args: &[
            Arg::int("from track", 1, MAX_TRACKS as i64, "source track"),
            Arg::int("to track", 1, MAX_TRACKS as i64, "destination track"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| copy_track(args)),
    },
    Command {
        address: "/chronus/copy/slot",
        summary: "Copies a whole pattern slot over another.",
        args: &[
            Arg::int("from slot", 1, SLOT_COUNT as i64, "source slot"),
            Arg::int("to slot", 1, SLOT_COUNT as i64, "destination slot"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| copy_slot(args)),
    },
    Command {
        address: "/chronus/clear",
        summary: "Clears one track's steps, or every track's without an argument; Euclid mode \
                  ends (names and settings stay).",
        args: &[TRACK.optional()],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| clear(args)),
    },
    Command {
        address: "/chronus/reseed",
        summary: "New dice for step probability: this seed, or one from the clock.",
        args: &[Arg::int("seed", 0, u32::MAX as i64, "probability seed").optional()],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| reseed(args)),
    },
    Command {
        address: "/chronus/undo",
        summary: "Undoes the last edit (the editor and OSC share one history of 100 edits).",
        args: &[],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| args.finish().map(|()| Edit::Undo)),
    },
    Command {
        address: "/chronus/redo",
        summary: "Makes the last undone edit again.",
        args: &[],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| args.finish().map(|()| Edit::Redo)),
    },
    Command {
        address: "/chronus/mute",
        summary: "Mutes or unmutes a track (host parameter mute_N).",
        args: &[TRACK, Arg::flag("mute", "1 mutes, 0 unmutes")],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| mute_or_solo(args, true)),
    },
    Command {
        address: "/chronus/solo",
        summary: "Solos a track or ends its solo (host parameter solo_N).",
        args: &[TRACK, Arg::flag("solo", "1 solos, 0 ends the solo")],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| mute_or_solo(args, false)),
    },
    Command {
        address: "/chronus/gate",
        summary: "Sets a track's gate length (host parameter gate_N).",
        args: &[
            TRACK,
            Arg::float("gate percent", values::GATE_PERCENT, "percent of a step"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| gate(args)),
    },
    Command {
        address: "/chronus/swing",
        summary: "Sets the swing of odd sixteenths (host parameter swing).",
        args: &[Arg::float(
            "swing percent",
            values::SWING_PERCENT,
            "50 is straight",
        )],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| swing(args)),
    },
    Command {
        address: "/chronus/fill",
        summary: "Turns Fill on or off (host parameter fill), for the fill and !fill trig \
                  conditions.",
        args: &[Arg::flag("fill", "1 on, 0 off")],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| fill(args)),
    },
    Command {
        address: "/chronus/scale",
        summary: "Sets the edited slot's scale: notes of melodic tracks snap to it; chromatic \
                  turns it off.",
        args: &[
            Arg::text("root", "C, C#, Db, … B or 0–11"),
            Arg::string("scale", "major, minor, dorian, … or chromatic (off)"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| scale(args)),
    },
    Command {
        address: "/chronus/slot",
        summary: "Selects the playing slot (host parameter slot); the switch waits for Slot \
                  Quantize.",
        args: &[SLOT],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| select_slot(args)),
    },
    Command {
        address: "/chronus/quantize",
        summary: "Sets Slot Quantize (host parameter slot_quantize): when a slot change happens.",
        args: &[QUANTIZE_ARG],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| quantize(args)),
    },
    Command {
        address: "/chronus/edit_slot",
        summary: "Later edits from this client go to this slot; 0 follows Pattern Slot again.",
        args: &[Arg::int(
            "slot",
            0,
            SLOT_COUNT as i64,
            "slot, or 0 for the Pattern Slot parameter",
        )],
        replies: REPLIES_OK,
        run: Run::Reply(|remote, args| edit_slot(remote, args).map(|()| ok("/chronus/edit_slot"))),
    },
    Command {
        address: "/chronus/query",
        summary: "The whole state of a slot: pattern strings, every step's extras and trig \
                  condition, lanes, note cycles, voice profiles, directions, scale and Fill.",
        args: &[SLOT.optional()],
        replies: "/chronus/state/slot <slot> <playing slot> <requested slot> <quantize> \
                  <swing percent> <seed> <scale root> <scale> <fill>; then per track \
                  /chronus/state/track <track> <name> <pattern> <rate> <note> <channel> <euclid> \
                  <pulses> <rotation> <mute> <solo> <gate percent> <OSC gate address> \
                  <direction> <melodic> <freq Hz, -1 none> <note cycle> <voice profile 0/1> \
                  <base_amp> <filter_freq> <accent_boost> <reverb_send> <delay_send> <digest>, \
                  /chronus/state/steps <track> <step details: step.field=value …> and four \
                  /chronus/state/lane <track> <lane> <midi off|cc|bend> <cc, -1 none> <OSC \
                  address> <min> <max> <curve lin|exp> <length> <base, -1 none> <value, -1 \
                  none>… (one per step of the lane); last /chronus/state/end <slot>",
        run: Run::Reply(super::query::state),
    },
    Command {
        address: "/chronus/ping",
        summary: "Tells that an instance listens here, and its version.",
        args: &[],
        replies: "/chronus/pong <version>",
        run: Run::Reply(|_, args| {
            args.finish().map(|()| {
                vec![OscMessage {
                    addr: "/chronus/pong".to_owned(),
                    args: vec![OscType::String(env!("CARGO_PKG_VERSION").to_owned())],
                }]
            })
        }),
    },
];

/// A pattern string argument.
const PATTERN: Arg = Arg::string(
    "pattern",
    "one character per step: . rest, x hit, X accent, 1–9 velocity, _ tie; spaces and | \
     ignored; 1–64 steps",
);

/// A note argument.
const NOTE_ARG: Arg = Arg::text(
    "note",
    "MIDI number 0–127, a name (C4 = 60, D#3, Eb3) or Hz with a decimal point (220.0)",
);

/// A quantize argument.
pub const QUANTIZE_ARG: Arg = Arg::choice(
    "quantize",
    &["now", "step", "bar"],
    "at once, on the next sixteenth, or on the next bar line",
);

/// The arguments of the Euclid commands.
const EUCLID_ARGS: &[Arg] = &[
    TRACK,
    Arg::int("pulses", 0, MAX_STEPS as i64, "hits, at most steps"),
    Arg::ranged("steps", LENGTH, "the track's length"),
    Arg::int("rotation", 0, MAX_STEPS as i64 - 1, "left turn in steps"),
];

/// The note argument of `/chronus/step/note`, which also takes -1.
const STEP_NOTE_ARG: Arg = Arg::text(
    "note",
    "-1 for the track's note, or a MIDI number 0–127, a name (C4 = 60) or Hz with a decimal \
     point (220.0)",
);

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
