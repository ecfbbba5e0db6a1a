//! Loop playback the three ways hosts report a loop wrap (docs/TIMING.md, docs/HOSTS.md): every step of
//! every pass exactly once at its sample — nothing missed or doubled at the seam. Most cases run
//! at 48 kHz / 120 BPM, where the loops are whole numbers of samples; one runs a loop that is
//! not, so every wrap lands a fraction of a sample past the loop start.

use chronus_seq_host_tests::expect::{
    default_hits, default_pattern_notes, DEFAULT_GATE_FRACTION, DEFAULT_STEP_BEATS,
};
use chronus_seq_host_tests::timing::{beat_at_sample, sample_at_beat};
use chronus_seq_host_tests::{
    active_plugin, assert_notes_eq, BufferLayout, ExpectedNote, InEvent, NoteKind, ScriptRun,
    SplitMode, Stretch, TransportInfo, TransportScript,
};

const SAMPLE_RATE: f64 = 48_000.0;
const TEMPO: f64 = 120.0;

const ALL_MODES: [SplitMode; 3] = [
    SplitMode::ReaperSplit,
    SplitMode::BitwigEvent,
    SplitMode::NoSplitNoEvent,
];

/// Where the loop end falls relative to host blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seam {
    /// Inside a block (the script must split or send an event).
    MidBlock,
    /// Exactly on a block boundary.
    OnBoundary,
}

/// One loop scenario: the loop `[start, end)` beats is entered at its start at sample 0.
#[derive(Debug, Clone, Copy)]
struct LoopCase {
    mode: SplitMode,
    sample_rate: f64,
    tempo: f64,
    block_size: u32,
    loop_range: (f64, f64),
    passes: u64,
    layout: BufferLayout,
    /// Reaper mode: split parts are consecutive slices of the block's buffer.
    split_in_place: bool,
    seam: Seam,
}

impl LoopCase {
    /// Loop 0..4 beats (96000 samples), block 512 (seam 256 samples into a block), 3 passes.
    fn standard(mode: SplitMode) -> Self {
        Self {
            mode,
            sample_rate: SAMPLE_RATE,
            tempo: TEMPO,
            block_size: 512,
            loop_range: (0.0, 4.0),
            passes: 3,
            layout: BufferLayout::ReuseStart,
            split_in_place: true,
            seam: Seam::MidBlock,
        }
    }
}

/// Where one pass of the loop begins: its first sample and the song position the host reports
/// there.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PassStart {
    sample: u64,
    beat: f64,
}

/// The start of every pass, and one more entry for where the pass after the last would start
/// (the end of the run), positioned the way the host script does it: the first pass starts on
/// sample 0 at the loop start; each wrap is the first sample at or after the loop end, where the
/// host reports the loop start plus the overshoot past the loop end (less than one sample; 0 when
/// the loop is a whole number of samples).
fn pass_starts(case: &LoopCase) -> Vec<PassStart> {
    let (start, end) = case.loop_range;
    let mut starts = vec![PassStart {
        sample: 0,
        beat: start,
    }];
    for _ in 0..case.passes {
        let pass = starts[starts.len() - 1];
        let wrap = sample_at_beat(pass.sample, pass.beat, case.tempo, case.sample_rate, end);
        let overshoot =
            beat_at_sample(pass.sample, pass.beat, case.tempo, case.sample_rate, wrap) - end;
        starts.push(PassStart {
            sample: wrap,
            beat: start + overshoot.max(0.0),
        });
    }
    starts
}

/// Expected notes for the passes (every loop used here has no gate crossing the seam) and the
/// length of the run: each pass plays the loop's steps, timed from where that pass starts.
fn loop_expectation(case: &LoopCase) -> (Vec<ExpectedNote>, u64) {
    let (start, end) = case.loop_range;
    let starts = pass_starts(case);
    let mut expected = Vec::new();
    for pass in &starts[..starts.len() - 1] {
        expected.extend(default_pattern_notes(
            Stretch::new(case.sample_rate, case.tempo, pass.sample, pass.beat, end)
                .between(start, end),
        ));
    }
    (expected, starts[starts.len() - 1].sample)
}

/// The transport the host reported for sample `sample`: that of a call starting there, or a
/// transport event at it.
fn transport_reported_at(run: &ScriptRun, sample: u64) -> Option<TransportInfo> {
    run.calls.iter().find_map(|call| {
        if call.start_sample == sample {
            return Some(call.transport);
        }
        call.in_events.iter().find_map(|event| match *event {
            InEvent::Transport { time, info } if call.start_sample + u64::from(time) == sample => {
                Some(info)
            }
            _ => None,
        })
    })
}

fn run_loop(case: LoopCase) -> ScriptRun {
    let context = format!("{case:?}");
    let (expected, total) = loop_expectation(&case);
    let mut host = active_plugin(case.sample_rate, case.block_size);
    host.set_buffer_layout(case.layout);
    let run = TransportScript::new(case.sample_rate, case.tempo, case.block_size)
        .starting_at_beat(case.loop_range.0)
        .with_loop(case.loop_range.0, case.loop_range.1, case.mode)
        .with_split_parts_in_place(case.split_in_place)
        .run(&mut host, total)
        .unwrap_or_else(|e| panic!("{context}: {e}"));

    // The script must really exercise what the case claims.
    let starts = pass_starts(&case);
    let wraps = &starts[1..starts.len() - 1];
    assert_eq!(
        wraps
            .iter()
            .all(|w| w.sample.is_multiple_of(u64::from(case.block_size))),
        case.seam == Seam::OnBoundary,
        "{context}: test setup — the loop end is not where the case says"
    );
    // Where the host reports a wrap (a split call, an event, a block starting on it), it reports
    // the position the expectation times that pass from.
    for wrap in wraps {
        match transport_reported_at(&run, wrap.sample) {
            Some(info) => assert!(
                (info.song_pos_beats - wrap.beat).abs() < 1e-12,
                "{context}: test setup — the host reports beat {} at the wrap sample {}, the \
                 expectation times the pass from beat {}",
                info.song_pos_beats,
                wrap.sample,
                wrap.beat
            ),
            None => assert!(
                case.mode == SplitMode::NoSplitNoEvent,
                "{context}: test setup — the host reports nothing at the wrap sample {}",
                wrap.sample
            ),
        }
    }
    if case.seam == Seam::MidBlock {
        match case.mode {
            SplitMode::ReaperSplit => {
                assert!(
                    run.calls.iter().any(|c| c.frames < case.block_size
                        && c.start_sample + u64::from(c.frames) < total),
                    "{context}: the driver never split a block"
                )
            }
            SplitMode::BitwigEvent => assert!(
                run.calls.iter().any(|c| c
                    .in_events
                    .iter()
                    .any(|e| matches!(e, InEvent::Transport { .. }))),
                "{context}: the driver never sent a transport event"
            ),
            SplitMode::NoSplitNoEvent => {}
        }
    }

    if let Some(call) = run.first_unordered_call() {
        panic!("{context}: output events out of time order or outside the block in {call:?}");
    }
    assert_notes_eq(&expected, &run, &context);
    assert!(
        run.sounding_at_end().is_empty(),
        "{context}: still sounding at the end: {:?}",
        run.sounding_at_end()
    );
    run
}

/// (c) Reaper: the host splits the block at the loop end (loop 0..4 beats, block 512 — the loop
/// end at sample 96000 is 256 samples into a block), three passes. The two parts of a split
/// block are consecutive slices of the block's audio buffer, as a host splitting a block it
/// holds passes them.
#[test]
fn reaper_split_loop_plays_every_step_of_every_pass_once() {
    run_loop(LoopCase::standard(SplitMode::ReaperSplit));
}

/// (c) again, each split part's audio at the start of the host buffer.
#[test]
fn reaper_split_loop_with_parts_at_buffer_start() {
    run_loop(LoopCase {
        split_in_place: false,
        ..LoopCase::standard(SplitMode::ReaperSplit)
    });
}

/// (d) Bitwig: no split; a transport event at the wrap sample inside the block gives the loop
/// start. nice-plug 0.4.2 offsets the position after a mid-block transport event (docs/TIMING.md);
/// the plugin has to work around it, and this asserts the musically correct result.
#[test]
fn bitwig_transport_event_loop_plays_every_step_of_every_pass_once() {
    run_loop(LoopCase::standard(SplitMode::BitwigEvent));
}

/// No split and no event: the block runs over the loop end and the plugin wraps by itself.
#[test]
fn unsplit_loop_without_event_plays_every_step_of_every_pass_once() {
    run_loop(LoopCase::standard(SplitMode::NoSplitNoEvent));
}

/// A loop that is not aligned to the pattern (0.5..2.75 beats, 54000 samples) with block 448,
/// the seam inside a block.
fn unaligned_loop(mode: SplitMode) {
    run_loop(LoopCase {
        block_size: 448,
        loop_range: (0.5, 2.75),
        passes: 4,
        ..LoopCase::standard(mode)
    });
}

/// Unaligned loop, Reaper-style split.
#[test]
fn unaligned_reaper_split_loop() {
    unaligned_loop(SplitMode::ReaperSplit);
}

/// Unaligned loop, Bitwig-style transport event.
#[test]
fn unaligned_bitwig_event_loop() {
    unaligned_loop(SplitMode::BitwigEvent);
}

/// Unaligned loop, no split and no event.
#[test]
fn unaligned_unsplit_loop() {
    unaligned_loop(SplitMode::NoSplitNoEvent);
}

/// The loop end exactly on a block boundary (loop 0..4 beats = 96000 samples, block 480): the
/// wrap is reported by the next block's own transport, in every mode.
#[test]
fn loop_end_on_block_boundary_is_sample_exact_in_every_mode() {
    for mode in ALL_MODES {
        run_loop(LoopCase {
            block_size: 480,
            seam: Seam::OnBoundary,
            ..LoopCase::standard(mode)
        });
    }
}

/// The loops when the host passes consecutive slices of one long buffer (each call's audio
/// starts where the previous call's ended, like an offline render processed in chunks), seam
/// inside a block and on a block boundary.
fn contiguous_loops(mode: SplitMode) {
    let contiguous = LoopCase {
        layout: BufferLayout::Contiguous,
        ..LoopCase::standard(mode)
    };
    run_loop(contiguous);
    run_loop(LoopCase {
        block_size: 480,
        seam: Seam::OnBoundary,
        ..contiguous
    });
}

/// Reaper-style split loop, contiguous host buffers.
#[test]
fn reaper_split_loop_with_contiguous_host_buffers() {
    contiguous_loops(SplitMode::ReaperSplit);
}

/// Bitwig-style transport-event loop, contiguous host buffers.
#[test]
fn bitwig_event_loop_with_contiguous_host_buffers() {
    contiguous_loops(SplitMode::BitwigEvent);
}

/// Unsplit loop without event, contiguous host buffers.
#[test]
fn unsplit_loop_with_contiguous_host_buffers() {
    contiguous_loops(SplitMode::NoSplitNoEvent);
}

/// A loop that is not a whole number of samples long: at 44.1 kHz and 123 BPM a beat is
/// 21,512.195… samples, so the loop from beat 1 to beat 3 is 43,024.39 samples; blocks of 441
/// samples (not a power of two), four passes. Each wrap is the first sample at or after the loop
/// end, and the host reports there the loop start plus the overshoot, a fraction of a sample past
/// it: passes start on samples 0, 43,025 (+0.61 sample), 86,049 (+0.22) and 129,074 (+0.83),
/// the wraps 248, 54 and 302 samples into blocks 97, 195 and 292; the run ends on sample 172,098,
/// where a fifth pass would start.
fn fractional_loop_case(mode: SplitMode) -> LoopCase {
    LoopCase {
        sample_rate: 44_100.0,
        tempo: 123.0,
        block_size: 441,
        loop_range: (1.0, 3.0),
        passes: 4,
        ..LoopCase::standard(mode)
    }
}

/// First sample of each pass of [`fractional_loop_case`], and the end of the run.
const FRACTIONAL_PASS_STARTS: [u64; 5] = [0, 43_025, 86_049, 129_074, 172_098];

/// Note-on samples per key in [`fractional_loop_case`]. The loop's steps that play: beat 1
/// (keys 36, 38, 42), 1.5 (42), 2 (36, 42) and 2.5 (42).
const FRACTIONAL_NOTE_ONS: [(i16, &[u64]); 3] = [
    (
        36,
        &[0, 21_513, 43_025, 64_537, 86_049, 107_561, 129_074, 150_586],
    ),
    (38, &[0, 43_025, 86_049, 129_074]),
    (
        42,
        &[
            0, 10_757, 21_513, 32_269, 43_025, 53_781, 64_537, 75_293, 86_049, 96_805, 107_561,
            118_318, 129_074, 139_830, 150_586, 161_342,
        ],
    ),
];

/// The fractional loop in `mode`: the expectation is first checked against a closed form and the
/// sample numbers above, then every step of every pass must play exactly once at its sample
/// ([`run_loop`]), the loop's first step included on every wrap sample.
fn fractional_loop(mode: SplitMode) {
    let case = fractional_loop_case(mode);
    let context = format!("{case:?}");
    let (start, end) = case.loop_range;
    let samples_per_beat = 60.0 * case.sample_rate / case.tempo;

    // Closed form, independent of the script's pass-by-pass positions: carrying the overshoot
    // keeps the timeline sample-exact, so beat t of pass p (0-based) is (t − start) +
    // p·(end − start) beats after sample 0, and an event lands on the first sample whose beat is
    // at or after it less 1e-9 beat (the plugin's tolerance).
    let first_sample = |beats: f64| ((beats - 1e-9) * samples_per_beat).ceil().max(0.0) as u64;
    let starts = pass_starts(&case);
    let start_samples: Vec<u64> = starts.iter().map(|s| s.sample).collect();
    assert_eq!(
        start_samples, FRACTIONAL_PASS_STARTS,
        "{context}: pass starts"
    );
    for (pass, pass_start) in starts.iter().enumerate() {
        let from_zero = pass as f64 * (end - start);
        assert_eq!(
            pass_start.sample,
            first_sample(from_zero),
            "{context}: pass {pass}"
        );
        let overshoot = pass_start.beat - start;
        assert!(
            (overshoot - (pass_start.sample as f64 / samples_per_beat - from_zero)).abs() < 1e-12,
            "{context}: pass {pass} reported at beat {}",
            pass_start.beat
        );
        if pass > 0 {
            // Past the loop start by more than the plugin's same-position tolerance (1e-6
            // beat) and less than a sample: the case the wrap repair has to recognise.
            assert!(
                overshoot > 1e-6 && overshoot < 1.0 / samples_per_beat,
                "{context}: pass {pass} starts {overshoot} beats past the loop start"
            );
        }
    }

    let (expected, total) = loop_expectation(&case);
    assert_eq!(total, FRACTIONAL_PASS_STARTS[4], "{context}: run length");
    let gate = DEFAULT_STEP_BEATS * DEFAULT_GATE_FRACTION;
    let mut closed_form = Vec::new();
    for pass in 0..case.passes {
        let pass_beats = pass as f64 * (end - start);
        for hit in default_hits(start, end) {
            let on_beats = pass_beats + hit.beat - start;
            closed_form.push(ExpectedNote {
                sample: first_sample(on_beats),
                kind: NoteKind::On,
                channel: hit.channel,
                key: hit.key,
                velocity: Some(hit.velocity),
            });
            closed_form.push(ExpectedNote {
                sample: first_sample(on_beats + gate),
                kind: NoteKind::Off,
                channel: hit.channel,
                key: hit.key,
                velocity: None,
            });
        }
    }
    let mut sorted = expected.clone();
    sorted.sort();
    closed_form.sort();
    assert_eq!(sorted, closed_form, "{context}: expectation vs closed form");
    for (key, samples) in FRACTIONAL_NOTE_ONS {
        let ons: Vec<u64> = sorted
            .iter()
            .filter(|n| n.kind == NoteKind::On && n.key == key)
            .map(|n| n.sample)
            .collect();
        assert_eq!(ons, samples, "{context}: expected note-ons of key {key}");
    }

    let run = run_loop(case);
    for wrap in &FRACTIONAL_PASS_STARTS[..4] {
        let mut ons: Vec<i16> = run
            .note_ons()
            .filter(|n| n.sample == *wrap)
            .map(|n| n.note.key)
            .collect();
        ons.sort();
        assert_eq!(
            ons,
            vec![36, 38, 42],
            "{context}: the loop's first step on the pass start {wrap}, once"
        );
    }
}

/// Fractional loop, Reaper-style split at each wrap.
#[test]
fn fractional_reaper_split_loop() {
    fractional_loop(SplitMode::ReaperSplit);
}

/// Fractional loop, Bitwig-style transport event at each wrap, reporting a position up to one
/// sample past the loop start.
#[test]
fn fractional_bitwig_event_loop() {
    fractional_loop(SplitMode::BitwigEvent);
}

/// Fractional loop, no split and no event: the plugin wraps by itself.
#[test]
fn fractional_unsplit_loop() {
    fractional_loop(SplitMode::NoSplitNoEvent);
}
