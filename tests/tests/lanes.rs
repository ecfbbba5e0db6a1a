//! Modulation lanes through the real bundle in a real CLAP host: a CC lane of its own length and
//! a pitch-bend lane send their values as MIDI on the exact sample of their steps, on the track's
//! channel, and the CC lane's base value on the first sample of playback.

use chronus_seq_host_tests::{active_plugin, lanes_state_bytes, NoteKind, TransportScript};

const SAMPLE_RATE: f64 = 48_000.0;
const TEMPO: f64 = 120.0;
/// One 1/16 step at 120 BPM / 48 kHz.
const STEP: u64 = 6_000;
const STEPS: u64 = 48;

#[test]
fn lane_values_leave_as_midi_on_their_steps_samples() {
    let track = r#"{"name":"Lead","length":16,"rate":"1/16","channel":3,"note":60,
        "steps":"x...x...x...x...",
        "lanes":[
          {"lane":1,"midi":"cc74","length":3,"base":300,"values":[16383,null,8192]},
          {"lane":2,"midi":"bend","length":16,
           "values":[null,null,null,null,12000,null,null,null,null,null,null,null,null,null,null,0]}
        ]}"#;
    let mut host = active_plugin(SAMPLE_RATE, 512);
    host.load_state(&lanes_state_bytes(&[track]))
        .expect("loading the lane pattern");
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, 512)
        .run(&mut host, STEPS * STEP)
        .expect("playing");

    // Channel 3 is status low nibble 2. The base (300 → CC value 2) on sample 0, then the lane.
    let mut expected = vec![(0, [0xB2, 74, (300u16 >> 7) as u8])];
    for step in 0..STEPS {
        let sample = step * STEP;
        match step % 3 {
            0 => expected.push((sample, [0xB2, 74, 127])),
            2 => expected.push((sample, [0xB2, 74, 64])),
            _ => {}
        }
        match step % 16 {
            4 => expected.push((sample, [0xE2, (12_000 & 0x7f) as u8, (12_000 >> 7) as u8])),
            15 => expected.push((sample, [0xE2, 0, 0])),
            _ => {}
        }
    }
    assert_eq!(run.midi, expected);
    let ons: Vec<u64> = run
        .notes
        .iter()
        .filter(|note| note.note.kind == NoteKind::On)
        .map(|note| note.sample)
        .collect();
    let every_fourth: Vec<u64> = (0..STEPS).step_by(4).map(|step| step * STEP).collect();
    assert_eq!(ons, every_fourth, "the notes play as before");
}
