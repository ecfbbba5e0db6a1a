//! The real `ChronusSeq::process` runs under `assert_no_alloc` through play, edits published
//! between blocks (patterns with modulation lanes to MIDI CC and pitch bend and a note cycle of
//! exact frequencies, played in every direction; one edit quantized to the bar, landing at a loop
//! wrap; trig conditions of every kind, every direction, Fill on, melodic tracks in a scale
//! transposed by keys played into the plugin, a slot key), slot switches (quantized to the bar and at once), an in-block loop wrap, a
//! host-split loop wrap, a seek, a tempo change, a stop, a missing transport and absurd block
//! sizes, under CLAP and under VST3 with Ardour-shaped positions (sample clock beside rounded
//! beats, blocks split into pieces of one host buffer, absurd sample positions). Any allocation aborts the test process (nice-plug installs the allocation guard
//! as the global allocator in debug builds with `assert_process_allocs`).

mod support;

use chronus_seq::document::PatternDoc;
use chronus_seq::edit::{Edit, Origin, StepChange, TrackChange, TrackRef};
use chronus_seq::engine::lanes::{LaneMidi, LaneValue, LANE_MAX};
use chronus_seq::engine::note_cycle::{Hz, NoteCycle};
use chronus_seq::engine::pattern::{Condition, Direction, Scale, ScaleKind};
use chronus_seq::engine::slot_switch::SlotQuantize;
use chronus_seq::params::QuantizeChoice;
use chronus_seq::ChronusSeq;
use nice_plug::midi::{Channel, Key, VoiceID};
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
    /// The plugin API the block comes through.
    api: PluginApi,
    /// The host's sample clock (VST3).
    pos_samples: Option<i64>,
    /// Where the framework splits the block into two pieces of the same host buffer.
    split: Option<usize>,
}

fn playing(len: usize, tempo: f64, pos_beats: f64) -> Block {
    Block {
        len,
        playing: true,
        tempo: Some(tempo),
        pos_beats: Some(pos_beats),
        loop_beats: None,
        api: PluginApi::Clap,
        pos_samples: None,
        split: None,
    }
}

/// A VST3 block the Ardour way at `samples`: the beat rounded to 1/1920 of a quarter note.
fn ardour(len: usize, tempo: f64, samples: i64) -> Block {
    let beat = samples as f64 * tempo / 60.0 / f64::from(RATE);
    Block {
        api: PluginApi::Vst3,
        pos_samples: Some(samples),
        split: Some(len / 3),
        ..playing(len, tempo, (beat * 1920.0).round() / 1920.0)
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
        tempo: None,
        pos_beats: None,
        ..playing(512, 120.0, 0.0)
    });
    blocks.push(playing(512, f64::NAN, 3.0));
    blocks.push(playing(512, 120.0, f64::INFINITY));
    blocks.push(Block {
        loop_beats: Some((4.0, 1.0)),
        ..playing(512, 120.0, 0.5)
    });
    blocks.push(playing(512, 120.0, 0.0));
    // VST3 the Ardour way: play from an odd sample, a loop split at its end, a tempo change,
    // CLAP pieces split by the framework, absurd sample clocks and beats.
    let mut samples = 12_345;
    for _ in 0..60 {
        blocks.push(ardour(512, 137.0, samples));
        samples += 512;
    }
    for tempo in [137.0, 90.0] {
        let bps = tempo / 60.0 / f64::from(RATE);
        let rounded = |samples: f64| (samples * bps * 1920.0).round() / 1920.0;
        blocks.push(Block {
            loop_beats: Some((rounded(24_003.0), rounded(61_507.0))),
            ..ardour(507, tempo, 61_000)
        });
        blocks.push(Block {
            loop_beats: Some((rounded(24_003.0), rounded(61_507.0))),
            ..ardour(5, tempo, 24_003)
        });
    }
    blocks.push(Block {
        split: Some(100),
        ..playing(512, 120.0, 8.0)
    });
    for (samples, beat) in [(i64::MAX, 1.0), (i64::MIN, 1.0), (0, f64::NAN)] {
        blocks.push(Block {
            pos_beats: Some(beat),
            ..ardour(512, 120.0, samples)
        });
    }
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
    let (mut control_changes, mut pitch_bends) = (0, 0);
    let edits = plugin.edits();
    let params = plugin.seq_params();
    let gateway = plugin.param_gateway();
    let slot2 = with_lanes_and_cycle(PatternDoc::default());
    let mut slots_played = [false; 2];

    for (index, block) in script().into_iter().enumerate() {
        // Between blocks, as the editor or OSC input would: edits and slot changes.
        match index {
            0 => edits
                .apply(
                    Origin::Osc,
                    0,
                    Edit::PutSlot {
                        slot: 0,
                        pattern: Box::new(with_lanes_and_cycle(PatternDoc::default())),
                    },
                )
                .expect("a valid slot"),
            // Trig conditions of every kind, every direction and Fill on, from early on; slot 1
            // also has lanes and a note cycle, which then follow the directions.
            5 => {
                let conditions = ["1:2", "!1st", "fill", "pre", "!pre", "nei", "!nei", "1st"];
                let mut batch = Vec::new();
                for track in 0..4 {
                    for (step, text) in conditions.iter().enumerate() {
                        let condition = Condition::parse(text).expect("a condition");
                        batch.push(set_step(track, step * 2, StepChange::On(true)));
                        batch.push(set_step(track, step * 2, StepChange::Condition(condition)));
                    }
                    batch.push(Edit::SetTrack {
                        track: TrackRef::Index(track),
                        change: TrackChange::Direction(Direction::ALL[track]),
                    });
                    batch.push(Edit::SetTrack {
                        track: TrackRef::Index(track),
                        change: TrackChange::Melodic(track % 2 == 0),
                    });
                }
                batch.push(Edit::Scale(Scale {
                    root: 2,
                    kind: ScaleKind::Dorian,
                }));
                for slot in [0, 1] {
                    edits
                        .apply(Origin::Osc, slot, Edit::Batch(batch.clone()))
                        .expect("valid conditions");
                }
                gateway.set(&params.fill, true);
            }
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
            // A quantized edit waits for the bar line, which the loop wrap stands in for.
            205 => {
                let hit = set_step(2, 1, StepChange::On(true));
                edits
                    .apply_landing(Origin::Osc, 1, hit, SlotQuantize::NextBar)
                    .expect("a valid step");
            }
            195 => {
                gateway.set(&params.slot_quantize, QuantizeChoice::Now);
                gateway.set(&params.slot, 1);
            }
            _ => {}
        }
        context.api = block.api;
        // Keys played into the plugin: transpositions on most blocks, a slot key now and then.
        let key = |timing: u32, key: u8, on: bool| {
            let (voice_id, channel, key) =
                (VoiceID::Wildcard, Channel::Number(0), Key::Number(key));
            if on {
                NoteEvent::NoteOn {
                    timing,
                    voice_id,
                    channel,
                    key,
                    velocity: 0.7,
                }
            } else {
                NoteEvent::NoteOff {
                    timing,
                    voice_id,
                    channel,
                    key,
                    velocity: 0.0,
                }
            }
        };
        context.input.clear();
        context.input_read = 0;
        if index % 3 == 0 {
            let at = (index as u32 * 37) % block.len.max(1) as u32;
            context.input.push(key(at, 40 + (index % 24) as u8, true));
            context.input.push(key(at, 40 + (index % 24) as u8, false));
        }
        if index == 100 {
            context.input.push(key(0, 24, true));
        }
        let cut = block.split.unwrap_or(0).min(block.len);
        let pieces = [(0, cut), (cut, block.len)];
        for (start, end) in pieces.into_iter().filter(|(start, end)| end > start) {
            // The framework moves a piece's positions on by its offset in the host buffer.
            let moved = start as f64 * block.tempo.unwrap_or(0.0) / 60.0 / f64::from(RATE);
            context.events.clear();
            context.transport = Transport::new(RATE);
            context.transport.playing = block.playing;
            context.transport.tempo = block.tempo;
            context.transport.pos_beats = block.pos_beats.map(|beat| beat + moved);
            context.transport.pos_samples = block
                .pos_samples
                .map(|samples| samples.saturating_add(start as i64));
            context.transport.loop_range_beats = block.loop_beats;
            let len = end - start;
            let mut buffer = Buffer::default();
            // SAFETY: both slices live until after `process` returns and have `len` samples.
            unsafe {
                buffer.set_slices(len, |slices| {
                    slices.clear();
                    slices.push(&mut left[start..end]);
                    slices.push(&mut right[start..end]);
                });
            }
            let status = nice_assert_no_alloc::assert_no_alloc(|| {
                plugin.process(&mut buffer, &mut aux, &mut context)
            });
            assert_eq!(status, ProcessStatus::KeepAlive);
            slots_played[plugin.live_state().playing_slot().min(1)] = true;
            for event in &context.events {
                assert!((event.timing() as usize) < len);
                match event {
                    NoteEvent::NoteOn { .. } => note_ons += 1,
                    NoteEvent::NoteOff { .. } => note_offs += 1,
                    NoteEvent::MidiCC { cc: 74, .. } => control_changes += 1,
                    NoteEvent::MidiPitchBend { .. } => pitch_bends += 1,
                    _ => panic!("unexpected event {event:?}"),
                }
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
    assert!(
        control_changes > 10,
        "the CC lane plays, got {control_changes}"
    );
    assert!(
        pitch_bends > 2,
        "the pitch-bend lane's base and values, got {pitch_bends}"
    );
}

/// `doc` with a CC 74 lane of 3 steps on track 1, a pitch-bend lane with a base value on track
/// 2 and a note cycle with exact frequencies on track 3.
fn with_lanes_and_cycle(mut doc: PatternDoc) -> PatternDoc {
    let kick = &mut doc.tracks[0].pattern;
    kick.lanes[0].midi = LaneMidi::Cc(74);
    kick.lanes[0].length = 3;
    kick.lanes[0].values[0] = LaneValue::new(LANE_MAX).unwrap();
    kick.lanes[0].values[2] = LaneValue::new(100).unwrap();
    let snare = &mut doc.tracks[1].pattern;
    snare.lanes[3].midi = LaneMidi::PitchBend;
    snare.lanes[3].base = LaneValue::new(8192).unwrap();
    snare.lanes[3].values[4] = LaneValue::new(12_000).unwrap();
    let hat = &mut doc.tracks[2].pattern;
    let pitches = [150.0, 220.5, 330.0].map(|hz| Hz::new(hz).unwrap());
    hat.cycle = NoteCycle::new(&pitches, 0);
    doc
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
