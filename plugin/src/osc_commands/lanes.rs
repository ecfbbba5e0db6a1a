//! Native commands for modulation lanes, note cycles, track frequencies, the voice profile, the
//! voice count and forwarding (`/chronus/lane/…`, `/chronus/track/freq`, `/chronus/track/cycle`,
//! `/chronus/track/voice`, `/chronus/voices`, `/chronus/forward`). Tracks, lanes and steps count
//! from 1; lane values are 0–1 (−1: no value). Each command reads its arguments into one
//! [`Edit`]; `docs/OSC.md` lists them.

use super::args::Args;
use super::spec::{Arg, Command, Run, REPLIES_OK, STEP, TRACK};
use crate::edit::notes::parse_pitch_list;
use crate::edit::{CycleStart, Edit, LaneChange, TrackChange, TrackRef, MAX_VOICES};
use crate::engine::lanes::{LaneMidi, LaneValue, LANES};
use crate::engine::note_cycle::{MAX_CYCLE, MAX_HZ, MIN_HZ};
use crate::engine::pattern::{MAX_STEPS, MAX_TRACKS};
use crate::osc_in::CommandError;
use crate::osc_out::{voice_profile_field, Curve, LaneTarget, VoiceProfile};

type Read = Result<Edit, CommandError>;

/// A lane of a track: 1–4.
const LANE: Arg = Arg::int("lane", 1, LANES as i64, "lane number, from 1");
/// A lane value.
const VALUE: Arg = Arg::float(
    "value",
    -1.0..=1.0,
    "0–1 (the lane's range), or -1 for none",
);

/// The lane, note-cycle and voice commands, one entry each. `/chronus/schema` prints this
/// table; the handler runs from it.
pub const COMMANDS: &[Command] = &[
    Command {
        address: "/chronus/lane/cc",
        summary: "Sends a lane to a MIDI controller on its track's channel (14-bit values become \
                  0–127).",
        args: &[
            TRACK,
            LANE,
            Arg::int("cc", 0, 127, "MIDI controller number"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            lane(args, |args| {
                Ok(LaneChange::Midi(
                    LaneMidi::Cc(args.int("cc", 0, 127)? as u8),
                ))
            })
        }),
    },
    Command {
        address: "/chronus/lane/bend",
        summary: "Sends a lane as MIDI pitch bend on its track's channel (14 bits).",
        args: &[TRACK, LANE],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| lane(args, |_| Ok(LaneChange::Midi(LaneMidi::PitchBend)))),
    },
    Command {
        address: "/chronus/lane/midi_off",
        summary: "Sends a lane to no MIDI destination (its OSC destination stays).",
        args: &[TRACK, LANE],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| lane(args, |_| Ok(LaneChange::Midi(LaneMidi::Off)))),
    },
    Command {
        address: "/chronus/lane/length",
        summary: "Sets a lane's own length; a lane shorter or longer than its track drifts \
                  against it.",
        args: &[
            TRACK,
            LANE,
            Arg::int("length", 1, MAX_STEPS as i64, "steps"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            lane(args, |args| {
                Ok(LaneChange::Length(
                    args.int("length", 1, MAX_STEPS as i64)? as u8
                ))
            })
        }),
    },
    Command {
        address: "/chronus/lane/base",
        summary: "Sets the value a lane sends where playback (re)starts: start, seek, loop wrap.",
        args: &[TRACK, LANE, VALUE],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| lane(args, |args| Ok(LaneChange::Base(value(args)?)))),
    },
    Command {
        address: "/chronus/lane/step",
        summary: "Sets one step's value of a lane.",
        args: &[TRACK, LANE, STEP, VALUE],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            lane(args, |args| {
                let from = args.index("step", MAX_STEPS)?;
                Ok(LaneChange::Values {
                    from,
                    values: vec![value(args)?],
                })
            })
        }),
    },
    Command {
        address: "/chronus/lane/values",
        summary: "Sets a lane's values from its first step on, one per step.",
        args: &[TRACK, LANE, VALUE.repeats()],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            lane(args, |args| {
                let mut values = Vec::new();
                while args.remaining() > 0 {
                    values.push(value(args)?);
                }
                Ok(LaneChange::Values { from: 0, values })
            })
        }),
    },
    Command {
        address: "/chronus/lane/clear",
        summary: "Removes every value and the base of a lane (destination and length stay).",
        args: &[TRACK, LANE],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| lane(args, |_| Ok(LaneChange::Clear))),
    },
    Command {
        address: "/chronus/lane/osc",
        summary: "Sends a lane to an OSC address, its 0–1 values mapped onto min–max (linear or \
                  exponential); an empty address sends nothing over OSC.",
        args: &[
            TRACK,
            LANE,
            Arg::string("address", "OSC address, such as /mod/voice1/filter/freq"),
            Arg::float("min", F32_RANGE, "value sent for 0 (default 0)").optional(),
            Arg::float("max", F32_RANGE, "value sent for 1 (default 1)").optional(),
            Arg::choice("curve", &["lin", "exp"], "lin (default) or exp").optional(),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| lane(args, osc_target)),
    },
    Command {
        address: "/chronus/track/freq",
        summary: "Sets a track's pitch as an exact frequency; its MIDI note becomes the nearest \
                  one (a later note change plays that note's own frequency again).",
        args: &[TRACK, Arg::float("frequency", HZ_RANGE, "Hz")],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            let (track, change) = track(args, |args| {
                let hz = args.float("frequency", f64::from(MIN_HZ), f64::from(MAX_HZ))?;
                Ok(TrackChange::Frequency(hz as f32))
            })?;
            Ok(Edit::SetTrack { track, change })
        }),
    },
    Command {
        address: "/chronus/track/cycle",
        summary: "Gives a track a note cycle: its played hits take the pitches in turn, for \
                  ever, the next hit playing entry (default 1); - ends the cycle.",
        args: &[
            TRACK,
            Arg::text(
                "notes",
                "comma-separated names (C4, D#4), MIDI numbers or Hz (110.0), or -",
            ),
            Arg::int(
                "entry",
                1,
                MAX_CYCLE as i64,
                "entry the next hit plays, from 1",
            )
            .optional(),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, remote| cycle(args, remote.edit_beat())),
    },
    Command {
        address: "/chronus/track/voice",
        summary: "Turns a track's Music Chronus voice profile on (freq, amp, filter/freq and \
                  sends before each gate; Music Chronus's defaults and the key=value options \
                  base_amp, filter_freq, accent_boost, reverb_send, delay_send) or off.",
        args: &[
            TRACK,
            Arg::text("option", "off, or key=value")
                .optional()
                .repeats(),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| voice(args)),
    },
    Command {
        address: "/chronus/voices",
        summary: "Sets the modular's voice count (Music Chronus's CHRONUS_NUM_VOICES): tracks \
                  sent to a voice beyond it are marked and warned about.",
        args: &[Arg::int("voices", 1, MAX_VOICES as i64, "voices")],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            let voices = args.int("voices", 1, i64::from(MAX_VOICES))?;
            args.finish()?;
            Ok(Edit::Voices(voices as u8))
        }),
    },
    Command {
        address: "/chronus/forward",
        summary: "Turns forwarding of the modular's own messages (/mod/…, /gate/…, /engine/…) \
                  to the OSC output's target on or off.",
        args: &[Arg::flag("on", "1 forwards, 0 refuses them")],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            let on = args.flag("on")?;
            args.finish()?;
            Ok(Edit::ForwardModular(on))
        }),
    },
];

/// The values a lane's OSC range may take.
const F32_RANGE: std::ops::RangeInclusive<f64> = -1e9..=1e9;
/// A usable frequency.
const HZ_RANGE: std::ops::RangeInclusive<f64> = (MIN_HZ as f64)..=(MAX_HZ as f64);

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
    let unit = args.float("value", -1.0, 1.0)?;
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
        target.min = args.float("min", *F32_RANGE.start(), *F32_RANGE.end())? as f32;
        target.max = args.float("max", *F32_RANGE.start(), *F32_RANGE.end())? as f32;
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
        args.int("entry", 1, MAX_CYCLE as i64)? - 1
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

#[cfg(test)]
mod tests {
    use rosc::{OscMessage, OscType};

    use crate::engine::pattern::PatternSnapshot;
    use crate::live_state::BlockView;
    use crate::osc_in::CommandHandler;
    use crate::ChronusSeq;

    fn cycle_origin(plugin: &ChronusSeq, quantize: Option<&str>) -> i64 {
        let mut args = vec![
            OscType::Int(1),
            OscType::String("100.0,200.0,300.0".to_owned()),
        ];
        args.extend(quantize.map(|option| OscType::String(option.to_owned())));
        let message = OscMessage {
            addr: "/chronus/track/cycle".to_owned(),
            args,
        };
        plugin.command_handler().handle(&message).expect("a cycle");
        plugin.pattern_store().doc().slot(0).tracks[0]
            .pattern
            .cycle
            .origin
    }

    /// A cycle starts at the next hit from where the edit lands: at once, from the transport's
    /// position; with `quantize=bar`, from the next bar line.
    #[test]
    fn a_quantized_cycle_starts_where_the_edit_lands() {
        let plugin = ChronusSeq::default();
        let every_step = OscMessage {
            addr: "/chronus/pattern".to_owned(),
            args: vec![
                OscType::Int(1),
                OscType::String("xxxxxxxxxxxxxxxx".to_owned()),
            ],
        };
        plugin.command_handler().handle(&every_step).expect("steps");
        let pattern = PatternSnapshot::default();
        plugin.live_state().publish(BlockView {
            playing: true,
            tempo: Some(120.0),
            position: Some(1.3),
            bar: (4.0, 0.0),
            slot: (0, &pattern),
            block_seconds: 0.005,
        });
        // Beat 1.3 is inside sixteenth 5; the next hit is on step 6. The next bar is beat 4,
        // step 16.
        assert_eq!(cycle_origin(&plugin, None), 6);
        assert_eq!(cycle_origin(&plugin, Some("quantize=bar")), 16);
        assert_eq!(cycle_origin(&plugin, Some("quantize=step")), 6);
    }
}
