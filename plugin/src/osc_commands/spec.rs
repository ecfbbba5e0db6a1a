//! Commands as data: each command is one [`Command`] entry next to its handler (address,
//! arguments with types, ranges and meaning, what it replies, and the function that carries it
//! out). The handler looks commands up in these tables and `/chronus/schema` prints the same
//! tables as JSON, so the description an agent reads cannot drift from what runs.
//!
//! A new command is one more entry in the table of its file (`native.rs`, `dialect.rs`,
//! `agent.rs`); nothing else needs to know about it.

use std::ops::RangeInclusive;

use rosc::OscMessage;
use serde_json::{json, Value};

use super::args::{Args, MAX_STRING_BYTES};
use super::Remote;
use crate::edit::Edit;
use crate::engine::pattern::{MAX_STEPS, MAX_TRACKS, SLOT_COUNT};
use crate::osc_in::CommandError;

/// What a command does with its arguments.
#[derive(Clone, Copy)]
pub enum Run {
    /// Reads them into one edit, which the edit layer carries out (it may carry a quantize
    /// option, and `/chronus/check` can try it without changing anything). Replies
    /// `/chronus/ok <address>`.
    Edit(fn(&mut Args, &Remote) -> Result<Edit, CommandError>),
    /// Answers with messages of its own (queries, per-client settings).
    Reply(fn(&mut Remote, &mut Args) -> Result<Vec<OscMessage>, CommandError>),
}

/// The type of an argument, as the schema names it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ArgType {
    /// A whole number in a range (any OSC number type; a float must be whole).
    Int {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// A number in a range.
    Float {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
    },
    /// On or off: a number (0 is off) or a bool.
    Flag,
    /// A string of at most [`MAX_STRING_BYTES`] bytes.
    String,
    /// A string or a number, read as text.
    Text,
    /// One of a few words.
    Choice(&'static [&'static str]),
}

/// One argument of a command.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    /// Its name, as error replies name it.
    pub name: &'static str,
    /// Its type and range.
    pub kind: ArgType,
    /// What it means, for a person or an agent.
    pub meaning: &'static str,
    /// Whether it may be left out (only trailing arguments are optional).
    pub optional: bool,
    /// Whether it (with the arguments after it) may repeat.
    pub repeats: bool,
}

impl Arg {
    /// A whole number in `min..=max`.
    pub const fn int(name: &'static str, min: i64, max: i64, meaning: &'static str) -> Arg {
        Arg::of(name, ArgType::Int { min, max }, meaning)
    }

    /// A whole number in `range` (one of the ranges in `edit::values`).
    pub const fn ranged(
        name: &'static str,
        range: RangeInclusive<i64>,
        meaning: &'static str,
    ) -> Arg {
        Arg::int(name, *range.start(), *range.end(), meaning)
    }

    /// A number in `range`.
    pub const fn float(
        name: &'static str,
        range: RangeInclusive<f64>,
        meaning: &'static str,
    ) -> Arg {
        let kind = ArgType::Float {
            min: *range.start(),
            max: *range.end(),
        };
        Arg::of(name, kind, meaning)
    }

    /// An on/off flag.
    pub const fn flag(name: &'static str, meaning: &'static str) -> Arg {
        Arg::of(name, ArgType::Flag, meaning)
    }

    /// A string.
    pub const fn string(name: &'static str, meaning: &'static str) -> Arg {
        Arg::of(name, ArgType::String, meaning)
    }

    /// A string or a number.
    pub const fn text(name: &'static str, meaning: &'static str) -> Arg {
        Arg::of(name, ArgType::Text, meaning)
    }

    /// One of `words`.
    pub const fn choice(
        name: &'static str,
        words: &'static [&'static str],
        meaning: &'static str,
    ) -> Arg {
        Arg::of(name, ArgType::Choice(words), meaning)
    }

    const fn of(name: &'static str, kind: ArgType, meaning: &'static str) -> Arg {
        Arg {
            name,
            kind,
            meaning,
            optional: false,
            repeats: false,
        }
    }

    /// The same argument, optional.
    pub const fn optional(self) -> Arg {
        Arg {
            optional: true,
            ..self
        }
    }

    /// The same argument, repeating (with the arguments after it).
    pub const fn repeats(self) -> Arg {
        Arg {
            repeats: true,
            ..self
        }
    }

    /// The argument as the schema prints it.
    fn describe(&self) -> Value {
        let mut out = json!({ "name": self.name, "meaning": self.meaning });
        let (kind, extra) = match self.kind {
            ArgType::Int { min, max } => ("int", json!({ "min": min, "max": max })),
            ArgType::Float { min, max } => ("float", json!({ "min": min, "max": max })),
            ArgType::Flag => ("flag", json!({ "values": [0, 1] })),
            ArgType::String => ("string", json!({ "max_bytes": MAX_STRING_BYTES })),
            ArgType::Text => ("string_or_number", json!({ "max_bytes": MAX_STRING_BYTES })),
            ArgType::Choice(words) => ("string", json!({ "values": words })),
        };
        out["type"] = kind.into();
        if let (Some(out), Value::Object(extra)) = (out.as_object_mut(), extra) {
            out.extend(extra);
        }
        if self.optional {
            out["optional"] = true.into();
        }
        if self.repeats {
            out["repeats"] = true.into();
        }
        out
    }
}

/// A track, as musicians count: 1–16.
pub const TRACK: Arg = Arg::int("track", 1, MAX_TRACKS as i64, "track number, from 1");
/// A step of a track: 1–64.
pub const STEP: Arg = Arg::int("step", 1, MAX_STEPS as i64, "step number, from 1");
/// A pattern slot: 1–16.
pub const SLOT: Arg = Arg::int("slot", 1, SLOT_COUNT as i64, "pattern slot, from 1");

/// What an edit command replies.
pub const REPLIES_OK: &str = "/chronus/ok <address>";

/// One command: everything the handler and the schema know about it.
#[derive(Clone, Copy)]
pub struct Command {
    /// Its OSC address.
    pub address: &'static str,
    /// What it does, in one or two sentences.
    pub summary: &'static str,
    /// Its arguments, in order.
    pub args: &'static [Arg],
    /// What it replies when it works (a refusal replies `/seq/error <address> <reason>`).
    pub replies: &'static str,
    /// What carries it out.
    pub run: Run,
}

impl Command {
    /// Whether it is one edit of the edit layer (so it takes a quantize option and can be
    /// checked).
    pub fn is_edit(&self) -> bool {
        matches!(self.run, Run::Edit(_))
    }

    /// The command as the schema prints it.
    pub fn describe(&self) -> Value {
        json!({
            "address": self.address,
            "summary": self.summary,
            "args": self.args.iter().map(Arg::describe).collect::<Vec<_>>(),
            "replies": if self.is_edit() { REPLIES_OK } else { self.replies },
            "edit": self.is_edit(),
        })
    }
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}
