//! The Music Chronus sequencer dialect (`/seq/…`, `/pattern/…`), so an agent written for Music
//! Chronus's own sequencer drives this one unchanged, with the DAW owning the clock.
//!
//! - Track ids are track names: `/seq/add kick voice1 X...` names a free track `kick` (or reuses
//!   the track already named so) and points its OSC gate at `/gate/voice1`.
//! - Patterns read as Music Chronus reads them: one character per sixteenth, `X` accent, `x`
//!   hit, anything else a rest.
//! - Notes cycle over the hits of the pattern (Music Chronus cycles them over hits for ever; here
//!   the cycle starts again with each repeat of the pattern).
//! - Every command becomes one edit of the edit layer; `/seq/add` is one batch (claim the track,
//!   write its pattern, note and note cycle, point its gates at the module), applied whole.
//! - `/pattern/save` and `/pattern/load` use the sixteen pattern slots; a load waits for the
//!   next bar unless told `immediate`.

use rosc::{OscMessage, OscType};

use super::args::Args;
use super::native::parse_quantize;
use super::spec::{Arg, Command, Run, REPLIES_OK, SLOT};
use super::Remote;
use crate::document::PatternDoc;
use crate::edit::notes::{hz_to_midi, parse_note_list};
use crate::edit::values::{PatternSteps, TrackName, VoiceId, GATE_PERCENT};
use crate::edit::{Edit, TrackChange, TrackRef};
use crate::engine::pattern::SLOT_COUNT;
use crate::engine::slot_switch::SlotQuantize;
use crate::osc_in::CommandError;

/// Largest Music Chronus swing: delays odd sixteenths by `swing / 2` of a step.
const MAX_CHRONUS_SWING: f64 = 0.6;

/// The dialect's commands, one entry each. `/chronus/schema` prints this table; the handler
/// runs from it.
pub const COMMANDS: &[Command] = &[
    Command {
        address: "/seq/add",
        summary: "The track named track_id (or the first unused track, which takes the name) \
                  gets the pattern and sends its gates to the Music Chronus module voice_id; \
                  base_freq becomes its note, notes cycle over the hits. Options may also be \
                  given as key=value (base_freq, notes, gate_frac; filter_freq, base_amp, \
                  accent_boost, reverb_send, delay_send are accepted and not used).",
        args: &[
            TRACK_ID,
            Arg::text("voice id", "Music Chronus module, such as voice1"),
            CHRONUS_PATTERN,
            Arg::text("base_freq", "Hz; becomes the track's MIDI note").optional(),
            Arg::text("filter_freq", "accepted, not used").optional(),
            Arg::text("notes", NOTES_MEANING).optional(),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| add(args)),
    },
    Command {
        address: "/seq/update/pattern",
        summary: "New hits for a named track; its note cycle carries over.",
        args: &[TRACK_ID, CHRONUS_PATTERN],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| update_pattern(args)),
    },
    Command {
        address: "/seq/update/notes",
        summary: "The hits of a named track take the notes in turn.",
        args: &[TRACK_ID, Arg::text("notes", NOTES_MEANING)],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| update_notes(args)),
    },
    Command {
        address: "/seq/remove",
        summary: "A named track's steps are cleared and its name goes back to Track N.",
        args: &[TRACK_ID],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| remove(args)),
    },
    Command {
        address: "/seq/clear",
        summary: "Every track of the slot loses its steps and Euclid mode (names and settings \
                  stay).",
        args: &[],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| args.finish().map(|()| Edit::ClearSteps(None))),
    },
    Command {
        address: "/seq/swing",
        summary: "Music Chronus swing: Swing = 50 + 25 × value percent.",
        args: &[Arg::float(
            "swing",
            0.0..=MAX_CHRONUS_SWING,
            "0 is straight",
        )],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| swing(args)),
    },
    Command {
        address: "/seq/bpm",
        summary: "Refused: the DAW owns the transport.",
        args: &[],
        replies: "/seq/error",
        run: Run::Reply(|_, args| Err(transport_refused(args))),
    },
    Command {
        address: "/seq/start",
        summary: "Refused: the DAW owns the transport.",
        args: &[],
        replies: "/seq/error",
        run: Run::Reply(|_, args| Err(transport_refused(args))),
    },
    Command {
        address: "/seq/stop",
        summary: "Refused: the DAW owns the transport.",
        args: &[],
        replies: "/seq/error",
        run: Run::Reply(|_, args| Err(transport_refused(args))),
    },
    Command {
        address: "/seq/status",
        summary: "One line of text about tempo, swing, transport, slot and tracks.",
        args: &[],
        replies: "/seq/status <text>",
        run: Run::Reply(|remote, args| args.finish().map(|()| status(remote))),
    },
    Command {
        address: "/pattern/save",
        summary: "Copies the slot being edited into this slot (1–16 here; Music Chronus has 128).",
        args: &[
            SLOT,
            Arg::text("name", "accepted, not used").optional().repeats(),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(save),
    },
    Command {
        address: "/pattern/load",
        summary: "Plays this slot from the next bar line, or at once when immediate is 1, true, \
                  immediate or now.",
        args: &[
            SLOT,
            Arg::text("immediate", "1, true, immediate or now: at once").optional(),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, _| load(args)),
    },
    Command {
        address: "/pattern/list",
        summary: "The numbers of the slots that hold a pattern.",
        args: &[],
        replies: "/pattern/list <slot>…",
        run: Run::Reply(|remote, args| args.finish().map(|()| list(remote))),
    },
];

/// A track id of the dialect.
const TRACK_ID: Arg = Arg::text("track id", "the track's name (1–64 characters)");
/// A pattern in Music Chronus's reading.
const CHRONUS_PATTERN: Arg = Arg::string(
    "pattern",
    "one sixteenth per character: X accent, x hit, anything else a rest",
);
/// What a note list holds.
const NOTES_MEANING: &str = "comma-separated names (C4, D#4), MIDI numbers or Hz (110.0)";

fn transport_refused(args: &Args) -> CommandError {
    args.error(
        "the DAW owns the transport: set tempo, start and stop in the host; Chronus Seq follows \
         it",
    )
}

type Read = Result<Edit, CommandError>;

/// Reads a Music Chronus pattern: one step per character; `X` accent, `x` hit, else rest.
fn chronus_pattern(args: &mut Args) -> Result<PatternSteps, CommandError> {
    let text = args.string("pattern")?;
    PatternSteps::parse_music_chronus(text).map_err(|error| args.refused(error))
}

/// A track id of the dialect: a track name.
fn track_id(args: &mut Args) -> Result<TrackName, CommandError> {
    let id = args.text("track id")?;
    TrackName::parse(&id).map_err(|error| args.refused(error))
}

/// `/seq/add track_id voice_id pattern [base_freq] [filter_freq] [notes] [key=value …]`: the
/// track named `track_id` (or the first unused one) takes the name, the pattern, the note and
/// note cycle, and sends its gates to the Music Chronus module `voice_id`.
fn add(args: &mut Args) -> Read {
    let id = track_id(args)?;
    let voice = args.text("voice id")?;
    let voice = VoiceId::parse(&voice).map_err(|error| args.refused(error))?;
    let steps = chronus_pattern(args)?;
    let mut base_note = None;
    let mut notes = None;
    let mut gate_fraction = None;
    let mut position = 3;
    while args.remaining() > 0 {
        let item = args.text("option")?;
        if let Some((key, value)) = item.split_once('=') {
            match key.trim() {
                "base_freq" => base_note = Some(note_of(args, value)?),
                "notes" => notes = Some(parse_note_list(value).map_err(|e| args.refused(e))?),
                "gate_frac" => gate_fraction = Some(fraction(args, value)?),
                "filter_freq" | "base_amp" | "accent_boost" | "reverb_send" | "delay_send" => {}
                other => return Err(args.error(format!("unknown option {other:?}"))),
            }
        } else {
            match position {
                3 => base_note = Some(note_of(args, &item)?),
                4 => {}
                5 => notes = Some(parse_note_list(&item).map_err(|e| args.refused(e))?),
                _ => return Err(args.error("at most 6 positional arguments")),
            }
        }
        position += 1;
    }

    let track = TrackRef::Named(id.as_str().to_owned());
    let mut edits = vec![
        Edit::ClaimTrack(id),
        Edit::MusicChronusPattern {
            track: track.clone(),
            steps,
        },
    ];
    if let Some(note) = base_note {
        edits.push(Edit::SetTrack {
            track: track.clone(),
            change: TrackChange::Note(note),
        });
    }
    if let Some(notes) = notes {
        edits.push(Edit::NoteCycle {
            track: track.clone(),
            notes,
        });
    }
    edits.push(Edit::MusicChronusVoice {
        track: track.clone(),
        voice,
    });
    if let Some(fraction) = gate_fraction {
        let percent = (fraction * 100.0).clamp(*GATE_PERCENT.start(), *GATE_PERCENT.end());
        edits.push(Edit::Gate {
            track,
            percent: percent as f32,
        });
    }
    Ok(Edit::Batch(edits))
}

fn note_of(args: &Args, text: &str) -> Result<u8, CommandError> {
    let hz: f64 = text
        .trim()
        .parse()
        .map_err(|_| args.error(format!("base_freq {text:?} is not a number in Hz")))?;
    hz_to_midi(hz)
        .ok_or_else(|| args.error(format!("base_freq {text} Hz is outside the MIDI range")))
}

fn fraction(args: &Args, text: &str) -> Result<f64, CommandError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|value| (0.01..=1.0).contains(value))
        .ok_or_else(|| args.error(format!("gate_frac {text:?} must be 0.01–1")))
}

/// `/seq/update/pattern track_id pattern`: new hits, the note cycle kept.
fn update_pattern(args: &mut Args) -> Read {
    let id = track_id(args)?;
    let steps = chronus_pattern(args)?;
    args.finish()?;
    Ok(Edit::MusicChronusPattern {
        track: TrackRef::Named(id.as_str().to_owned()),
        steps,
    })
}

/// `/seq/update/notes track_id notes`: the hits take the notes in turn from the first.
fn update_notes(args: &mut Args) -> Read {
    let id = track_id(args)?;
    let notes = args.text("notes")?;
    args.finish()?;
    let notes = parse_note_list(&notes).map_err(|error| args.refused(error))?;
    Ok(Edit::NoteCycle {
        track: TrackRef::Named(id.as_str().to_owned()),
        notes,
    })
}

/// `/seq/remove track_id`: the track goes back to an unused one (no hits, default name).
fn remove(args: &mut Args) -> Read {
    let id = track_id(args)?;
    args.finish()?;
    Ok(Edit::ReleaseTrack(TrackRef::Named(id.as_str().to_owned())))
}

/// `/seq/swing 0–0.6`: Music Chronus delays odd sixteenths by `swing / 2` of a step, which is
/// Swing `50 + 25 · swing` percent here.
fn swing(args: &mut Args) -> Read {
    let swing = args.float("swing", 0.0, MAX_CHRONUS_SWING)?;
    args.finish()?;
    Ok(Edit::Swing((50.0 + 25.0 * swing) as f32))
}

/// A slot number of the dialect (1–128 there; 1–16 here).
fn slot_argument(args: &mut Args) -> Result<usize, CommandError> {
    let slot = args.int("slot", 1, 128)?;
    if slot > SLOT_COUNT as i64 {
        return Err(args.error(format!(
            "slot {slot}: Chronus Seq has {SLOT_COUNT} pattern slots"
        )));
    }
    Ok(slot as usize - 1)
}

/// `/pattern/save slot`: copies the slot being edited into `slot`.
fn save(args: &mut Args, remote: &Remote) -> Read {
    let to = slot_argument(args)?;
    while args.remaining() > 0 {
        args.text("name")?;
    }
    Ok(Edit::CopySlot {
        from: remote.target_slot(),
        to,
    })
}

/// `/pattern/load slot [immediate]`: plays `slot` from the next bar, or at once when the second
/// argument is `1`, `true`, `immediate` or `now`.
fn load(args: &mut Args) -> Read {
    let slot = slot_argument(args)?;
    let immediate = if args.remaining() > 0 {
        let flag = args.text("immediate")?;
        let flag = flag.trim().to_ascii_lowercase();
        ["1", "true", "immediate", "now"].contains(&flag.as_str())
            || parse_quantize(&flag) == Some(SlotQuantize::Now)
    } else {
        false
    };
    args.finish()?;
    let quantize = if immediate {
        SlotQuantize::Now
    } else {
        SlotQuantize::NextBar
    };
    Ok(Edit::PlaySlot {
        slot,
        quantize: Some(quantize),
    })
}

/// `/pattern/list`: replies `/pattern/list` with the numbers of the slots that hold a pattern.
fn list(remote: &Remote) -> Vec<OscMessage> {
    let empty = PatternDoc::empty();
    let song = remote.edits.store().doc();
    let used = song
        .slots()
        .enumerate()
        .filter(|(_, pattern)| **pattern != empty)
        .map(|(index, _)| OscType::Int(index as i32 + 1))
        .collect();
    vec![OscMessage {
        addr: "/pattern/list".to_owned(),
        args: used,
    }]
}

/// `/seq/status`: replies `/seq/status` with one line of text, like Music Chronus prints.
fn status(remote: &Remote) -> Vec<OscMessage> {
    let transport = remote.live.transport();
    let doc = remote.edits.store().slot(remote.target_slot());
    let tracks: Vec<&str> = doc
        .tracks
        .iter()
        .filter(|track| track.pattern.steps.iter().any(|step| step.on))
        .map(|track| track.name.as_str())
        .collect();
    let tempo = transport
        .tempo
        .map_or("unknown".to_owned(), |tempo| format!("{tempo:.2}"));
    let swing = remote.edits.params().swing.value();
    let line = format!(
        "BPM: {tempo} (host), Swing: {swing:.1}%, Running: {}, Slot: {}, Tracks: {tracks:?}",
        transport.playing,
        remote.live.playing_slot() + 1,
    );
    vec![OscMessage {
        addr: "/seq/status".to_owned(),
        args: vec![OscType::String(line)],
    }]
}
