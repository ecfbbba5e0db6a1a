//! MIDI notes played into the plugin through a real CLAP host (docs/TIMING.md, "MIDI input and
//! scales"): a key on channel 1 transposes the melodic tracks relative to C3 from the first
//! step at or after its sample, also when it is played while the transport is stopped; drum
//! tracks stay; keys C1–D#2 select pattern slots at the Slot Quantize point.

use chronus_seq_host_tests::{
    active_plugin, conditions_state_bytes, song_state_bytes, NoteKind, ScriptRun, TransportScript,
};

const SAMPLE_RATE: f64 = 48_000.0;
const TEMPO: f64 = 120.0;
/// One 1/16 step at 120 BPM / 48 kHz.
const STEP: u64 = 6_000;

/// (sample, channel, key) of every note-on.
fn note_ons(run: &ScriptRun) -> Vec<(u64, i16, i16)> {
    run.notes
        .iter()
        .filter(|n| n.note.kind == NoteKind::On)
        .map(|n| (n.sample, n.note.channel, n.note.key))
        .collect()
}

const MELODIC: &str = r#"{"name":"Bass","length":4,"rate":"1/16","channel":1,"note":60,"steps":"xxxx","melodic":true}"#;
const DRUMS: &str =
    r#"{"name":"Kick","length":4,"rate":"1/16","channel":10,"note":36,"steps":"xxxx"}"#;

/// E3, a major third above C3, one sample after step 2 starts (sample 6001: offset 369 of host
/// block 11 with 512-sample blocks): steps 3 and 4 play E4 instead of C4; the drums stay.
#[test]
fn a_key_transposes_the_melodic_track_from_the_next_step() {
    let mut host = active_plugin(SAMPLE_RATE, 512);
    host.load_state(&conditions_state_bytes(&[MELODIC, DRUMS]))
        .expect("loading a melodic and a drum track");
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, 512)
        .with_note(11, 369, 0, 52, true)
        .with_note(12, 0, 0, 52, false)
        .run(&mut host, 4 * STEP)
        .expect("playing one beat with a key");
    let mut melodic: Vec<(u64, i16)> = note_ons(&run)
        .into_iter()
        .filter(|(_, channel, _)| *channel == 0)
        .map(|(sample, _, key)| (sample, key))
        .collect();
    melodic.sort_unstable();
    assert_eq!(
        melodic,
        [(0, 60), (STEP, 60), (2 * STEP, 64), (3 * STEP, 64)],
        "latch: the transposition stays after the key is released"
    );
    let drums: Vec<i16> = note_ons(&run)
        .into_iter()
        .filter(|(_, channel, _)| *channel == 9)
        .map(|(_, _, key)| key)
        .collect();
    assert_eq!(drums, [36, 36, 36, 36]);
}

/// A key played while the transport is stopped transposes the first step played afterwards.
#[test]
fn a_key_played_while_stopped_transposes_the_first_step() {
    let mut host = active_plugin(SAMPLE_RATE, 512);
    host.load_state(&conditions_state_bytes(&[MELODIC]))
        .expect("loading a melodic track");
    let stopped = TransportScript::new(SAMPLE_RATE, TEMPO, 512)
        .with_stop_at_block(0)
        .with_note(1, 100, 0, 43, true)
        .run(&mut host, 4 * 512)
        .expect("a few stopped blocks with a key");
    assert!(note_ons(&stopped).is_empty(), "nothing plays while stopped");
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, 512)
        .run(&mut host, 2 * STEP)
        .expect("playing after the key");
    let keys: Vec<i16> = note_ons(&run).iter().map(|(_, _, key)| *key).collect();
    // G2 (43) is five semitones below C3: C4 becomes G3.
    assert_eq!(keys, [55, 55]);
}

/// Key D1 (26) on channel 1 selects slot 3; the switch waits for the next bar (Slot Quantize's
/// default), where slot 3's track takes over.
#[test]
fn a_slot_key_switches_slots_on_the_next_bar() {
    let mut host = active_plugin(SAMPLE_RATE, 512);
    host.load_state(&song_state_bytes(&[
        (
            1,
            &[r#"{"name":"A","length":4,"rate":"1/4","channel":1,"note":40,"steps":"xxxx"}"#],
        ),
        (
            3,
            &[r#"{"name":"C","length":4,"rate":"1/4","channel":1,"note":70,"steps":"xxxx"}"#],
        ),
    ]))
    .expect("loading two slots");
    let bar = 16 * STEP;
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, 512)
        .with_note(2, 10, 0, 26, true)
        .with_note(3, 10, 0, 26, false)
        .run(&mut host, 2 * bar)
        .expect("playing two bars with a slot key");
    let ons: Vec<(u64, i16)> = note_ons(&run)
        .iter()
        .map(|(sample, _, key)| (*sample, *key))
        .collect();
    let beat = 4 * STEP;
    let mut expected: Vec<(u64, i16)> = (0..4).map(|index| (index * beat, 40)).collect();
    expected.extend((4..8).map(|index| (index * beat, 70)));
    assert_eq!(ons, expected);
}
