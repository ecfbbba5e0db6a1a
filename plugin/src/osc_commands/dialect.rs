//! The Music Chronus sequencer dialect (`/seq/…`, `/pattern/…`), so an agent written for Music
//! Chronus's own sequencer drives this one unchanged, with the DAW owning the clock.
//!
//! - Track ids are track names: `/seq/add kick voice1 X...` names a free track `kick` (or reuses
//!   the track already named so) and points its OSC gate at `/gate/voice1`.
//! - Patterns read as Music Chronus reads them: one character per sixteenth, `X` accent, `x`
//!   hit, anything else a rest.
//! - Notes cycle over the played hits for ever, as in Music Chronus (a note cycle of exact
//!   frequencies: `150.0` is 150 Hz); `/seq/add` and `/seq/update/notes` start the list at the
//!   next hit (or at `note_index`), `/seq/update/pattern` carries the cycle on where it is.
//! - The track sends Music Chronus's per-hit voice values (the voice profile: freq, amp,
//!   filter/freq, sends) before each gate, from `/seq/add`'s arguments and options; without
//!   `base_freq` it plays 440 Hz.
//! - `/seq/stop` closes every open gate and silences the OSC output until `/seq/start` (the DAW
//!   keeps the transport; MIDI is not affected).
//! - Every command becomes one edit of the edit layer; `/seq/add` is one batch (claim the track,
//!   write its pattern, frequency and note cycle, point its gates at the module with its voice
//!   profile), applied whole.
//! - `/pattern/save` and `/pattern/load` use the sixteen pattern slots; a load waits for the
//!   next bar unless told `immediate`.

use std::sync::atomic::Ordering;

use rosc::{OscMessage, OscType};

use super::args::Args;
use super::native::parse_quantize;
use super::spec::{Arg, Command, Run, REPLIES_OK, SLOT};
use super::Remote;
use crate::document::PatternDoc;
use crate::edit::notes::parse_pitch_list;
use crate::edit::values::{PatternSteps, TrackName, VoiceId, GATE_PERCENT};
use crate::edit::{CycleStart, Edit, TrackChange, TrackRef};
use crate::engine::pattern::SLOT_COUNT;
use crate::engine::slot_switch::SlotQuantize;
use crate::osc_in::CommandError;
use crate::osc_out::{voice_profile_field, VoiceProfile};

/// Largest Music Chronus swing: delays odd sixteenths by `swing / 2` of a step.
const MAX_CHRONUS_SWING: f64 = 0.6;

/// The dialect's commands, one entry each. `/chronus/schema` prints this table; the handler
/// runs from it.
pub const COMMANDS: &[Command] = &[
    Command {
        address: "/seq/add",
        summary: "The track named track_id (or the first unused track, which takes the name) \
                  gets the pattern and sends its gates to the Music Chronus module voice_id with \
                  the voice profile (freq, amp, filter/freq, sends before each gate); base_freq \
                  (default 440 Hz) becomes its exact frequency, notes cycle over the played hits \
                  for ever from the next hit. Options may also be given as key=value \
                  (base_freq, notes, note_index, gate_frac, filter_freq, base_amp, \
                  accent_boost, reverb_send, delay_send).",
        args: &[
            TRACK_ID,
            Arg::text("voice id", "Music Chronus module, such as voice1"),
            CHRONUS_PATTERN,
            Arg::text("base_freq", "Hz; the track's exact frequency").optional(),
            Arg::text("filter_freq", "Hz; the voice's filter frequency").optional(),
            Arg::text("notes", NOTES_MEANING).optional(),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(|args, remote| add(args, remote.edit_beat())),
    },
    Command {
        address: "/seq/update/pattern",
        summary: "New hits for a named track; its note cycle carries over.",
        args: &[TRACK_ID, CHRONUS_PATTERN],
        replies: REPLIES_OK,
        run: Run::Edit(|args, remote| update_pattern(args, remote.edit_beat())),
    },
    Command {
        address: "/seq/update/notes",
        summary: "The hits of a named track take the notes in turn, the next hit the first.",
        args: &[TRACK_ID, Arg::text("notes", NOTES_MEANING)],
        replies: REPLIES_OK,
        run: Run::Edit(|args, remote| update_notes(args, remote.edit_beat())),
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
        summary: "Ends /seq/stop's silence: the OSC output sends again (the DAW owns the \
                  transport).",
        args: &[],
        replies: REPLIES_OK,
        run: Run::Reply(|remote, args| silence(remote, args, false)),
    },
    Command {
        address: "/seq/stop",
        summary: "Closes every open gate and silences the OSC output until /seq/start (the DAW \
                  keeps the transport; MIDI is not affected).",
        args: &[],
        replies: REPLIES_OK,
        run: Run::Reply(|remote, args| silence(remote, args, true)),
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

/// `/seq/stop` (`silenced`) and `/seq/start`: the OSC output's silence, which the sidecar
/// obeys (closing the gates it has open when it starts).
fn silence(
    remote: &mut Remote,
    args: &mut Args,
    silenced: bool,
) -> Result<Vec<OscMessage>, CommandError> {
    args.finish()?;
    remote
        .osc_out_status
        .silenced
        .store(silenced, Ordering::Relaxed);
    Ok(super::ok(args.address()))
}

/// `/chronus/warning` (replied before `/chronus/ok`) when `edit` points a track at a Music
/// Chronus voice beyond the modular's voice count (the `voices` setting, Music Chronus's
/// `CHRONUS_NUM_VOICES`): `/seq/add` and any batch holding such a change.
pub fn beyond_voices(remote: &Remote, edit: &Edit) -> Option<OscMessage> {
    let voice = match edit {
        Edit::MusicChronusVoice { voice, .. } => voice.as_str().to_owned(),
        Edit::Batch(edits) => edits.iter().find_map(|edit| match edit {
            Edit::MusicChronusVoice { voice, .. } => Some(voice.as_str().to_owned()),
            _ => None,
        })?,
        _ => return None,
    };
    let number: u32 = voice.strip_prefix("voice")?.parse().ok()?;
    let voices = remote.edits.osc_out().get().voices;
    (number > u32::from(voices)).then(|| OscMessage {
        addr: "/chronus/warning".to_owned(),
        args: vec![OscType::String(format!(
            "{voice} is beyond the modular's {voices} voices (the voices setting; Music \
             Chronus starts CHRONUS_NUM_VOICES, default 4): it will not sound"
        ))],
    })
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
/// track named `track_id` (or the first unused one) takes the name, the pattern, the frequency
/// (440 Hz without `base_freq`), the note cycle starting at the next hit (or at `note_index`),
/// and sends its gates to the Music Chronus module `voice_id` with the voice profile. `at_beat`
/// is the song position now.
fn add(args: &mut Args, at_beat: f64) -> Read {
    let id = track_id(args)?;
    let voice = args.text("voice id")?;
    let voice = VoiceId::parse(&voice).map_err(|error| args.refused(error))?;
    let steps = chronus_pattern(args)?;
    let mut base_freq = DEFAULT_FREQ;
    let mut notes = None;
    let mut note_index = 0;
    let mut gate_fraction = None;
    let mut profile = VoiceProfile::default();
    let mut position = 3;
    while args.remaining() > 0 {
        let item = args.text("option")?;
        if let Some((key, value)) = item.split_once('=') {
            match key.trim() {
                "base_freq" => base_freq = number(args, "base_freq", value)?,
                "notes" => notes = Some(parse_pitch_list(value).map_err(|e| args.refused(e))?),
                "note_index" => note_index = whole(args, "note_index", value)?,
                "gate_frac" => gate_fraction = Some(fraction(args, value)?),
                other => match voice_profile_field(&mut profile, other) {
                    Some(field) => *field = number(args, other, value)? as f32,
                    None => return Err(args.error(format!("unknown option {other:?}"))),
                },
            }
        } else {
            match position {
                3 => base_freq = number(args, "base_freq", &item)?,
                4 => profile.filter_freq = number(args, "filter_freq", &item)? as f32,
                5 => notes = Some(parse_pitch_list(&item).map_err(|e| args.refused(e))?),
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
        Edit::SetTrack {
            track: track.clone(),
            change: TrackChange::Frequency(base_freq as f32),
        },
    ];
    if let Some(pitches) = notes {
        edits.push(Edit::PitchCycle {
            track: track.clone(),
            pitches,
            start: CycleStart {
                at_beat,
                entry: note_index,
            },
        });
    }
    edits.push(Edit::MusicChronusVoice {
        track: track.clone(),
        voice,
    });
    edits.push(Edit::VoiceProfile {
        track: track.clone(),
        profile: Some(profile),
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

/// Music Chronus's frequency for a track without `base_freq`.
const DEFAULT_FREQ: f64 = 440.0;

/// A number option (Music Chronus reads them with `float()`).
fn number(args: &Args, name: &str, text: &str) -> Result<f64, CommandError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
        .ok_or_else(|| args.error(format!("{name} {text:?} is not a number")))
}

/// A whole-number option (`note_index=2`, also written `2.0`).
fn whole(args: &Args, name: &str, text: &str) -> Result<i64, CommandError> {
    let value = number(args, name, text)?;
    if value.fract() != 0.0 || value.abs() > 1e9 {
        return Err(args.error(format!("{name} {text:?} is not a whole number")));
    }
    Ok(value as i64)
}

fn fraction(args: &Args, text: &str) -> Result<f64, CommandError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|value| (0.01..=1.0).contains(value))
        .ok_or_else(|| args.error(format!("gate_frac {text:?} must be 0.01–1")))
}

/// `/seq/update/pattern track_id pattern`: new hits, the note cycle going on where it is.
fn update_pattern(args: &mut Args, at_beat: f64) -> Read {
    let id = track_id(args)?;
    let steps = chronus_pattern(args)?;
    args.finish()?;
    Ok(Edit::PatternKeepingCycle {
        track: TrackRef::Named(id.as_str().to_owned()),
        steps,
        at_beat,
    })
}

/// `/seq/update/notes track_id notes`: the hits take the notes in turn, the next hit the first
/// (Music Chronus resets its note index).
fn update_notes(args: &mut Args, at_beat: f64) -> Read {
    let id = track_id(args)?;
    let notes = args.text("notes")?;
    args.finish()?;
    let pitches = parse_pitch_list(&notes).map_err(|error| args.refused(error))?;
    Ok(Edit::PitchCycle {
        track: TrackRef::Named(id.as_str().to_owned()),
        pitches,
        start: CycleStart { at_beat, entry: 0 },
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
