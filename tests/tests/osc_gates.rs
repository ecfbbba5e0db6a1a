//! OSC gates end to end: the real plugin bundle, loaded through clack-host, driven at real-time
//! pace (each `process` call at its wall-clock time), sends `/gate/voiceN` (and `/mod/...`) over
//! UDP to a loopback receiver in this process, which decodes them with rosc.
//!
//! What is checked (docs/OSC.md):
//! - content, exactly: one gate message per note event the plugin sent to the host in the same
//!   run (note-on → int 1, note-off → int 0), per track in order, alternating 1, 0, 1, 0, every 1
//!   closed; `/mod/voiceN/freq` (Hz of the note) and `/mod/voiceN/amp` (velocity / 127) ahead of
//!   the 1 in the same bundle; nothing for tracks that do not play; the message count of a dense
//!   pattern (16 tracks of 1/64 at 300 BPM with freq and amp) exactly, zero missing;
//! - cuts: muting a track, stopping the transport, switching `osc_on` off and deactivating the
//!   plugin each close the open gates at that moment;
//! - timing, generously (wall clock on a small shared machine): every arrival within
//!   [due − 1 ms, due + 15 ms], where due = wall time of the block's `process` call + event
//!   offset / rate + one max buffer / rate (+ `osc_delay`, 0 here). The spread is printed (run
//!   with `--nocapture` to see it).

use chronus_seq_host_tests::osc::{
    expected_gates, flatten, note_hz, pattern_osc_state_bytes, signed_ms, Datagram, ExpectedGate,
    OscOutConfig, OscReceiver, ReceivedMessage, Spread, OSC_IMMEDIATELY,
};
use chronus_seq_host_tests::{realtime_lock, NoteKind, PluginHost, RealtimeRun, RealtimeScript};
use std::time::{Duration, Instant};

const SAMPLE_RATE: f64 = 48_000.0;
const BLOCK: u32 = 256;
/// Earliest accepted arrival before the due time, in ms.
const EARLY_MS: f64 = 1.0;
/// Latest accepted arrival after the due time, in ms.
const LATE_MS: f64 = 15.0;
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
    RealtimeScript::blocks_for(SAMPLE_RATE, BLOCK, seconds)
}

/// Loads the plugin with `state`, then activates it at 48 kHz with 256-sample buffers.
fn plugin_with_state(state: &[u8]) -> PluginHost {
    let mut host = PluginHost::load_default().expect("building and loading the Chronus Seq bundle");
    host.load_state(state)
        .expect("loading a pattern and OSC settings");
    host.activate(SAMPLE_RATE, BLOCK)
        .expect("activating at 48 kHz / 256");
    host
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
/// `specs` (timed mode, `osc_delay` = `delay`): exact content per track, freq/amp bundles, no
/// stray messages, and every arrival within the timing window. Returns the arrival − due
/// values (ms).
fn check_gates(
    label: &str,
    run: &RealtimeRun,
    datagrams: &[Datagram],
    specs: &[TrackSpec],
    delay: Duration,
) -> Vec<f64> {
    let track_of_key = |key: u8| specs.iter().find(|s| s.key == key).map(|s| s.track);
    let expected =
        expected_gates(run, track_of_key, delay).unwrap_or_else(|e| panic!("{label}: {e}"));
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

    let mut lateness = Vec::new();
    let mut timing_faults = Vec::new();
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
            let late = signed_ms(message.arrived, gate.due);
            lateness.push(late);
            if !(-EARLY_MS..=LATE_MS).contains(&late) {
                let block = &run.blocks[gate.block];
                let previous = gate.block.checked_sub(1).map(|b| &run.blocks[b]);
                timing_faults.push(format!(
                    "{} {} arrived {late:+.3} ms from its due time (note at sample {}, block {}: \
                     called {:+.3} ms vs schedule, {:.3} ms after the previous call)",
                    spec.gate(),
                    i32::from(gate.open),
                    gate.sample,
                    gate.block,
                    signed_ms(block.called_at, block.scheduled),
                    previous.map_or(0.0, |p| signed_ms(block.called_at, p.called_at)),
                ));
            }
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
                    assert_eq!(
                        part.timetag,
                        Some(OSC_IMMEDIATELY),
                        "{label}: timed-mode bundle of {} must be tagged immediately",
                        spec.gate()
                    );
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
                assert_eq!(
                    message.timetag, None,
                    "{label}: timed-mode single gate messages are plain messages"
                );
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
    assert!(
        timing_faults.is_empty(),
        "{label}: {} of {} gate messages outside [-{EARLY_MS}, +{LATE_MS}] ms of their due \
         time ({}):\n{}",
        timing_faults.len(),
        lateness.len(),
        Spread::of(&lateness),
        timing_faults.join("\n")
    );
    lateness
}

fn report(label: &str, lateness: &[f64], run: &RealtimeRun) {
    let (median, max) = run.call_lateness();
    println!(
        "{label}: arrival - due: {} | process calls late vs schedule: median {:.3} max {:.3} ms",
        Spread::of(lateness),
        median.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
}

/// Number of `/gate/voice{track}` messages per value, for quick assertions.
fn gate_values(messages: &[ReceivedMessage], track: usize) -> Vec<(i32, Instant)> {
    let address = format!("/gate/voice{track}");
    messages
        .iter()
        .filter(|m| m.addr == address)
        .map(|m| (gate_value(m), m.arrived))
        .collect()
}

fn assert_within(label: &str, arrived: Instant, due: Instant) -> f64 {
    let late = signed_ms(arrived, due);
    assert!(
        (-EARLY_MS..=LATE_MS).contains(&late),
        "{label}: arrived {late:+.3} ms from its due time; accepted [-{EARLY_MS}, +{LATE_MS}] ms"
    );
    late
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
/// amp, a track of rests, and a lead with freq only. Then a stopped block and deactivation.
#[test]
fn gates_follow_the_notes_at_their_due_times() {
    let _serial = realtime_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let osc = OscOutConfig::to_port(receiver.port())
        .with_mod(2, true, true)
        .with_mod(4, true, false);
    let mut host = plugin_with_state(&pattern_osc_state_bytes(&[KICK, BASS, SILENT, LEAD], &osc));

    let play = blocks(2.0);
    let run = RealtimeScript::new(SAMPLE_RATE, 120.0, BLOCK, play + blocks(0.05))
        .with_stop_at_block(play)
        .run(&mut host)
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
    let ons = |key: i16| {
        run.notes()
            .filter(|n| n.note.kind == NoteKind::On && n.note.key == key)
            .count()
    };
    assert_eq!(
        (ons(36), ons(57), ons(60), ons(69)),
        (4, 5, 0, 2),
        "note-ons per track in one bar"
    );
    let lateness = check_gates(
        "one bar, four tracks",
        &run,
        &datagrams,
        &specs,
        Duration::ZERO,
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
    report("one bar, four tracks", &lateness, &run);
}

/// The densest musical case: 16 tracks of 1/64 steps, every step on, freq and amp on every
/// track, 300 BPM (a step every 12.5 ms on each track: ≈ 5,100 messages per second) for one
/// second. Every message the note events call for arrives: 3 per note-on, 1 per note-off.
#[test]
fn sixteen_tracks_of_sixty_fourths_at_300_bpm_lose_nothing() {
    let _serial = realtime_lock();
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
    let run = RealtimeScript::new(SAMPLE_RATE, 300.0, BLOCK, play + blocks(0.05))
        .with_stop_at_block(play)
        .run(&mut host)
        .expect("playing one second in real time");
    drop(host);
    let datagrams = receiver.finish(SETTLE).expect("receiving the gates");

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
    let lateness = check_gates(
        "16 × 1/64 at 300 BPM",
        &run,
        &datagrams,
        &specs,
        Duration::ZERO,
    );
    let seconds = (run.blocks.len() as f64) * f64::from(BLOCK) / SAMPLE_RATE;
    println!(
        "16 × 1/64 at 300 BPM: {} messages in {} datagrams over {seconds:.3} s ({:.0} messages/s)",
        messages.len(),
        datagrams.len(),
        messages.len() as f64 / seconds
    );
    report("16 × 1/64 at 300 BPM", &lateness, &run);
}

/// The `osc_delay` parameter (20 ms, set on the first sample) delays every gate by that much.
#[test]
fn osc_delay_shifts_every_gate() {
    let _serial = realtime_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let osc = OscOutConfig::to_port(receiver.port()).with_mod(1, true, true);
    let mut host = plugin_with_state(&pattern_osc_state_bytes(&[KICK], &osc));
    let param = host.find_param("osc_delay").expect("finding osc_delay");
    let value = host
        .text_to_value(param.id, "20")
        .expect("calling text_to_value")
        .expect("osc_delay parses \"20\"");

    let play = blocks(0.5);
    let run = RealtimeScript::new(SAMPLE_RATE, 120.0, BLOCK, play + blocks(0.05))
        .with_param_change(0, 0, param.id, value)
        .with_stop_at_block(play)
        .run(&mut host)
        .expect("playing half a second with a 20 ms OSC delay");
    drop(host);
    let datagrams = receiver.finish(SETTLE).expect("receiving the gates");

    assert_eq!(run.count(NoteKind::On), 2, "kick steps 0 and 4");
    let specs = [TrackSpec {
        track: 1,
        key: 36,
        freq: true,
        amp: true,
    }];
    let lateness = check_gates(
        "osc_delay 20 ms",
        &run,
        &datagrams,
        &specs,
        Duration::from_millis(20),
    );
    report("osc_delay 20 ms", &lateness, &run);
}

/// Two quarter-note tracks (keys 36 and 38) at 120 BPM: gates open at 0 and last 250 ms.
const QUARTER_1: &str = r#"{"name":"A","length":1,"rate":"1/4","channel":1,"note":36,"steps":"x"}"#;
const QUARTER_2: &str = r#"{"name":"B","length":1,"rate":"1/4","channel":1,"note":38,"steps":"x"}"#;
/// Block and offset of sample 6000 (125 ms, halfway through the first gates).
const CUT_BLOCK: usize = 23;
const CUT_OFFSET: u32 = 6_000 - 23 * 256;

/// Plays the two quarter-note tracks for 1.2 s at real-time pace, setting the boolean
/// parameter `string_id` to `value` at sample 6000 (mid-gate), then stops; returns the run, what
/// the receiver got and the decoded messages.
fn play_quarters_and_set_mid_gate(
    string_id: &str,
    value: bool,
) -> (RealtimeRun, Vec<Datagram>, Vec<ReceivedMessage>) {
    let _serial = realtime_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let osc = OscOutConfig::to_port(receiver.port());
    let mut host = plugin_with_state(&pattern_osc_state_bytes(&[QUARTER_1, QUARTER_2], &osc));
    let (param, plain) = bool_param(&mut host, string_id, value);

    let play = blocks(1.2);
    let run = RealtimeScript::new(SAMPLE_RATE, 120.0, BLOCK, play + blocks(0.05))
        .with_param_change(CUT_BLOCK, CUT_OFFSET, param, plain)
        .with_stop_at_block(play)
        .run(&mut host)
        .unwrap_or_else(|e| panic!("playing while setting {string_id} to {value}: {e}"));
    drop(host);
    let datagrams = receiver.finish(SETTLE).expect("receiving the gates");
    let messages = flatten(&datagrams);
    (run, datagrams, messages)
}

/// Muting track 1 while its gate is open sends its 0 at the mute's sample; it stays silent
/// while track 2 plays on.
#[test]
fn muting_a_track_mid_gate_closes_it_at_that_moment() {
    let (run, datagrams, messages) = play_quarters_and_set_mid_gate("mute_1", true);

    let track_1 = gate_values(&messages, 1);
    assert_eq!(
        track_1.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
        vec![1, 0],
        "track 1 opens at 0 and closes at the mute, then stays silent"
    );
    let mute_due = run.due(run.called_at(CUT_BLOCK), CUT_OFFSET, Duration::ZERO);
    let late = assert_within("track 1's 0 at the mute", track_1[1].1, mute_due);
    let track_2: Vec<i32> = gate_values(&messages, 2).iter().map(|(v, _)| *v).collect();
    assert_eq!(
        track_2,
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
    let mut lateness = check_gates("mute mid-gate", &run, &datagrams, &specs, Duration::ZERO);
    lateness.push(late);
    report("mute mid-gate", &lateness, &run);
}

/// Stopping the transport while both gates are open closes both at the first stopped block;
/// nothing follows while stopped.
#[test]
fn stopping_the_transport_closes_open_gates() {
    let _serial = realtime_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let osc = OscOutConfig::to_port(receiver.port());
    let mut host = plugin_with_state(&pattern_osc_state_bytes(&[QUARTER_1, QUARTER_2], &osc));

    let run = RealtimeScript::new(SAMPLE_RATE, 120.0, BLOCK, CUT_BLOCK + blocks(0.4))
        .with_stop_at_block(CUT_BLOCK)
        .run(&mut host)
        .expect("playing, then stopping");
    drop(host);
    let datagrams = receiver.finish(SETTLE).expect("receiving the gates");
    let messages = flatten(&datagrams);

    let stop_due = run.due(run.called_at(CUT_BLOCK), 0, Duration::ZERO);
    let mut lateness = Vec::new();
    for track in [1, 2] {
        let gates = gate_values(&messages, track);
        assert_eq!(
            gates.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
            vec![1, 0],
            "track {track}: open at 0, closed by the stop, nothing while stopped"
        );
        lateness.push(assert_within(
            &format!("track {track}'s 0 at the stop"),
            gates[1].1,
            stop_due,
        ));
    }
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
    lateness.extend(check_gates(
        "stop mid-gate",
        &run,
        &datagrams,
        &specs,
        Duration::ZERO,
    ));
    report("stop mid-gate", &lateness, &run);
}

/// Switching `osc_on` off while gates are open closes them at that sample (in track order);
/// the sequencer plays on to the host but sends no more OSC.
#[test]
fn switching_osc_off_mid_gate_closes_open_gates() {
    let (run, _, messages) = play_quarters_and_set_mid_gate("osc_on", false);

    assert_eq!(
        run.count(NoteKind::On),
        6,
        "the host still gets beats 0, 1 and 2 of both tracks"
    );
    let open_due = run.due(run.called_at(0), 0, Duration::ZERO);
    let off_due = run.due(run.called_at(CUT_BLOCK), CUT_OFFSET, Duration::ZERO);
    let mut lateness = Vec::new();
    for track in [1, 2] {
        let gates = gate_values(&messages, track);
        assert_eq!(
            gates.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
            vec![1, 0],
            "track {track}: open at 0, closed when OSC goes off, then nothing"
        );
        lateness.push(assert_within(
            &format!("track {track}'s 1"),
            gates[0].1,
            open_due,
        ));
        lateness.push(assert_within(
            &format!("track {track}'s 0 at osc_on off"),
            gates[1].1,
            off_due,
        ));
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
    report("osc_on off mid-gate", &lateness, &run);
}

/// Deactivating the plugin while gates are open (no stopped block first) closes them during
/// the deactivation.
#[test]
fn deactivating_mid_gate_closes_open_gates() {
    let _serial = realtime_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let osc = OscOutConfig::to_port(receiver.port());
    let mut host = plugin_with_state(&pattern_osc_state_bytes(&[QUARTER_1, QUARTER_2], &osc));

    let run = RealtimeScript::new(SAMPLE_RATE, 120.0, BLOCK, CUT_BLOCK)
        .run(&mut host)
        .expect("playing into the first gates");
    // Let the opens (due one buffer after block 0) leave before deactivating.
    std::thread::sleep(Duration::from_millis(10));
    let before = Instant::now();
    host.deactivate();
    let after = Instant::now();
    drop(host);
    let datagrams = receiver.finish(SETTLE).expect("receiving the gates");
    let messages = flatten(&datagrams);

    assert_eq!(run.count(NoteKind::On), 2, "both tracks start a note at 0");
    assert_eq!(
        run.count(NoteKind::Off),
        0,
        "no note ends before the deactivation"
    );
    let mut lateness = Vec::new();
    for track in [1, 2] {
        let gates = gate_values(&messages, track);
        assert_eq!(
            gates.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
            vec![1, 0],
            "track {track}: open at 0, closed by the deactivation"
        );
        lateness.push(assert_within(
            &format!("track {track}'s 1"),
            gates[0].1,
            run.due(run.called_at(0), 0, Duration::ZERO),
        ));
        let closed = gates[1].1;
        assert!(
            closed >= before && closed <= after + Duration::from_millis(LATE_MS as u64),
            "track {track}'s 0 arrived {:+.3} ms after the deactivation began (it took {:.3} ms)",
            signed_ms(closed, before),
            (after - before).as_secs_f64() * 1e3
        );
    }
    report("deactivate mid-gate", &lateness, &run);
}

/// Sanity check of the harness itself: the receiver sees nothing when the plugin sends to
/// another port, so the tests above cannot pass on stray traffic.
#[test]
fn gates_go_only_to_the_configured_port() {
    let _serial = realtime_lock();
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let elsewhere = OscReceiver::start().expect("starting a second receiver");
    let osc = OscOutConfig::to_port(elsewhere.port());
    let mut host = plugin_with_state(&pattern_osc_state_bytes(&[QUARTER_1], &osc));
    RealtimeScript::new(SAMPLE_RATE, 120.0, BLOCK, blocks(0.1))
        .run(&mut host)
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
