//! The Music Chronus sequencer dialect (`/seq/…`, `/pattern/…`), so an agent written for Music
//! Chronus's own sequencer drives this one unchanged, with the DAW owning the clock.
//!
//! - Track ids are track names: `/seq/add kick voice1 X...` names a free track `kick` (or reuses
//!   the track already named so) and points its OSC gate at `/gate/voice1`.
//! - Patterns read as Music Chronus reads them: one character per sixteenth, `X` accent, `x`
//!   hit, anything else a rest.
//! - Notes cycle over the hits of the pattern (Music Chronus cycles them over hits for ever; here
//!   the cycle starts again with each repeat of the pattern).
//! - `/pattern/save` and `/pattern/load` use the sixteen pattern slots; a load waits for the
//!   next bar unless told `immediate`.

use rosc::{OscMessage, OscType};

use super::args::Args;
use super::native::{clear_steps, parse_quantize, write_steps};
use super::notes::{hz_to_midi, parse_note_list};
use super::{ok, Remote};
use crate::document::pattern_string::{ACCENT_VELOCITY, HIT_VELOCITY};
use crate::document::PatternDoc;
use crate::engine::pattern::{Step, MAX_STEPS, SLOT_COUNT};
use crate::engine::slot_switch::SlotQuantize;
use crate::osc_in::CommandError;

/// Largest Music Chronus swing: delays odd sixteenths by `swing / 2` of a step.
const MAX_CHRONUS_SWING: f64 = 0.6;

/// Handles `/seq/…` and `/pattern/…`; `None` for an address it does not know.
pub fn handle(
    remote: &mut Remote,
    message: &OscMessage,
) -> Option<Result<Vec<OscMessage>, CommandError>> {
    let mut args = Args::new(message);
    let address = message.addr.as_str();
    let result = match address {
        "/seq/add" => add(remote, &mut args),
        "/seq/update/pattern" => update_pattern(remote, &mut args),
        "/seq/update/notes" => update_notes(remote, &mut args),
        "/seq/remove" => remove(remote, &mut args),
        "/seq/clear" => clear(remote, &mut args),
        "/seq/swing" => swing(remote, &mut args),
        "/seq/bpm" | "/seq/start" | "/seq/stop" => Err(args.error(
            "the DAW owns the transport: set tempo, start and stop in the host; \
             Chronus Seq follows it",
        )),
        "/seq/status" => return Some(args.finish().map(|()| status(remote))),
        "/pattern/save" => save(remote, &mut args),
        "/pattern/load" => load(remote, &mut args),
        "/pattern/list" => return Some(args.finish().map(|()| list(remote))),
        _ => return None,
    };
    Some(result.map(|()| ok(address)))
}

type Outcome = Result<(), CommandError>;

/// Reads a Music Chronus pattern: one step per character; `X` accent, `x` hit, else rest.
fn chronus_pattern(args: &mut Args) -> Result<Vec<Step>, CommandError> {
    let text = args.string("pattern")?;
    let steps: Vec<Step> = text
        .chars()
        .map(|character| match character {
            'X' => Step::hit(ACCENT_VELOCITY),
            'x' => Step::hit(HIT_VELOCITY),
            _ => Step::REST,
        })
        .collect();
    if steps.is_empty() || steps.len() > MAX_STEPS {
        return Err(args.error(format!(
            "the pattern has {} steps; a track holds 1–{MAX_STEPS}",
            steps.len()
        )));
    }
    Ok(steps)
}

/// The track named `id` in `doc`.
fn track_named(doc: &PatternDoc, id: &str) -> Option<usize> {
    doc.tracks.iter().position(|track| track.name == id)
}

/// A track nobody uses yet: still under its default name and without hits.
fn free_track(doc: &PatternDoc) -> Option<usize> {
    doc.tracks.iter().enumerate().position(|(index, track)| {
        track.name == format!("Track {}", index + 1)
            && track.pattern.steps.iter().all(|step| !step.on && !step.tie)
    })
}

/// Edits the track named `id` in the slot being edited, looked up and changed under one lock.
fn edit_named_track(
    remote: &Remote,
    args: &Args,
    id: &str,
    edit: impl FnOnce(&mut PatternDoc, usize),
) -> Outcome {
    let missing = args.error(format!("no track {id:?}; add it with /seq/add first"));
    remote.store.edit_slot(remote.target_slot(), |doc| {
        let track = track_named(doc, id).ok_or(missing)?;
        edit(doc, track);
        Ok(())
    })
}

/// Gives the hits of `track` the notes of `cycle` in turn.
fn apply_notes(doc: &mut PatternDoc, track: usize, cycle: &[u8]) {
    let pattern = &mut doc.tracks[track].pattern;
    let length = usize::from(pattern.length);
    let hits = pattern.steps[..length].iter_mut().filter(|step| step.on);
    for (step, note) in hits.zip(cycle.iter().cycle()) {
        step.note = Some(*note);
    }
}

/// The notes the hits of `track` play, in order, while any hit has its own note.
fn current_cycle(doc: &PatternDoc, track: usize) -> Vec<u8> {
    let pattern = &doc.tracks[track].pattern;
    let hits = pattern.steps[..usize::from(pattern.length)]
        .iter()
        .filter(|step| step.on);
    hits.map_while(|step| step.note).collect()
}

/// `/seq/add track_id voice_id pattern [base_freq] [filter_freq] [notes] [key=value …]`.
fn add(remote: &mut Remote, args: &mut Args) -> Outcome {
    let id = args.text("track id")?;
    let voice = args.text("voice id")?;
    let steps = chronus_pattern(args)?;
    if id.trim().is_empty() || id.chars().count() > super::MAX_NAME_CHARS {
        return Err(args.error("a track id has 1–64 characters"));
    }
    if voice.is_empty() || !voice.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(args.error(format!(
            "voice id {voice:?} is not a Music Chronus module name"
        )));
    }
    let mut base_note = None;
    let mut notes = None;
    let mut gate_fraction = None;
    let mut position = 3;
    while args.remaining() > 0 {
        let item = args.text("option")?;
        if let Some((key, value)) = item.split_once('=') {
            match key.trim() {
                "base_freq" => base_note = Some(note_of(args, value)?),
                "notes" => notes = Some(parse_note_list(value).map_err(|e| args.error(e))?),
                "gate_frac" => gate_fraction = Some(fraction(args, value)?),
                "filter_freq" | "base_amp" | "accent_boost" | "reverb_send" | "delay_send" => {}
                other => return Err(args.error(format!("unknown option {other:?}"))),
            }
        } else {
            match position {
                3 => base_note = Some(note_of(args, &item)?),
                4 => {}
                5 => notes = Some(parse_note_list(&item).map_err(|e| args.error(e))?),
                _ => return Err(args.error("at most 6 positional arguments")),
            }
        }
        position += 1;
    }

    let full = args.error("all 16 tracks are in use; /seq/remove one first");
    let track = remote.store.edit_slot(remote.target_slot(), |doc| {
        let track = track_named(doc, &id)
            .or_else(|| free_track(doc))
            .ok_or(full)?;
        doc.tracks[track].name = id.clone();
        write_steps(doc, track, &steps);
        if let Some(note) = base_note {
            doc.tracks[track].pattern.note = note;
        }
        if let Some(cycle) = &notes {
            apply_notes(doc, track, cycle);
        }
        Ok(track)
    })?;
    remote.osc_out.update(|settings| {
        let target = &mut settings.tracks[track];
        target.address = format!("/gate/{voice}");
        target.send_freq = true;
        target.send_amp = true;
    });
    if let Some(fraction) = gate_fraction {
        let percent = (fraction * 100.0).clamp(1.0, 100.0) as f32;
        remote
            .gateway
            .set(&remote.params.tracks[track].gate, percent);
    }
    Ok(())
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
fn update_pattern(remote: &mut Remote, args: &mut Args) -> Outcome {
    let id = args.text("track id")?;
    let steps = chronus_pattern(args)?;
    args.finish()?;
    edit_named_track(remote, args, &id, |doc, track| {
        let cycle = current_cycle(doc, track);
        write_steps(doc, track, &steps);
        if !cycle.is_empty() {
            apply_notes(doc, track, &cycle);
        }
    })
}

/// `/seq/update/notes track_id notes`: the hits take the notes in turn from the first.
fn update_notes(remote: &mut Remote, args: &mut Args) -> Outcome {
    let id = args.text("track id")?;
    let notes = args.text("notes")?;
    args.finish()?;
    let cycle = parse_note_list(&notes).map_err(|error| args.error(error))?;
    edit_named_track(remote, args, &id, |doc, track| {
        apply_notes(doc, track, &cycle)
    })
}

/// `/seq/remove track_id`: the track goes back to an unused one (no hits, default name).
fn remove(remote: &mut Remote, args: &mut Args) -> Outcome {
    let id = args.text("track id")?;
    args.finish()?;
    edit_named_track(remote, args, &id, |doc, track| {
        doc.tracks[track].name = format!("Track {}", track + 1);
        doc.tracks[track].pattern.steps = [Step::REST; MAX_STEPS];
    })
}

/// `/seq/clear`: every track of the slot loses its hits; names and settings stay.
fn clear(remote: &mut Remote, args: &mut Args) -> Outcome {
    args.finish()?;
    clear_steps(remote, None);
    Ok(())
}

/// `/seq/swing 0–0.6`: Music Chronus delays odd sixteenths by `swing / 2` of a step, which is
/// Swing `50 + 25 · swing` percent here.
fn swing(remote: &mut Remote, args: &mut Args) -> Outcome {
    let swing = args.float("swing", 0.0, MAX_CHRONUS_SWING)?;
    args.finish()?;
    let percent = (50.0 + 25.0 * swing) as f32;
    remote.gateway.set(&remote.params.swing, percent);
    Ok(())
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
fn save(remote: &mut Remote, args: &mut Args) -> Outcome {
    let to = slot_argument(args)?;
    while args.remaining() > 0 {
        args.text("name")?;
    }
    let from = remote.target_slot();
    remote.store.edit(|song| song.copy_slot(from, to));
    Ok(())
}

/// `/pattern/load slot [immediate]`: plays `slot` from the next bar, or at once when the second
/// argument is `1`, `true`, `immediate` or `now`.
fn load(remote: &mut Remote, args: &mut Args) -> Outcome {
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
    remote.slot_override.set(slot, quantize);
    remote.gateway.set(&remote.params.slot, slot as i32 + 1);
    Ok(())
}

/// `/pattern/list`: replies `/pattern/list` with the numbers of the slots that hold a pattern.
fn list(remote: &Remote) -> Vec<OscMessage> {
    let empty = PatternDoc::empty();
    let song = remote.store.doc();
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
    let doc = remote.store.slot(remote.target_slot());
    let tracks: Vec<&str> = doc
        .tracks
        .iter()
        .filter(|track| track.pattern.steps.iter().any(|step| step.on))
        .map(|track| track.name.as_str())
        .collect();
    let tempo = transport
        .tempo
        .map_or("unknown".to_owned(), |tempo| format!("{tempo:.2}"));
    let swing = remote.params.swing.value();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pattern::MAX_TRACKS;

    #[test]
    fn notes_cycle_over_the_hits() {
        let mut doc = PatternDoc::empty();
        let steps: Vec<Step> = "x.x.x.x."
            .chars()
            .map(|c| if c == 'x' { Step::hit(76) } else { Step::REST })
            .collect();
        write_steps(&mut doc, 2, &steps);
        apply_notes(&mut doc, 2, &[36, 41, 43]);
        let notes: Vec<Option<u8>> = doc.tracks[2].pattern.steps[..8]
            .iter()
            .map(|s| s.note)
            .collect();
        let expected = [
            Some(36),
            None,
            Some(41),
            None,
            Some(43),
            None,
            Some(36),
            None,
        ];
        assert_eq!(notes, expected);
        assert_eq!(current_cycle(&doc, 2), vec![36, 41, 43, 36]);
        assert_eq!(free_track(&doc), Some(0));
        doc.tracks[0].name = "kick".to_owned();
        assert_eq!(free_track(&doc), Some(1));
        assert_eq!(track_named(&doc, "kick"), Some(0));
        assert_eq!(MAX_TRACKS, doc.tracks.len());
    }
}
