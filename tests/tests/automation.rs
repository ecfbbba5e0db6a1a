//! Parameters automated through `process` events (swing, mute, bypass, Euclid pulses, Fill), and
//! custom patterns loaded through the state extension (format: docs/STATE.md; timing:
//! docs/TIMING.md).

use chronus_seq_host_tests::{
    active_plugin, assert_notes_eq, conditions_state_bytes, pattern_state_bytes, ExpectedNote,
    NoteKind, PluginHost, TransportScript,
};

const SAMPLE_RATE: f64 = 48_000.0;
const TEMPO: f64 = 120.0;
/// One 1/16 step at 120 BPM / 48 kHz.
const STEP: u64 = 6_000;

/// The CLAP value of parameter `string_id` for the text `text` (parsed by the plugin).
fn clap_value(host: &mut PluginHost, string_id: &str, text: &str) -> (u32, f64) {
    let param = host
        .find_param(string_id)
        .unwrap_or_else(|e| panic!("finding parameter {string_id:?}: {e}"));
    let value = host
        .text_to_value(param.id, text)
        .expect("calling text_to_value")
        .unwrap_or_else(|| panic!("{string_id}: the plugin does not parse {text:?}"));
    (param.id, value)
}

/// Swing 75 % (set by a parameter event on the first sample) delays odd 1/16 steps by half a
/// step; gates stay 50 % of a step from the swung start.
#[test]
fn swing_delays_odd_steps() {
    let mut host = active_plugin(SAMPLE_RATE, 256);
    host.load_state(&pattern_state_bytes(&[
        r#"{"name":"Hat","length":16,"rate":"1/16","channel":1,"note":60,"steps":"xxxxxxxxxxxxxxxx"}"#,
    ]))
    .expect("loading a one-track pattern");
    let (swing, value) = clap_value(&mut host, "swing", "75");

    let run = TransportScript::new(SAMPLE_RATE, TEMPO, 256)
        .with_param_change(0, 0, swing, value)
        .run(&mut host, 16 * STEP)
        .expect("playing one bar with swing");

    let mut expected = Vec::new();
    for step in 0..16u64 {
        let on = step * STEP + if step % 2 == 1 { STEP / 2 } else { 0 };
        expected.push(ExpectedNote {
            sample: on,
            kind: NoteKind::On,
            channel: 0,
            key: 60,
            velocity: Some(76),
        });
        let off = on + STEP / 2;
        if off < 16 * STEP {
            expected.push(ExpectedNote {
                sample: off,
                kind: NoteKind::Off,
                channel: 0,
                key: 60,
                velocity: None,
            });
        }
    }
    assert_notes_eq(&expected, &run, "swing 75 %");
}

/// Muting track 1 while its note sounds ends that note on the sample of the change and keeps
/// the track silent; the other tracks play on.
#[test]
fn mute_mid_note_ends_the_note_at_the_change() {
    let mut host = active_plugin(SAMPLE_RATE, 512);
    let (mute, on) = clap_value(&mut host, "mute_1", "On");
    // Key 36 sounds from 0 to 3000; mute at sample 1000 (block 1, offset 488).
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, 512)
        .with_param_change(1, 488, mute, on)
        .run(&mut host, 4 * 4 * STEP)
        .expect("playing with a mute change");

    let key36: Vec<(u64, NoteKind)> = run
        .notes
        .iter()
        .filter(|n| n.note.key == 36)
        .map(|n| (n.sample, n.note.kind))
        .collect();
    assert_eq!(
        key36,
        vec![(0, NoteKind::On), (1_000, NoteKind::Off)],
        "track 1 (key 36) events with a mute at sample 1000"
    );
    let hats = run.note_ons().filter(|n| n.note.key == 42).count();
    assert_eq!(hats, 8, "track 3 (key 42) plays on while track 1 is muted");
    assert!(
        run.sounding_at_end().is_empty(),
        "still sounding: {:?}",
        run.sounding_at_end()
    );
}

/// Bypass while notes sound ends them on the sample of the change, then silence.
#[test]
fn bypass_mid_note_ends_all_notes_at_the_change() {
    let mut host = active_plugin(SAMPLE_RATE, 512);
    let bypass = host
        .find_param("bypass")
        .expect("finding the bypass parameter");
    // Keys 36 and 42 sound from 0 to 3000; bypass at sample 1000.
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, 512)
        .with_param_change(1, 488, bypass.id, bypass.max)
        .run(&mut host, 4 * 4 * STEP)
        .expect("playing with a bypass change");

    let events: Vec<(u64, NoteKind, i16)> = run
        .notes
        .iter()
        .map(|n| (n.sample, n.note.kind, n.note.key))
        .collect();
    let mut offs: Vec<(u64, NoteKind, i16)> = events.iter().copied().skip(2).collect();
    offs.sort_by_key(|e| e.2);
    assert_eq!(
        events.len(),
        4,
        "expected two note-ons at 0 and their note-offs at 1000, got {events:?}"
    );
    assert_eq!(
        offs,
        vec![(1_000, NoteKind::Off, 36), (1_000, NoteKind::Off, 42)],
        "note-offs at the bypass change, got {events:?}"
    );
}

/// A Euclid track takes its hits from the pulses parameter: E(4,8) in the first cycle; an
/// automation point one sample after step 7's start (a rest in E(4,8)) raises the pulses to 8,
/// so step 7 stays silent (it would play if the change applied from the start of its host
/// block) and every step of the second cycle plays. The track's own grid (all rests) is ignored.
#[test]
fn euclid_pulses_follow_automation_on_the_exact_sample() {
    let mut host = active_plugin(SAMPLE_RATE, 256);
    host.load_state(&pattern_state_bytes(&[
        r#"{"name":"E","length":8,"rate":"1/16","channel":1,"note":50,"steps":"........","euclid":true}"#,
    ]))
    .expect("loading a Euclid track");
    let (pulses, eight) = clap_value(&mut host, "pulses_1", "8");
    // Sample 42001 is offset 17 of host block 164 (256-sample blocks, block start 41984).
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, 256)
        .with_param_change(164, 17, pulses, eight)
        .run(&mut host, 16 * STEP)
        .expect("playing two Euclid cycles");

    let ons: Vec<u64> = run
        .notes
        .iter()
        .filter(|n| n.note.kind == NoteKind::On)
        .map(|n| n.sample)
        .collect();
    let mut expected: Vec<u64> = [0, 2, 4, 6].iter().map(|step| step * STEP).collect();
    expected.extend((8..16).map(|step| step * STEP));
    assert_eq!(ons, expected);
}

/// Fill follows automation on the exact sample: an eight-step track with `fill` on step 5 and
/// `!fill` on step 6. Fill goes on one sample after step 5 starts (so step 5 stays silent, although
/// the host block holding it already has Fill on from its offset) and off exactly on step 5's
/// sample in the second pass (so step 5 stays silent again and step 6 plays).
#[test]
fn fill_follows_automation_on_the_exact_sample() {
    let mut host = active_plugin(SAMPLE_RATE, 256);
    host.load_state(&conditions_state_bytes(&[
        r#"{"name":"F","length":8,"rate":"1/16","channel":1,"note":50,"steps":"xxxxxxxx","conditions":["","","","","fill","!fill","",""]}"#,
    ]))
    .expect("loading a track with fill conditions");
    let (fill, on) = clap_value(&mut host, "fill", "On");
    let (_, off) = clap_value(&mut host, "fill", "Off");
    // Sample 24001 is offset 193 of host block 93 (256-sample blocks, block start 23808);
    // sample 72000 is offset 64 of block 281 (block start 71936).
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, 256)
        .with_param_change(93, 193, fill, on)
        .with_param_change(281, 64, fill, off)
        .run(&mut host, 16 * STEP)
        .expect("playing two passes with Fill automation");

    let ons: Vec<u64> = run
        .notes
        .iter()
        .filter(|n| n.note.kind == NoteKind::On)
        .map(|n| n.sample)
        .collect();
    let played = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 13, 14, 15];
    let expected: Vec<u64> = played.iter().map(|step| step * STEP).collect();
    assert_eq!(ons, expected);
}
