//! Native commands for the MIDI input (`/chronus/midi/…`): which keys played into the plugin
//! transpose the melodic tracks and which select pattern slots. Each setting is a host
//! parameter; a command reads its argument into one [`Edit::MidiInput`], which the edit layer
//! checks and sends through the parameter gateway. `/chronus/midi` replies the settings and the
//! transposition played in now. Which tracks are melodic is `/chronus/track/melodic`.
//! `docs/OSC.md` lists them.

use rosc::{OscMessage, OscType};

use super::args::Args;
use super::spec::{Arg, Command, Run, REPLIES_OK};
use super::Remote;
use crate::edit::notes::read_note;
use crate::edit::values::INPUT_CHANNEL;
use crate::edit::{Edit, MidiInputChange};
use crate::engine::midi_input::TransposeMode;
use crate::engine::pattern::SLOT_COUNT;
use crate::osc_in::CommandError;
use crate::params::TransposeChoice;

type Read = Result<Edit, CommandError>;

/// The address of the reply to `/chronus/midi`.
const STATE_REPLY: &str = "/chronus/midi";

/// The MIDI-input commands, one entry each. `/chronus/schema` prints this table; the handler
/// runs from it.
pub const COMMANDS: &[Command] = &[
    Command {
        address: "/chronus/midi/transpose_channel",
        summary: "Sets the MIDI channel whose keys transpose the melodic tracks relative to the \
                  reference key (host parameter transpose_channel); 0 turns transposing off.",
        args: &[Arg::ranged(
            "transpose channel",
            INPUT_CHANNEL,
            "MIDI channel 1–16, 0 off",
        )],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| {
            channel(args, "transpose channel", MidiInputChange::TransposeChannel)
        }),
    },
    Command {
        address: "/chronus/midi/transpose_mode",
        summary: "Sets whether a played key keeps transposing after it is released (latch) or \
                  only while held (host parameter transpose_mode).",
        args: &[Arg::choice(
            "mode",
            &["latch", "hold"],
            "latch: the last key keeps transposing; hold: only while a key is held",
        )],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| mode(args)),
    },
    Command {
        address: "/chronus/midi/reference_key",
        summary: "Sets the key that means no transposition (host parameter reference_key, C3 by \
                  default); a key above it transposes up by the difference.",
        args: &[Arg::text(
            "reference key",
            "a note name (C3 = 48, Eb3) or a MIDI number 0–127",
        )],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| key(args, "reference key", MidiInputChange::ReferenceKey)),
    },
    Command {
        address: "/chronus/midi/slot_channel",
        summary: "Sets the MIDI channel whose keys in the slot range select pattern slots (host \
                  parameter slot_key_channel); 0 turns slot keys off.",
        args: &[Arg::ranged(
            "slot channel",
            INPUT_CHANNEL,
            "MIDI channel 1–16, 0 off",
        )],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| channel(args, "slot channel", MidiInputChange::SlotChannel)),
    },
    Command {
        address: "/chronus/midi/slot_low_key",
        summary: "Sets the key that selects slot 1 (host parameter slot_low_key, C1 by default); \
                  the next fifteen keys select slots 2–16, at the Slot Quantize point.",
        args: &[Arg::text(
            "slot low key",
            "a note name (C1 = 24) or a MIDI number 0–112",
        )],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| key(args, "slot low key", MidiInputChange::SlotLowKey)),
    },
    Command {
        address: "/chronus/midi",
        summary: "The MIDI input's settings and the transposition played in now.",
        args: &[],
        replies: "/chronus/midi <transpose channel 0–16> <mode latch|hold> <reference key> \
                  <slot channel 0–16> <slot low key> <slot high key> <transpose semitones now>",
        run: Run::Reply(state),
    },
];

fn channel(args: &mut Args, name: &str, change: fn(u8) -> MidiInputChange) -> Read {
    let channel = args.ranged(name, &INPUT_CHANNEL)? as u8;
    args.finish()?;
    Ok(Edit::MidiInput(change(channel)))
}

fn mode(args: &mut Args) -> Read {
    let text = args.string("mode")?;
    let mode = match text.trim().to_ascii_lowercase().as_str() {
        "latch" => TransposeMode::Latch,
        "hold" => TransposeMode::Hold,
        _ => return Err(args.error(format!("unknown mode {text:?}; use latch or hold"))),
    };
    args.finish()?;
    Ok(Edit::MidiInput(MidiInputChange::TransposeMode(mode)))
}

fn key(args: &mut Args, name: &str, change: fn(u8) -> MidiInputChange) -> Read {
    let text = args.text(name)?;
    let key = read_note(&text).map_err(|error| args.refused(error))?;
    args.finish()?;
    Ok(Edit::MidiInput(change(key)))
}

/// `/chronus/midi`: the five settings as the host parameters hold them, the highest slot key,
/// and the transposition the audio thread published for its newest block.
fn state(remote: &mut Remote, args: &mut Args) -> Result<Vec<OscMessage>, CommandError> {
    args.finish()?;
    let params = remote.edits.params();
    let low = params.slot_low_key.value();
    Ok(vec![OscMessage {
        addr: STATE_REPLY.to_owned(),
        args: vec![
            OscType::Int(params.transpose_channel.value()),
            OscType::String(TransposeChoice::id(params.transpose_mode.value()).to_owned()),
            OscType::Int(params.reference_key.value()),
            OscType::Int(params.slot_key_channel.value()),
            OscType::Int(low),
            OscType::Int((low + SLOT_COUNT as i32 - 1).min(127)),
            OscType::Int(i32::from(remote.live.transpose())),
        ],
    }])
}
