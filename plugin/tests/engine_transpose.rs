//! Property tests of MIDI-input transposition and scales in [`Engine`], against a reference
//! written from docs/TIMING.md ("MIDI input and scales").
//!
//! A case is one melodic track (every step on, each with its own note), one drum track, a
//! slot scale and keys played into the plugin at random samples, in latch or hold mode, through
//! random block sizes from beat 0. The reference places every step on its sample by the timing
//! rule, takes the transposition of the latest key at or before that sample (latch: the last
//! key pressed; hold: the last key still held, none held is none), adds it to the step's note
//! and moves the result to the nearest pitch of the scale (a tie goes down) by searching all
//! 128 notes; the drum track never changes. The engine must play exactly those keys.
//!
//! `transposition_and_scale_match_the_reference` (300 cases).

use chronus_seq::engine::event::NoteKind;
use chronus_seq::engine::midi_input::{MidiInputSettings, NoteInput, TransposeMode};
use chronus_seq::engine::pattern::{PatternSnapshot, Scale, ScaleKind, Step};
use chronus_seq::engine::performance::Performance;
use chronus_seq::engine::transport::BlockTransport;
use chronus_seq::engine::Engine;
use proptest::prelude::*;

const RATE: f64 = 48_000.0;
const TEMPO: f64 = 120.0;
/// Samples per sixteenth at 120 BPM, 48 kHz.
const STEP: u64 = 6_000;
const STEPS: u64 = 32;

/// The scales as interval lists above the root, written out here from music theory.
fn intervals(kind: ScaleKind) -> &'static [i32] {
    match kind {
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
    }
}

fn reference_snap(scale: Scale, note: i32) -> u8 {
    let note = note.clamp(0, 127);
    let in_scale = |candidate: i32| {
        intervals(scale.kind).contains(&(candidate - i32::from(scale.root)).rem_euclid(12))
    };
    (0..128)
        .filter(|candidate| in_scale(*candidate))
        .min_by_key(|candidate| ((candidate - note).abs(), *candidate))
        .unwrap_or(note) as u8
}

#[derive(Debug, Clone)]
struct Case {
    notes: Vec<u8>,
    scale: Scale,
    mode: TransposeMode,
    /// (absolute sample, key, pressed)
    keys: Vec<(u64, u8, bool)>,
    blocks: Vec<usize>,
}

fn pattern(case: &Case) -> PatternSnapshot {
    let mut pattern = PatternSnapshot::default();
    let melodic = &mut pattern.tracks[0];
    melodic.melodic = true;
    melodic.length = case.notes.len() as u8;
    for (step, note) in melodic.steps.iter_mut().zip(&case.notes) {
        *step = Step {
            note: Some(*note),
            ..Step::hit(100)
        };
    }
    let drums = &mut pattern.tracks[1];
    // Channel 10, so a melodic note on key 38 never shares its key.
    drums.channel = 9;
    drums.length = 4;
    drums.steps[0] = Step::hit(100);
    pattern.scale = case.scale;
    pattern
}

fn settings(case: &Case) -> MidiInputSettings {
    MidiInputSettings {
        mode: case.mode,
        ..MidiInputSettings::default()
    }
}

/// (absolute sample, track, key) of every note-on.
fn run_engine(case: &Case) -> Vec<(u64, u8, u8)> {
    let pattern = pattern(case);
    let settings = settings(case);
    let mut engine = Engine::new(RATE);
    let mut out = Vec::new();
    let mut start = 0u64;
    for &len in &case.blocks {
        let end = start + len as u64;
        engine.midi_input().begin_block();
        for &(sample, key, on) in case.keys.iter().filter(|k| (start..end).contains(&k.0)) {
            let offset = (sample - start) as u32;
            let note = NoteInput {
                offset,
                channel: 0,
                key,
                on,
            };
            engine.midi_input().note(&settings, note);
        }
        let transport = BlockTransport {
            playing: true,
            tempo: Some(TEMPO),
            pos_beats: Some(start as f64 / 24_000.0),
            loop_beats: None,
            bars: None,
        };
        engine.process(
            len,
            &transport,
            &pattern,
            &Performance::default(),
            &mut |event| {
                if let NoteKind::On { .. } = event.kind {
                    out.push((start + u64::from(event.offset), event.track, event.key));
                }
            },
        );
        start = end;
    }
    out.sort_unstable();
    out
}

fn reference(case: &Case) -> Vec<(u64, u8, u8)> {
    let total: u64 = case.blocks.iter().map(|len| *len as u64).sum();
    let reference_key = i32::from(MidiInputSettings::default().reference_key);
    let mut out = Vec::new();
    for step in 0.. {
        let sample = step * STEP;
        if sample >= total {
            break;
        }
        // Replay the keys up to this step's sample.
        let mut latched = 0;
        let mut held: Vec<u8> = Vec::new();
        for &(_, key, on) in case.keys.iter().filter(|k| k.0 <= sample) {
            if on {
                held.retain(|k| *k != key);
                held.push(key);
                latched = i32::from(key) - reference_key;
            } else {
                held.retain(|k| *k != key);
            }
        }
        let transpose = match case.mode {
            TransposeMode::Latch => latched,
            TransposeMode::Hold => held.last().map_or(0, |key| i32::from(*key) - reference_key),
        };
        let written = case.notes[step as usize % case.notes.len()];
        out.push((
            sample,
            0,
            reference_snap(case.scale, i32::from(written) + transpose),
        ));
        if step % 4 == 0 {
            out.push((sample, 1, 38));
        }
    }
    out.sort_unstable();
    out
}

fn case() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec(20u8..100, 1..8),
        0u8..12,
        proptest::sample::select(ScaleKind::ALL.to_vec()),
        any::<bool>(),
        // Keys anywhere in the run, some on a step's own sample.
        proptest::collection::vec(
            (
                prop_oneof![0..STEPS * STEP, (0..STEPS).prop_map(|step| step * STEP)],
                36u8..72,
                any::<bool>(),
            ),
            0..12,
        ),
        proptest::collection::vec(1usize..5000, 40..80),
    )
        .prop_map(|(notes, root, kind, hold, mut keys, blocks)| {
            keys.sort_by_key(|key| key.0);
            Case {
                notes,
                scale: Scale { root, kind },
                mode: if hold {
                    TransposeMode::Hold
                } else {
                    TransposeMode::Latch
                },
                // Channel 1 keys 24–39 select slots: keep the keys above that range.
                keys: keys
                    .into_iter()
                    .map(|(sample, key, on)| (sample, key.max(40), on))
                    .collect(),
                blocks,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn transposition_and_scale_match_the_reference(case in case()) {
        prop_assert_eq!(run_engine(&case), reference(&case));
    }
}

#[test]
fn a_key_between_steps_transposes_from_the_next_step_and_drums_stay() {
    let case = Case {
        notes: vec![60],
        scale: Scale::default(),
        mode: TransposeMode::Latch,
        // E3 (52, a major third above C3) one sample after step 1 starts.
        keys: vec![(STEP + 1, 52, true), (STEP + 2, 52, false)],
        blocks: vec![4 * STEP as usize],
    };
    let keys: Vec<(u64, u8, u8)> = run_engine(&case);
    assert_eq!(
        keys,
        [
            (0, 0, 60),
            (0, 1, 38),
            (STEP, 0, 60),
            (2 * STEP, 0, 64),
            (3 * STEP, 0, 64)
        ]
    );
    assert_eq!(keys, reference(&case));
}
