//! MIDI notes as the editor shows and reads them: `C2 · 36` (C4 is MIDI 60, as in Music
//! Chronus's note names), typed as a name (`D#3`, `Eb3`) or a number.

/// Names of the twelve pitch classes, sharps for black keys.
const NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// `C2 · 36` for MIDI note 36.
pub fn note_name(note: u8) -> String {
    let octave = i32::from(note) / 12 - 1;
    format!("{}{} · {}", NAMES[usize::from(note % 12)], octave, note)
}

/// Reads a note typed as a number (`36`, or the `C2 · 36` the editor shows) or a name (`C2`,
/// `d#3`, `Eb3`; C4 = 60). `None` for anything else or notes outside 0–127.
pub fn parse_note(text: &str) -> Option<u8> {
    let text = text.trim();
    let last = text.split_whitespace().last().unwrap_or(text);
    if let Ok(number) = last.parse::<u8>() {
        return (number <= 127).then_some(number);
    }
    let mut chars = text.chars();
    let letter = chars.next()?.to_ascii_uppercase();
    let natural = match letter {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    let rest = chars.as_str();
    let (shift, octave) = match rest.strip_prefix('#') {
        Some(octave) => (1, octave),
        None => match rest.strip_prefix('b') {
            Some(octave) => (-1, octave),
            None => (0, rest),
        },
    };
    let octave: i32 = octave.parse().ok()?;
    let midi = (octave + 1) * 12 + natural + shift;
    u8::try_from(midi).ok().filter(|note| *note <= 127)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        assert_eq!(note_name(36), "C2 · 36");
        assert_eq!(note_name(61), "C#4 · 61");
        assert_eq!(note_name(0), "C-1 · 0");
        for note in 0..=127 {
            assert_eq!(parse_note(&note_name(note)), Some(note));
        }
        assert_eq!(parse_note("D#3"), Some(51));
        assert_eq!(parse_note("eb3"), Some(51));
        assert_eq!(parse_note("C4"), Some(60));
        assert_eq!(parse_note("G9"), Some(127));
        assert_eq!(parse_note("G#9"), None);
        assert_eq!(parse_note("200"), None);
        assert_eq!(parse_note("H2"), None);
    }
}
