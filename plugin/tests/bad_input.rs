//! Bad host input never panics the audio thread: every parameter is set to NaN, ±infinity and
//! out-of-range values — through the framework's own setter (what its wrappers and the plugin's
//! parameter gateway call), as a modulation offset and as a plain value — while the real
//! `ChronusSeq::process` plays, under `assert_no_alloc`, together with absurd transports, empty
//! blocks and input audio full of NaN, infinities and subnormals. Checked after every block: no
//! panic (a panic under the allocation guard aborts the test binary), no allocation, the output
//! audio is normal or zero, note events are in time order inside the block with real keys,
//! channels and velocities, and no note is left sounding once the transport stops.

mod support;

use std::collections::BTreeMap;

use chronus_seq::ChronusSeq;
use nice_plug::prelude::*;
use support::{activate, TestProcessContext};

const RATE: f32 = 48_000.0;
const MAX_BLOCK: usize = 2048;

/// Normalized values a setter might be handed.
const BAD_NORMALIZED: [f32; 10] = [
    f32::NAN,
    -f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    -1.0,
    2.0,
    1e30,
    -1e30,
    1e-40,
    0.999_999_9,
];

/// Input audio no host should send, and some that it may.
const BAD_SAMPLES: [f32; 8] = [
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    1e-40,
    -1e-42,
    -0.0,
    0.25,
    -1.0,
];

/// The plugin, its audio buffers and the bookkeeping of what it played.
struct Rig {
    plugin: ChronusSeq,
    left: Vec<f32>,
    right: Vec<f32>,
    context: TestProcessContext,
    /// Samples played so far: the song position of the next block at 120 BPM.
    played: u64,
    /// (channel, key) → note-ons minus note-offs.
    sounding: BTreeMap<(u8, u8), i64>,
    note_ons: usize,
}

/// One host block.
#[derive(Clone, Copy)]
struct Block {
    len: usize,
    playing: bool,
    tempo: Option<f64>,
    pos_beats: Option<f64>,
    loop_beats: Option<(f64, f64)>,
    bar_start: Option<f64>,
    time_sig: (Option<i32>, Option<i32>),
}

impl Block {
    /// A playing block at 120 BPM at `pos_beats`.
    fn playing(len: usize, pos_beats: f64) -> Block {
        Block {
            len,
            playing: true,
            tempo: Some(120.0),
            pos_beats: Some(pos_beats),
            loop_beats: None,
            bar_start: None,
            time_sig: (Some(4), Some(4)),
        }
    }
}

impl Rig {
    fn new() -> Rig {
        let mut plugin = ChronusSeq::default();
        assert!(activate(&mut plugin, RATE, MAX_BLOCK as u32));
        Rig {
            plugin,
            left: vec![0.0; MAX_BLOCK],
            right: vec![0.0; MAX_BLOCK],
            context: TestProcessContext::new(RATE, 65_536),
            played: 0,
            sounding: BTreeMap::new(),
            note_ons: 0,
        }
    }

    /// The next playing block of `len` samples, continuing the song at 120 BPM.
    fn next_playing(&mut self, len: usize) -> Block {
        let block = Block::playing(len, self.played as f64 / 24_000.0);
        self.played += len as u64;
        block
    }

    /// Runs one block with input audio from `BAD_SAMPLES` (shifted by `phase`) and checks it.
    fn process(&mut self, block: Block, phase: usize, what: &str) {
        for (index, (left, right)) in self.left[..block.len]
            .iter_mut()
            .zip(&mut self.right[..block.len])
            .enumerate()
        {
            *left = BAD_SAMPLES[(index + phase) % BAD_SAMPLES.len()];
            *right = BAD_SAMPLES[(index + phase + 3) % BAD_SAMPLES.len()];
        }
        let context = &mut self.context;
        context.events.clear();
        context.transport = Transport::new(RATE);
        context.transport.playing = block.playing;
        context.transport.tempo = block.tempo;
        context.transport.pos_beats = block.pos_beats;
        context.transport.loop_range_beats = block.loop_beats;
        context.transport.bar_start_pos_beats = block.bar_start;
        context.transport.time_sig_numerator = block.time_sig.0;
        context.transport.time_sig_denominator = block.time_sig.1;
        let mut buffer = Buffer::default();
        // SAFETY: both slices live until after `process` returns and have `block.len` samples.
        unsafe {
            buffer.set_slices(block.len, |slices| {
                slices.clear();
                slices.push(&mut self.left[..block.len]);
                slices.push(&mut self.right[..block.len]);
            });
        }
        let mut aux = AuxiliaryBuffers {
            inputs: &mut [],
            outputs: &mut [],
        };
        let plugin = &mut self.plugin;
        let status = nice_assert_no_alloc::assert_no_alloc(|| {
            plugin.process(&mut buffer, &mut aux, context)
        });
        assert_eq!(status, ProcessStatus::KeepAlive, "{what}");
        drop(buffer);

        for (channel, samples) in [&self.left, &self.right].into_iter().enumerate() {
            for (index, sample) in samples[..block.len].iter().enumerate() {
                assert!(
                    sample.is_normal() || *sample == 0.0,
                    "{what}: output channel {channel} sample {index} is {sample:e}"
                );
            }
        }
        let mut previous = 0;
        for event in &self.context.events {
            let timing = event.timing();
            assert!(
                (timing as usize) < block.len,
                "{what}: {event:?} outside the {}-sample block",
                block.len
            );
            assert!(timing >= previous, "{what}: events out of order");
            previous = timing;
            let (channel, key, change) = match *event {
                NoteEvent::NoteOn {
                    channel,
                    key,
                    velocity,
                    ..
                } => {
                    assert!(
                        velocity > 0.0 && velocity <= 1.0,
                        "{what}: velocity {velocity}"
                    );
                    self.note_ons += 1;
                    (channel, key, 1)
                }
                NoteEvent::NoteOff { channel, key, .. } => (channel, key, -1),
                other => panic!("{what}: unexpected event {other:?}"),
            };
            let channel = channel.number().expect("a concrete channel");
            let key = key.number().expect("a concrete key");
            assert!(
                channel < 16 && key < 128,
                "{what}: channel {channel}, key {key}"
            );
            *self.sounding.entry((channel, key)).or_default() += change;
        }
        self.sounding.retain(|_, count| *count != 0);
        assert!(
            self.sounding.values().all(|count| *count == 1),
            "{what}: a key started twice or ended without starting: {:?}",
            self.sounding
        );
    }

    /// Stops the transport and checks that nothing sounds afterwards.
    fn stop_and_check_silence(&mut self, what: &str) {
        let block = Block {
            playing: false,
            ..Block::playing(64, self.played as f64 / 24_000.0)
        };
        self.process(block, 0, what);
        assert!(
            self.sounding.is_empty(),
            "{what}: still sounding after the stop: {:?}",
            self.sounding
        );
    }
}

/// Every parameter of the plugin as the framework's type-erased pointer, with its string id.
fn params(plugin: &ChronusSeq) -> Vec<(String, ParamPtr)> {
    plugin
        .params()
        .param_map()
        .into_iter()
        .map(|(id, ptr, _group)| (id, ptr))
        .collect()
}

#[test]
fn bad_parameter_values_never_panic_allocate_or_hang_notes() {
    let mut rig = Rig::new();
    let params = params(&rig.plugin);
    assert!(params.len() > 80, "every parameter is listed");

    for (round, bad) in BAD_NORMALIZED.into_iter().enumerate() {
        // One parameter at a time among sane ones, set and then modulated.
        for (index, (id, param)) in params.iter().enumerate() {
            // SAFETY: the parameters live in the plugin, which outlives this loop. Values are
            // atomics; these are the calls nice-plug's wrappers make for a host's value change
            // and modulation.
            unsafe { param._internal_set_normalized_value(bad) };
            let block = rig.next_playing(1 + (index * 37 + round * 11) % 700);
            rig.process(block, index, &format!("{id} set to normalized {bad:e}"));
            // SAFETY: as above.
            unsafe { param._internal_modulate_value(bad) };
            let block = rig.next_playing(1 + (index * 53 + round) % 512);
            rig.process(block, index, &format!("{id} modulated by {bad:e}"));
            // SAFETY: as above.
            unsafe {
                param._internal_modulate_value(0.0);
                param._internal_set_normalized_value(param.default_normalized_value());
            }
        }
        // All of them at once.
        for (_, param) in &params {
            // SAFETY: as above.
            unsafe { param._internal_set_normalized_value(bad) };
        }
        let block = rig.next_playing(MAX_BLOCK);
        rig.process(
            block,
            round,
            &format!("every parameter at normalized {bad:e}"),
        );
        for (_, param) in &params {
            // SAFETY: as above.
            unsafe { param._internal_set_normalized_value(param.default_normalized_value()) };
        }
        rig.stop_and_check_silence(&format!("after round {round} ({bad:e})"));
    }
    assert!(
        rig.note_ons > 50,
        "the default pattern played through the rounds, {} note-ons",
        rig.note_ons
    );
}

#[test]
fn bad_plain_values_from_the_plugin_itself_never_panic() {
    let mut rig = Rig::new();
    let params = rig.plugin.seq_params();
    let gateway = rig.plugin.param_gateway();
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -1e9, 1e9] {
        // The editor and OSC commands set parameters through the gateway with plain values.
        gateway.set(&params.swing, bad);
        gateway.set(&params.osc_delay_ms, bad);
        for track in params.tracks.iter() {
            gateway.set(&track.gate, bad);
        }
        for len in [0, 1, 64, 512] {
            let block = rig.next_playing(len);
            rig.process(block, len, &format!("plain {bad:e}, {len}-sample block"));
        }
        let performance = params.performance();
        assert!((0.5..=0.75).contains(&performance.swing), "{bad}: swing");
        assert!(
            performance
                .tracks
                .iter()
                .all(|track| (0.01..=1.0).contains(&track.gate)),
            "{bad}: gates"
        );
        rig.stop_and_check_silence(&format!("plain {bad:e}"));
    }
}

#[test]
fn absurd_transports_and_empty_blocks_never_panic() {
    let mut rig = Rig::new();
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    let mut blocks = Vec::new();
    for tempo in [
        Some(nan),
        Some(inf),
        Some(-inf),
        Some(0.0),
        Some(-120.0),
        Some(1e300),
        Some(1e-300),
        None,
    ] {
        blocks.push(Block {
            tempo,
            ..Block::playing(300, 1.0)
        });
    }
    for pos in [
        Some(nan),
        Some(inf),
        Some(-inf),
        Some(-1e300),
        Some(1e300),
        None,
    ] {
        blocks.push(Block {
            pos_beats: pos,
            ..Block::playing(300, 0.0)
        });
    }
    for loop_beats in [
        (nan, 4.0),
        (0.0, nan),
        (0.0, inf),
        (-inf, 0.0),
        (4.0, 0.0),
        (1.0, 1.0),
        (0.0, 1e-12),
    ] {
        blocks.push(Block {
            loop_beats: Some(loop_beats),
            ..Block::playing(2048, 0.5)
        });
    }
    for bar_start in [nan, inf, -inf, 1e300] {
        blocks.push(Block {
            bar_start: Some(bar_start),
            ..Block::playing(300, 2.0)
        });
    }
    for time_sig in [
        (Some(0), Some(4)),
        (Some(4), Some(0)),
        (Some(-3), Some(4)),
        (Some(i32::MAX), Some(1)),
        (Some(1), Some(i32::MAX)),
        (None, Some(4)),
    ] {
        blocks.push(Block {
            time_sig,
            ..Block::playing(300, 3.0)
        });
    }
    for (index, block) in blocks.into_iter().enumerate() {
        rig.process(block, index, &format!("absurd block {index}"));
        rig.process(Block { len: 0, ..block }, index, "empty block");
        let next = rig.next_playing(256);
        rig.process(
            next,
            index,
            &format!("sane block after absurd block {index}"),
        );
    }
    rig.stop_and_check_silence("after the absurd transports");
}
