//! Expected output of the default pattern (and of other simple `x`/`X` patterns), and the
//! comparison that reports differences.
//!
//! Default pattern (no state loaded), as specified for the plugin: 16 tracks of 16 steps, each
//! step a 1/16 note (0.25 beat), MIDI channel 1 (index 0), gate 50% of a step. Tracks 1–3:
//! - note 36 `x...x...x...x...`
//! - note 38 `....X.......X...`
//! - note 42 `x.x.x.x.x.x.x.x.`
//!
//! `x` = velocity 76, `X` = velocity 127; all other tracks are empty.

use crate::driver::{AbsNote, ScriptRun};
use crate::events::NoteKind;
use crate::timing::sample_at_beat;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Length of one step of the default pattern, in beats (a 1/16 note).
pub const DEFAULT_STEP_BEATS: f64 = 0.25;

/// Steps per track in the default pattern.
pub const DEFAULT_STEPS: usize = 16;

/// Default gate length as a fraction of a step.
pub const DEFAULT_GATE_FRACTION: f64 = 0.5;

/// Length of one pattern cycle of the default pattern, in beats.
pub const DEFAULT_PATTERN_BEATS: f64 = DEFAULT_STEP_BEATS * DEFAULT_STEPS as f64;

/// One track of a pattern: which key it plays and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackSpec {
    /// MIDI key.
    pub key: i16,
    /// MIDI channel index (0 = channel 1).
    pub channel: i16,
    /// One character per step: `x` (velocity 76), `X` (velocity 127), anything else = rest.
    pub steps: &'static str,
}

impl TrackSpec {
    /// This track as a track object of the saved pattern document (docs/STATE.md), named
    /// `name`, with steps of `rate` (`"1/16"`, `"1/4"`, …).
    pub fn state_json(&self, name: &str, rate: &str) -> String {
        serde_json::json!({
            "name": name,
            "length": self.steps.chars().count(),
            "rate": rate,
            "channel": self.channel + 1,
            "note": self.key,
            "steps": self.steps,
        })
        .to_string()
    }
}

/// The non-empty tracks of the default pattern.
pub const DEFAULT_TRACKS: [TrackSpec; 3] = [
    TrackSpec {
        key: 36,
        channel: 0,
        steps: "x...x...x...x...",
    },
    TrackSpec {
        key: 38,
        channel: 0,
        steps: "....X.......X...",
    },
    TrackSpec {
        key: 42,
        channel: 0,
        steps: "x.x.x.x.x.x.x.x.",
    },
];

/// The MIDI velocity of a step character, `None` for a rest.
pub fn step_velocity(step: char) -> Option<u8> {
    match step {
        'x' => Some(76),
        'X' => Some(127),
        _ => None,
    }
}

/// One step that plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Beat at which the step starts.
    pub beat: f64,
    /// MIDI channel index.
    pub channel: i16,
    /// MIDI key.
    pub key: i16,
    /// MIDI velocity 1..=127.
    pub velocity: u8,
}

/// All hits of the default pattern starting in `[from_beat, to_beat)`, the pattern repeating
/// every [`DEFAULT_PATTERN_BEATS`] from beat 0 (and before it, for negative positions).
pub fn default_hits(from_beat: f64, to_beat: f64) -> Vec<Hit> {
    pattern_hits(&DEFAULT_TRACKS, DEFAULT_STEP_BEATS, from_beat, to_beat)
}

/// All hits of `tracks` starting in `[from_beat, to_beat)`: step `k` of every track starts at
/// beat `k · step_beats`, and each track repeats after its own number of steps (the length of
/// its `steps`) from beat 0, and before it for negative positions. In step order, then in the
/// order of `tracks`.
pub fn pattern_hits(
    tracks: &[TrackSpec],
    step_beats: f64,
    from_beat: f64,
    to_beat: f64,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    let first_step = (from_beat / step_beats).floor() as i64 - 1;
    let last_step = (to_beat / step_beats).ceil() as i64 + 1;
    for step in first_step..=last_step {
        let beat = step as f64 * step_beats;
        if beat < from_beat || beat >= to_beat {
            continue;
        }
        for track in tracks {
            let length = track.steps.chars().count().max(1) as i64;
            let index = step.rem_euclid(length) as usize;
            let step_char = track.steps.chars().nth(index).unwrap_or('.');
            if let Some(velocity) = step_velocity(step_char) {
                hits.push(Hit {
                    beat,
                    channel: track.channel,
                    key: track.key,
                    velocity,
                });
            }
        }
    }
    hits
}

/// One expected note event at an absolute sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpectedNote {
    /// Absolute sample (since the start of the run).
    pub sample: u64,
    /// On or off.
    pub kind: NoteKind,
    /// MIDI channel index.
    pub channel: i16,
    /// MIDI key.
    pub key: i16,
    /// MIDI velocity for note-ons; `None` for note-offs (their velocity is not checked).
    pub velocity: Option<u8>,
}

impl ExpectedNote {
    /// The comparable form of an actual note (note-off velocity dropped).
    pub fn from_actual(note: &AbsNote) -> Self {
        Self {
            sample: note.sample,
            kind: note.note.kind,
            channel: note.note.channel,
            key: note.note.key,
            velocity: match note.note.kind {
                NoteKind::On => Some(note.note.midi_velocity()),
                _ => None,
            },
        }
    }
}

/// A stretch of constant tempo: beat `ref_beat` is at absolute sample `ref_sample`, and the stretch
/// covers beats `[from_beat, to_beat)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stretch {
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// Tempo in BPM.
    pub tempo: f64,
    /// Absolute sample of `ref_beat`.
    pub ref_sample: u64,
    /// Reference beat.
    pub ref_beat: f64,
    /// First beat covered.
    pub from_beat: f64,
    /// First beat no longer covered.
    pub to_beat: f64,
}

impl Stretch {
    /// A stretch starting at `ref_beat` = `from_beat`.
    pub fn new(
        sample_rate: f64,
        tempo: f64,
        ref_sample: u64,
        from_beat: f64,
        to_beat: f64,
    ) -> Self {
        Self {
            sample_rate,
            tempo,
            ref_sample,
            ref_beat: from_beat,
            from_beat,
            to_beat,
        }
    }

    /// The same mapping of beats to samples, covering beats `[from_beat, to_beat)` instead (e.g.
    /// the part of a run after a switch, still measured from the same reference point).
    pub fn between(&self, from_beat: f64, to_beat: f64) -> Self {
        Self {
            from_beat,
            to_beat,
            ..*self
        }
    }

    /// Absolute sample of `beat` in this stretch.
    pub fn sample_at(&self, beat: f64) -> u64 {
        sample_at_beat(
            self.ref_sample,
            self.ref_beat,
            self.tempo,
            self.sample_rate,
            beat,
        )
    }

    /// The note-on expected at `beat` of this stretch.
    pub fn note_on(&self, beat: f64, channel: i16, key: i16, velocity: u8) -> ExpectedNote {
        ExpectedNote {
            sample: self.sample_at(beat),
            kind: NoteKind::On,
            channel,
            key,
            velocity: Some(velocity),
        }
    }

    /// The note-off expected at `beat` of this stretch.
    pub fn note_off(&self, beat: f64, channel: i16, key: i16) -> ExpectedNote {
        ExpectedNote {
            sample: self.sample_at(beat),
            kind: NoteKind::Off,
            channel,
            key,
            velocity: None,
        }
    }
}

/// Expected default-pattern note-ons for steps in the stretch, and their note-offs when the gate
/// ends inside the stretch (gate = [`DEFAULT_GATE_FRACTION`] of a step). Gates that run past the
/// stretch's end are left to the caller.
pub fn default_pattern_notes(stretch: Stretch) -> Vec<ExpectedNote> {
    pattern_notes(&DEFAULT_TRACKS, DEFAULT_STEP_BEATS, stretch)
}

/// Like [`default_pattern_notes`] for any `tracks` of steps of `step_beats` beats (see
/// [`pattern_hits`]), gate [`DEFAULT_GATE_FRACTION`] of a step.
pub fn pattern_notes(tracks: &[TrackSpec], step_beats: f64, stretch: Stretch) -> Vec<ExpectedNote> {
    let gate_beats = step_beats * DEFAULT_GATE_FRACTION;
    let mut notes = Vec::new();
    for hit in pattern_hits(tracks, step_beats, stretch.from_beat, stretch.to_beat) {
        notes.push(stretch.note_on(hit.beat, hit.channel, hit.key, hit.velocity));
        let off_beat = hit.beat + gate_beats;
        if off_beat < stretch.to_beat {
            notes.push(stretch.note_off(off_beat, hit.channel, hit.key));
        }
    }
    notes
}

/// Compares expected and actual notes as multisets; on a difference, returns a report that lists
/// each missing and each unexpected event with its absolute sample and (for actual events) the
/// host block it came from. A missing event is paired with the nearest *unexpected* event of the
/// same kind and key, so a shifted event reads as "expected X, got Y".
pub fn compare_notes(expected: &[ExpectedNote], run: &ScriptRun) -> Result<(), String> {
    let actual: Vec<(ExpectedNote, String)> = run
        .notes
        .iter()
        .map(|note| (ExpectedNote::from_actual(note), note.describe_block(run)))
        .collect();
    compare_note_lists(expected, &actual)
}

/// [`compare_notes`] for notes from any host: each actual note comes with a description of where
/// it came from (its host block), shown in the report.
pub fn compare_note_lists(
    expected: &[ExpectedNote],
    actual: &[(ExpectedNote, String)],
) -> Result<(), String> {
    let mut counts: BTreeMap<ExpectedNote, i64> = BTreeMap::new();
    for note in expected {
        *counts.entry(*note).or_default() += 1;
    }
    let mut actual_by_key: BTreeMap<ExpectedNote, Vec<&str>> = BTreeMap::new();
    for (note, origin) in actual {
        *counts.entry(*note).or_default() -= 1;
        actual_by_key.entry(*note).or_default().push(origin);
    }
    let unexpected: Vec<(&ExpectedNote, &str)> = counts
        .iter()
        .filter(|(_, count)| **count < 0)
        .flat_map(|(key, _)| {
            actual_by_key
                .get(key)
                .into_iter()
                .flatten()
                .map(move |origin| (key, *origin))
        })
        .collect();

    let mut report = String::new();
    let mut shown = 0;
    for (key, count) in &counts {
        if *count == 0 {
            continue;
        }
        shown += 1;
        if shown > 40 {
            report.push_str("  … (more differences)\n");
            break;
        }
        if *count > 0 {
            let _ = writeln!(
                report,
                "  missing ×{count}: {:?} key {} ch {} at sample {} (velocity {:?}){}",
                key.kind,
                key.key,
                key.channel,
                key.sample,
                key.velocity,
                nearest_unexpected(&unexpected, key)
            );
        } else {
            let origins = actual_by_key.get(key).cloned().unwrap_or_default();
            let _ = writeln!(
                report,
                "  unexpected ×{}: {:?} key {} ch {} at sample {} (velocity {:?}) in {}",
                -count,
                key.kind,
                key.key,
                key.channel,
                key.sample,
                key.velocity,
                origins.join(", ")
            );
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} expected vs {} actual note events differ:\n{report}",
            expected.len(),
            actual.len()
        ))
    }
}

/// " — got it at sample N (+d) in …" for the nearest unexpected event of the same kind and key,
/// or " — not sent at all" when there is none.
fn nearest_unexpected(unexpected: &[(&ExpectedNote, &str)], key: &ExpectedNote) -> String {
    unexpected
        .iter()
        .filter(|(n, _)| n.kind == key.kind && n.key == key.key)
        .min_by_key(|(n, _)| n.sample.abs_diff(key.sample))
        .map(|(n, origin)| {
            format!(
                " — got it at sample {} ({:+}) in {}",
                n.sample,
                n.sample as i64 - key.sample as i64,
                origin
            )
        })
        .unwrap_or_else(|| " — not sent at all".to_owned())
}

/// Panics with [`compare_notes`]' report if the notes differ.
pub fn assert_notes_eq(expected: &[ExpectedNote], run: &ScriptRun, context: &str) {
    if let Err(report) = compare_notes(expected, run) {
        panic!("{context}: {report}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pattern_has_fourteen_hits_per_bar() {
        let hits = default_hits(0.0, 4.0);
        assert_eq!(hits.len(), 4 + 2 + 8);
        assert_eq!(default_hits(-4.0, 0.0).len(), 14, "repeats before beat 0");
        assert!(hits
            .iter()
            .any(|h| h.key == 38 && h.beat == 1.0 && h.velocity == 127));
    }

    #[test]
    fn each_track_repeats_after_its_own_length() {
        let three = TrackSpec {
            key: 50,
            channel: 2,
            steps: "X..",
        };
        let beats: Vec<f64> = pattern_hits(&[three], 0.5, 0.0, 6.0)
            .iter()
            .map(|hit| hit.beat)
            .collect();
        assert_eq!(beats, vec![0.0, 1.5, 3.0, 4.5]);
        let json: serde_json::Value =
            serde_json::from_str(&three.state_json("T", "1/8")).expect("valid JSON");
        assert_eq!(
            (&json["length"], &json["channel"], &json["steps"]),
            (
                &serde_json::json!(3),
                &serde_json::json!(3),
                &serde_json::json!("X..")
            )
        );
    }

    #[test]
    fn default_notes_at_120_bpm_48_khz_are_on_the_6000_sample_grid() {
        let notes = default_pattern_notes(Stretch::new(48_000.0, 120.0, 0, 0.0, 4.0));
        let ons: Vec<u64> = notes
            .iter()
            .filter(|n| n.kind == NoteKind::On && n.key == 36)
            .map(|n| n.sample)
            .collect();
        assert_eq!(ons, vec![0, 24_000, 48_000, 72_000]);
        assert!(notes
            .iter()
            .any(|n| n.kind == NoteKind::Off && n.key == 36 && n.sample == 3_000));
    }
}
