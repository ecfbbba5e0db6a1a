//! The self-description round trip: `/chronus/schema` is read back through the real command
//! handler, every command it lists is handled with the arguments it describes (each argument
//! at both ends of its range and beyond them), `docs/OSC.md` documents exactly the commands
//! the schema lists, and every argument of the `/chronus/query` reply's messages.

use std::collections::BTreeSet;

use chronus_seq::osc_in::CommandHandler;
use chronus_seq::ChronusSeq;
use rosc::{OscMessage, OscType};
use serde_json::Value;

fn send(plugin: &ChronusSeq, address: &str, args: Vec<OscType>) -> Result<Vec<OscMessage>, String> {
    let message = OscMessage {
        addr: address.to_owned(),
        args,
    };
    plugin
        .command_handler()
        .handle(&message)
        .map_err(|error| error.reason)
}

/// The schema, read back from its chunks.
fn schema(plugin: &ChronusSeq, args: Vec<OscType>) -> Value {
    let replies = send(plugin, "/chronus/schema", args).expect("schema");
    let parts = replies.len() as i32;
    let mut text = String::new();
    for (index, reply) in replies.iter().enumerate() {
        assert_eq!(reply.addr, "/chronus/schema");
        match reply.args.as_slice() {
            [OscType::Int(part), OscType::Int(of), OscType::String(chunk)] => {
                assert_eq!((*part, *of), (index as i32 + 1, parts));
                assert!(chunk.len() <= 4_000);
                text.push_str(chunk);
            }
            other => panic!("unexpected schema reply {other:?}"),
        }
    }
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// A value for a string argument, by its name. A new string argument needs a sample here.
fn sample_text(address: &str, name: &str) -> &'static str {
    match name {
        "pattern" => "x..X",
        "name" | "track id" => "kick",
        "host" => "127.0.0.1",
        "note" => "C4",
        "reference key" => "C3",
        "slot low key" => "C1",
        "rate" => "1/8",
        "voice id" => "voice1",
        "notes" => "C4,D#4",
        "base_freq" | "filter_freq" => "110.0",
        "immediate" => "now",
        "condition" => "1:2",
        "direction" => "pendulum",
        "root" => "D",
        "scale" => "dorian",
        "option" => "base_amp=0.5",
        "address" if address == "/chronus/check" => "/chronus/clear",
        "address" => "/chronus/pattern",
        other => panic!("{address}: no sample value for the string argument {other:?}"),
    }
}

/// A valid value of `arg`: its smallest (`high` false) or largest.
fn valid(address: &str, arg: &Value, high: bool) -> OscType {
    let name = arg["name"].as_str().expect("name");
    match arg["type"].as_str().expect("type") {
        "int" => OscType::Long(arg[if high { "max" } else { "min" }].as_i64().expect("int")),
        "float" => OscType::Double(
            arg[if high { "max" } else { "min" }]
                .as_f64()
                .expect("float"),
        ),
        "flag" => OscType::Int(i32::from(high)),
        "string" | "string_or_number" => match arg["values"].as_array() {
            Some(words) => {
                let word = if high { words.last() } else { words.first() };
                OscType::String(word.and_then(Value::as_str).expect("word").to_owned())
            }
            None if name == "argument" => OscType::Int(1),
            None => OscType::String(sample_text(address, name).to_owned()),
        },
        other => panic!("{address}: unknown argument type {other}"),
    }
}

/// Whether `reason` is about the number or range of arguments rather than about what the
/// values ask for.
fn is_argument_error(reason: &str) -> bool {
    reason.contains("it must be")
        || reason.contains("missing argument")
        || reason.contains("arguments given")
        || reason.contains("must be a")
        || reason.contains("unknown address")
}

#[test]
fn every_command_in_the_schema_takes_the_arguments_it_describes() {
    let plugin = ChronusSeq::default();
    let schema = schema(&plugin, vec![]);
    let commands = schema["commands"].as_array().expect("commands");
    assert!(commands.len() >= 45, "{} commands", commands.len());
    for command in commands {
        let address = command["address"].as_str().expect("address");
        let args = command["args"].as_array().expect("args");
        let required: Vec<&Value> = args.iter().filter(|a| a["optional"] != true).collect();
        for high in [false, true] {
            let values = required
                .iter()
                .map(|arg| valid(address, arg, high))
                .collect();
            if let Err(reason) = send(&plugin, address, values) {
                assert!(
                    !is_argument_error(&reason)
                        || address.starts_with("/seq/") && reason.contains("transport"),
                    "{address} refused its own described arguments: {reason}"
                );
            }
            let mut all: Vec<OscType> = args.iter().map(|arg| valid(address, arg, high)).collect();
            if let Err(reason) = send(&plugin, address, all.clone()) {
                assert!(
                    !is_argument_error(&reason) || reason.contains("transport"),
                    "{address}: {reason}"
                );
            }
            if args.iter().all(|arg| arg["repeats"] != true) {
                all.push(OscType::Int(1));
                let reason = send(&plugin, address, all).expect_err("one argument too many");
                assert!(
                    is_argument_error(&reason)
                        || reason.contains("transport")
                        || reason.contains("option")
                        || reason.contains("positional"),
                    "{address}: {reason}"
                );
            }
        }
        // Each number beyond its range is refused with a reason naming the argument.
        for (position, arg) in required.iter().enumerate() {
            let (low, high) = match arg["type"].as_str() {
                Some("int") => (arg["min"].as_f64(), arg["max"].as_f64()),
                Some("float") => (arg["min"].as_f64(), arg["max"].as_f64()),
                _ => continue,
            };
            for beyond in [low.expect("min") - 1.0, high.expect("max") + 1.0] {
                let mut values: Vec<OscType> = required
                    .iter()
                    .map(|arg| valid(address, arg, false))
                    .collect();
                values[position] = OscType::Double(beyond);
                let reason = send(&plugin, address, values).expect_err("out of range");
                let name = arg["name"].as_str().expect("name");
                assert!(
                    reason.contains(name) || reason.contains("slot"),
                    "{address}: {beyond} for {name} refused with {reason:?}"
                );
            }
        }
    }
}

#[test]
fn one_command_can_be_described_alone() {
    let plugin = ChronusSeq::default();
    let command = schema(&plugin, vec![OscType::String("/chronus/euclid".to_owned())]);
    assert_eq!(command["address"], "/chronus/euclid");
    assert_eq!(command["args"][1]["name"], "pulses");
    assert_eq!(command["args"][1]["max"], 64);
    assert_eq!(command["edit"], true);
    let reason = send(
        &plugin,
        "/chronus/schema",
        vec![OscType::String("/nope".to_owned())],
    )
    .expect_err("unknown");
    assert!(reason.contains("/nope"));
    let reason = send(&plugin, "/chronus/nope", vec![]).expect_err("unknown");
    assert!(reason.contains("unknown address"));
}

#[test]
fn the_reference_documents_exactly_the_commands_in_the_schema() {
    let plugin = ChronusSeq::default();
    let listed: BTreeSet<String> = schema(&plugin, vec![])["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .map(|command| command["address"].as_str().expect("address").to_owned())
        .collect();
    let reference = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/OSC.md"))
        .expect("docs/OSC.md");
    // The first cell of every table row under "OSC input", with `a`, `b` listing two addresses.
    let input = &reference[reference.find("## OSC input").expect("input section")..];
    let mut documented = BTreeSet::new();
    for line in input.lines().filter(|line| line.starts_with("| `/")) {
        let cell = line.split('|').nth(1).expect("cell");
        for address in cell.split(',') {
            documented.insert(address.trim().trim_matches('`').to_owned());
        }
    }
    assert_eq!(documented, listed, "docs/OSC.md and the schema differ");
}

#[test]
fn the_schema_names_the_forwarded_prefixes_which_are_no_commands() {
    let plugin = ChronusSeq::default();
    let schema = schema(&plugin, vec![]);
    assert_eq!(
        schema["forwarded"]["prefixes"],
        serde_json::json!(["/mod/", "/gate/", "/engine/"])
    );
    let commands = schema["commands"].as_array().expect("commands");
    assert!(commands.iter().all(|command| {
        let address = command["address"].as_str().expect("address");
        !["/mod/", "/gate/", "/engine/"]
            .iter()
            .any(|prefix| address.starts_with(prefix))
    }));
}

/// The argument types a table under "Reading the state back" documents for `address`: the first
/// word of each row's argument cell, and whether the last row repeats (`11 …`).
fn documented_state_args(reference: &str, address: &str) -> (Vec<String>, bool) {
    let section = &reference[reference
        .find("#### Reading the state back")
        .expect("the state section")..];
    let heading = format!("`{address}`:\n");
    let table = &section[section.find(&heading).expect(address) + heading.len()..];
    let mut types = Vec::new();
    let mut repeats = false;
    for line in table.lines().skip_while(|line| line.is_empty()).skip(2) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        repeats = cells[1].contains('…');
        let kind = cells[2].split_whitespace().next().expect("a type");
        types.push(kind.to_owned());
    }
    (types, repeats)
}

fn type_name(arg: &OscType) -> &'static str {
    match arg {
        OscType::Int(_) => "int",
        OscType::Long(_) => "long",
        OscType::Float(_) => "float",
        OscType::String(_) => "string",
        _ => "other",
    }
}

/// Every message `/chronus/query` sends has exactly the arguments `docs/OSC.md` lists for it,
/// in order and type.
#[test]
fn the_reference_documents_every_field_of_the_state_reply() {
    let plugin = ChronusSeq::default();
    let reference = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/OSC.md"))
        .expect("docs/OSC.md");
    let replies = send(&plugin, "/chronus/query", vec![]).expect("query");
    let mut seen = BTreeSet::new();
    for reply in &replies {
        if reply.addr == "/chronus/state/end" {
            assert_eq!(reply.args.len(), 1);
            continue;
        }
        let (types, repeats) = documented_state_args(&reference, &reply.addr);
        let sent: Vec<&str> = reply.args.iter().map(type_name).collect();
        if repeats {
            let fixed = types.len() - 1;
            assert_eq!(sent[..fixed], types[..fixed], "{}", reply.addr);
            assert!(
                sent[fixed..].iter().all(|kind| *kind == types[fixed]),
                "{}: {sent:?}",
                reply.addr
            );
        } else {
            assert_eq!(sent, types, "{}", reply.addr);
        }
        seen.insert(reply.addr.clone());
    }
    assert_eq!(
        seen.len(),
        4,
        "slot, track, steps and lane messages: {seen:?}"
    );
}
