//! Every MIDI velocity 1–127 set on a step comes back from the host as the same integer, whether
//! the host rounds or truncates the normalized CLAP velocity.

use chronus_seq_host_tests::{active_plugin, pattern_state_bytes, NoteKind, TransportScript};

const SAMPLE_RATE: f64 = 48_000.0;
const TEMPO: f64 = 120.0;
/// One 1/16 step at 120 BPM / 48 kHz.
const STEP: u64 = 6_000;

/// A track of `velocities.len()` sixteenths, every step on, with these velocities.
fn track(channel: u8, velocities: &[u8]) -> String {
    let list: Vec<String> = velocities.iter().map(u8::to_string).collect();
    format!(
        r#"{{"name":"V{channel}","length":{},"rate":"1/16","channel":{channel},"note":60,"steps":"{}","velocity":[{}]}}"#,
        velocities.len(),
        "x".repeat(velocities.len()),
        list.join(",")
    )
}

#[test]
fn every_velocity_comes_back_as_set() {
    let low: Vec<u8> = (1..=64).collect();
    let high: Vec<u8> = (65..=127).collect();
    let mut host = active_plugin(SAMPLE_RATE, 512);
    host.load_state(&pattern_state_bytes(&[&track(1, &low), &track(2, &high)]))
        .expect("loading the velocity pattern");

    let run = TransportScript::new(SAMPLE_RATE, TEMPO, 512)
        .run(&mut host, 64 * STEP)
        .expect("playing 64 steps");

    for (channel, velocities) in [(0, &low), (1, &high)] {
        let ons: Vec<_> = run
            .notes
            .iter()
            .filter(|n| n.note.kind == NoteKind::On && n.note.channel == channel)
            .take(velocities.len())
            .collect();
        assert_eq!(ons.len(), velocities.len(), "channel {channel} note-ons");
        for (index, (on, &velocity)) in ons.iter().zip(velocities.iter()).enumerate() {
            assert_eq!(
                on.sample,
                index as u64 * STEP,
                "step {index} on channel {channel}"
            );
            let wide = on.note.velocity * 127.0;
            assert_eq!(wide.round() as u8, velocity, "rounded, step {index}");
            assert_eq!(wide as u8, velocity, "truncated, step {index}");
        }
    }
}
