//! An MCP session end to end: rmcp's client side starts the real `chronus-mcp` binary (stdio),
//! which finds a Chronus Seq instance activated in this process and listening on loopback,
//! lists the tools made from its schema, sets a pattern with `quantize: "bar"` in the middle of
//! a bar, reads it back, and gets a refusal back as a tool error with the plugin's reason. The
//! plugin's real `process()` plays the new pattern from the next bar line's exact sample.
//! 48 kHz at 120 BPM: 24,000 samples per beat, 96,000 per bar, blocks of 512 samples.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::sync::atomic::Ordering;

use chronus_seq::ChronusSeq;
use nice_plug::prelude::*;
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock};
use rmcp::transport::TokioChildProcess;
use rmcp::ServiceExt;
use serde_json::{json, Value};
use support::{activate, TestProcessContext};

const RATE: f32 = 48_000.0;
const BLOCK: usize = 512;
const BEAT: u64 = 24_000;
const BAR: u64 = 4 * BEAT;

/// Plays blocks from `from` up to `to` (samples) and returns the note-ons of `key`.
fn play(plugin: &mut ChronusSeq, from: u64, to: u64, key: u8) -> Vec<u64> {
    let mut context = TestProcessContext::new(RATE, 1024);
    let (mut left, mut right) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    let mut hits = Vec::new();
    let mut sample = from;
    while sample < to {
        context.events.clear();
        context.transport = Transport::new(RATE);
        context.transport.playing = true;
        context.transport.tempo = Some(120.0);
        context.transport.pos_beats = Some(sample as f64 / BEAT as f64);
        context.transport.time_sig_numerator = Some(4);
        context.transport.time_sig_denominator = Some(4);
        context.transport.bar_start_pos_beats = Some((sample / BAR * 4) as f64);
        let mut buffer = Buffer::default();
        // SAFETY: both slices live until after `process` returns and have `BLOCK` samples.
        unsafe {
            buffer.set_slices(BLOCK, |slices| {
                slices.clear();
                slices.push(&mut left[..]);
                slices.push(&mut right[..]);
            });
        }
        let mut aux = AuxiliaryBuffers {
            inputs: &mut [],
            outputs: &mut [],
        };
        plugin.process(&mut buffer, &mut aux, &mut context);
        for event in &context.events {
            if let NoteEvent::NoteOn { timing, key: k, .. } = event {
                if k.number() == Some(key) {
                    hits.push(sample + u64::from(*timing));
                }
            }
        }
        sample += BLOCK as u64;
    }
    hits
}

/// The text of a tool result.
fn text(result: &CallToolResult) -> &str {
    match result.content.first() {
        Some(ContentBlock::Text(content)) => content.text.as_str(),
        other => panic!("expected text, got {other:?}"),
    }
}

fn call(name: &'static str, arguments: Value) -> CallToolRequestParams {
    let Value::Object(arguments) = arguments else {
        panic!("arguments are an object")
    };
    CallToolRequestParams::new(name).with_arguments(arguments)
}

#[tokio::test]
async fn an_assistant_sets_a_pattern_that_plays_from_the_next_bar() {
    let mut plugin = ChronusSeq::default();
    assert!(activate(&mut plugin, RATE, BLOCK as u32));
    let port = plugin.osc_in_status().bound_port.load(Ordering::Acquire);
    assert_ne!(port, 0, "the OSC input listens");

    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_chronus-mcp"));
    command.args(["--port", &port.to_string()]);
    let transport = TokioChildProcess::new(command).expect("start chronus-mcp");
    let client = ().serve(transport).await.expect("an MCP session");

    let tools = client.list_all_tools().await.expect("tools");
    let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
    for expected in [
        "list_instances",
        "read_state",
        "read_changes",
        "chronus_pattern",
        "chronus_replace",
        "chronus_euclid",
        "chronus_mute",
        "chronus_undo",
        "chronus_check",
        "seq_add",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    // The transcript (`cargo test -p chronus-mcp -- --nocapture` shows it).
    println!("tools/list -> {} tools: {}", names.len(), names.join(", "));
    let pattern_tool = tools
        .iter()
        .find(|t| t.name == "chronus_pattern")
        .expect("tool");
    let schema = Value::Object((*pattern_tool.input_schema).clone());
    assert_eq!(
        schema["properties"]["track"]["maximum"], 16,
        "ranges from the schema"
    );
    assert_eq!(
        schema["properties"]["quantize"]["enum"],
        json!(["now", "step", "bar"])
    );

    // Silence, then play into the first bar.
    let cleared = client
        .call_tool(call("chronus_clear", json!({})))
        .await
        .expect("clear");
    assert_eq!(text(&cleared), "ok");
    let before = play(&mut plugin, 0, 50 * BLOCK as u64, 36);
    assert!(before.is_empty());

    // Mid-bar (sample 25,600): the assistant sets track 1, landing on the bar line.
    let set = client
        .call_tool(call(
            "chronus_pattern",
            json!({ "track": 1, "pattern": "x...x...x...x...", "quantize": "bar" }),
        ))
        .await
        .expect("set");
    assert_eq!(set.is_error, Some(false));
    assert_eq!(text(&set), "ok");
    println!(
        "tools/call chronus_pattern {{track: 1, pattern: x...x...x...x..., quantize: bar}} -> {}",
        text(&set)
    );

    let state = client
        .call_tool(call("read_state", json!({})))
        .await
        .expect("read");
    println!("tools/call read_state {{}} -> {}", text(&state));
    let state: Value = serde_json::from_str(text(&state)).expect("JSON");
    assert_eq!(state["tracks"][0]["pattern"], "x...x...x...x...");
    assert_eq!(state["tracks"].as_array().map(Vec::len), Some(16));

    let hits = play(&mut plugin, 50 * BLOCK as u64, 2 * BAR + BLOCK as u64, 36);
    let expected: Vec<u64> = (0..=4).map(|n| BAR + n * BEAT).collect();
    assert_eq!(hits, expected, "every beat from the bar line's sample on");

    // A lane, a trig condition, a direction and a scale set through their tools read back.
    for (tool, arguments) in [
        (
            "chronus_lane_cc",
            json!({ "track": 1, "lane": 2, "cc": 74 }),
        ),
        (
            "chronus_lane_values",
            json!({ "track": 1, "lane": 2, "items": [0.0, 1.0] }),
        ),
        (
            "chronus_step_condition",
            json!({ "track": 1, "step": 5, "condition": "1:2" }),
        ),
        (
            "chronus_track_direction",
            json!({ "track": 1, "direction": "reverse" }),
        ),
        ("chronus_scale", json!({ "root": "D", "scale": "dorian" })),
    ] {
        let done = client.call_tool(call(tool, arguments)).await.expect(tool);
        assert_eq!(text(&done), "ok", "{tool}");
    }
    let state = client
        .call_tool(call("read_state", json!({})))
        .await
        .expect("read");
    let state: Value = serde_json::from_str(text(&state)).expect("JSON");
    let kick = &state["tracks"][0];
    assert_eq!(kick["lanes"][1]["midi"], "cc");
    assert_eq!(kick["lanes"][1]["cc"], 74);
    assert_eq!(
        (
            &kick["lanes"][1]["values"][0],
            &kick["lanes"][1]["values"][1]
        ),
        (&json!(0.0), &json!(1.0))
    );
    assert_eq!(
        kick["lanes"][1]["values"].as_array().map(Vec::len),
        Some(16)
    );
    assert_eq!(kick["steps"], "5.condition=1:2");
    assert_eq!(kick["direction"], "reverse");
    assert_eq!(
        (&state["scale_root"], &state["scale"]),
        (&json!("D"), &json!("dorian"))
    );
    assert_eq!(kick["lanes"].as_array().map(Vec::len), Some(4));

    // A refusal is a tool error carrying the plugin's reason.
    let refused = client
        .call_tool(call(
            "chronus_pattern",
            json!({ "track": 17, "pattern": "x" }),
        ))
        .await
        .expect("a result");
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text(&refused).contains("argument 1 (track) is 17"),
        "{}",
        text(&refused)
    );
    println!(
        "tools/call chronus_pattern {{track: 17, pattern: x}} -> tool error: {}",
        text(&refused)
    );

    client.cancel().await.expect("end the session");
}
