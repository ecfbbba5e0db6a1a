//! The commands for agents: `/chronus/schema` (the self-description, built from the command
//! tables) and the commands an AI collaborator uses on top of the edit commands.

use rosc::{OscMessage, OscType};
use serde_json::{json, Value};

use super::args::Args;
use super::native::{parse_quantize, quantize_name, QUANTIZE_ARG};
use super::report;
use super::spec::{Arg, Command, Run};
use super::Remote;
use crate::document::track_parts::changed_parts;
use crate::document::{pattern_string, SongDoc, TrackDoc};
use crate::engine::pattern::{Scale, SLOT_COUNT};
use crate::engine::scale::ROOT_NAMES;
use crate::osc_in::CommandError;

/// The agent commands, one entry each.
pub const COMMANDS: &[Command] = &[
    Command {
        address: "/chronus/schema",
        summary: "This description of every command, as JSON, split over several messages: \
                  join the chunks of parts 1…n in order.",
        args: &[Arg::string("address", "describe only the command at this address").optional()],
        replies: "/chronus/schema <int part> <int parts> <string JSON chunk>, parts 1…n",
        run: Run::Reply(|_, args| schema_reply(args)),
    },
    Command {
        address: "/chronus/check",
        summary: "Dry run: checks an edit command (its address, then its arguments) and replies \
                  with what it would change, changing nothing. A refusal is the reason the \
                  command itself would give.",
        args: &[
            Arg::string("address", "the edit command to check"),
            Arg::text("argument", "the command's arguments")
                .optional()
                .repeats(),
        ],
        replies: "/chronus/check <address> <string JSON {\"changed\", \"tracks\": [{\"slot\", \
                  \"track\", \"parts\", \"before\", \"after\"}], \"slots\": [{\"slot\", \
                  \"seed\" or \"scale\": [before, after]}], \"settings\"}>",
        run: Run::Reply(check),
    },
    Command {
        address: "/chronus/edit_quantize",
        summary: "Where this client's edits land when a command names no quantize= option: at \
                  once (the default), on the next sixteenth, or on the next bar line of the host \
                  transport.",
        args: &[QUANTIZE_ARG],
        replies: "/chronus/ok /chronus/edit_quantize",
        run: Run::Reply(edit_quantize),
    },
];

/// `/chronus/edit_quantize now|step|bar`: the sender's default.
fn edit_quantize(remote: &mut Remote, args: &mut Args) -> Result<Vec<OscMessage>, CommandError> {
    let text = args.string("quantize")?;
    let quantize = parse_quantize(text)
        .ok_or_else(|| args.error(format!("unknown quantize {text:?}; use now, step or bar")))?;
    args.finish()?;
    remote.clients.set_quantize(remote.sender, quantize);
    Ok(super::ok("/chronus/edit_quantize"))
}

/// Longest piece of JSON text in one `/chronus/schema` reply, in bytes: with the address and
/// two ints the datagram stays well below the 8 KiB that common OSC receivers read at once.
pub const SCHEMA_CHUNK_BYTES: usize = 4_000;

/// The whole self-description.
pub fn schema() -> Value {
    json!({
        "name": "Chronus Seq",
        "version": env!("CARGO_PKG_VERSION"),
        "conventions": {
            "numbering": "tracks, steps and slots count from 1",
            "numbers": "any OSC number type; a whole number must be whole",
            "errors": "a refused command replies /seq/error <address> <reason> and changes nothing",
            "edits": "a command with \"edit\": true is one edit of the document (one undo step)",
        },
        "options": {
            "quantize": format!(
                "any command with \"edit\": true may end with the string argument {}now, \
                 {0}step or {0}bar: the change plays from the next sixteenth or bar line of the \
                 host transport, on that exact sample (host parameters it sets change at once); \
                 without it, the client's /chronus/edit_quantize default applies (now)",
                super::QUANTIZE_OPTION
            ),
        },
        "commands": super::commands().map(Command::describe).collect::<Vec<_>>(),
        "forwarded": {
            "prefixes": super::forward::MODULAR_PREFIXES,
            "meaning": "messages to the modular's own routes are no commands: they are sent on \
                        unchanged, in arrival order, to the OSC output's target, with no reply \
                        (a refusal, e.g. forwarding off with /chronus/forward 0, replies \
                        /seq/error)",
        },
    })
}

/// `/chronus/schema [address]`: the description in chunks of at most [`SCHEMA_CHUNK_BYTES`].
fn schema_reply(args: &mut Args) -> Result<Vec<OscMessage>, CommandError> {
    let text = if args.remaining() > 0 {
        let address = args.string("address")?;
        let command =
            super::find(address).ok_or_else(|| args.error(format!("no command at {address:?}")))?;
        command.describe().to_string()
    } else {
        schema().to_string()
    };
    args.finish()?;
    let chunks = split_at_chars(&text, SCHEMA_CHUNK_BYTES);
    let parts = chunks.len() as i32;
    Ok(chunks
        .into_iter()
        .enumerate()
        .map(|(index, chunk)| OscMessage {
            addr: "/chronus/schema".to_owned(),
            args: vec![
                OscType::Int(index as i32 + 1),
                OscType::Int(parts),
                OscType::String(chunk.to_owned()),
            ],
        })
        .collect())
}

/// A track as agents read it: everything the document holds of it. Name, pattern string of its
/// length, rate, note, channel, Euclid, direction, melodic, exact frequency (−1: none), note
/// cycle (as `/chronus/track/cycle` takes it), step details (`/chronus/state/steps`'s form) and
/// the lanes' MIDI destination, length, base and values (their OSC destinations are settings).
pub fn track_json(track: &TrackDoc) -> Value {
    let pattern = &track.pattern;
    let steps = &pattern.steps[..usize::from(pattern.length).min(pattern.steps.len())];
    json!({
        "name": track.name,
        "pattern": pattern_string::print(steps),
        "rate": pattern.rate.label(),
        "note": pattern.note,
        "channel": pattern.channel + 1,
        "euclid": pattern.euclid,
        "direction": pattern.direction.name(),
        "melodic": pattern.melodic,
        "freq": pattern.freq.map_or(-1.0, |hz| hz.get()),
        "cycle": report::cycle_text(&pattern.cycle),
        "steps": report::step_details(pattern),
        "lanes": pattern.lanes.iter().map(report::lane_json).collect::<Vec<_>>(),
    })
}

/// A scale as `/chronus/scale` takes it: `[root, name]`.
fn scale_json(scale: Scale) -> Value {
    json!([ROOT_NAMES[usize::from(scale.root % 12)], scale.kind.name()])
}

/// The changes from `before` to `after`: each changed track before and after with the names of
/// its changed parts, each slot whose seed or scale changed (slots and tracks counted from 1).
pub fn changes_json(before: &SongDoc, after: &SongDoc) -> (Value, Value) {
    let mut tracks = Vec::new();
    let mut slots = Vec::new();
    for (slot, track) in before.changes(after) {
        match track {
            Some(track) => {
                let (was, is) = (
                    &before.slot(slot).tracks[track],
                    &after.slot(slot).tracks[track],
                );
                tracks.push(json!({
                    "slot": slot + 1,
                    "track": track + 1,
                    "parts": changed_parts(was, is),
                    "before": track_json(was),
                    "after": track_json(is),
                }));
            }
            None => slots.push(json!({
                "slot": slot + 1,
                "seed": [before.slot(slot).seed, after.slot(slot).seed],
            })),
        }
    }
    for slot in 0..SLOT_COUNT {
        let (was, is) = (before.slot(slot).scale, after.slot(slot).scale);
        if was != is {
            slots.push(json!({
                "slot": slot + 1,
                "scale": [scale_json(was), scale_json(is)],
            }));
        }
    }
    (Value::Array(tracks), Value::Array(slots))
}

/// `/chronus/check <address> <arguments…>`: the edit the command would make, tried on a copy.
fn check(remote: &mut Remote, args: &mut Args) -> Result<Vec<OscMessage>, CommandError> {
    let address = args.string("address")?.to_owned();
    let command =
        super::find(&address).ok_or_else(|| args.error(format!("{address}: unknown address")))?;
    let Run::Edit(read) = command.run else {
        return Err(args.error(format!(
            "{address} is not an edit; only edit commands can be checked"
        )));
    };
    let inner = OscMessage {
        addr: address.clone(),
        args: args.rest().to_vec(),
    };
    let refused = |error: CommandError| args.error(format!("{address}: {}", error.reason));
    let (inner, asked) = super::quantize_option(&inner).map_err(refused)?;
    let mut inner_args = Args::new(&inner);
    let lands = asked.unwrap_or_else(|| remote.clients.quantize(remote.sender));
    remote.edit_lands = lands;
    let edit = read(&mut inner_args, remote).map_err(refused)?;
    let preview = remote
        .edits
        .check(remote.target_slot(), &edit)
        .map_err(|error| refused(inner_args.refused(error)))?;
    let (tracks, slots) = changes_json(&preview.before, &preview.after);
    let changed = !tracks.as_array().is_none_or(Vec::is_empty)
        || !slots.as_array().is_none_or(Vec::is_empty)
        || !preview.settings.is_empty();
    let report = json!({
        "changed": changed,
        "lands": quantize_name(lands),
        "tracks": tracks,
        "slots": slots,
        "settings": preview.settings,
    });
    Ok(vec![OscMessage {
        addr: "/chronus/check".to_owned(),
        args: vec![
            OscType::String(address),
            OscType::String(report.to_string()),
        ],
    }])
}

/// `text` in pieces of at most `bytes` bytes, cut between characters.
fn split_at_chars(text: &str, bytes: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = rest.len().min(bytes);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (piece, after) = rest.split_at(end);
        pieces.push(piece);
        rest = after;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_cut_between_characters() {
        let text = "ab–cd–ef";
        let pieces = split_at_chars(text, 3);
        assert_eq!(pieces.concat(), text);
        assert!(pieces
            .iter()
            .all(|piece| piece.len() <= 3 && !piece.is_empty()));
    }
}
