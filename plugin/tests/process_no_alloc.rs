//! The real `ChronusSeq::process` runs under `assert_no_alloc` through play, edits published
//! between blocks, slot switches (quantized to the bar and at once), an in-block loop wrap, a
//! host-split loop wrap, a seek, a tempo change, a stop, a missing transport and absurd block
//! sizes. Any allocation aborts the test process (nice-plug installs the allocation guard
//! as the global allocator in debug builds with `assert_process_allocs`).

mod support;

use chronus_seq::document::PatternDoc;
use chronus_seq::edit::{Edit, Origin, StepChange, TrackRef};
use chronus_seq::params::QuantizeChoice;
use chronus_seq::ChronusSeq;
use nice_plug::prelude::*;
use support::{activate, TestProcessContext};

const RATE: f32 = 48_000.0;
const MAX_BLOCK: usize = 8192;

/// One host block: its length and the transport at its sample 0.
struct Block {
    len: usize,
    playing: bool,
    tempo: Option<f64>,
    pos_beats: Option<f64>,
    loop_beats: Option<(f64, f64)>,
}

fn playing(len: usize, tempo: f64, pos_beats: f64) -> Block {
    Block {
        len,
        playing: true,
        tempo: Some(tempo),
        pos_beats: Some(pos_beats),
        loop_beats: None,
    }
}

/// A script touching every kind of block the engine distinguishes.
fn script() -> Vec<Block> {
    let mut blocks = Vec::new();
    let samples_per_beat = 60.0 * f64::from(RATE) / 120.0;
    let mut pos = 0.0;
    for _ in 0..200 {
        blocks.push(playing(512, 120.0, pos));
        pos += 512.0 / samples_per_beat;
    }
    // A loop of two beats that wraps inside blocks of 4096 samples.
    let mut looped = 0.0;
    for _ in 0..20 {
        blocks.push(Block {
            loop_beats: Some((0.0, 2.0)),
            ..playing(4096, 120.0, looped)
        });
        looped = (looped + 4096.0 / samples_per_beat) % 2.0;
    }
    // The host splits at the loop end and starts the next block at the loop start.
    blocks.push(Block {
        loop_beats: Some((0.0, 2.0)),
        ..playing(1000, 120.0, 2.0 - 1000.0 / samples_per_beat)
    });
    blocks.push(Block {
        loop_beats: Some((0.0, 2.0)),
        ..playing(1000, 120.0, 0.0)
    });
    // Seek, tempo change, pre-roll, single-sample and maximal blocks.
    blocks.push(playing(777, 120.0, 17.3));
    blocks.push(playing(777, 300.0, 17.3 + 777.0 / samples_per_beat));
    blocks.push(playing(1, 999.0, -0.25));
    blocks.push(playing(
        MAX_BLOCK,
        999.0,
        -0.25 + 999.0 / 60.0 / f64::from(RATE),
    ));
    // Stop, no transport, no tempo, nonsense values, then play again.
    blocks.push(Block {
        playing: false,
        ..playing(512, 120.0, 40.0)
    });
    blocks.push(Block {
        len: 512,
        playing: true,
        tempo: None,
        pos_beats: None,
        loop_beats: None,
    });
    blocks.push(playing(512, f64::NAN, 3.0));
    blocks.push(playing(512, 120.0, f64::INFINITY));
    blocks.push(Block {
        loop_beats: Some((4.0, 1.0)),
        ..playing(512, 120.0, 0.5)
    });
    blocks.push(playing(512, 120.0, 0.0));
    blocks.push(Block {
        playing: false,
        ..playing(512, 120.0, 0.0)
    });
    blocks
}

#[test]
fn process_never_allocates() {
    let mut plugin = ChronusSeq::default();
    assert!(activate(&mut plugin, RATE, MAX_BLOCK as u32));
    let mut left = vec![0.0f32; MAX_BLOCK];
    let mut right = vec![0.0f32; MAX_BLOCK];
    let mut aux = AuxiliaryBuffers {
        inputs: &mut [],
        outputs: &mut [],
    };
    let mut context = TestProcessContext::new(RATE, 65_536);
    let (mut note_ons, mut note_offs) = (0, 0);
    let edits = plugin.edits();
    let params = plugin.seq_params();
    let gateway = plugin.param_gateway();
    let slot2 = PatternDoc::default();
    let mut slots_played = [false; 2];

    for (index, block) in script().into_iter().enumerate() {
        // Between blocks, as the editor or OSC input would: edits and slot changes.
        match index {
            50 => edits
                .apply(
                    Origin::Osc,
                    1,
                    Edit::PutSlot {
                        slot: 1,
                        pattern: Box::new(slot2.clone()),
                    },
                )
                .expect("a valid slot"),
            60 => {
                gateway.set(&params.slot, 2);
            }
            120 => {
                let hit = Edit::Batch(vec![
                    set_step(3, 1, StepChange::On(true)),
                    set_step(3, 1, StepChange::Velocity(90)),
                ]);
                edits.apply(Origin::Osc, 1, hit).expect("a valid step");
            }
            195 => {
                gateway.set(&params.slot_quantize, QuantizeChoice::Now);
                gateway.set(&params.slot, 1);
            }
            _ => {}
        }
        context.events.clear();
        context.transport = Transport::new(RATE);
        context.transport.playing = block.playing;
        context.transport.tempo = block.tempo;
        context.transport.pos_beats = block.pos_beats;
        context.transport.loop_range_beats = block.loop_beats;
        let mut buffer = Buffer::default();
        // SAFETY: both slices live until after `process` returns and have `block.len` samples.
        unsafe {
            buffer.set_slices(block.len, |slices| {
                slices.clear();
                slices.push(&mut left[..block.len]);
                slices.push(&mut right[..block.len]);
            });
        }
        let status = nice_assert_no_alloc::assert_no_alloc(|| {
            plugin.process(&mut buffer, &mut aux, &mut context)
        });
        assert_eq!(status, ProcessStatus::KeepAlive);
        slots_played[plugin.live_state().playing_slot().min(1)] = true;
        for event in &context.events {
            assert!((event.timing() as usize) < block.len);
            match event {
                NoteEvent::NoteOn { .. } => note_ons += 1,
                NoteEvent::NoteOff { .. } => note_offs += 1,
                _ => panic!("unexpected event {event:?}"),
            }
        }
    }
    assert!(note_ons > 30, "the script plays notes, got {note_ons}");
    assert_eq!(
        plugin.live_state().playing_slot(),
        0,
        "switched to slot 2 and back"
    );
    assert_eq!(note_ons, note_offs, "every note ended by the final stop");
}

/// The guard is live in this test binary: an allocation inside `assert_no_alloc` aborts. Runs
/// itself as a child process, since the abort ends the process.
#[test]
fn the_allocation_guard_is_armed() {
    if std::env::var_os("CHRONUS_SEQ_ALLOC_PROBE").is_some() {
        nice_assert_no_alloc::assert_no_alloc(|| std::hint::black_box(vec![0u8; 64]).len());
        return;
    }
    let status = std::process::Command::new(std::env::current_exe().expect("test binary path"))
        .args(["--exact", "the_allocation_guard_is_armed", "--nocapture"])
        .env("CHRONUS_SEQ_ALLOC_PROBE", "1")
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run the probe");
    assert!(
        !status.success(),
        "allocating under assert_no_alloc must abort"
    );
}

/// One value of one step, as an edit.
fn set_step(track: usize, step: usize, change: StepChange) -> Edit {
    Edit::SetStep {
        track: TrackRef::Index(track),
        step,
        change,
    }
}
