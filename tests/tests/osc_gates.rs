//! OSC gates end to end: the real plugin bundle, loaded through clack-host, sends `/gate/voiceN`
//! (and `/mod/...`) over UDP to a loopback receiver in this process, which decodes them with
//! rosc. Timed-mode runs are paced by the wall clock (each `process` call at its time, like a
//! DAW), so the sidecar sends while the run goes on; bundle-mode runs are paced offline.
//!
//! What is checked (docs/OSC.md):
//! - content, exactly: one gate message per note event the plugin sent to the host in the same
//!   run (note-on → int 1, note-off → int 0), per track in order, alternating 1, 0, 1, 0, every 1
//!   closed; `/mod/voiceN/freq` (Hz of the note) and `/mod/voiceN/amp` (velocity / 127) ahead of
//!   the 1 in the same bundle; nothing for tracks that do not play; the message count of a dense
//!   pattern (16 tracks of 1/64 at 300 BPM with freq and amp) exactly, zero missing;
//! - cuts: muting a track, stopping the transport, switching `osc_on` off and deactivating the
//!   plugin each close the open gates at that moment;
//! - timing, exactly, never against the receiver's clock: in bundle mode each gate's timetag is
//!   its due instant (+ the bundle latency), and the gates of one host buffer are due at their
//!   sample offsets from the buffer's call, so the difference of two timetags from one buffer is
//!   the difference of their samples / rate (+ `osc_delay` where it changed between them), to
//!   the nanosecond. How late gates arrive is measured by `cargo xtask osc-latency`.

use chronus_seq_host_tests::osc::{
    expected_gates, flatten, note_hz, pattern_osc_state_bytes, samples_to_nanos,
    timetag_nanos_between, Datagram, ExpectedGate, OscMode, OscOutConfig, OscReceiver,
    ReceivedMessage, OSC_IMMEDIATELY,
};
use chronus_seq_host_tests::{
    blocks_for, wall_clock_lock, NoteKind, Pacing, PluginHost, ScriptRun, TransportScript,
};
use rosc::OscTime;
use std::time::{Duration, Instant};

const SAMPLE_RATE: f64 = 48_000.0;
const BLOCK: u32 = 256;
/// Host buffer of the bundle-mode tests: long enough to hold a gate's open and its cut.
const LONG_BLOCK: u32 = 8_192;
/// Timetag differences may be off by the rounding of two timetags (2⁻³² s each) and of the
/// plugin's nanosecond durations: a representation tolerance, not a timing window.
const TAG_ROUNDING_NS: i64 = 3;
/// How long the receiver waits for stragglers after the plugin is gone.
const SETTLE: Duration = Duration::from_millis(150);

/// One track of a test pattern: its MIDI key and whether it sends freq / amp.
#[derive(Debug, Clone, Copy)]
struct TrackSpec {
    /// 1-based track number (address `/gate/voice{track}`).
    track: usize,
    key: u8,
    freq: bool,
    amp: bool,
}

impl TrackSpec {
    fn gate(&self) -> String {
        format!("/gate/voice{}", self.track)
    }

    fn mods(&self) -> usize {
        usize::from(self.freq) + usize::from(self.amp)
    }
}

fn blocks(seconds: f64) -> usize {
    blocks_for(SAMPLE_RATE, BLOCK, seconds)
}

/// Samples in `blocks` blocks of [`BLOCK`].
fn samples(blocks: usize) -> u64 {
    blocks as u64 * u64::from(BLOCK)
}

/// A script at 48 kHz in blocks of [`BLOCK`], paced by the wall clock.
fn wall_clock_script(tempo: f64) -> TransportScript {
    TransportScript::new(SAMPLE_RATE, tempo, BLOCK).with_pacing(Pacing::WallClock)
}

/// Loads the plugin with `state`, then activates it at 48 kHz with 256-sample buffers.
fn plugin_with_state(state: &[u8]) -> PluginHost {
    plugin_with_state_and_block(state, BLOCK)
}

/// Loads the plugin with `state`, then activates it at 48 kHz with `max_block`-sample buffers.
fn plugin_with_state_and_block(state: &[u8], max_block: u32) -> PluginHost {
    let mut host = PluginHost::load_default().expect("building and loading the Chronus Seq bundle");
    host.load_state(state)
        .expect("loading a pattern and OSC settings");
    host.activate(SAMPLE_RATE, max_block)
        .unwrap_or_else(|e| panic!("activating at 48 kHz / {max_block}: {e}"));
    host
}

/// The timetag of the gate message of `gate` (the `index`-th gate message of its track).
fn tag_of(messages: &[ReceivedMessage], track: usize, index: usize) -> OscTime {
    let address = format!("/gate/voice{track}");
    let message = messages
        .iter()
        .filter(|m| m.addr == address)
        .nth(index)
        .unwrap_or_else(|| panic!("{address}: no gate message {index}"));
    message
        .timetag
        .unwrap_or_else(|| panic!("{address}: bundle mode sends bundles: {message:?}"))
}

/// Asserts `later − earlier` is `nanos` to the timetags' resolution.
fn assert_tag_gap(label: &str, earlier: OscTime, later: OscTime, nanos: i64) {
    let gap = timetag_nanos_between(earlier, later);
    assert!(
        (gap - nanos).abs() <= TAG_ROUNDING_NS,
        "{label}: timetags {gap} ns apart, expected {nanos} ns"
    );
}

/// The CLAP value of parameter `string_id` at its max (`true`) or min (`false`).
fn bool_param(host: &mut PluginHost, string_id: &str, on: bool) -> (u32, f64) {
    let param = host
        .find_param(string_id)
        .unwrap_or_else(|e| panic!("finding parameter {string_id:?}: {e}"));
    (param.id, if on { param.max } else { param.min })
}

/// The single int value of a gate message (panics on anything else).
fn gate_value(message: &ReceivedMessage) -> i32 {
    message.single_int().unwrap_or_else(|| {
        panic!(
            "{} carries {:?}, expected one int (1 or 0)",
            message.addr, message.args
        )
    })
}

/// Checks everything `datagrams` hold against the note events of `run`, for the tracks in
/// `specs`, sent in `mode`: exact content per track, in order, freq/amp bundles, no stray
/// messages.
fn check_gates(
    label: &str,
    run: &ScriptRun,
    datagrams: &[Datagram],
    specs: &[TrackSpec],
    mode: OscMode,
) {
    let track_of_key = |key: u8| specs.iter().find(|s| s.key == key).map(|s| s.track);
    let expected = expected_gates(run, track_of_key).unwrap_or_else(|e| panic!("{label}: {e}"));
    let messages = flatten(datagrams);

    // Every address is one we expect.
    let known: Vec<String> = specs
        .iter()
        .flat_map(|s| {
            let voice = format!("voice{}", s.track);
            [
                s.gate(),
                format!("/mod/{voice}/freq"),
                format!("/mod/{voice}/amp"),
            ]
        })
        .collect();
    for message in &messages {
        assert!(
            known.contains(&message.addr),
            "{label}: unexpected OSC address {} {:?}",
            message.addr,
            message.args
        );
    }

    let mut mod_messages = 0;
    for spec in specs {
        let want: Vec<&ExpectedGate> = expected.iter().filter(|g| g.track == spec.track).collect();
        let got: Vec<&ReceivedMessage> =
            messages.iter().filter(|m| m.addr == spec.gate()).collect();
        let got_values: Vec<i32> = got.iter().map(|m| gate_value(m)).collect();
        let want_values: Vec<i32> = want.iter().map(|g| i32::from(g.open)).collect();
        assert_eq!(
            got_values,
            want_values,
            "{label}: gate values of {} (received) vs the plugin's note events for key {}",
            spec.gate(),
            spec.key
        );
        // Alternation and closure hold for the note events, so they hold here too; say so
        // explicitly in case the note events themselves were wrong.
        for (i, value) in got_values.iter().enumerate() {
            assert_eq!(
                *value,
                if i % 2 == 0 { 1 } else { 0 },
                "{label}: {} does not alternate 1, 0: {got_values:?}",
                spec.gate()
            );
        }
        assert!(
            got_values.last() != Some(&1),
            "{label}: {} left open: {got_values:?}",
            spec.gate()
        );

        for (message, gate) in got.iter().zip(&want) {
            let packet: Vec<&ReceivedMessage> = messages
                .iter()
                .filter(|m| m.datagram == message.datagram)
                .collect();
            if gate.open && spec.mods() > 0 {
                let voice = format!("voice{}", spec.track);
                let mut want_addrs = Vec::new();
                if spec.freq {
                    want_addrs.push(format!("/mod/{voice}/freq"));
                }
                if spec.amp {
                    want_addrs.push(format!("/mod/{voice}/amp"));
                }
                want_addrs.push(spec.gate());
                let addrs: Vec<String> = packet.iter().map(|m| m.addr.clone()).collect();
                assert_eq!(
                    addrs,
                    want_addrs,
                    "{label}: the open of {} (sample {}) must come in one bundle after its \
                     freq/amp",
                    spec.gate(),
                    gate.sample
                );
                for part in &packet {
                    match mode {
                        OscMode::Timed => assert_eq!(
                            part.timetag,
                            Some(OSC_IMMEDIATELY),
                            "{label}: timed-mode bundle of {} must be tagged immediately",
                            spec.gate()
                        ),
                        OscMode::Bundle => assert!(
                            part.timetag.is_some_and(|tag| tag != OSC_IMMEDIATELY),
                            "{label}: bundle-mode bundle of {} must carry its due time",
                            spec.gate()
                        ),
                    }
                }
                if spec.freq {
                    let hz = packet[0].single_float().unwrap_or_else(|| {
                        panic!(
                            "{label}: freq carries {:?}, expected one float",
                            packet[0].args
                        )
                    });
                    let want_hz = note_hz(gate.key);
                    assert!(
                        (f64::from(hz) - want_hz).abs() <= want_hz * 1e-6,
                        "{label}: {} = {hz} Hz, expected {want_hz} Hz (MIDI {})",
                        packet[0].addr,
                        gate.key
                    );
                }
                if spec.amp {
                    let amp_message = packet[usize::from(spec.freq)];
                    let amp = amp_message.single_float().unwrap_or_else(|| {
                        panic!(
                            "{label}: amp carries {:?}, expected one float",
                            amp_message.args
                        )
                    });
                    assert_eq!(
                        amp,
                        f32::from(gate.velocity) / 127.0,
                        "{label}: {} for velocity {}",
                        amp_message.addr,
                        gate.velocity
                    );
                }
                mod_messages += spec.mods();
            } else {
                assert_eq!(
                    packet.len(),
                    1,
                    "{label}: {} {} should travel alone: {packet:?}",
                    spec.gate(),
                    i32::from(gate.open)
                );
                match mode {
                    OscMode::Timed => assert_eq!(
                        message.timetag, None,
                        "{label}: timed-mode single gate messages are plain messages"
                    ),
                    OscMode::Bundle => assert!(
                        message.timetag.is_some_and(|tag| tag != OSC_IMMEDIATELY),
                        "{label}: bundle mode sends every gate in a bundle with its due time"
                    ),
                }
            }
        }
    }
    let gate_messages = messages
        .iter()
        .filter(|m| m.addr.starts_with("/gate/"))
        .count();
    assert_eq!(
        messages.len(),
        gate_messages + mod_messages,
        "{label}: /mod messages outside the open bundles"
    );
}

/// The `/gate/voice{track}` messages' values and arrival instants, in arrival order.
fn gate_values(messages: &[ReceivedMessage], track: usize) -> Vec<(i32, Instant)> {
    let address = format!("/gate/voice{track}");
    messages
        .iter()
        .filter(|m| m.addr == address)
        .map(|m| (gate_value(m), m.arrived))
        .collect()
}

/// The values alone.
fn values(gates: &[(i32, Instant)]) -> Vec<i32> {
    gates.iter().map(|(value, _)| *value).collect()
}

/// The note event of `gate` in `expected` for track `track`, `index`-th of that track.
fn expected_of(expected: &[ExpectedGate], track: usize, index: usize) -> ExpectedGate {
    *expected
        .iter()
        .filter(|g| g.track == track)
        .nth(index)
        .unwrap_or_else(|| panic!("track {track}: no note event {index}"))
}

const KICK: &str =
    r#"{"name":"Kick","length":16,"rate":"1/16","channel":1,"note":36,"steps":"x...x...x...x..."}"#;
const BASS: &str =
    r#"{"name":"Bass","length":8,"rate":"1/8","channel":2,"note":57,"steps":"X.x.xXx."}"#;
const SILENT: &str =
    r#"{"name":"Rest","length":16,"rate":"1/16","channel":1,"note":60,"steps":"................"}"#;
const LEAD: &str =
    r#"{"name":"Lead","length":4,"rate":"1/4","channel":3,"note":69,"steps":"x.X."}"#;

/// Two seconds (one bar at 120 BPM) of four tracks: a kick (gate only), a bass with freq and
/// amp, a track of rests, and a lead with freq only. Then a stopped block and deactivation. The
/// real-time smoke test: wall-clock pacing, timed mode, content and order.
#[test]
fn gates_follow_the_notes_in_content_and_order() {
    let _serial = wall_clock_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let osc = OscOutConfig::to_port(receiver.port())
        .with_mod(2, true, true)
        .with_mod(4, true, false);
    let mut host = plugin_with_state(&pattern_osc_state_bytes(&[KICK, BASS, SILENT, LEAD], &osc));

    let play = blocks(2.0);
    let run = wall_clock_script(120.0)
        .with_stop_at_block(play)
        .run(&mut host, samples(play + blocks(0.05)))
        .expect("playing two seconds in real time");
    drop(host);
    let datagrams = receiver.finish(SETTLE).expect("receiving the gates");

    let specs = [
        TrackSpec {
            track: 1,
            key: 36,
            freq: false,
            amp: false,
        },
        TrackSpec {
            track: 2,
            key: 57,
            freq: true,
            amp: true,
        },
        TrackSpec {
            track: 3,
            key: 60,
            freq: false,
            amp: false,
        },
        TrackSpec {
            track: 4,
            key: 69,
            freq: true,
            amp: false,
        },
    ];
    // The pattern itself, independent of the note events: one bar.
    let ons = |key: i16| run.note_ons().filter(|n| n.note.key == key).count();
    assert_eq!(
        (ons(36), ons(57), ons(60), ons(69)),
        (4, 5, 0, 2),
        "note-ons per track in one bar"
    );
    check_gates(
        "one bar, four tracks",
        &run,
        &datagrams,
        &specs,
        OscMode::Timed,
    );
    let messages = flatten(&datagrams);
    assert_eq!(
        messages.len(),
        (4 + 4) + (5 * 3 + 5) + (2 * 2 + 2),
        "messages: kick 4 opens + 4 closes, bass 5 × (freq, amp, 1) + 5 closes, lead 2 × (freq, \
         1) + 2 closes"
    );
    assert!(
        gate_values(&messages, 3).is_empty(),
        "the silent track sent gates"
    );
}

/// The densest musical case: 16 tracks of 1/64 steps, every step on, freq and amp on every
/// track, 300 BPM (a step every 12.5 ms on each track: ≈ 5,100 messages per second) for one
/// second at real-time pace. Every message the note events call for arrives: 3 per note-on, 1
/// per note-off.
#[test]
fn sixteen_tracks_of_sixty_fourths_at_300_bpm_lose_nothing() {
    let _serial = wall_clock_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let mut osc = OscOutConfig::to_port(receiver.port());
    let tracks: Vec<String> = (0..16u8)
        .map(|i| {
            format!(
                r#"{{"name":"T{}","length":16,"rate":"1/64","channel":1,"note":{},"steps":"xxxxxxxxxxxxxxxx"}}"#,
                i + 1,
                48 + i
            )
        })
        .collect();
    for track in 1..=16 {
        osc = osc.with_mod(track, true, true);
    }
    let track_refs: Vec<&str> = tracks.iter().map(String::as_str).collect();
    let mut host = plugin_with_state(&pattern_osc_state_bytes(&track_refs, &osc));

    let play = blocks(1.0);
    let run = wall_clock_script(300.0)
        .with_stop_at_block(play)
        .run(&mut host, samples(play + blocks(0.05)))
        .expect("playing one second in real time");
    // The instance keeps running while the receiver settles: its sidecar sends the last
    // blocks' messages at their due times even when the machine is slow to get to them.
    let datagrams = receiver.finish(SETTLE).expect("receiving the gates");
    drop(host);

    let note_ons = run.count(NoteKind::On);
    let note_offs = run.count(NoteKind::Off) + run.count(NoteKind::Choke);
    // 1 s at 300 BPM = 5 beats = 80 sixty-fourths per track (the last block ends a little past
    // the second, so allow the block's extra step).
    assert!(
        (16 * 80..=16 * 81).contains(&note_ons),
        "expected 80 or 81 note-ons on each of 16 tracks, got {note_ons}"
    );
    assert_eq!(note_ons, note_offs, "every note-on has its note-off");
    let messages = flatten(&datagrams);
    assert_eq!(
        messages.len(),
        3 * note_ons + note_offs,
        "every message arrives: 3 per note-on (freq, amp, gate) + 1 per note-off; {} datagrams",
        datagrams.len()
    );
    let specs: Vec<TrackSpec> = (0..16u8)
        .map(|i| TrackSpec {
            track: usize::from(i) + 1,
            key: 48 + i,
            freq: true,
            amp: true,
        })
        .collect();
    check_gates(
        "16 × 1/64 at 300 BPM",
        &run,
        &datagrams,
        &specs,
        OscMode::Timed,
    );
}

/// Sixteenths at 120 BPM (a step every 6,000 samples, gates half a step long) in bundle mode,
/// with `osc_delay` set to 20 ms at sample 4,000 of the first host buffer (8,192 samples):
/// the open at 0 and its close at 3,000 are not delayed, the open at 6,000 is delayed by exactly
/// 20 ms — its timetag is 125 ms + 20 ms after the first open's.
#[test]
fn osc_delay_shifts_the_gates_after_it_by_exactly_its_value() {
    let _serial = wall_clock_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let osc = OscOutConfig::to_port(receiver.port())
        .with_mode(OscMode::Bundle, 20.0)
        .with_mod(1, true, true);
    let sixteenths = r#"{"name":"Hat","length":16,"rate":"1/16","channel":1,"note":42,"steps":"xxxxxxxxxxxxxxxx"}"#;
    let mut host =
        plugin_with_state_and_block(&pattern_osc_state_bytes(&[sixteenths], &osc), LONG_BLOCK);
    let param = host.find_param("osc_delay").expect("finding osc_delay");
    let value = host
        .text_to_value(param.id, "20")
        .expect("calling text_to_value")
        .expect("osc_delay parses \"20\"");

    // Paced by the wall clock like a host: the sidecar takes each buffer's gates as they come.
    let run = TransportScript::new(SAMPLE_RATE, 120.0, LONG_BLOCK)
        .with_pacing(Pacing::WallClock)
        .with_param_change(0, 4_000, param.id, value)
        .with_stop_at_block(2)
        .run(&mut host, 3 * u64::from(LONG_BLOCK))
        .expect("playing with a 20 ms OSC delay from sample 4,000");
    drop(host);
    let datagrams = receiver.finish(SETTLE).expect("receiving the gates");
    let specs = [TrackSpec {
        track: 1,
        key: 42,
        freq: true,
        amp: true,
    }];
    check_gates("osc_delay", &run, &datagrams, &specs, OscMode::Bundle);

    let expected = expected_gates(&run, |key| (key == 42).then_some(1)).expect("expected gates");
    let (first_open, first_close, second_open) = (
        expected_of(&expected, 1, 0),
        expected_of(&expected, 1, 1),
        expected_of(&expected, 1, 2),
    );
    assert_eq!(
        [first_open, first_close, second_open].map(|g| (g.call, g.open, g.offset)),
        [(0, true, 0), (0, false, 3_000), (0, true, 6_000)],
        "the three gates come from the first host buffer"
    );
    let messages = flatten(&datagrams);
    let open_tag = tag_of(&messages, 1, 0);
    assert_tag_gap(
        "close of step 0, before the change",
        open_tag,
        tag_of(&messages, 1, 1),
        samples_to_nanos(3_000, SAMPLE_RATE),
    );
    assert_tag_gap(
        "open of step 1, after the change",
        open_tag,
        tag_of(&messages, 1, 2),
        samples_to_nanos(6_000, SAMPLE_RATE) + 20_000_000,
    );
}

/// Two quarter-note tracks (keys 36 and 38) at 120 BPM: gates open at 0 and last 250 ms.
const QUARTER_1: &str = r#"{"name":"A","length":1,"rate":"1/4","channel":1,"note":36,"steps":"x"}"#;
const QUARTER_2: &str = r#"{"name":"B","length":1,"rate":"1/4","channel":1,"note":38,"steps":"x"}"#;
/// Sample 6000 (125 ms, halfway through the first gates), inside the first long host buffer.
const CUT: u32 = 6_000;

/// Plays the two quarter-note tracks for 1.2 s in host buffers of [`LONG_BLOCK`] samples in
/// bundle mode, setting the boolean parameter `string_id` to `value` at sample 6000 (mid-gate,
/// in the first buffer), then stops; returns the run, what the receiver got and the decoded
/// messages.
fn play_quarters_and_set_mid_gate(
    string_id: &str,
    value: bool,
) -> (ScriptRun, Vec<Datagram>, Vec<ReceivedMessage>) {
    let _serial = wall_clock_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let osc = OscOutConfig::to_port(receiver.port()).with_mode(OscMode::Bundle, 20.0);
    let mut host = plugin_with_state_and_block(
        &pattern_osc_state_bytes(&[QUARTER_1, QUARTER_2], &osc),
        LONG_BLOCK,
    );
    let (param, plain) = bool_param(&mut host, string_id, value);

    let play = (1.2 * SAMPLE_RATE / f64::from(LONG_BLOCK)).ceil() as usize;
    // Paced by the wall clock like a host, so the gate clock's due instants of successive
    // buffers follow each other as in a DAW.
    let run = TransportScript::new(SAMPLE_RATE, 120.0, LONG_BLOCK)
        .with_pacing(Pacing::WallClock)
        .with_param_change(0, CUT, param, plain)
        .with_stop_at_block(play)
        .run(&mut host, (play as u64 + 1) * u64::from(LONG_BLOCK))
        .unwrap_or_else(|e| panic!("playing while setting {string_id} to {value}: {e}"));
    drop(host);
    let datagrams = receiver.finish(SETTLE).expect("receiving the gates");
    let messages = flatten(&datagrams);
    (run, datagrams, messages)
}

/// Muting track 1 while its gate is open sends its 0 at the mute's sample — its timetag is
/// exactly 125 ms after the open's; it stays silent while track 2 plays on.
#[test]
fn muting_a_track_mid_gate_closes_it_at_that_moment() {
    let (run, datagrams, messages) = play_quarters_and_set_mid_gate("mute_1", true);

    assert_eq!(
        values(&gate_values(&messages, 1)),
        vec![1, 0],
        "track 1 opens at 0 and closes at the mute, then stays silent"
    );
    assert_tag_gap(
        "track 1's 0 at the mute",
        tag_of(&messages, 1, 0),
        tag_of(&messages, 1, 1),
        samples_to_nanos(u64::from(CUT), SAMPLE_RATE),
    );
    assert_eq!(
        values(&gate_values(&messages, 2)),
        vec![1, 0, 1, 0, 1, 0],
        "track 2 plays on (beats 0, 1, 2)"
    );

    let specs = [
        TrackSpec {
            track: 1,
            key: 36,
            freq: false,
            amp: false,
        },
        TrackSpec {
            track: 2,
            key: 38,
            freq: false,
            amp: false,
        },
    ];
    check_gates("mute mid-gate", &run, &datagrams, &specs, OscMode::Bundle);
}

/// Stopping the transport while both gates are open closes both at the first stopped block;
/// nothing follows while stopped. Real-time pace, timed mode: content and order.
#[test]
fn stopping_the_transport_closes_open_gates() {
    let _serial = wall_clock_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let osc = OscOutConfig::to_port(receiver.port());
    let mut host = plugin_with_state(&pattern_osc_state_bytes(&[QUARTER_1, QUARTER_2], &osc));

    let stop_block = 23;
    let run = wall_clock_script(120.0)
        .with_stop_at_block(stop_block)
        .run(&mut host, samples(stop_block + blocks(0.4)))
        .expect("playing, then stopping");
    drop(host);
    let datagrams = receiver.finish(SETTLE).expect("receiving the gates");
    let messages = flatten(&datagrams);

    for track in [1, 2] {
        assert_eq!(
            values(&gate_values(&messages, track)),
            vec![1, 0],
            "track {track}: open at 0, closed by the stop, nothing while stopped"
        );
    }
    let track_of_key = |key: u8| [36, 38].iter().position(|k| *k == key).map(|i| i + 1);
    let expected = expected_gates(&run, track_of_key).expect("expected gates");
    assert!(
        expected
            .iter()
            .filter(|g| !g.open)
            .all(|g| g.sample == samples(stop_block)),
        "both note-offs fall on the first stopped block's first sample: {expected:?}"
    );
    let specs = [
        TrackSpec {
            track: 1,
            key: 36,
            freq: false,
            amp: false,
        },
        TrackSpec {
            track: 2,
            key: 38,
            freq: false,
            amp: false,
        },
    ];
    check_gates("stop mid-gate", &run, &datagrams, &specs, OscMode::Timed);
}

/// Switching `osc_on` off while gates are open closes them at that sample (in track order, both
/// timetags exactly 125 ms after the opens); the sequencer plays on to the host but sends no
/// more OSC.
#[test]
fn switching_osc_off_mid_gate_closes_open_gates() {
    let (run, _, messages) = play_quarters_and_set_mid_gate("osc_on", false);

    assert_eq!(
        run.count(NoteKind::On),
        6,
        "the host still gets beats 0, 1 and 2 of both tracks"
    );
    for track in [1, 2] {
        assert_eq!(
            values(&gate_values(&messages, track)),
            vec![1, 0],
            "track {track}: open at 0, closed when OSC goes off, then nothing"
        );
        assert_tag_gap(
            &format!("track {track}'s 0 at osc_on off"),
            tag_of(&messages, track, 0),
            tag_of(&messages, track, 1),
            samples_to_nanos(u64::from(CUT), SAMPLE_RATE),
        );
    }
    let closes: Vec<&str> = messages
        .iter()
        .filter(|m| m.single_int() == Some(0))
        .map(|m| m.addr.as_str())
        .collect();
    assert_eq!(
        closes,
        ["/gate/voice1", "/gate/voice2"],
        "closes in track order"
    );
    assert_eq!(
        messages.len(),
        4,
        "no OSC after switching it off: {messages:?}"
    );
}

/// Deactivating the plugin while gates are open (no stopped block first) closes them during
/// the deactivation: the closes arrive after it began, and nothing else.
#[test]
fn deactivating_mid_gate_closes_open_gates() {
    let _serial = wall_clock_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let osc = OscOutConfig::to_port(receiver.port());
    let mut host = plugin_with_state(&pattern_osc_state_bytes(&[QUARTER_1, QUARTER_2], &osc));

    let run = wall_clock_script(120.0)
        .run(&mut host, samples(23))
        .expect("playing into the first gates");
    // Let the opens (due one buffer after block 0) leave before deactivating.
    std::thread::sleep(Duration::from_millis(10));
    let before = Instant::now();
    host.deactivate();
    drop(host);
    let datagrams = receiver.finish(SETTLE).expect("receiving the gates");
    let messages = flatten(&datagrams);

    assert_eq!(run.count(NoteKind::On), 2, "both tracks start a note at 0");
    assert_eq!(
        run.count(NoteKind::Off),
        0,
        "no note ends before the deactivation"
    );
    for track in [1, 2] {
        let gates = gate_values(&messages, track);
        assert_eq!(
            values(&gates),
            vec![1, 0],
            "track {track}: open at 0, closed by the deactivation"
        );
        assert!(
            gates[1].1 >= before,
            "track {track}'s 0 arrived before the deactivation began"
        );
    }
    assert_eq!(messages.len(), 4, "nothing but the opens and closes");
}

/// Sanity check of the harness itself: the receiver sees nothing when the plugin sends to
/// another port, so the tests above cannot pass on stray traffic.
#[test]
fn gates_go_only_to_the_configured_port() {
    let _serial = wall_clock_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let elsewhere = OscReceiver::start().expect("starting a second receiver");
    let osc = OscOutConfig::to_port(elsewhere.port());
    let mut host = plugin_with_state(&pattern_osc_state_bytes(&[QUARTER_1], &osc));
    wall_clock_script(120.0)
        .run(&mut host, samples(blocks(0.1)))
        .expect("playing briefly");
    drop(host);
    let here = receiver.finish(SETTLE).expect("receiving");
    let there = elsewhere
        .finish(Duration::ZERO)
        .expect("receiving elsewhere");
    assert!(here.is_empty(), "stray datagrams: {here:?}");
    let values: Vec<i32> = flatten(&there)
        .iter()
        .map(|m| m.single_int().unwrap_or(-1))
        .collect();
    assert_eq!(
        values,
        [1, 0],
        "the configured port gets the open and the close on removal"
    );
}
