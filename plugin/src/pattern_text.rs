//! Pattern text files: one track per line, the way Music Chronus users write patterns.
//!
//! ```text
//! # name  voice   steps              notes (optional)
//! kick    voice1  X...x...X...x...
//! bass    voice2  x.x.x..xx.x.x..x   C2,C2,G1,A#1
//! rim     voice3  euclid:5/16/2
//! ```
//!
//! Columns are separated by spaces or tabs; `#` at the start of a line or after a space starts
//! a comment (inside a column it is a sharp: `A#1`); blank lines are skipped.
//!
//! - **name**: the track's name (the Music Chronus track id); a name used twice means the
//!   same track, the later line replacing the earlier one.
//! - **voice**: the Music Chronus module its gates go to (`voice1` → `/gate/voice1`).
//! - **steps**: a pattern string (`x` hit, `X` accent, `.` rest, the editor's syntax), or
//!   `euclid:PULSES/STEPS` or `euclid:PULSES/STEPS/ROTATION`, written into the steps.
//! - **notes** (optional): one note (the track's note) or a comma-separated list that the hits
//!   take in turn; names like `C2` or `D#3`, MIDI numbers or frequencies in Hz.
//!
//! Each line becomes edits of the edit layer ([`Edit::ClaimTrack`], [`Edit::MusicChronusPattern`]
//! or [`Edit::StampEuclid`], [`Edit::MusicChronusVoice`], [`Edit::NoteCycle`]) applied to an
//! empty song, exactly as the Music Chronus `/seq/add` command does; a line the edit layer
//! refuses is reported with its number and the reason.

use crate::document::{PatternDoc, SongDoc};
use crate::edit::notes::parse_note_list;
use crate::edit::values::{PatternSteps, TrackName, VoiceId};
use crate::edit::{Edit, EditError, EditLayer, Origin, TrackChange, TrackRef};
use crate::osc_out::OscOutSettings;
use crate::parts::Parts;

/// A song and the OSC targets of its tracks, read from a pattern text file.
#[derive(Debug, Clone)]
pub struct PatternText {
    /// The pattern, in slot 1.
    pub song: SongDoc,
    /// OSC output settings with each named track's gate address.
    pub osc: OscOutSettings,
}

/// Reads a pattern text (see the module documentation). The error names the line (1-based)
/// and what is wrong with it.
pub fn read(text: &str) -> Result<PatternText, String> {
    let (parts, _reader) = Parts::new(SongDoc::new(PatternDoc::empty()), OscOutSettings::default());
    let edits = &parts.edits;
    let mut tracks = 0;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let content = without_comment(line).trim();
        if content.is_empty() {
            continue;
        }
        read_line(edits, content).map_err(|error| format!("line {number}: {error}"))?;
        tracks += 1;
    }
    if tracks == 0 {
        return Err("no tracks: write one line per track, `name voice steps [notes]`".to_owned());
    }
    Ok(PatternText {
        song: edits.store().doc(),
        osc: edits.osc_out().get(),
    })
}

/// `line` up to its comment: a `#` at the start or after a space or tab (a `#` inside a column
/// is a sharp, as in `A#1`).
fn without_comment(line: &str) -> &str {
    let mut previous = None;
    for (index, character) in line.char_indices() {
        if character == '#' && previous.is_none_or(char::is_whitespace) {
            return &line[..index];
        }
        previous = Some(character);
    }
    line
}

/// Applies one line (comment removed, not empty).
fn read_line(edits: &EditLayer, line: &str) -> Result<(), String> {
    let columns: Vec<&str> = line.split_whitespace().collect();
    let (name, voice, steps, notes) = match columns.as_slice() {
        [name, voice, steps] => (*name, *voice, *steps, None),
        [name, voice, steps, notes] => (*name, *voice, *steps, Some(*notes)),
        [_] | [_, _] => {
            return Err(format!(
                "{} column(s), expected `name voice steps [notes]`",
                columns.len()
            ))
        }
        _ => {
            return Err(format!(
                "{} columns, expected at most 4: `name voice steps [notes]` (note lists are \
                 comma-separated, without spaces)",
                columns.len()
            ))
        }
    };
    let shown = |what: &str, error: EditError| {
        format!(
            "{what} {:?}: {error}",
            text_of(what, name, voice, steps, notes)
        )
    };
    let name_value = TrackName::parse(name).map_err(|error| shown("name", error))?;
    let voice = VoiceId::parse(voice).map_err(|error| shown("voice", error))?;
    let notes = notes
        .map(parse_note_list)
        .transpose()
        .map_err(|error| shown("notes", error))?;
    let track = TrackRef::Named(name.to_owned());

    let mut batch = vec![Edit::ClaimTrack(name_value)];
    let euclid = match steps.strip_prefix("euclid:") {
        Some(rhythm) => Some(euclid(rhythm).map_err(|error| format!("steps {steps:?}: {error}"))?),
        None => {
            let steps = PatternSteps::parse(steps).map_err(|error| shown("steps", error))?;
            batch.push(Edit::MusicChronusPattern {
                track: track.clone(),
                steps,
            });
            None
        }
    };
    batch.push(Edit::MusicChronusVoice {
        track: track.clone(),
        voice,
    });
    edits
        .apply(Origin::Osc, 0, Edit::Batch(batch))
        .map_err(|error| error.to_string())?;

    let mut batch = Vec::new();
    if let Some((pulses, steps, rotation)) = euclid {
        // Euclid edits name the track by index: the one just claimed.
        let index = edits
            .store()
            .slot(0)
            .tracks
            .iter()
            .position(|track| track.name == name)
            .ok_or_else(|| format!("track {name:?} was not claimed"))?;
        batch.push(Edit::StampEuclid {
            track: index,
            pulses,
            steps,
            rotation,
        });
    }
    match notes.as_deref() {
        Some([note]) => batch.push(Edit::SetTrack {
            track: track.clone(),
            change: TrackChange::Note(*note),
        }),
        Some(list) if !list.is_empty() => batch.push(Edit::NoteCycle {
            track,
            notes: list.to_vec(),
        }),
        _ => {}
    }
    if !batch.is_empty() {
        edits
            .apply(Origin::Osc, 0, Edit::Batch(batch))
            .map_err(|error| error.to_string())?;
    }
    Ok(())
}

/// The text of the column called `what`, for error messages.
fn text_of<'a>(
    what: &str,
    name: &'a str,
    voice: &'a str,
    steps: &'a str,
    notes: Option<&'a str>,
) -> &'a str {
    match what {
        "name" => name,
        "voice" => voice,
        "steps" => steps,
        _ => notes.unwrap_or_default(),
    }
}

/// Reads `PULSES/STEPS` or `PULSES/STEPS/ROTATION` (the edit layer checks the ranges).
fn euclid(text: &str) -> Result<(u8, u8, u8), String> {
    let numbers: Vec<Option<u8>> = text.split('/').map(|part| part.parse().ok()).collect();
    match numbers.as_slice() {
        [Some(pulses), Some(steps)] => Ok((*pulses, *steps, 0)),
        [Some(pulses), Some(steps), Some(rotation)] => Ok((*pulses, *steps, *rotation)),
        _ => Err(
            "expected euclid:PULSES/STEPS or euclid:PULSES/STEPS/ROTATION with whole \
                  numbers"
                .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
# a drum pattern
kick   voice1  X...x...X...x...
hat    voice2  ..x...x...x...x.   # off-beats

bass   voice3  x.x.x..x           C2,C2,G1,A#1
rim    voice4  euclid:3/8/1       D3
";

    #[test]
    fn good_file() {
        let text = read(GOOD).unwrap();
        let tracks = &text.song.slot(0).tracks;
        assert_eq!(tracks[0].name, "kick");
        assert_eq!(tracks[1].name, "hat");
        assert_eq!(tracks[2].name, "bass");
        assert_eq!(tracks[3].name, "rim");
        assert_eq!(
            tracks[4].name, "Track 5",
            "unused tracks keep their default name"
        );
        // The same edits through the edit layer by hand give the same song.
        let (parts, _reader) =
            Parts::new(SongDoc::new(PatternDoc::empty()), OscOutSettings::default());
        let claim = |name: &str, steps: &str, voice: &str| {
            parts
                .edits
                .apply(
                    Origin::Osc,
                    0,
                    Edit::Batch(vec![
                        Edit::ClaimTrack(TrackName::parse(name).unwrap()),
                        Edit::MusicChronusPattern {
                            track: TrackRef::Named(name.to_owned()),
                            steps: PatternSteps::parse(steps).unwrap(),
                        },
                        Edit::MusicChronusVoice {
                            track: TrackRef::Named(name.to_owned()),
                            voice: VoiceId::parse(voice).unwrap(),
                        },
                    ]),
                )
                .unwrap();
        };
        claim("kick", "X...x...X...x...", "voice1");
        assert_eq!(
            parts.edits.store().slot(0).tracks[0],
            tracks[0],
            "kick line = ClaimTrack + MusicChronusPattern + MusicChronusVoice"
        );
        assert_eq!(tracks[2].pattern.length, 8);
        assert_eq!(tracks[3].pattern.length, 8);
        assert_eq!(
            text.osc.tracks[..4]
                .iter()
                .map(|track| track.address.as_str())
                .collect::<Vec<_>>(),
            [
                "/gate/voice1",
                "/gate/voice2",
                "/gate/voice3",
                "/gate/voice4"
            ]
        );
    }

    #[test]
    fn the_examples_read() {
        for (name, text) in [
            ("drums", include_str!("../../examples/drums.txt")),
            ("bass", include_str!("../../examples/bass.txt")),
            ("euclid", include_str!("../../examples/euclid.txt")),
        ] {
            let read = read(text).unwrap_or_else(|error| panic!("{name}: {error}"));
            assert!(
                read.song.slot(0).tracks[0]
                    .pattern
                    .steps
                    .iter()
                    .any(|step| step.on),
                "{name}"
            );
        }
    }

    #[test]
    fn each_kind_of_bad_line_names_its_line() {
        let cases = [
            ("kick voice1\n", "line 1", "column"),
            ("# ok\nkick voice1 x... C2 extra\n", "line 2", "at most 4"),
            ("kick voice-1 x...\n", "line 1", "voice"),
            ("kick voice1 x.?.\n", "line 1", "steps"),
            ("\n\nkick voice1 x... H9\n", "line 3", "notes"),
            ("kick voice1 euclid:3\n", "line 1", "euclid:PULSES/STEPS"),
            ("kick voice1 euclid:9/8\n", "line 1", ""),
            ("", "no tracks", ""),
        ];
        for (text, line, reason) in cases {
            let error = read(text).unwrap_err();
            assert!(
                error.contains(line) && error.contains(reason),
                "{text:?}: {error}"
            );
        }
        let too_many: String = (1..=17).map(|n| format!("t{n} voice1 x...\n")).collect();
        let error = read(&too_many).unwrap_err();
        assert!(error.starts_with("line 17:"), "{error}");
    }
}
