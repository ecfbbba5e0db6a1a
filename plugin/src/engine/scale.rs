//! Scales: a root and a set of pitch classes that the notes of melodic tracks snap to.
//!
//! Snapping moves a note to the nearest pitch of the scale; a note exactly between two scale
//! pitches goes down. Chromatic is "off": every note stays as it is.

/// The scales a slot can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ScaleKind {
    /// Every semitone: no snapping.
    #[default]
    Chromatic,
    /// Ionian: 1 2 3 4 5 6 7.
    Major,
    /// Natural minor (aeolian): 1 2 ♭3 4 5 ♭6 ♭7.
    Minor,
    /// 1 2 ♭3 4 5 6 ♭7.
    Dorian,
    /// 1 ♭2 ♭3 4 5 ♭6 ♭7.
    Phrygian,
    /// 1 2 3 ♯4 5 6 7.
    Lydian,
    /// 1 2 3 4 5 6 ♭7.
    Mixolydian,
    /// 1 ♭2 ♭3 4 ♭5 ♭6 ♭7.
    Locrian,
    /// 1 2 ♭3 4 5 ♭6 7.
    HarmonicMinor,
    /// Melodic minor (ascending): 1 2 ♭3 4 5 6 7.
    MelodicMinor,
    /// 1 2 3 5 6.
    MajorPentatonic,
    /// 1 ♭3 4 5 ♭7.
    MinorPentatonic,
    /// 1 ♭3 4 ♭5 5 ♭7.
    Blues,
}

impl ScaleKind {
    /// Every scale, in the order the editor lists them.
    pub const ALL: [ScaleKind; 13] = [
        ScaleKind::Chromatic,
        ScaleKind::Major,
        ScaleKind::Minor,
        ScaleKind::Dorian,
        ScaleKind::Phrygian,
        ScaleKind::Lydian,
        ScaleKind::Mixolydian,
        ScaleKind::Locrian,
        ScaleKind::HarmonicMinor,
        ScaleKind::MelodicMinor,
        ScaleKind::MajorPentatonic,
        ScaleKind::MinorPentatonic,
        ScaleKind::Blues,
    ];

    /// The name used by OSC, the saved state and the editor.
    pub fn name(self) -> &'static str {
        match self {
            ScaleKind::Chromatic => "chromatic",
            ScaleKind::Major => "major",
            ScaleKind::Minor => "minor",
            ScaleKind::Dorian => "dorian",
            ScaleKind::Phrygian => "phrygian",
            ScaleKind::Lydian => "lydian",
            ScaleKind::Mixolydian => "mixolydian",
            ScaleKind::Locrian => "locrian",
            ScaleKind::HarmonicMinor => "harmonic-minor",
            ScaleKind::MelodicMinor => "melodic-minor",
            ScaleKind::MajorPentatonic => "major-pentatonic",
            ScaleKind::MinorPentatonic => "minor-pentatonic",
            ScaleKind::Blues => "blues",
        }
    }

    /// The scale called `name` (see [`ScaleKind::name`]; `off` is chromatic), any case.
    pub fn parse(name: &str) -> Option<ScaleKind> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("off") {
            return Some(ScaleKind::Chromatic);
        }
        ScaleKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }

    /// The pitch classes above the root, bit `i` for `i` semitones.
    fn mask(self) -> u16 {
        let degrees: &[u8] = match self {
            ScaleKind::Chromatic => &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
            ScaleKind::Major => &[0, 2, 4, 5, 7, 9, 11],
            ScaleKind::Minor => &[0, 2, 3, 5, 7, 8, 10],
            ScaleKind::Dorian => &[0, 2, 3, 5, 7, 9, 10],
            ScaleKind::Phrygian => &[0, 1, 3, 5, 7, 8, 10],
            ScaleKind::Lydian => &[0, 2, 4, 6, 7, 9, 11],
            ScaleKind::Mixolydian => &[0, 2, 4, 5, 7, 9, 10],
            ScaleKind::Locrian => &[0, 1, 3, 5, 6, 8, 10],
            ScaleKind::HarmonicMinor => &[0, 2, 3, 5, 7, 8, 11],
            ScaleKind::MelodicMinor => &[0, 2, 3, 5, 7, 9, 11],
            ScaleKind::MajorPentatonic => &[0, 2, 4, 7, 9],
            ScaleKind::MinorPentatonic => &[0, 3, 5, 7, 10],
            ScaleKind::Blues => &[0, 3, 5, 6, 7, 10],
        };
        degrees.iter().fold(0, |mask, degree| mask | 1 << degree)
    }
}

/// A slot's scale: a root pitch class and a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Scale {
    /// Pitch class of the root, 0 (C) – 11 (B).
    pub root: u8,
    /// Which scale; chromatic snaps nothing.
    pub kind: ScaleKind,
}

/// Names of the twelve roots, as the editor and OSC write them.
pub const ROOT_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

impl Scale {
    /// Whether MIDI note `note` belongs to the scale.
    pub fn contains(self, note: i32) -> bool {
        let class = (note - i32::from(self.root % 12)).rem_euclid(12);
        self.kind.mask() >> class & 1 == 1
    }

    /// `note` moved to the nearest pitch of the scale (down on a tie) and into 0–127. Never
    /// allocates.
    pub fn snap(self, note: i32) -> u8 {
        let note = note.clamp(0, 127);
        let snapped = (0..=6)
            .flat_map(|distance| [note - distance, note + distance])
            .find(|candidate| (0..=127).contains(candidate) && self.contains(*candidate))
            .unwrap_or(note);
        snapped as u8
    }

    /// The root's name and the scale's name, as `/chronus/scale` takes them (`C# dorian`).
    pub fn label(self) -> String {
        format!(
            "{} {}",
            ROOT_NAMES[usize::from(self.root % 12)],
            self.kind.name()
        )
    }
}

/// The pitch class named `name` (`C`, `C#`, `Db`, … any case), or a number 0–11.
pub fn parse_root(name: &str) -> Option<u8> {
    let name = name.trim();
    if let Ok(number) = name.parse::<u8>() {
        return (number < 12).then_some(number);
    }
    let mut chars = name.chars();
    let letter = chars.next()?.to_ascii_uppercase();
    let natural: i32 = match letter {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    let shift = match chars.as_str() {
        "" => 0,
        "#" | "♯" => 1,
        "b" | "♭" => -1,
        _ => return None,
    };
    Some((natural + shift).rem_euclid(12) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scale_has_at_least_five_notes_and_its_root() {
        for kind in ScaleKind::ALL {
            let scale = Scale { root: 0, kind };
            assert!(kind.mask().count_ones() >= 5, "{}", kind.name());
            assert!(scale.contains(60), "{} contains its root", kind.name());
            assert_eq!(ScaleKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(ScaleKind::parse("OFF"), Some(ScaleKind::Chromatic));
        assert_eq!(ScaleKind::parse("bebop"), None);
    }

    #[test]
    fn notes_snap_to_the_nearest_scale_pitch_down_on_a_tie() {
        let c_major = Scale {
            root: 0,
            kind: ScaleKind::Major,
        };
        // C# is between C and D: down to C. F# between F and G: down to F.
        assert_eq!(c_major.snap(61), 60);
        assert_eq!(c_major.snap(66), 65);
        assert_eq!(c_major.snap(64), 64);
        let a_minor_pentatonic = Scale {
            root: 9,
            kind: ScaleKind::MinorPentatonic,
        };
        // A C D E G: B (71) is two above A (69) and one below C (72).
        assert_eq!(a_minor_pentatonic.snap(71), 72);
        assert_eq!(a_minor_pentatonic.snap(70), 69);
        let off = Scale::default();
        assert!((0..128).all(|note| off.snap(note) == note as u8));
        assert_eq!(c_major.snap(200), 127, "B is in C major");
        assert_eq!(c_major.snap(-5), 0);
        assert_eq!(
            Scale {
                root: 1,
                kind: ScaleKind::Major
            }
            .snap(127),
            126,
            "G (127) is not in C# major; F# (126) is"
        );
    }

    #[test]
    fn roots_parse_by_name_or_number() {
        assert_eq!(parse_root("C"), Some(0));
        assert_eq!(parse_root("db"), Some(1));
        assert_eq!(parse_root("B#"), Some(0));
        assert_eq!(parse_root("Cb"), Some(11));
        assert_eq!(parse_root("11"), Some(11));
        assert_eq!(parse_root("12"), None);
        assert_eq!(parse_root("H"), None);
        for (root, name) in ROOT_NAMES.iter().enumerate() {
            assert_eq!(parse_root(name), Some(root as u8));
        }
    }
}
