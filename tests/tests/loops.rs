//! Loop playback the three ways hosts report a loop wrap (DESIGN.md §2 and §5): every step of
//! every pass exactly once at its sample — nothing missed or doubled at the seam.

use chronus_seq_host_tests::expect::default_pattern_notes;
use chronus_seq_host_tests::{
    active_plugin, assert_notes_eq, BufferLayout, ExpectedNote, InEvent, SplitMode, Stretch,
    TransportScript,
};

const SAMPLE_RATE: f64 = 48_000.0;
const TEMPO: f64 = 120.0;
/// One beat at 120 BPM / 48 kHz.
const BEAT: u64 = 24_000;

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
            block_size: 512,
            loop_range: (0.0, 4.0),
            passes: 3,
            layout: BufferLayout::ReuseStart,
            split_in_place: true,
            seam: Seam::MidBlock,
        }
    }
}

/// Expected notes for the passes; both loops used here have no gate crossing the seam.
fn loop_expectation(case: &LoopCase) -> (Vec<ExpectedNote>, u64) {
    let (start, end) = case.loop_range;
    let pass_samples = ((end - start) * BEAT as f64).round() as u64;
    let mut expected = Vec::new();
    for pass in 0..case.passes {
        expected.extend(default_pattern_notes(Stretch::new(
            SAMPLE_RATE,
            TEMPO,
            pass * pass_samples,
            start,
            end,
        )));
    }
    (expected, case.passes * pass_samples)
}

fn run_loop(case: LoopCase) {
    let context = format!("{case:?}");
    let (expected, total) = loop_expectation(&case);
    let mut host = active_plugin(SAMPLE_RATE, case.block_size);
    host.set_buffer_layout(case.layout);
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, case.block_size)
        .starting_at_beat(case.loop_range.0)
        .with_loop(case.loop_range.0, case.loop_range.1, case.mode)
        .with_split_parts_in_place(case.split_in_place)
        .run(&mut host, total)
        .unwrap_or_else(|e| panic!("{context}: {e}"));

    // The script must really exercise what the case claims.
    let pass_samples = total / case.passes;
    assert_eq!(
        pass_samples.is_multiple_of(u64::from(case.block_size)),
        case.seam == Seam::OnBoundary,
        "{context}: test setup — the loop end is not where the case says"
    );
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
/// start. nice-plug 0.4.2 offsets the position after a mid-block transport event (DESIGN.md §2);
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
