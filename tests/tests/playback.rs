//! Straight playback of the default pattern: exact samples at any block size, pre-roll, tempo
//! change, stop. Timing rule: docs/TIMING.md (see `chronus_seq_host_tests::timing`).

use chronus_seq_host_tests::expect::default_pattern_notes;
use chronus_seq_host_tests::{
    active_plugin, assert_notes_eq, BufferLayout, NoteKind, ScriptRun, Stretch, TransportScript,
};
use std::collections::BTreeMap;

const SAMPLE_RATE: f64 = 48_000.0;
const TEMPO: f64 = 120.0;
/// One beat at 120 BPM / 48 kHz.
const BEAT: u64 = 24_000;

fn assert_well_formed(run: &ScriptRun, context: &str) {
    if let Some(call) = run.first_unordered_call() {
        panic!("{context}: output events out of time order or outside the block in {call:?}");
    }
    for note in &run.notes {
        assert_eq!(
            note.note.channel, 0,
            "{context}: note on channel {} (expected channel 1 = index 0): {note:?}",
            note.note.channel
        );
    }
}

/// (b) Two bars from beat 0 at 120 BPM / 48 kHz with block sizes 1, 37, 64, 512 and 4096: every
/// note-on at its exact sample with its velocity, every note-off half a step later, nothing still
/// sounding at the end.
#[test]
fn default_pattern_two_bars_is_sample_exact_at_any_block_size() {
    let total = 8 * BEAT;
    let expected = default_pattern_notes(Stretch::new(SAMPLE_RATE, TEMPO, 0, 0.0, 8.0));
    assert!(
        expected
            .iter()
            .any(|n| n.kind == NoteKind::On && n.sample == 0),
        "sanity: the expectation starts with the downbeat"
    );
    for block_size in [1u32, 37, 64, 512, 4096] {
        let context = format!("block size {block_size}");
        let mut host = active_plugin(SAMPLE_RATE, block_size);
        let run = TransportScript::new(SAMPLE_RATE, TEMPO, block_size)
            .run(&mut host, total)
            .unwrap_or_else(|e| panic!("{context}: {e}"));
        assert_well_formed(&run, &context);
        assert_notes_eq(&expected, &run, &context);
        let sounding = run.sounding_at_end();
        assert!(
            sounding.is_empty(),
            "{context}: still sounding after two bars (channel, key → count): {sounding:?}"
        );
    }
}

/// (b) again with the host passing consecutive slices of one long buffer.
#[test]
fn default_pattern_two_bars_is_sample_exact_with_contiguous_host_buffers() {
    let total = 8 * BEAT;
    let expected = default_pattern_notes(Stretch::new(SAMPLE_RATE, TEMPO, 0, 0.0, 8.0));
    for block_size in [37u32, 512] {
        let context = format!("block size {block_size}, contiguous buffers");
        let mut host = active_plugin(SAMPLE_RATE, block_size);
        host.set_buffer_layout(BufferLayout::Contiguous);
        let run = TransportScript::new(SAMPLE_RATE, TEMPO, block_size)
            .run(&mut host, total)
            .unwrap_or_else(|e| panic!("{context}: {e}"));
        assert_well_formed(&run, &context);
        assert_notes_eq(&expected, &run, &context);
        assert!(
            run.sounding_at_end().is_empty(),
            "{context}: still sounding"
        );
    }
}

/// (e) Starting in pre-roll at beat −2: nothing before beat 0, the beat-0 step exactly once at
/// its sample, then the first bar as usual.
#[test]
fn pre_roll_from_beat_minus_two_starts_cleanly_at_beat_zero() {
    let zero = 2 * BEAT;
    let total = zero + 4 * BEAT;
    // 512 puts beat 0 inside a block, 480 puts it on a block boundary.
    for block_size in [512u32, 480, 1] {
        let context = format!("pre-roll, block size {block_size}");
        let mut host = active_plugin(SAMPLE_RATE, block_size);
        let run = TransportScript::new(SAMPLE_RATE, TEMPO, block_size)
            .starting_at_beat(-2.0)
            .run(&mut host, total)
            .unwrap_or_else(|e| panic!("{context}: {e}"));
        assert_well_formed(&run, &context);

        let early: Vec<String> = run
            .notes_between(0, zero)
            .map(|n| {
                format!(
                    "{:?} at sample {} ({})",
                    n.note,
                    n.sample,
                    n.describe_block(&run)
                )
            })
            .collect();
        assert!(
            early.is_empty(),
            "{context}: events before beat 0 (sample {zero}): {early:#?}"
        );

        for key in [36, 42] {
            let downbeats: Vec<u64> = run
                .note_ons()
                .filter(|n| n.note.key == key && n.sample < zero + BEAT / 4)
                .map(|n| n.sample)
                .collect();
            assert_eq!(
                downbeats,
                vec![zero],
                "{context}: key {key} note-ons around beat 0 (expected exactly one at {zero})"
            );
        }

        let expected = default_pattern_notes(Stretch::new(SAMPLE_RATE, TEMPO, zero, 0.0, 4.0));
        assert_notes_eq(&expected, &run, &context);
    }
}

/// (f) Tempo 120 → 90 BPM at the start of host block 100 (sample 51200, beat 2.1333…, nothing
/// sounding): later steps land at the 90 BPM positions measured from the change.
#[test]
fn tempo_change_moves_later_steps_to_new_tempo_positions() {
    let block_size = 512u32;
    let change_block = 100usize;
    let change_sample = change_block as u64 * u64::from(block_size);
    let change_beat = change_sample as f64 / BEAT as f64;
    let before = Stretch::new(SAMPLE_RATE, TEMPO, 0, 0.0, change_beat);
    let after = Stretch::new(SAMPLE_RATE, 90.0, change_sample, change_beat, 8.0);
    let total = after.sample_at(8.0);
    let mut expected = default_pattern_notes(before);
    expected.extend(default_pattern_notes(after));
    // Sanity: the first step after the change (beat 2.5, key 42) is at 90 BPM spacing: 32000
    // samples per beat from the change, ceil((2.5 − 2.1333…) · 32000) = 11734.
    assert!(expected.iter().any(|n| n.sample == change_sample + 11_734));

    let mut host = active_plugin(SAMPLE_RATE, block_size);
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, block_size)
        .with_tempo_change(change_block, 90.0)
        .run(&mut host, total)
        .expect("running the tempo change script");
    assert_well_formed(&run, "tempo change");
    assert_notes_eq(&expected, &run, "tempo change 120 → 90 BPM at block 100");
    assert!(
        run.sounding_at_end().is_empty(),
        "still sounding at the end: {:?}",
        run.sounding_at_end()
    );
}

/// (g) Stop while notes sound: the first stopped block closes every sounding note at offset 0
/// and nothing follows.
#[test]
fn stop_closes_sounding_notes_in_first_stopped_block() {
    let block_size = 512u32;
    // Block 47 starts at sample 24064, just after the beat-1 step (keys 36, 38, 42 at 24000,
    // gates until 27000).
    let stop_block = 47usize;
    let stop_sample = stop_block as u64 * u64::from(block_size);
    let total = stop_sample + 20 * u64::from(block_size);

    let mut host = active_plugin(SAMPLE_RATE, block_size);
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, block_size)
        .with_stop_at_block(stop_block)
        .run(&mut host, total)
        .expect("running the stop script");
    assert_well_formed(&run, "stop");

    let sounding = run.sounding_before(stop_sample);
    let expected_sounding: BTreeMap<(i16, i16), i64> = [((0, 36), 1), ((0, 38), 1), ((0, 42), 1)]
        .into_iter()
        .collect();
    assert_eq!(
        sounding, expected_sounding,
        "notes sounding when the transport stops at sample {stop_sample}"
    );

    let in_stop_block: Vec<_> = run.notes.iter().filter(|n| n.block == stop_block).collect();
    let mut closed: BTreeMap<(i16, i16), i64> = BTreeMap::new();
    for note in &in_stop_block {
        assert!(
            matches!(note.note.kind, NoteKind::Off | NoteKind::Choke),
            "a {:?} in the first stopped block: {note:?}",
            note.note.kind
        );
        assert_eq!(
            note.sample, stop_sample,
            "note-off not at offset 0 of the first stopped block: {note:?}"
        );
        *closed
            .entry((note.note.channel, note.note.key))
            .or_default() += 1;
    }
    assert_eq!(
        closed, expected_sounding,
        "note-offs in the first stopped block (block {stop_block})"
    );

    let later: Vec<_> = run.notes.iter().filter(|n| n.block > stop_block).collect();
    assert!(
        later.is_empty(),
        "events after the first stopped block: {later:?}"
    );

    let played = default_pattern_notes(Stretch::new(
        SAMPLE_RATE,
        TEMPO,
        0,
        0.0,
        stop_sample as f64 / BEAT as f64,
    ));
    let before_stop: Vec<_> = run
        .notes
        .iter()
        .filter(|n| n.block < stop_block)
        .map(chronus_seq_host_tests::ExpectedNote::from_actual)
        .collect();
    let mut played_sorted = played.clone();
    played_sorted.sort();
    let mut before_sorted = before_stop.clone();
    before_sorted.sort();
    assert_eq!(before_sorted, played_sorted, "events before the stop");
}
