//! Fuzzing the OSC input with the real command handler: arbitrary messages to every known
//! address and arbitrary datagrams go through the same decode-and-dispatch step the server runs.
//! Nothing may panic, and a refused command changes neither the document nor a parameter.
//! 3,000 structured messages and 2,000 datagrams per run (a few seconds in a debug build).

use std::sync::Arc;

use chronus_seq::clock::ManualClock;
use chronus_seq::osc_in::{CommandHandler, Dispatcher, OscInStatus, Outcome};
use chronus_seq::params::SeqParams;
use chronus_seq::ChronusSeq;
use proptest::prelude::*;
use rosc::{OscMessage, OscPacket, OscType};

/// Every address the handler knows, and a few it does not.
const ADDRESSES: &[&str] = &[
    "/chronus/pattern",
    "/chronus/replace",
    "/chronus/step/on",
    "/chronus/step/velocity",
    "/chronus/step/probability",
    "/chronus/step/ratchet",
    "/chronus/step/nudge",
    "/chronus/step/note",
    "/chronus/track/length",
    "/chronus/track/rate",
    "/chronus/track/note",
    "/chronus/track/channel",
    "/chronus/track/name",
    "/chronus/euclid",
    "/chronus/euclid/off",
    "/chronus/euclid/stamp",
    "/chronus/copy",
    "/chronus/copy/slot",
    "/chronus/clear",
    "/chronus/reseed",
    "/chronus/undo",
    "/chronus/redo",
    "/chronus/mute",
    "/chronus/solo",
    "/chronus/gate",
    "/chronus/swing",
    "/chronus/slot",
    "/chronus/quantize",
    "/chronus/edit_slot",
    "/chronus/query",
    "/chronus/ping",
    "/chronus/schema",
    "/chronus/check",
    "/chronus/edit_quantize",
    "/chronus/subscribe",
    "/chronus/unsubscribe",
    "/chronus/osc/target",
    "/chronus/osc/input",
    "/seq/add",
    "/seq/update/pattern",
    "/seq/update/notes",
    "/seq/remove",
    "/seq/clear",
    "/seq/swing",
    "/seq/bpm",
    "/seq/start",
    "/seq/stop",
    "/seq/status",
    "/pattern/save",
    "/pattern/load",
    "/pattern/list",
    "/chronus",
    "/seq",
    "",
];

fn argument() -> impl Strategy<Value = OscType> {
    prop_oneof![
        (-3..70i32).prop_map(OscType::Int),
        any::<i32>().prop_map(OscType::Int),
        prop_oneof![
            Just(f32::NAN),
            Just(f32::INFINITY),
            -2.0..130.0f32,
            any::<f32>()
        ]
        .prop_map(OscType::Float),
        prop_oneof![
            Just("x.X._1|9 ".to_owned()),
            Just("X...x...".to_owned()),
            Just("kick".to_owned()),
            Just("voice1".to_owned()),
            Just("C4,D#4,60,440.0".to_owned()),
            Just("1/8t".to_owned()),
            Just("bar".to_owned()),
            Just("/chronus/pattern".to_owned()),
            Just("/chronus/mute".to_owned()),
            Just("/chronus/undo".to_owned()),
            Just("/chronus/check".to_owned()),
            Just("quantize=bar".to_owned()),
            Just("quantize=soon".to_owned()),
            Just("immediate".to_owned()),
            Just("gate_frac=0.3".to_owned()),
            "[x.X_ ]{0,80}",
            "\\PC{0,40}",
        ]
        .prop_map(OscType::String),
        any::<bool>().prop_map(OscType::Bool),
        any::<i64>().prop_map(OscType::Long),
        any::<f64>().prop_map(OscType::Double),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(OscType::Blob),
        Just(OscType::Nil),
    ]
}

fn message() -> impl Strategy<Value = OscMessage> {
    (
        prop::sample::select(ADDRESSES),
        prop::collection::vec(argument(), 0..7),
    )
        .prop_map(|(address, args)| OscMessage {
            addr: address.to_owned(),
            args,
        })
}

/// Every host parameter value, to tell whether a refused command touched one.
fn parameter_values(params: &SeqParams) -> Vec<String> {
    use nice_plug::prelude::Params;
    params
        .param_map()
        .into_iter()
        .map(|(id, pointer, _)| {
            // SAFETY: the pointers come from `params`, which outlives this call.
            let value = unsafe { pointer.unmodulated_normalized_value() };
            format!("{id}={value}")
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn refused_commands_change_nothing(messages in prop::collection::vec(message(), 1..6)) {
        let plugin = ChronusSeq::default();
        let params = plugin.seq_params();
        let mut handler = plugin.command_handler();
        for message in &messages {
            let doc = plugin.pattern_store().doc();
            let values = parameter_values(&params);
            let outgoing = plugin.seq_params().osc_out.0.get();
            let handled = handler.handle(message);
            if message.addr == "/chronus/check" {
                prop_assert!(plugin.pattern_store().doc() == doc, "a check changed the document");
                prop_assert_eq!(parameter_values(&params), values.clone(), "{:?}", message);
            }
            if let Err(error) = handled {
                prop_assert_eq!(&error.address, &message.addr);
                prop_assert!(!error.reason.is_empty());
                prop_assert!(plugin.pattern_store().doc() == doc, "{:?} changed the document", message);
                prop_assert_eq!(parameter_values(&params), values, "{:?}", message);
                prop_assert_eq!(plugin.seq_params().osc_out.0.get(), outgoing);
            }
        }
    }
}

/// Valid command packets with bytes changed, inserted, removed or cut off.
fn datagram() -> impl Strategy<Value = Vec<u8>> {
    let mutated = (
        message(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 0..6),
    )
        .prop_map(|(message, edits)| {
            let mut bytes = rosc::encoder::encode(&OscPacket::Message(message)).unwrap_or_default();
            for (at, byte, kind) in edits {
                if bytes.is_empty() {
                    break;
                }
                let at = at.index(bytes.len());
                match kind {
                    0 => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ => bytes.truncate(at),
                }
            }
            bytes
        });
    prop_oneof![prop::collection::vec(any::<u8>(), 0..600), mutated]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_datagrams_never_panic(datagrams in prop::collection::vec(datagram(), 1..4)) {
        let plugin = ChronusSeq::default();
        let handler = plugin.command_handler();
        let status = Arc::new(OscInStatus::new());
        let clock = Arc::new(ManualClock::new());
        let mut dispatcher = Dispatcher::new(Box::new(handler), Arc::clone(&status), clock);
        let load = |counter: &std::sync::atomic::AtomicU64| {
            counter.load(std::sync::atomic::Ordering::Relaxed)
        };
        for bytes in &datagrams {
            let before = (load(&status.decode_errors), load(&status.handler_errors), load(&status.messages_ok));
            let outcome = dispatcher.dispatch(bytes, |_| Ok(()));
            let after = (load(&status.decode_errors), load(&status.handler_errors), load(&status.messages_ok));
            match outcome {
                Outcome::Malformed => prop_assert_eq!(after, (before.0 + 1, before.1, before.2)),
                Outcome::Handled { messages, failed } => {
                    let ok = (messages - failed) as u64;
                    prop_assert_eq!(after, (before.0, before.1 + failed as u64, before.2 + ok));
                }
            }
        }
        prop_assert_eq!(load(&status.packets_received), datagrams.len() as u64);
    }
}
