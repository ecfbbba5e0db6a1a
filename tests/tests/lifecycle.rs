//! Loading, ports, parameters, activation at common rates, audio pass-through and state.

use chronus_seq_host_tests::{
    active_plugin, nice_plug_state_json, InEvent, PluginHost, TransportInfo,
};
use std::collections::HashSet;

fn load() -> PluginHost {
    PluginHost::load_default().expect("building and loading the Chronus Seq bundle")
}

/// (a) The bundle loads, lists sane parameters, and activates and processes at 44.1, 48 and
/// 96 kHz — with a stopped transport, a playing one, and none at all.
#[test]
fn loads_lists_params_and_activates_at_common_rates() {
    let mut host = load();

    let params = host.params().expect("listing parameters");
    assert!(!params.is_empty(), "the plugin exposes no parameters");
    let mut ids = HashSet::new();
    for param in &params {
        assert!(ids.insert(param.id), "duplicate parameter id in {param:?}");
        assert!(
            !param.name.is_empty(),
            "parameter without a name: {param:?}"
        );
        assert!(
            param.min <= param.default && param.default <= param.max,
            "default outside the range: {param:?}"
        );
        let value = host
            .param_value(param.id)
            .expect("reading a parameter value");
        assert!(
            param.min <= value && value <= param.max,
            "value {value} outside the range of {param:?}"
        );
    }

    for sample_rate in [44_100.0, 48_000.0, 96_000.0] {
        host.activate(sample_rate, 512)
            .unwrap_or_else(|e| panic!("activating at {sample_rate} Hz: {e}"));
        let stopped = TransportInfo::playing_at(120.0, 0.0).stopped();
        for _ in 0..4 {
            let out = host
                .process_block(512, Some(stopped), &[])
                .expect("processing a stopped block");
            assert!(
                out.notes.is_empty(),
                "notes while stopped at {sample_rate} Hz: {:?}",
                out.notes
            );
        }
        host.process_block(512, None, &[])
            .expect("processing a block without transport");
        host.process_block(512, Some(TransportInfo::playing_at(120.0, 0.0)), &[])
            .expect("processing a playing block");
        host.deactivate();
    }

    // Reactivation after deactivation, then drop while active.
    host.activate(48_000.0, 64)
        .expect("reactivating at 48 kHz / 64 frames");
    host.process_block(64, Some(TransportInfo::playing_at(120.0, 0.0)), &[])
        .expect("processing after reactivation");
}

/// One stereo input and one stereo output (docs/HOSTS.md), and at least one note output port.
#[test]
fn has_one_stereo_in_out_pair_and_a_note_output() {
    let mut host = load();
    let inputs = host.audio_ports(true).expect("listing audio inputs");
    let outputs = host.audio_ports(false).expect("listing audio outputs");
    assert_eq!(
        inputs.iter().map(|p| p.channels).collect::<Vec<_>>(),
        vec![2],
        "audio inputs: {inputs:?}"
    );
    assert_eq!(
        outputs.iter().map(|p| p.channels).collect::<Vec<_>>(),
        vec![2],
        "audio outputs: {outputs:?}"
    );
    let note_outputs = host.note_ports(false).expect("listing note outputs");
    assert!(
        !note_outputs.is_empty(),
        "the plugin has no note output port"
    );
}

/// Audio passes through unchanged, playing or not.
#[test]
fn passes_audio_through() {
    let mut host = active_plugin(48_000.0, 256);
    for (block, transport) in [
        TransportInfo::playing_at(120.0, 0.0),
        TransportInfo::playing_at(120.0, 0.0).stopped(),
    ]
    .into_iter()
    .enumerate()
    {
        host.process_block(256, Some(transport), &[])
            .expect("processing a block");
        for channel in 0..2 {
            assert_eq!(
                host.last_output(channel, 256),
                host.last_input(channel, 256),
                "block {block}, channel {channel}: output differs from input"
            );
        }
    }
}

/// Every parameter's text round-trips: value → text → value → the same text (docs/HOSTS.md, the
/// CLAP validator's conversion test).
#[test]
fn parameter_text_round_trips() {
    let mut host = load();
    let params = host.params().expect("listing parameters");
    for param in &params {
        let steps = if param.is_stepped() {
            (param.max - param.min).round() as usize
        } else {
            8
        };
        for i in 0..=steps.min(64) {
            let value = param.clap_value_from_normalized(i as f64 / steps.max(1) as f64);
            let text = host
                .value_to_text(param.id, value)
                .unwrap_or_else(|e| panic!("{}: value_to_text({value}): {e}", param.name));
            let parsed = host
                .text_to_value(param.id, &text)
                .expect("calling text_to_value")
                .unwrap_or_else(|| {
                    panic!(
                        "{}: the plugin cannot parse its own text {text:?}",
                        param.name
                    )
                });
            let text_again = host
                .value_to_text(param.id, parsed)
                .expect("calling value_to_text again");
            assert_eq!(
                text, text_again,
                "{}: {value} → {text:?} → {parsed} → {text_again:?}",
                param.name
            );
        }
    }
}

/// A parameter value event in `process` changes the value the host reads back.
#[test]
fn parameter_value_event_is_applied() {
    let mut host = active_plugin(48_000.0, 128);
    let params = host.params().expect("listing parameters");
    let param = params
        .iter()
        .find(|p| !p.is_stepped() && p.max > p.min)
        .or_else(|| params.first())
        .expect("at least one parameter")
        .clone();
    let before = host.param_value(param.id).expect("reading the value");
    let target = if before > param.clap_value_from_normalized(0.5) {
        param.min
    } else {
        param.max
    };
    host.process_block(
        128,
        Some(TransportInfo::playing_at(120.0, 0.0).stopped()),
        &[InEvent::ParamValue {
            time: 17,
            param_id: param.id,
            value: target,
        }],
    )
    .expect("processing a block with a parameter change");
    let after = host.param_value(param.id).expect("reading the value again");
    assert!(
        (after - target).abs() < 1e-6,
        "{}: sent {target}, read back {after} (was {before})",
        param.name
    );
}

/// (h) State: save → load → save gives identical bytes, in the same instance and in a fresh
/// one, and the bytes are nice-plug's framed JSON with the persisted pattern.
#[test]
fn state_round_trips_byte_for_byte() {
    let mut host = active_plugin(48_000.0, 512);
    // Play a little so any lazily initialised state exists.
    host.process_block(512, Some(TransportInfo::playing_at(120.0, 0.0)), &[])
        .expect("processing a block");

    let first = host.save_state().expect("saving state");
    let json = nice_plug_state_json(&first).expect("state framing");
    assert!(
        json.contains("\"pattern\""),
        "the state has no persisted pattern field: {json}"
    );

    host.load_state(&first).expect("loading the saved state");
    let second = host.save_state().expect("saving state again");
    assert!(
        first == second,
        "save → load → save changed the state:\nfirst:  {}\nsecond: {}",
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second)
    );

    let mut fresh = load();
    fresh
        .load_state(&first)
        .expect("loading into a fresh instance");
    let third = fresh.save_state().expect("saving from the fresh instance");
    assert!(
        first == third,
        "state changed through a fresh instance:\nfirst: {}\nthird: {}",
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&third)
    );
}
