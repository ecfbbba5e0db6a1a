//! The one note grammar, shared by the editor and OSC: names (`C4`, `D#4`, `Eb3`, `c#-1`; C4 is
//! MIDI 60, as in Music Chronus), MIDI numbers (`60`, digits only, also the `C4 · 60` the editor
//! shows) and frequencies in Hz (`220.0`: a decimal point makes Hz), turned into MIDI notes.

use super::error::EditError;
use crate::engine::note_cycle::{Hz, MAX_HZ, MIN_HZ};

/// Semitones of the natural note names above C.
const NATURALS: [(char, i32); 7] = [
    ('C', 0),
    ('D', 2),
    ('E', 4),
    ('F', 5),
    ('G', 7),
    ('A', 9),
    ('B', 11),
];

/// Names of the twelve pitch classes as shown, sharps for black keys.
const SHOWN_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// `C2 · 36` for MIDI note 36: how notes are shown. [`parse_note`] reads it back.
pub fn note_name(note: u8) -> String {
    let octave = i32::from(note) / 12 - 1;
    format!(
        "{}{} · {}",
        SHOWN_NAMES[usize::from(note % 12)],
        octave,
        note
    )
}

/// The MIDI note of one note: a name, a MIDI number or a frequency. `None` if it is none of them
/// or falls outside MIDI notes 0–127.
pub fn parse_note(text: &str) -> Option<u8> {
    let text = text.trim();
    // The editor shows `C2 · 36`: the number at the end decides.
    let last = text.split_whitespace().last().unwrap_or(text);
    let midi = if last.chars().all(|c| c.is_ascii_digit()) && !last.is_empty() {
        last.parse::<i64>().ok()?
    } else if text.contains('.') {
        return hz_to_midi(text.parse().ok()?);
    } else if text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        i64::from(name_to_midi(text)?)
    } else {
        return None;
    };
    u8::try_from(midi).ok().filter(|note| *note <= 127)
}

/// Like [`parse_note`], with the reason when it is not a note.
pub fn read_note(text: &str) -> Result<u8, EditError> {
    parse_note(text).ok_or_else(|| {
        EditError::new(format!(
            "{:?} is not a note name like C4 or D#3, a MIDI number 0–127 or a frequency in Hz \
             within MIDI range",
            text.trim()
        ))
    })
}

/// The nearest MIDI note to a frequency in Hz (A4 = 440 Hz = 69), if within 0–127.
pub fn hz_to_midi(hz: f64) -> Option<u8> {
    if !hz.is_finite() || hz <= 0.0 {
        return None;
    }
    let midi = (69.0 + 12.0 * (hz / 440.0).log2()).round();
    (0.0..=127.0).contains(&midi).then_some(midi as u8)
}

/// `C4` = 60: letter, optional `#` or `b` (any number of them), octave (may be negative).
fn name_to_midi(text: &str) -> Option<i32> {
    let mut chars = text.chars();
    let letter = chars.next()?.to_ascii_uppercase();
    let (_, mut semitone) = NATURALS.iter().find(|(name, _)| *name == letter)?;
    let rest = chars.as_str();
    let accidentals = rest.len() - rest.trim_start_matches(['#', 'b']).len();
    for accidental in rest[..accidentals].chars() {
        semitone += if accidental == '#' { 1 } else { -1 };
    }
    let octave: i32 = rest[accidentals..].parse().ok()?;
    Some((octave + 1) * 12 + semitone)
}

/// A comma-separated note list (`C4,D#4,220.0`): every note, or the position and text of the
/// first that is not one.
pub fn parse_note_list(text: &str) -> Result<Vec<u8>, EditError> {
    let mut notes = Vec::new();
    for (index, item) in text.split(',').enumerate() {
        if item.trim().is_empty() {
            continue;
        }
        let note = parse_note(item).ok_or_else(|| {
            EditError::new(format!(
                "note {} ({:?}) is not a note name like C4 or D#3, a MIDI number 0–127 or a \
                 frequency in Hz within MIDI range",
                index + 1,
                item.trim()
            ))
        })?;
        notes.push(note);
    }
    if notes.is_empty() {
        return Err(EditError::new("the note list is empty"));
    }
    Ok(notes)
}

/// The exact frequency of one pitch in Hz, in the same grammar: a decimal point makes Hz and
/// stays exact (`150.0` is 150 Hz, not the nearest note); names and MIDI numbers give their
/// equal-tempered frequency. `None` if it is none of them or not a usable frequency.
pub fn parse_pitch(text: &str) -> Option<f32> {
    let trimmed = text.trim();
    if trimmed.contains('.') && !trimmed.contains(' ') {
        let hz: f64 = trimmed.parse().ok()?;
        return Hz::new(hz as f32).map(Hz::get);
    }
    parse_note(trimmed).map(|note| Hz::of_note(note).get())
}

/// A comma-separated list of pitches (`C4,D#4,150.0`) as exact frequencies, or the position and
/// text of the first that is not one. Empty lists are refused.
pub fn parse_pitch_list(text: &str) -> Result<Vec<f32>, EditError> {
    let mut pitches = Vec::new();
    for (index, item) in text.split(',').enumerate() {
        if item.trim().is_empty() {
            continue;
        }
        let hz = parse_pitch(item).ok_or_else(|| {
            EditError::new(format!(
                "note {} ({:?}) is not a note name like C4 or D#3, a MIDI number 0–127 or a \
                 frequency in Hz ({MIN_HZ}–{MAX_HZ})",
                index + 1,
                item.trim()
            ))
        })?;
        pitches.push(hz);
    }
    if pitches.is_empty() {
        return Err(EditError::new("the note list is empty"));
    }
    Ok(pitches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_frequencies() {
        assert_eq!(parse_note("C4"), Some(60));
        assert_eq!(parse_note("c4"), Some(60));
        assert_eq!(parse_note("A4"), Some(69));
        assert_eq!(parse_note("D#4"), Some(63));
        assert_eq!(parse_note("Eb3"), Some(51));
        assert_eq!(parse_note("eb3"), Some(51));
        assert_eq!(parse_note("C-1"), Some(0));
        assert_eq!(parse_note("G9"), Some(127));
        assert_eq!(parse_note("G#9"), None);
        assert_eq!(parse_note("60"), Some(60));
        assert_eq!(parse_note("200"), None);
        assert_eq!(parse_note("440"), None, "digits are a MIDI number");
        assert_eq!(parse_note("440.0"), Some(69), "a decimal point makes Hz");
        assert_eq!(parse_note("220.0"), Some(57));
        assert_eq!(parse_note("60.0"), Some(35), "60 Hz");
        assert_eq!(parse_note("H4"), None);
        assert_eq!(parse_note("H2"), None);
        assert_eq!(parse_note("C"), None);
        assert_eq!(parse_note("-5"), None);
        assert_eq!(parse_note("nan"), None);
        assert_eq!(parse_note("1.0"), None, "below MIDI note 0");
    }

    #[test]
    fn shown_names_read_back() {
        assert_eq!(note_name(36), "C2 · 36");
        assert_eq!(note_name(61), "C#4 · 61");
        assert_eq!(note_name(0), "C-1 · 0");
        for note in 0..=127 {
            assert_eq!(parse_note(&note_name(note)), Some(note));
        }
    }

    #[test]
    fn pitches_keep_exact_frequencies() {
        assert_eq!(parse_pitch("150.0"), Some(150.0));
        assert_eq!(parse_pitch("A4"), Some(440.0));
        assert_eq!(parse_pitch("69"), Some(440.0));
        assert_eq!(parse_pitch("0.5"), None);
        assert_eq!(parse_pitch("C4 · 60"), parse_pitch("C4"));
        assert_eq!(parse_pitch_list("C4, 150.0"), Ok(vec![261.62558, 150.0]));
        assert!(parse_pitch_list("C4,Q")
            .unwrap_err()
            .reason
            .contains("note 2"));
    }

    #[test]
    fn lists_name_the_bad_item() {
        assert_eq!(parse_note_list("C4, E4,G4"), Ok(vec![60, 64, 67]));
        let error = parse_note_list("C4,Q9").unwrap_err();
        assert!(error.reason.contains("note 2 (\"Q9\")"), "{error}");
        assert!(parse_note_list(" , ").is_err());
        assert!(read_note("Q").is_err());
    }
}
