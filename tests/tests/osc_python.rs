//! OSC interop with python-osc, the library Music Chronus is built on: the real plugin bundle,
//! driven at real-time pace through clack-host, sends its gates to `tests/python/osc_receiver.py`,
//! which decodes every datagram with python-osc and prints one JSON line per message.
//!
//! Checked in both timing modes (docs/OSC.md): python-osc decodes every message the plugin's
//! note events call for, with the right types (int 1 / 0 for gates, floats for freq and amp) and
//! values, freq/amp ahead of the gate in one bundle. Timed mode: no timetag (plain messages, or
//! "immediately" bundles). Bundle mode: every message in a bundle with a timetag, and the
//! timetags of the gates of one host buffer, as python-osc converts them, as far apart as their
//! samples (within python's float resolution). Nothing is checked against the wall clock: how
//! late gates arrive is measured by `cargo xtask osc-latency`.
//!
//! The receiver runs on the venv python that tests/run-all.sh provisions (exported as
//! `CHRONUS_SEQ_PYTHON`; else `<repo>/.venv/bin/python`). Without one the test fails under CI
//! (env `CI` set) and is skipped with a notice otherwise.

use chronus_seq_host_tests::bundle::workspace_root;
use chronus_seq_host_tests::fields_state_bytes;
use chronus_seq_host_tests::osc::{
    expected_gates, note_hz, pattern_osc_state_bytes, ExpectedGate, OscMode, OscOutConfig,
};
use chronus_seq_host_tests::{
    blocks_for, wall_clock_lock, Pacing, PluginHost, ScriptRun, TransportScript,
};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const SAMPLE_RATE: f64 = 48_000.0;
const BLOCK: u32 = 256;
const TEMPO: f64 = 120.0;
/// Bundle mode: timetag = due + this.
const BUNDLE_LATENCY_MS: f64 = 50.0;
/// python-osc converts timetags to float seconds since 1970: about 0.24 µs apart at today's
/// dates. Differences of two of them are exact to twice that (a representation tolerance).
const PYTHON_TAG_RESOLUTION_S: f64 = 0.5e-6;

/// The tracks: (pattern JSON, MIDI key, send_freq, send_amp).
const TRACKS: [(&str, u8, bool, bool); 4] = [
    (
        r#"{"name":"Kick","length":8,"rate":"1/16","channel":1,"note":36,"steps":"x.x.x.x."}"#,
        36,
        false,
        false,
    ),
    (
        r#"{"name":"Bass","length":4,"rate":"1/16","channel":2,"note":57,"steps":"Xx.x"}"#,
        57,
        true,
        true,
    ),
    (
        r#"{"name":"Lead","length":2,"rate":"1/8","channel":3,"note":64,"steps":"X."}"#,
        64,
        true,
        false,
    ),
    (
        r#"{"name":"Pad","length":1,"rate":"1/4","channel":4,"note":72,"steps":"x"}"#,
        72,
        false,
        true,
    ),
];

/// The venv python (`$CHRONUS_SEQ_PYTHON`, else `<repo>/.venv/bin/python`), or `None` after a
/// loud notice when neither exists and we are not in CI (env `CI` set: the test fails instead).
fn python() -> Option<PathBuf> {
    let from_env = std::env::var_os("CHRONUS_SEQ_PYTHON").map(PathBuf::from);
    let venv = workspace_root().join(".venv").join("bin").join("python");
    let candidates: Vec<PathBuf> = from_env.into_iter().chain([venv]).collect();
    if let Some(found) = candidates.iter().find(|path| path.is_file()) {
        return Some(found.clone());
    }
    let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    let message = format!(
        "no python-osc venv (tried {}). Run `bash tests/run-all.sh` once: it creates \
         <repo>/.venv from tests/python/requirements.txt and exports CHRONUS_SEQ_PYTHON",
        tried.join(", ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}");
    }
    // Straight to the stderr handle, past libtest's capture, so the skip is seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n**************** SKIPPED: python-osc interop test ****************\n{message}\n\
         ******************************************************************\n"
    );
    None
}

/// One message as python-osc decoded it.
#[derive(Debug, Clone)]
struct PyMessage {
    address: String,
    args: Vec<Value>,
    types: String,
    timetag: Option<f64>,
    packet: u64,
    index: u64,
    bundle: bool,
}

impl PyMessage {
    fn parse(line: &str) -> PyMessage {
        let value: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("python printed a line that is not JSON ({e}): {line}"));
        if let Some(error) = value.get("error") {
            panic!("python-osc could not parse a datagram from the plugin: {error} ({line})");
        }
        let field = |name: &str| {
            value
                .get(name)
                .unwrap_or_else(|| panic!("python line without {name:?}: {line}"))
        };
        PyMessage {
            address: field("address").as_str().unwrap_or_default().to_owned(),
            args: field("args").as_array().cloned().unwrap_or_default(),
            types: field("types").as_str().unwrap_or_default().to_owned(),
            timetag: field("timetag").as_f64(),
            packet: field("packet").as_u64().unwrap_or(u64::MAX),
            index: field("index").as_u64().unwrap_or(u64::MAX),
            bundle: field("bundle").as_bool().unwrap_or(false),
        }
    }

    fn int(&self) -> i64 {
        assert_eq!(
            self.types, "i",
            "{} should carry one int, python-osc decoded {:?} {:?}",
            self.address, self.types, self.args
        );
        self.args[0].as_i64().expect("an int")
    }

    fn float(&self) -> f64 {
        assert_eq!(
            self.types, "f",
            "{} should carry one float, python-osc decoded {:?} {:?}",
            self.address, self.types, self.args
        );
        self.args[0].as_f64().expect("a float")
    }
}

/// The python receiver process.
struct PyReceiver {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
    lines: Option<JoinHandle<Vec<String>>>,
}

impl PyReceiver {
    fn start(python: &PathBuf) -> PyReceiver {
        let script = workspace_root()
            .join("tests")
            .join("python")
            .join("osc_receiver.py");
        let mut child = Command::new(python)
            .arg(&script)
            .args(["--timeout", "60"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {} {}: {e}", python.display(), script.display()));
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut first = String::new();
        let read = stdout.read_line(&mut first);
        let port = match (read, first.trim().parse::<u16>()) {
            (Ok(_), Ok(port)) => port,
            _ => {
                let _ = child.kill();
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                let _ = child.wait();
                panic!(
                    "the python-osc receiver did not print its port (got {first:?}); is \
                     python-osc installed in {}? stderr:\n{stderr}",
                    python.display()
                );
            }
        };
        let lines = std::thread::spawn(move || {
            stdout
                .lines()
                .map_while(std::result::Result::ok)
                .collect::<Vec<String>>()
        });
        PyReceiver {
            child,
            stdin,
            port,
            lines: Some(lines),
        }
    }

    /// Waits `settle`, closes stdin (the receiver drains its socket and exits) and returns
    /// every decoded message.
    fn finish(mut self, settle: Duration) -> Vec<PyMessage> {
        std::thread::sleep(settle);
        // Closing stdin tells the receiver to drain its socket and exit.
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.flush();
            drop(stdin);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = self.child.kill();
                    panic!("the python-osc receiver did not exit after stdin closed");
                }
            }
        };
        let lines = self
            .lines
            .take()
            .map(|reader| reader.join().expect("reading python's output"))
            .unwrap_or_default();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        let messages: Vec<PyMessage> = lines.iter().map(|l| PyMessage::parse(l)).collect();
        assert!(
            status.success(),
            "the python-osc receiver failed ({status}); stderr:\n{stderr}"
        );
        messages
    }
}

impl Drop for PyReceiver {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Plays ~1 s of [`TRACKS`] at real-time pace with OSC to a python-osc receiver in `mode`, and
/// returns the run (the plugin's note events) with what python decoded.
fn play_to_python(python: &PathBuf, mode: OscMode) -> (ScriptRun, Vec<PyMessage>) {
    let receiver = PyReceiver::start(python);
    let mut osc = OscOutConfig::to_port(receiver.port).with_mode(mode, BUNDLE_LATENCY_MS);
    for (index, (_, _, freq, amp)) in TRACKS.iter().enumerate() {
        osc = osc.with_mod(index + 1, *freq, *amp);
    }
    let patterns: Vec<&str> = TRACKS.iter().map(|t| t.0).collect();
    let mut host = PluginHost::load_default().expect("building and loading the Chronus Seq bundle");
    host.load_state(&pattern_osc_state_bytes(&patterns, &osc))
        .expect("loading a pattern and OSC settings");
    host.activate(SAMPLE_RATE, BLOCK)
        .expect("activating at 48 kHz / 256");
    let play = blocks_for(SAMPLE_RATE, BLOCK, 1.0);
    let stopped = blocks_for(SAMPLE_RATE, BLOCK, 0.05);
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, BLOCK)
        .with_pacing(Pacing::WallClock)
        .with_stop_at_block(play)
        .run(&mut host, (play + stopped) as u64 * u64::from(BLOCK))
        .expect("playing one second in real time");
    drop(host);
    let settle = Duration::from_millis(300);
    (run, receiver.finish(settle))
}

/// Checks python's messages against the run's note events.
fn check(label: &str, mode: OscMode, run: &ScriptRun, messages: &[PyMessage]) {
    let track_of_key = |key: u8| TRACKS.iter().position(|t| t.1 == key).map(|i| i + 1);
    let expected = expected_gates(run, track_of_key).unwrap_or_else(|e| panic!("{label}: {e}"));
    let ons = |key: i16| run.note_ons().filter(|n| n.note.key == key).count();
    assert_eq!(
        (ons(36), ons(57), ons(64), ons(72)),
        (5, 7, 3, 3),
        "{label}: note-ons per track in 188 blocks (48,128 samples: beats 0 to 2 inclusive)"
    );

    let mut want_total = 0;
    // Bundle mode: (call, offset, timetag) of every gate, for the same-buffer differences.
    let mut tags: Vec<(usize, u32, f64)> = Vec::new();
    for (index, (_, key, freq, amp)) in TRACKS.iter().enumerate() {
        let track = index + 1;
        let gate_address = format!("/gate/voice{track}");
        let want: Vec<&ExpectedGate> = expected.iter().filter(|g| g.track == track).collect();
        let got: Vec<&PyMessage> = messages
            .iter()
            .filter(|m| m.address == gate_address)
            .collect();
        let got_values: Vec<i64> = got.iter().map(|m| m.int()).collect();
        let want_values: Vec<i64> = want.iter().map(|g| i64::from(g.open)).collect();
        assert_eq!(
            got_values, want_values,
            "{label}: {gate_address} as python-osc decoded it vs the plugin's note events for \
             key {key}"
        );
        let mods = usize::from(*freq) + usize::from(*amp);
        want_total += want.len() + mods * want.iter().filter(|g| g.open).count();

        for (message, gate) in got.iter().zip(&want) {
            let packet: Vec<&PyMessage> = messages
                .iter()
                .filter(|m| m.packet == message.packet)
                .collect();
            let indices: Vec<u64> = packet.iter().map(|m| m.index).collect();
            assert_eq!(
                indices,
                (0..packet.len() as u64).collect::<Vec<_>>(),
                "{label}: messages of one datagram out of order"
            );
            if gate.open && mods > 0 {
                let voice = format!("voice{track}");
                let mut want_addresses = Vec::new();
                if *freq {
                    want_addresses.push(format!("/mod/{voice}/freq"));
                }
                if *amp {
                    want_addresses.push(format!("/mod/{voice}/amp"));
                }
                want_addresses.push(gate_address.clone());
                let addresses: Vec<String> = packet.iter().map(|m| m.address.clone()).collect();
                assert_eq!(
                    addresses, want_addresses,
                    "{label}: freq/amp ahead of the gate in one packet (note at sample {})",
                    gate.sample
                );
                if *freq {
                    let hz = packet[0].float();
                    let want_hz = note_hz(gate.key);
                    assert!(
                        (hz - want_hz).abs() <= want_hz * 1e-6,
                        "{label}: {} = {hz}, expected {want_hz} Hz for MIDI {}",
                        packet[0].address,
                        gate.key
                    );
                }
                if *amp {
                    let message = packet[usize::from(*freq)];
                    let value = message.float();
                    let want_amp = f64::from(f32::from(gate.velocity) / 127.0);
                    assert!(
                        (value - want_amp).abs() <= 1e-7,
                        "{label}: {} = {value}, expected {want_amp} for velocity {}",
                        message.address,
                        gate.velocity
                    );
                }
            } else {
                assert_eq!(
                    packet.len(),
                    1,
                    "{label}: {gate_address} {} should travel alone",
                    i32::from(gate.open)
                );
            }

            match mode {
                OscMode::Timed => {
                    for part in &packet {
                        assert_eq!(
                            part.timetag, None,
                            "{label}: timed mode sends no timetag (plain or immediately)"
                        );
                        assert_eq!(
                            part.bundle,
                            packet.len() > 1,
                            "{label}: timed mode bundles only freq/amp with their gate"
                        );
                    }
                }
                OscMode::Bundle => {
                    for part in &packet {
                        assert!(part.bundle, "{label}: bundle mode sends only bundles");
                        let tag = part.timetag.unwrap_or_else(|| {
                            panic!("{label}: {} has no timetag in bundle mode", part.address)
                        });
                        if part.address == gate_address {
                            tags.push((gate.call, gate.offset, tag));
                        }
                    }
                }
            }
        }
    }
    for message in messages {
        let known = (1..=TRACKS.len()).any(|t| {
            message.address == format!("/gate/voice{t}")
                || message.address == format!("/mod/voice{t}/freq")
                || message.address == format!("/mod/voice{t}/amp")
        });
        assert!(known, "{label}: unexpected address {message:?}");
    }
    assert_eq!(
        messages.len(),
        want_total,
        "{label}: python-osc decoded {} messages, the note events call for {want_total}",
        messages.len()
    );
    if mode == OscMode::Bundle {
        // Gates of one host buffer are due at their sample offsets from the buffer's call.
        let mut pairs = 0;
        for (i, &(call, offset, tag)) in tags.iter().enumerate() {
            for &(other_call, other_offset, other_tag) in &tags[i + 1..] {
                if other_call != call {
                    continue;
                }
                pairs += 1;
                let want = (f64::from(other_offset) - f64::from(offset)) / SAMPLE_RATE;
                assert!(
                    ((other_tag - tag) - want).abs() <= PYTHON_TAG_RESOLUTION_S,
                    "{label}: gates at offsets {offset} and {other_offset} of call {call}: \
                     timetags {:.7} s apart, expected {want:.7} s",
                    other_tag - tag
                );
            }
        }
        assert!(pairs > 0, "{label}: no host buffer made two gates");
    }
}

/// Timed mode, then bundle mode, each ~1 s of four tracks at real-time pace.
#[test]
fn python_osc_decodes_every_gate_in_timed_and_bundle_mode() {
    let Some(python) = python() else {
        return;
    };
    let _serial = wall_clock_lock();

    let (run, messages) = play_to_python(&python, OscMode::Timed);
    check("timed mode", OscMode::Timed, &run, &messages);

    let (run, messages) = play_to_python(&python, OscMode::Bundle);
    check("bundle mode", OscMode::Bundle, &run, &messages);
}

/// The Music Chronus voice profile, a note cycle of exact frequencies and a lane over
/// python-osc, in both timing modes: every gate open arrives in one packet after the voice's
/// freq (the cycle's entry for the hit, exact), amp (`base_amp × level`), filter/freq
/// (`filter_freq + accent_boost × (level − 0.5)`) and sends, and after the lane's value when its
/// step has one; a lane value on a step without a hit arrives on its own.
#[test]
fn python_osc_decodes_the_voice_profile_and_lanes_before_each_gate() {
    let Some(python) = python() else {
        return;
    };
    let _serial = wall_clock_lock();
    let pattern = r#"{"format":"chronus-seq/pattern","version":4,"slots":[{"slot":1,"seed":0,
        "tracks":[{"name":"Bass","length":4,"rate":"1/16","channel":1,"note":50,"steps":"Xx.x",
        "freq":150.0,"cycle":{"hz":[110.0,150.0,220.5],"origin":0},
        "lanes":[{"lane":1,"midi":"off","length":2,"values":[16383,null]}]}]}]}"#;
    for mode in [OscMode::Timed, OscMode::Bundle] {
        let receiver = PyReceiver::start(&python);
        let osc = OscOutConfig::to_port(receiver.port).with_mode(mode, BUNDLE_LATENCY_MS);
        let mut osc: Value = serde_json::from_str(&osc.to_json()).expect("OSC settings JSON");
        osc["tracks"][0]["voice_profile"] = serde_json::json!({
            "base_amp": 0.3, "filter_freq": 1000.0, "accent_boost": 1500.0,
            "reverb_send": 0.25, "delay_send": 0.0
        });
        let no_lane = serde_json::json!({"address": "", "min": 0.0, "max": 1.0, "curve": "Linear"});
        osc["tracks"][0]["lanes"] = serde_json::json!([
            {"address": "/mod/voice1/filter/q", "min": 1.0, "max": 5.0, "curve": "Linear"},
            no_lane, no_lane, no_lane
        ]);
        let state = fields_state_bytes(serde_json::json!({
            "pattern": pattern,
            "osc_out": osc.to_string(),
        }));
        let mut host = PluginHost::load_default().expect("loading the Chronus Seq bundle");
        host.load_state(&state)
            .expect("loading lanes and the voice profile");
        host.activate(SAMPLE_RATE, BLOCK)
            .expect("activating at 48 kHz / 256");
        let play = blocks_for(SAMPLE_RATE, BLOCK, 1.0);
        let stopped = blocks_for(SAMPLE_RATE, BLOCK, 0.05);
        TransportScript::new(SAMPLE_RATE, TEMPO, BLOCK)
            .with_pacing(Pacing::WallClock)
            .with_stop_at_block(play)
            .run(&mut host, (play + stopped) as u64 * u64::from(BLOCK))
            .expect("playing one second in real time");
        drop(host);
        let messages = receiver.finish(Duration::from_millis(300));

        let label = format!("{mode:?}");
        let opens: Vec<&PyMessage> = messages
            .iter()
            .filter(|m| m.address == "/gate/voice1" && m.int() == 1)
            .collect();
        // One second at 120 BPM: steps 0–7 (and step 8 on the last block), hits on 0, 1, 3.
        assert!(opens.len() >= 6, "{label}: {} opens", opens.len());
        for (hit, open) in opens.iter().enumerate() {
            let mut packet: Vec<&PyMessage> = messages
                .iter()
                .filter(|m| m.packet == open.packet)
                .collect();
            packet.sort_by_key(|m| m.index);
            // Hits fall on steps 0, 1, 3 of each pass: levels X, x, x; the 2-step lane has a
            // value on even steps, so on the first hit of each pass.
            let level = [1.0, 0.6, 0.6][hit % 3];
            let mut want = vec![
                (
                    "/mod/voice1/freq",
                    f64::from([110.0f32, 150.0, 220.5][hit % 3]),
                ),
                ("/mod/voice1/amp", f64::from(0.3f32 * level as f32)),
                ("/mod/voice1/filter/freq", 1000.0 + 1500.0 * (level - 0.5)),
                ("/mod/voice1/send/reverb", 0.25),
                ("/mod/voice1/send/delay", 0.0),
            ];
            if hit % 3 == 0 {
                want.push(("/mod/voice1/filter/q", 5.0));
            }
            let got: Vec<(&str, f64)> = packet
                .iter()
                .filter(|m| m.address != "/gate/voice1")
                .map(|m| (m.address.as_str(), m.float()))
                .collect();
            assert_eq!(got.len(), want.len(), "{label}, hit {hit}: {got:?}");
            for ((address, value), (want_address, want_value)) in got.iter().zip(&want) {
                assert_eq!(address, want_address, "{label}, hit {hit}: {got:?}");
                assert!(
                    (value - want_value).abs() < 1e-4,
                    "{label}, hit {hit}: {address} {value} (want {want_value})"
                );
            }
            assert_eq!(
                packet.last().map(|m| m.address.as_str()),
                Some("/gate/voice1"),
                "{label}, hit {hit}: the gate comes last"
            );
        }
        // Step 2 (a rest, even): the lane value goes alone.
        let alone: Vec<&PyMessage> = messages
            .iter()
            .filter(|m| m.address.starts_with("/mod/"))
            .filter(|m| !opens.iter().any(|open| open.packet == m.packet))
            .collect();
        assert!(!alone.is_empty(), "{label}: lane values on rests");
        for message in alone {
            assert_eq!(message.address, "/mod/voice1/filter/q", "{label}");
            assert!((message.float() - 5.0).abs() < 1e-6, "{label}");
        }
    }
}
