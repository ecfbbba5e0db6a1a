//! The commands for agents: `/chronus/schema` (the self-description, built from the command
//! tables) and the commands an AI collaborator uses on top of the edit commands.

use rosc::{OscMessage, OscType};
use serde_json::{json, Value};

use super::args::Args;
use super::spec::{Arg, Command, Run};
use crate::osc_in::CommandError;

/// The agent commands, one entry each.
pub const COMMANDS: &[Command] = &[Command {
    address: "/chronus/schema",
    summary: "This description of every command, as JSON, split over several messages: join \
              the chunks of parts 1…n in order.",
    args: &[Arg::string("address", "describe only the command at this address").optional()],
    replies: "/chronus/schema <int part> <int parts> <string JSON chunk>, parts 1…n",
    run: Run::Reply(|_, args| schema_reply(args)),
}];

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
        "commands": super::commands().map(Command::describe).collect::<Vec<_>>(),
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
