//! The commands for agents through the real command handler: `/chronus/check` (a dry run that
//! replies what an edit would change and changes nothing).

use chronus_seq::osc_in::CommandHandler;
use chronus_seq::ChronusSeq;
use rosc::{OscMessage, OscType};
use serde_json::Value;

fn s(text: &str) -> OscType {
    OscType::String(text.to_owned())
}

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

/// The JSON report of a `/chronus/check` of `address` with `args`.
fn check(plugin: &ChronusSeq, address: &str, mut args: Vec<OscType>) -> Result<Value, String> {
    args.insert(0, s(address));
    let replies = send(plugin, "/chronus/check", args)?;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].addr, "/chronus/check");
    assert_eq!(replies[0].args[0], s(address));
    match &replies[0].args[1] {
        OscType::String(json) => Ok(serde_json::from_str(json).expect("JSON")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_check_reports_the_change_and_makes_none() {
    let plugin = ChronusSeq::default();
    let store = plugin.pattern_store();
    send(
        &plugin,
        "/chronus/pattern",
        vec![OscType::Int(2), s("x...")],
    )
    .expect("set");
    let doc = store.doc();
    let history = store.history_depth();
    let count = store.edit_count();

    let report = check(
        &plugin,
        "/chronus/pattern",
        vec![OscType::Int(2), s("x.X.x")],
    )
    .expect("check");
    assert_eq!(report["changed"], true);
    let tracks = report["tracks"].as_array().expect("tracks");
    assert_eq!(tracks.len(), 1);
    assert_eq!(tracks[0]["track"], 2);
    assert_eq!(tracks[0]["before"]["pattern"], "x...");
    assert_eq!(tracks[0]["after"]["pattern"], "x.X.x");

    let report = check(
        &plugin,
        "/chronus/mute",
        vec![OscType::Int(3), OscType::Int(1)],
    )
    .expect("mute");
    assert_eq!(report["settings"][0], "mute_3: true");
    assert!(
        !plugin.seq_params().tracks[2].mute.value(),
        "the check muted nothing"
    );

    let report = check(&plugin, "/chronus/undo", vec![]).expect("undo");
    assert_eq!(report["tracks"][0]["before"]["pattern"], "x...");
    assert_eq!(
        report["tracks"][0]["after"]["pattern"], "....X.......X...",
        "the starter beat's snare"
    );

    let same = check(
        &plugin,
        "/chronus/pattern",
        vec![OscType::Int(2), s("x...")],
    )
    .expect("same");
    assert_eq!(same["changed"], false);

    assert!(store.doc() == doc, "the document is unchanged");
    assert_eq!(store.history_depth(), history);
    assert_eq!(store.edit_count(), count, "nothing was published");
}

#[test]
fn a_refused_check_gives_the_command_s_own_reason() {
    let plugin = ChronusSeq::default();
    let direct = send(&plugin, "/chronus/pattern", vec![OscType::Int(17), s("x")]).expect_err("17");
    let checked =
        check(&plugin, "/chronus/pattern", vec![OscType::Int(17), s("x")]).expect_err("17");
    assert_eq!(checked, format!("/chronus/pattern: {direct}"));

    let direct = send(
        &plugin,
        "/chronus/euclid",
        vec![
            OscType::Int(1),
            OscType::Int(9),
            OscType::Int(8),
            OscType::Int(0),
        ],
    )
    .expect_err("edit layer refusal");
    let checked = check(
        &plugin,
        "/chronus/euclid",
        vec![
            OscType::Int(1),
            OscType::Int(9),
            OscType::Int(8),
            OscType::Int(0),
        ],
    )
    .expect_err("edit layer refusal");
    assert_eq!(checked, format!("/chronus/euclid: {direct}"));

    let query = check(&plugin, "/chronus/query", vec![]).expect_err("not an edit");
    assert!(query.contains("not an edit"), "{query}");
    let unknown = check(&plugin, "/chronus/nope", vec![]).expect_err("unknown");
    assert!(unknown.contains("unknown address"), "{unknown}");
}

#[test]
fn remote_settings_need_the_musician_s_permission() {
    let plugin = ChronusSeq::default();
    let target = || plugin.seq_params().osc_out.0.get();
    let before = target();
    let args = || vec![s("192.168.1.20"), OscType::Int(6000)];
    let refused = send(&plugin, "/chronus/osc/target", args()).expect_err("not allowed");
    assert!(refused.contains("Allow remote settings"), "{refused}");
    let refused =
        send(&plugin, "/chronus/osc/input", vec![OscType::Int(6100)]).expect_err("not allowed");
    assert!(refused.contains("Allow remote settings"), "{refused}");
    let refused = check(&plugin, "/chronus/osc/target", args()).expect_err("not even checked");
    assert!(refused.contains("Allow remote settings"), "{refused}");
    assert_eq!(target(), before);

    // The switch in the editor.
    let allowed = &plugin.osc_in_status().allow_remote_settings;
    allowed.store(true, std::sync::atomic::Ordering::Release);
    send(&plugin, "/chronus/osc/target", args()).expect("allowed");
    assert_eq!(
        (target().host.as_str(), target().port),
        ("192.168.1.20", 6000)
    );
    let reserved =
        send(&plugin, "/chronus/osc/input", vec![OscType::Int(5005)]).expect_err("reserved");
    assert!(reserved.contains("reserved"), "{reserved}");
    let empty = send(
        &plugin,
        "/chronus/osc/target",
        vec![s(" "), OscType::Int(1)],
    )
    .expect_err("empty");
    assert!(empty.contains("host"), "{empty}");
}

/// The lane, note-cycle and voice commands are edits like the others: `/chronus/check` tries
/// them without changing anything, and they take a quantize option.
#[test]
fn lane_and_cycle_commands_can_be_checked_and_quantized() {
    let plugin = ChronusSeq::default();
    let store = plugin.pattern_store();
    let doc = store.doc();

    let lane_step = vec![
        OscType::Int(2),
        OscType::Int(1),
        OscType::Int(3),
        OscType::Float(0.5),
    ];
    let report = check(&plugin, "/chronus/lane/step", lane_step.clone()).expect("check");
    assert_eq!(report["changed"], true, "{report}");
    assert_eq!(report["tracks"][0]["track"], 2, "{report}");
    let report = check(
        &plugin,
        "/chronus/lane/osc",
        vec![
            OscType::Int(2),
            OscType::Int(1),
            s("/mod/voice2/filter/freq"),
        ],
    )
    .expect("check");
    let settings = report["settings"][0].as_str().expect("a setting");
    assert!(
        settings.contains("lane 1 of track 2") && settings.contains("/mod/voice2/filter/freq"),
        "{settings}"
    );
    let report = check(
        &plugin,
        "/chronus/track/cycle",
        vec![OscType::Int(1), s("C4,110.0"), s("quantize=bar")],
    )
    .expect("check");
    assert_eq!(
        (report["changed"].clone(), report["lands"].clone()),
        (Value::Bool(true), s_json("bar"))
    );
    assert_eq!(store.doc(), doc, "the checks changed nothing");

    let mut quantized = lane_step;
    quantized.push(s("quantize=bar"));
    let replies = send(&plugin, "/chronus/lane/step", quantized).expect("a quantized lane edit");
    assert_eq!(replies[0].args, vec![s("/chronus/lane/step")]);
    let lane = store.doc().slot(0).tracks[1].pattern.lanes[0];
    assert_eq!(lane.values[2].get(), Some(8192));
}

fn s_json(text: &str) -> Value {
    Value::String(text.to_owned())
}

#[test]
fn a_check_of_a_midi_input_setting_names_the_parameter_and_sets_nothing() {
    let plugin = ChronusSeq::default();
    let report = check(
        &plugin,
        "/chronus/midi/transpose_channel",
        vec![OscType::Int(3)],
    )
    .expect("check");
    assert_eq!(
        report["tracks"],
        serde_json::json!([]),
        "no track changes: {report}"
    );
    assert_eq!(report["settings"][0], "transpose_channel: 3");
    let report = check(&plugin, "/chronus/midi/reference_key", vec![s("D3")]).expect("check");
    assert_eq!(report["settings"][0], "reference_key: D3 · 50");
    let report = check(&plugin, "/chronus/midi/transpose_mode", vec![s("hold")]).expect("check");
    assert_eq!(report["settings"][0], "transpose_mode: hold");
    let params = plugin.seq_params();
    assert_eq!(
        params.transpose_channel.value(),
        1,
        "the checks set nothing"
    );
    assert_eq!(params.reference_key.value(), 48);
    let reason = check(
        &plugin,
        "/chronus/midi/slot_low_key",
        vec![OscType::Int(113)],
    )
    .expect_err("beyond the slot keys");
    assert!(
        reason.contains("slot low key F8 · 113 is outside"),
        "{reason}"
    );
}
