//! The Music Chronus dialect against a reference model of Music Chronus's own sequencer
//! (`engine_pyo.py`, `SequencerManager._tick`), over real loopback UDP: random command sequences
//! (`/seq/add` with positional and `key=value` arguments, `/seq/update/pattern`,
//! `/seq/update/notes`) go to the real plugin's OSC input between steps, the real `process()`
//! plays one sixteenth per block, and every gate-open bundle the sidecar sends (bundle mode) is
//! decoded and compared, step by step, with what the reference says Music Chronus sets per hit.
//!
//! The reference is written from Music Chronus's documented behaviour, not from the plugin: per
//! sixteenth tick `k`, per track in insertion order, the pattern character `k mod length`; on
//! `X` (velocity 1.0) or `x` (0.6) the next note of the list (a note index counted up per hit,
//! from 0 when the track is added or its notes are updated, kept across pattern updates) or
//! `base_freq` (440 by default), `amp = base_amp × velocity`, `filter/freq = filter_freq +
//! accent_boost × (velocity − 0.5)`, the reverb and delay sends (defaults 0.3, 1000, 1500, 0,
//! 0). Notes parse as Music Chronus parses them: a decimal point makes Hz, digits a MIDI number,
//! else a name (C4 = 261.63 Hz). Each track id gets its own MIDI channel (native command), so
//! that two tracks never share one MIDI note. 48 cases.

mod support;

use std::io::Write;
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use chronus_seq::osc_out::TimingMode;
use chronus_seq::ChronusSeq;
use nice_plug::prelude::*;
use proptest::prelude::*;
use rosc::{OscMessage, OscPacket, OscType};
use support::{activate, TestProcessContext, RATE};

/// One sixteenth at 120 BPM and 48 kHz.
const STEP_SAMPLES: usize = 6_000;

/// One command of an agent session, or play.
#[derive(Debug, Clone)]
enum Op {
    Add {
        id: usize,
        voice: u8,
        pattern: String,
        base_freq: Option<f64>,
        filter_freq: Option<f64>,
        notes: Option<Vec<String>>,
        options: Vec<(&'static str, f64)>,
    },
    UpdatePattern {
        id: usize,
        pattern: String,
    },
    UpdateNotes {
        id: usize,
        notes: Vec<String>,
    },
    Play(u64),
}

fn pattern() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![Just('X'), Just('x'), Just('.'), Just('.')],
        1..=16,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn notes() -> impl Strategy<Value = Vec<String>> {
    let note = prop_oneof![
        (0usize..7, 0usize..3, 1i32..7).prop_map(|(letter, accidental, octave)| format!(
            "{}{}{octave}",
            ["C", "D", "E", "F", "G", "A", "B"][letter],
            ["", "#", "b"][accidental]
        )),
        (24u8..100).prop_map(|midi| midi.to_string()),
        prop_oneof![Just("110.0"), Just("150.0"), Just("233.3"), Just("61.75")]
            .prop_map(str::to_owned),
    ];
    proptest::collection::vec(note, 1..=5)
}

fn op() -> impl Strategy<Value = Op> {
    let option = prop_oneof![
        (0.05f64..1.0).prop_map(|value| ("base_amp", value)),
        (-2000.0f64..2000.0).prop_map(|value| ("accent_boost", value)),
        (0.0f64..1.0).prop_map(|value| ("reverb_send", value)),
        (0.0f64..1.0).prop_map(|value| ("delay_send", value)),
    ];
    let freq = prop_oneof![
        Just(55.0),
        Just(110.0),
        Just(150.0),
        Just(233.3),
        Just(440.0)
    ];
    prop_oneof![
        3 => (
            0usize..3,
            1u8..=4,
            pattern(),
            proptest::option::of(freq),
            proptest::option::of(200.0f64..5000.0),
            proptest::option::of(notes()),
            proptest::collection::vec(option, 0..3),
        )
            .prop_map(|(id, voice, pattern, base_freq, filter_freq, notes, options)| Op::Add {
                id,
                voice,
                pattern,
                base_freq,
                filter_freq,
                notes,
                options,
            }),
        2 => (0usize..3, pattern()).prop_map(|(id, pattern)| Op::UpdatePattern { id, pattern }),
        2 => (0usize..3, notes()).prop_map(|(id, notes)| Op::UpdateNotes { id, notes }),
        4 => (1u64..=6).prop_map(Op::Play),
    ]
}

// ---------------------------------------------------------------------------------------------
// The reference: Music Chronus's sequencer, per tick
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct RefTrack {
    id: usize,
    voice: u8,
    pattern: Vec<char>,
    notes: Vec<f64>,
    note_index: usize,
    base_freq: f64,
    base_amp: f64,
    filter_freq: f64,
    accent_boost: f64,
    reverb_send: f64,
    delay_send: f64,
}

/// What Music Chronus sets on a voice for one hit: voice, freq, amp, filter, reverb, delay.
type Hit = (u8, [f32; 5]);

/// `_parse_notes`: a decimal point makes Hz, digits a MIDI number, else a name.
fn music_chronus_note(text: &str) -> f64 {
    if text.contains('.') {
        return text.parse().expect("Hz");
    }
    let midi: i32 = if text.chars().all(|c| c.is_ascii_digit()) {
        text.parse().expect("MIDI")
    } else {
        let base = match &text[..1] {
            "C" => 0,
            "D" => 2,
            "E" => 4,
            "F" => 5,
            "G" => 7,
            "A" => 9,
            _ => 11,
        };
        let (offset, octave) = match &text[1..2] {
            "#" => (1, &text[2..]),
            "b" => (-1, &text[2..]),
            _ => (0, &text[1..]),
        };
        (octave.parse::<i32>().expect("octave") + 1) * 12 + base + offset
    };
    440.0 * 2f64.powf(f64::from(midi - 69) / 12.0)
}

#[derive(Debug, Default)]
struct Reference {
    /// In insertion order, as Music Chronus's track dict.
    tracks: Vec<RefTrack>,
}

impl Reference {
    fn apply(&mut self, op: &Op) {
        match op {
            Op::Add {
                id,
                voice,
                pattern,
                base_freq,
                filter_freq,
                notes,
                options,
            } => {
                let mut track = RefTrack {
                    id: *id,
                    voice: *voice,
                    pattern: pattern.chars().collect(),
                    notes: notes
                        .iter()
                        .flatten()
                        .map(|note| music_chronus_note(note))
                        .collect(),
                    note_index: 0,
                    base_freq: base_freq.unwrap_or(440.0),
                    base_amp: 0.3,
                    filter_freq: filter_freq.unwrap_or(1000.0),
                    accent_boost: 1500.0,
                    reverb_send: 0.0,
                    delay_send: 0.0,
                };
                for (key, value) in options {
                    match *key {
                        "base_amp" => track.base_amp = *value,
                        "accent_boost" => track.accent_boost = *value,
                        "reverb_send" => track.reverb_send = *value,
                        _ => track.delay_send = *value,
                    }
                }
                match self.tracks.iter_mut().find(|t| t.id == *id) {
                    Some(existing) => *existing = track,
                    None => self.tracks.push(track),
                }
            }
            Op::UpdatePattern { id, pattern } => {
                if let Some(track) = self.tracks.iter_mut().find(|t| t.id == *id) {
                    track.pattern = pattern.chars().collect();
                }
            }
            Op::UpdateNotes { id, notes } => {
                if let Some(track) = self.tracks.iter_mut().find(|t| t.id == *id) {
                    track.notes = notes.iter().map(|note| music_chronus_note(note)).collect();
                    track.note_index = 0;
                }
            }
            Op::Play(_) => {}
        }
    }

    fn tick(&mut self, step: u64) -> Vec<Hit> {
        let mut hits = Vec::new();
        for track in &mut self.tracks {
            let character = track.pattern[(step % track.pattern.len() as u64) as usize];
            let velocity = match character {
                'X' => 1.0,
                'x' => 0.6,
                _ => continue,
            };
            let freq = if track.notes.is_empty() {
                track.base_freq
            } else {
                let freq = track.notes[track.note_index];
                track.note_index = (track.note_index + 1) % track.notes.len();
                freq
            };
            hits.push((
                track.voice,
                [
                    freq as f32,
                    (track.base_amp * velocity) as f32,
                    (track.filter_freq + track.accent_boost * (velocity - 0.5)) as f32,
                    track.reverb_send as f32,
                    track.delay_send as f32,
                ],
            ));
        }
        hits
    }
}

// ---------------------------------------------------------------------------------------------
// The plugin, over UDP
// ---------------------------------------------------------------------------------------------

struct Rig {
    plugin: ChronusSeq,
    client: UdpSocket,
    input_port: u16,
    modular: UdpSocket,
}

impl Rig {
    fn new() -> Rig {
        let mut plugin = ChronusSeq::default();
        assert!(activate(&mut plugin, RATE, 8192));
        let input_port = plugin.osc_in_status().bound_port().expect("OSC input");
        let client = UdpSocket::bind("127.0.0.1:0").expect("client");
        client
            .set_read_timeout(Some(Duration::from_secs(2)))
            .expect("timeout");
        let modular = UdpSocket::bind("127.0.0.1:0").expect("modular");
        modular
            .set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        let port = modular.local_addr().expect("address").port();
        plugin.seq_params().osc_out.0.update(|settings| {
            settings.port = port;
            settings.mode = TimingMode::Bundle;
        });
        let rig = Rig {
            plugin,
            client,
            input_port,
            modular,
        };
        rig.command("/seq/clear", vec![]);
        rig
    }

    /// Sends one command and waits for its `/chronus/ok`.
    fn command(&self, address: &str, args: Vec<OscType>) {
        let packet = OscPacket::Message(OscMessage {
            addr: address.to_owned(),
            args,
        });
        let bytes = rosc::encoder::encode(&packet).expect("encodes");
        self.client
            .send_to(&bytes, ("127.0.0.1", self.input_port))
            .expect("send");
        let mut buffer = [0u8; 4096];
        loop {
            let (size, _) = self.client.recv_from(&mut buffer).expect("a reply");
            match rosc::decoder::decode_udp(&buffer[..size]).expect("OSC").1 {
                OscPacket::Message(reply) if reply.addr == "/chronus/ok" => return,
                OscPacket::Message(reply) if reply.addr == "/chronus/warning" => {}
                other => panic!("{address}: {other:?}"),
            }
        }
    }

    /// Gives track `t<id>` MIDI channel `id + 1`: two tracks on one channel and key at the same
    /// sample share one MIDI note (and so one gate), which Music Chronus, without MIDI, does not
    /// know (docs/OSC.md, remaining differences).
    fn own_channel(&self, id: usize) {
        let name = format!("t{id}");
        let index = self
            .plugin
            .pattern_store()
            .slot(0)
            .tracks
            .iter()
            .position(|track| track.name == name)
            .expect("the added track");
        self.command(
            "/chronus/track/channel",
            vec![OscType::Int(index as i32 + 1), OscType::Int(id as i32 + 1)],
        );
    }

    /// Plays song step `step` as one block and returns the hits whose bundles arrived, once
    /// `expected` of them did (or two seconds passed).
    fn play_step(&mut self, step: u64, expected: usize) -> Vec<Hit> {
        self.play_opens(step, expected)
            .iter()
            .filter_map(open_of)
            .collect()
    }

    /// Plays song step `step` as one block and returns the gate-open bundles in the order they
    /// arrived, once `expected` of them did (or two seconds passed).
    fn play_opens(&mut self, step: u64, expected: usize) -> Vec<OscPacket> {
        let mut left = vec![0.0f32; STEP_SAMPLES];
        let mut right = vec![0.0f32; STEP_SAMPLES];
        let mut buffer = Buffer::default();
        // SAFETY: both slices live until after `process` returns and have `STEP_SAMPLES` samples.
        unsafe {
            buffer.set_slices(STEP_SAMPLES, |slices| {
                slices.clear();
                slices.push(&mut left);
                slices.push(&mut right);
            });
        }
        let mut context = TestProcessContext::new(RATE, 1024);
        context.transport.playing = true;
        context.transport.tempo = Some(120.0);
        context.transport.pos_beats = Some(step as f64 * 0.25);
        let mut aux = AuxiliaryBuffers {
            inputs: &mut [],
            outputs: &mut [],
        };
        self.plugin.process(&mut buffer, &mut aux, &mut context);

        let mut opens = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut datagram = [0u8; 4096];
        while opens.len() < expected && Instant::now() < deadline {
            let Ok(size) = self.modular.recv(&mut datagram) else {
                continue;
            };
            let packet = rosc::decoder::decode_udp(&datagram[..size]).expect("OSC").1;
            if open_of(&packet).is_some() {
                opens.push(packet);
            }
        }
        opens
    }
}

/// The hit a gate-open bundle carries: `[/mod/voiceN/freq, amp, filter/freq, send/reverb,
/// send/delay, /gate/voiceN 1]`, in that order; `None` for a close.
fn open_of(packet: &OscPacket) -> Option<Hit> {
    let OscPacket::Bundle(bundle) = packet else {
        return None;
    };
    let messages: Vec<&OscMessage> = bundle
        .content
        .iter()
        .map(|inner| match inner {
            OscPacket::Message(message) => message,
            OscPacket::Bundle(_) => panic!("nested bundle"),
        })
        .collect();
    let gate = messages.last()?;
    if gate.args != [OscType::Int(1)] {
        return None;
    }
    let voice: u8 = gate
        .addr
        .strip_prefix("/gate/voice")
        .and_then(|n| n.parse().ok())
        .expect("a voice gate");
    let parameters = ["freq", "amp", "filter/freq", "send/reverb", "send/delay"];
    assert_eq!(messages.len(), 6, "{messages:?}");
    let mut values = [0.0f32; 5];
    for ((message, parameter), value) in messages.iter().zip(parameters).zip(&mut values) {
        assert_eq!(message.addr, format!("/mod/voice{voice}/{parameter}"));
        let [OscType::Float(sent)] = message.args.as_slice() else {
            panic!("{message:?}");
        };
        *value = *sent;
    }
    Some((voice, values))
}

fn close(a: &[f32; 5], b: &[f32; 5]) -> bool {
    a.iter()
        .zip(b)
        .all(|(a, b)| (a - b).abs() <= 1e-4 * a.abs().max(1.0))
}

fn args_of(op: &Op) -> (&'static str, Vec<OscType>) {
    let id = |id: &usize| OscType::String(format!("t{id}"));
    let text = |text: &str| OscType::String(text.to_owned());
    match op {
        Op::Add {
            id: track,
            voice,
            pattern,
            base_freq,
            filter_freq,
            notes,
            options,
        } => {
            let mut args = vec![id(track), text(&format!("voice{voice}")), text(pattern)];
            // Positional base_freq and filter_freq when given in order, else as options.
            let mut keyed = Vec::new();
            match (base_freq, filter_freq) {
                (Some(base), Some(filter)) => {
                    args.push(OscType::Float(*base as f32));
                    args.push(OscType::Float(*filter as f32));
                }
                (Some(base), None) => args.push(OscType::Float(*base as f32)),
                (None, Some(filter)) => keyed.push(format!("filter_freq={filter}")),
                (None, None) => {}
            }
            if let Some(notes) = notes {
                keyed.push(format!("notes={}", notes.join(",")));
            }
            for (key, value) in options {
                keyed.push(format!("{key}={value}"));
            }
            args.extend(keyed.iter().map(|item| text(item)));
            ("/seq/add", args)
        }
        Op::UpdatePattern { id: track, pattern } => {
            ("/seq/update/pattern", vec![id(track), text(pattern)])
        }
        Op::UpdateNotes { id: track, notes } => {
            ("/seq/update/notes", vec![id(track), text(&notes.join(","))])
        }
        Op::Play(_) => unreachable!("played, not sent"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_dialect_sends_what_music_chronus_sets_per_hit(
        ops in proptest::collection::vec(op(), 1..24)
    ) {
        let mut rig = Rig::new();
        let mut reference = Reference::default();
        let mut step = 0;
        for op in ops.iter().chain([&Op::Play(4)]) {
            match op {
                Op::Play(steps) => {
                    for _ in 0..*steps {
                        let mut want = reference.tick(step);
                        let mut got = rig.play_step(step, want.len());
                        let order = |a: &Hit, b: &Hit| {
                            a.0.cmp(&b.0).then(a.1[0].total_cmp(&b.1[0]))
                                .then(a.1[1].total_cmp(&b.1[1]))
                        };
                        want.sort_by(order);
                        got.sort_by(order);
                        prop_assert_eq!(got.len(), want.len(), "step {}: {:?} vs {:?}", step, got, want);
                        for (got_hit, want_hit) in got.iter().zip(&want) {
                            prop_assert!(
                                got_hit.0 == want_hit.0 && close(&got_hit.1, &want_hit.1),
                                "step {}: sent {:?}, Music Chronus sets {:?}", step, got, want
                            );
                        }
                        step += 1;
                    }
                }
                Op::UpdatePattern { id, .. } | Op::UpdateNotes { id, .. }
                    if !reference.tracks.iter().any(|track| track.id == *id) => {}
                op => {
                    let (address, args) = args_of(op);
                    rig.command(address, args);
                    if let Op::Add { id, .. } = op {
                        rig.own_channel(*id);
                    }
                    reference.apply(op);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The real Music Chronus sequencer
// ---------------------------------------------------------------------------------------------

/// The venv python (`$CHRONUS_SEQ_PYTHON`, else `<repo>/.venv/bin/python`), or `None` after a
/// loud notice when neither exists and we are not in CI (env `CI` set: the test fails instead).
fn python() -> Option<PathBuf> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let from_env = std::env::var_os("CHRONUS_SEQ_PYTHON").map(PathBuf::from);
    let venv = repo.join(".venv").join("bin").join("python");
    let candidates: Vec<PathBuf> = from_env.into_iter().chain([venv]).collect();
    if let Some(found) = candidates.iter().find(|path| path.is_file()) {
        return Some(found.clone());
    }
    let message = format!(
        "no python venv (tried {candidates:?}). Run `bash tests/run-all.sh` once: it creates \
         <repo>/.venv from tests/python/requirements.txt and exports CHRONUS_SEQ_PYTHON"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}");
    }
    // Straight to the stderr handle, past libtest's capture, so the skip is seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n**************** SKIPPED: real Music Chronus comparison ****************\n{message}\n"
    );
    None
}

/// One argument of a `send` line of `music_chronus_real.py`: `s:text`, `f:float`, `i:int`.
fn typed_arg(text: &str) -> OscType {
    match text.split_once(':').expect("typed argument") {
        ("s", value) => OscType::String(value.to_owned()),
        ("f", value) => OscType::Float(value.parse().expect("float")),
        ("i", value) => OscType::Int(value.parse().expect("int")),
        other => panic!("argument {other:?}"),
    }
}

/// One hit as `(address, value)` messages, gate last.
type Messages = Vec<(String, f64)>;

fn messages_of(packet: &OscPacket) -> Messages {
    let OscPacket::Bundle(bundle) = packet else {
        unreachable!("opens are bundles")
    };
    bundle
        .content
        .iter()
        .map(|inner| match inner {
            OscPacket::Message(message) => match message.args.as_slice() {
                [OscType::Float(value)] => (message.addr.clone(), f64::from(*value)),
                [OscType::Int(value)] => (message.addr.clone(), f64::from(*value)),
                other => panic!("{other:?}"),
            },
            OscPacket::Bundle(_) => panic!("nested bundle"),
        })
        .collect()
}

fn same_hit(a: &Messages, b: &Messages) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|((address_a, a), (address_b, b))| {
            address_a == address_b && (a - b).abs() <= 1e-4 * a.abs().max(1.0)
        })
}

/// The same agent session played by Music Chronus's own sequencer (its `engine_pyo.py`,
/// vendored unmodified under tests/python/vendor/music_chronus and driven tick by tick by
/// tests/python/music_chronus_real.py) and sent to the real plugin over loopback UDP: per
/// sixteenth, the plugin's gate-open bundles must be the messages Music Chronus's sequencer sets
/// (`/mod/voiceN/freq`, `amp`, `filter/freq`, `send/reverb`, `send/delay`, then the gate), in
/// its order, hit by hit and across tracks.
#[test]
fn the_real_music_chronus_sequencer_and_the_plugin_agree_hit_for_hit() {
    let Some(python) = python() else {
        return;
    };
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/python/music_chronus_real.py");
    let output = Command::new(&python)
        .arg(&script)
        .output()
        .expect("runs python");
    assert!(
        output.status.success(),
        "{script:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8");

    let mut music_chronus: Vec<(u64, Messages)> = Vec::new();
    for line in text.lines().filter(|line| line.starts_with("hit ")) {
        let mut words = line.split(' ').skip(1);
        let step = words.next().expect("step").parse().expect("step");
        let messages = words
            .map(|word| {
                let (address, value) = word.split_once('=').expect("address=value");
                (address.to_owned(), value.parse().expect("value"))
            })
            .collect();
        music_chronus.push((step, messages));
    }

    let mut rig = Rig::new();
    let mut step = 0u64;
    let mut hits = 0usize;
    let mut differing = Vec::new();
    for line in text.lines() {
        let mut words = line.split(' ');
        match words.next() {
            Some("send") => {
                let address = words.next().expect("address");
                rig.command(address, words.map(typed_arg).collect());
            }
            Some("play") => {
                let steps: u64 = words.next().expect("steps").parse().expect("steps");
                for _ in 0..steps {
                    let want: Vec<&Messages> = music_chronus
                        .iter()
                        .filter(|(at, _)| *at == step)
                        .map(|(_, messages)| messages)
                        .collect();
                    let got: Vec<Messages> = rig
                        .play_opens(step, want.len())
                        .iter()
                        .map(messages_of)
                        .collect();
                    hits += want.len();
                    for index in 0..want.len().max(got.len()) {
                        let (sent, set) = (got.get(index), want.get(index).copied());
                        if !matches!((sent, set), (Some(a), Some(b)) if same_hit(a, b)) {
                            differing.push(format!(
                                "step {step} hit {index}: plugin sends {sent:?}, \
                                 Music Chronus sets {set:?}"
                            ));
                        }
                    }
                    step += 1;
                }
            }
            _ => {}
        }
    }
    assert!(step >= 90, "the session plays {step} sixteenths");
    assert_eq!(hits, music_chronus.len(), "every hit was compared");
    assert!(hits >= 90, "{hits} hits");
    let _ = writeln!(
        std::io::stderr(),
        "real Music Chronus sequencer: {hits} hits over {step} sixteenths, {} differ",
        differing.len()
    );
    assert!(
        differing.is_empty(),
        "{} of {hits} hits differ:\n{}",
        differing.len(),
        differing.join("\n")
    );
}
