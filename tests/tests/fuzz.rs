//! Host-level fuzz test: the bundled plugin in a real CLAP host (clack-host), driven by random
//! host behaviour — what the reference CLAP validator's `fuzz` does, kept in the project's own
//! suite because that validator is not in any package registry.
//!
//! Each case activates a fresh instance at a random sample rate and largest block, then plays
//! random host blocks:
//! - block sizes from 1 to the activated largest (CLAP bounds a block to `[1, INT32_MAX]`, so
//!   there are no empty blocks here; `plugin/tests/bad_input.rs` calls `process` with empty
//!   blocks directly, as VST3 hosts may);
//! - transports that play, stop, seek (negative positions included), loop, change tempo or lose
//!   it (`HAS_TEMPO` cleared), or are missing altogether, plus transport events inside a block;
//! - parameter value events at random offsets for any parameter, at its minimum, maximum,
//!   default, anywhere between, beyond its range and not finite;
//! - input audio full of subnormals, NaN and infinities.
//!
//! After every block: the output audio is normal or zero, note events are in time order inside
//! the block, and every key is started at most once before it ends. After the final stop no note
//! sounds. A panic in the plugin aborts this test binary, so passing means none happened.
//! Gates go to a local socket of this test's own, never to a modular listening on the machine.

use chronus_seq_host_tests::osc::{pattern_osc_state_bytes, OscOutConfig};
use chronus_seq_host_tests::{InEvent, NoteKind, ParamInfo, PluginHost, TransportInfo};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::net::UdpSocket;

/// Cases of the fuzz test: 20–35 s in a debug build on a shared 2-core machine.
const CASES: u32 = 1024;
/// Host blocks per case, at most.
const MAX_BLOCKS: usize = 96;

/// Five tracks with their own channel and key, dense enough that most blocks carry notes:
/// ratchets, ties, a triplet rate and a Euclid track (whose pulses and rotation are parameters).
const TRACKS: [&str; 5] = [
    r#"{"name":"Kick","length":16,"rate":"1/16","channel":1,"note":36,"steps":"x..xx...x.x.x..x"}"#,
    r#"{"name":"Hat","length":16,"rate":"1/32","channel":1,"note":42,"steps":"xxXxxxXxxxXxxxXx","ratchet":[1,2,1,3,1,1,4,1,1,2,1,1,8,1,1,1]}"#,
    r#"{"name":"Bass","length":8,"rate":"1/8","channel":2,"note":57,"steps":"X_x.xXx_"}"#,
    r#"{"name":"Lead","length":3,"rate":"1/4t","channel":3,"note":69,"steps":"xX."}"#,
    r#"{"name":"Perc","length":13,"rate":"1/16","channel":4,"note":60,"steps":".............","euclid":true}"#,
];

/// Input samples no host should send, and some that it may.
const SPECIAL_SAMPLES: [f32; 10] = [
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    1e-40,
    -1e-45,
    f32::MIN_POSITIVE,
    -0.0,
    0.0,
    0.5,
    -1.0,
];

/// What the host does at the start of a block.
#[derive(Debug, Clone, Copy)]
enum Move {
    /// Keeps going.
    Continue,
    /// Jumps to a beat.
    Seek(f64),
    /// Stops (the position stays).
    Stop,
    /// Starts playing.
    Play,
    /// Changes the tempo, or stops reporting one.
    Tempo(Option<f64>),
    /// Sets or clears the loop `(start, end)`.
    Loop(Option<(f64, f64)>),
    /// Passes no transport at all for this block.
    NoTransport,
}

/// A parameter value the host sends.
#[derive(Debug, Clone, Copy)]
enum Value {
    Min,
    Max,
    Default,
    /// `min + fraction · (max − min)`.
    Between(f64),
    /// Outside the range, or not finite.
    Raw(f64),
}

/// Input audio of one block.
#[derive(Debug, Clone, Copy)]
enum Audio {
    /// Every sample subnormal.
    Subnormal,
    /// Samples from [`SPECIAL_SAMPLES`], starting at this index.
    Special(usize),
    /// An ordinary signal.
    Sine,
}

/// One host block.
#[derive(Debug, Clone)]
struct BlockPlan {
    /// Picks the block size: 0 = one sample, 1 = the largest, else `1 + n % largest`.
    frames: u32,
    moves: Move,
    /// (parameter index, offset as a fraction of the block, value).
    params: Vec<(usize, f64, Value)>,
    /// A transport event inside the block: (offset fraction, beat it restates or jumps to).
    transport_event: Option<(f64, f64)>,
    audio: Audio,
}

#[derive(Debug, Clone)]
struct Case {
    sample_rate: f64,
    max_frames: u32,
    blocks: Vec<BlockPlan>,
    /// Position of the final stop.
    stop_at: f64,
}

fn beat() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -16.0..128.0f64,
        1 => Just(0.0),
        1 => Just(-1e-9),
        1 => (-4i32..64).prop_map(f64::from),
        1 => prop_oneof![Just(1e9), Just(-1e9)],
    ]
}

fn tempo() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        6 => (30.0..300.0f64).prop_map(Some),
        1 => Just(None),
        1 => prop_oneof![
            Just(Some(1.0)),
            Just(Some(2_000.0)),
            Just(Some(0.0)),
            Just(Some(-120.0)),
            Just(Some(1e9)),
        ],
    ]
}

fn moves() -> impl Strategy<Value = Move> {
    prop_oneof![
        12 => Just(Move::Continue),
        2 => beat().prop_map(Move::Seek),
        1 => Just(Move::Stop),
        2 => Just(Move::Play),
        2 => tempo().prop_map(Move::Tempo),
        2 => prop_oneof![
            3 => (-4.0..32.0f64, 0.05..8.0f64).prop_map(|(start, len)| Some((start, start + len))),
            1 => Just(None),
            1 => (-4.0..32.0f64, -1.0..0.0f64).prop_map(|(start, len)| Some((start, start + len))),
        ]
        .prop_map(Move::Loop),
        1 => Just(Move::NoTransport),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => Just(Value::Min),
        2 => Just(Value::Max),
        1 => Just(Value::Default),
        4 => (0.0..=1.0f64).prop_map(Value::Between),
        2 => prop_oneof![
            Just(-1.0),
            Just(1e12),
            Just(-1e12),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(1e-310),
        ]
        .prop_map(Value::Raw),
    ]
}

fn audio() -> impl Strategy<Value = Audio> {
    prop_oneof![
        1 => Just(Audio::Subnormal),
        3 => (0..SPECIAL_SAMPLES.len()).prop_map(Audio::Special),
        1 => Just(Audio::Sine),
    ]
}

fn block_plan() -> impl Strategy<Value = BlockPlan> {
    (
        prop_oneof![1 => Just(0u32), 1 => Just(1u32), 6 => 2..u32::MAX],
        moves(),
        prop::collection::vec((0..usize::MAX, 0.0..1.0f64, value()), 0..4),
        prop::option::weighted(0.15, (0.0..1.0f64, beat())),
        audio(),
    )
        .prop_map(
            |(frames, moves, params, transport_event, audio)| BlockPlan {
                frames,
                moves,
                params,
                transport_event,
                audio,
            },
        )
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop_oneof![
            Just(22_050.0),
            Just(44_100.0),
            Just(48_000.0),
            Just(96_000.0),
            Just(192_000.0),
        ],
        prop_oneof![Just(1u32), Just(64), Just(512), 1..=4096u32],
        prop::collection::vec(block_plan(), 1..MAX_BLOCKS),
        beat(),
    )
        .prop_map(|(sample_rate, max_frames, blocks, stop_at)| Case {
            sample_rate,
            max_frames,
            blocks,
            stop_at,
        })
}

/// The host's transport, moved by [`Move`]s and advanced block by block.
#[derive(Debug, Clone, Copy)]
struct Timeline {
    playing: bool,
    tempo: Option<f64>,
    beat: f64,
    loop_range: Option<(f64, f64)>,
}

impl Timeline {
    fn info_at(&self, beat: f64) -> TransportInfo {
        let mut info =
            TransportInfo::playing_at(self.tempo.unwrap_or(120.0), beat).with_pre_roll(beat < 0.0);
        if self.tempo.is_none() {
            info = info.without_tempo();
        }
        if !self.playing {
            info = info.stopped();
        }
        info.loop_range_beats = self.loop_range;
        info
    }

    fn advance(&mut self, frames: u32, sample_rate: f64) {
        let Some(tempo) = self.tempo.filter(|t| t.is_finite() && *t > 0.0) else {
            return;
        };
        if !self.playing {
            return;
        }
        let before = self.beat;
        self.beat += f64::from(frames) * tempo / 60.0 / sample_rate;
        if let Some((start, end)) = self.loop_range {
            if end > start && before < end && self.beat >= end {
                self.beat = start + (self.beat - end) % (end - start);
            }
        }
    }
}

/// The CLAP value the host sends for `value` of `param`.
fn clap_value(param: &ParamInfo, value: Value) -> f64 {
    match value {
        Value::Min => param.min,
        Value::Max => param.max,
        Value::Default => param.default,
        Value::Between(fraction) => {
            let value = param.min + fraction * (param.max - param.min);
            if param.is_stepped() {
                value.round()
            } else {
                value
            }
        }
        Value::Raw(raw) => raw,
    }
}

fn fill_audio(audio: Audio, left: &mut [f32], right: &mut [f32]) {
    for (index, (left, right)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
        (*left, *right) = match audio {
            Audio::Subnormal => (1e-40 * (index % 7) as f32, -1e-42),
            Audio::Special(first) => (
                SPECIAL_SAMPLES[(first + index) % SPECIAL_SAMPLES.len()],
                SPECIAL_SAMPLES[(first + 3 * index + 1) % SPECIAL_SAMPLES.len()],
            ),
            Audio::Sine => {
                let sample = (index as f32 * 0.05).sin() * 0.5;
                (sample, -sample)
            }
        };
    }
}

/// Plays `case` and checks every block; returns the number of note-ons.
fn run_case(case: &Case) -> Result<usize, TestCaseError> {
    // Gates go to this socket, which nobody reads; it lives until the case ends.
    let sink = UdpSocket::bind("127.0.0.1:0").expect("binding a local UDP socket");
    let port = sink.local_addr().expect("socket address").port();
    let mut host = PluginHost::load_default().expect("building and loading the plugin");
    host.load_state(&pattern_osc_state_bytes(
        &TRACKS,
        &OscOutConfig::to_port(port),
    ))
    .expect("loading the pattern and OSC settings");
    host.activate(case.sample_rate, case.max_frames)
        .expect("activating");
    let params = host.params().expect("listing parameters");
    prop_assert!(params.len() > 80, "every parameter is listed");

    let mut timeline = Timeline {
        playing: true,
        tempo: Some(120.0),
        beat: 0.0,
        loop_range: None,
    };
    let max = case.max_frames;
    let mut left = vec![0.0f32; max as usize];
    let mut right = vec![0.0f32; max as usize];
    let mut sounding: BTreeMap<(i16, i16), i64> = BTreeMap::new();
    let mut note_ons = 0;

    let final_stop = BlockPlan {
        frames: 1,
        moves: Move::Stop,
        params: Vec::new(),
        transport_event: None,
        audio: Audio::Special(0),
    };
    let blocks = case.blocks.iter().chain(std::iter::once(&final_stop));
    for (index, plan) in blocks.enumerate() {
        let last = index == case.blocks.len();
        let frames = match plan.frames {
            0 => 1,
            1 => max,
            n => 1 + n % max,
        };
        let mut send_transport = true;
        match plan.moves {
            Move::Continue => {}
            Move::Seek(beat) => timeline.beat = beat,
            Move::Stop => timeline.playing = false,
            Move::Play => timeline.playing = true,
            Move::Tempo(tempo) => timeline.tempo = tempo,
            Move::Loop(range) => timeline.loop_range = range,
            Move::NoTransport => send_transport = false,
        }
        if last {
            timeline.beat = case.stop_at;
            timeline.tempo = Some(120.0);
        }
        let transport = send_transport.then(|| timeline.info_at(timeline.beat));

        let mut events: Vec<InEvent> = plan
            .params
            .iter()
            .map(|&(which, at, value)| {
                let param = &params[which % params.len()];
                InEvent::ParamValue {
                    time: ((at * f64::from(frames)) as u32).min(frames - 1),
                    param_id: param.id,
                    value: clap_value(param, value),
                }
            })
            .collect();
        if let (Some((at, beat)), true) = (plan.transport_event, send_transport) {
            events.push(InEvent::Transport {
                time: ((at * f64::from(frames)) as u32).min(frames - 1),
                info: timeline.info_at(beat),
            });
        }

        fill_audio(
            plan.audio,
            &mut left[..frames as usize],
            &mut right[..frames as usize],
        );
        let output = host
            .process_block_with_input(frames, transport, &events, [&left, &right])
            .map_err(|e| TestCaseError::fail(format!("block {index}: {e}")))?;
        timeline.advance(frames, case.sample_rate);

        for channel in 0..2 {
            let out = host.last_output(channel, frames as usize);
            if let Some((sample_index, sample)) = out
                .iter()
                .enumerate()
                .find(|(_, sample)| !(sample.is_normal() || **sample == 0.0))
            {
                prop_assert!(
                    false,
                    "block {index} ({frames} frames): output channel {channel} sample \
                     {sample_index} is {sample:e}"
                );
            }
        }
        let mut previous = 0;
        for note in &output.notes {
            prop_assert!(
                note.time < frames && note.time >= previous,
                "block {index} ({frames} frames): note at {} after {previous}: {:?}",
                note.time,
                output.notes
            );
            previous = note.time;
            prop_assert!((0..16).contains(&note.channel) && (0..128).contains(&note.key));
            let count = sounding.entry((note.channel, note.key)).or_default();
            match note.kind {
                NoteKind::On => {
                    note_ons += 1;
                    prop_assert!(
                        note.velocity > 0.0 && note.velocity <= 1.0,
                        "velocity {}",
                        note.velocity
                    );
                    *count += 1;
                }
                NoteKind::Off | NoteKind::Choke => *count -= 1,
                NoteKind::End => {}
            }
            prop_assert!(
                (0..=1).contains(count),
                "block {index}: key {:?} now counts {count}",
                (note.channel, note.key)
            );
        }
        sounding.retain(|_, count| *count != 0);
    }
    prop_assert!(
        sounding.is_empty(),
        "notes still sounding after the final stop: {sounding:?}"
    );
    drop(host);
    drop(sink);
    Ok(note_ons)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CASES,
        // A failing case replays from the printed seed; no regression files in the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_hosts_get_clean_audio_ordered_notes_and_no_hanging_note(case in case()) {
        run_case(&case)?;
    }
}

/// The fuzz cases do play notes (a case that never plays would prove little).
#[test]
fn a_plain_case_plays_notes() {
    let case = Case {
        sample_rate: 48_000.0,
        max_frames: 512,
        blocks: vec![
            BlockPlan {
                frames: 1,
                moves: Move::Continue,
                params: Vec::new(),
                transport_event: None,
                audio: Audio::Special(0),
            };
            200
        ],
        stop_at: 8.0,
    };
    let note_ons = run_case(&case).expect("a plain case passes");
    assert!(note_ons > 50, "{note_ons} note-ons in two seconds");
}
