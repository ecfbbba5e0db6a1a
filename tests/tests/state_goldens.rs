//! Saved state of every format version (`tests/golden/state/`, see its README) through the real
//! bundle in a real CLAP host: each golden loads, keeps its parameters, and saves as the current
//! version; the current version's golden saves byte-identical; a damaged part loads as its
//! default while the other parts load as saved. What each golden loads into, to the step, is
//! checked in-process by `plugin/tests/saved_state_goldens.rs`.
//!
//! `record_golden` (ignored) is how the goldens were made: it loads a hand-written input state
//! into whatever bundle `CHRONUS_SEQ_CLAP` names and writes what that plugin saves.

use std::path::PathBuf;

use chronus_seq_host_tests::{nice_plug_state_bytes, nice_plug_state_json, PluginHost};
use serde_json::{Map, Value};

/// The persisted fields of the plugin's state, by key.
const PARTS: [&str; 4] = ["pattern", "osc_out", "osc_in", "editor_size"];

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden/state")
}

/// The JSON text of golden `name` (`tests/golden/state/<name>.json`), as the plugin saved it.
fn golden_text(name: &str) -> String {
    let path = golden_dir().join(format!("{name}.json"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
        .trim_end()
        .to_owned()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("state JSON")
}

/// Loads golden `name` into a fresh instance and returns what that instance saves.
fn load_and_save(name: &str) -> Value {
    let mut host = PluginHost::load_default().expect("loading the bundle");
    host.load_state(&nice_plug_state_bytes(&golden_text(name)))
        .unwrap_or_else(|e| panic!("loading {name}: {e}"));
    let saved = host.save_state().expect("saving");
    parse(nice_plug_state_json(&saved).expect("nice-plug framing"))
}

/// What a fresh instance saves.
fn fresh_state() -> Value {
    let mut host = PluginHost::load_default().expect("loading the bundle");
    let saved = host.save_state().expect("saving");
    parse(nice_plug_state_json(&saved).expect("nice-plug framing"))
}

fn fields(state: &Value) -> &Map<String, Value> {
    state["fields"].as_object().expect("a fields object")
}

/// Every parameter the golden holds has the same value in `saved`.
fn assert_params_kept(name: &str, golden: &Value, saved: &Value) {
    let params = golden["params"].as_object().expect("params");
    assert!(!params.is_empty(), "{name} holds parameters");
    for (id, value) in params {
        assert_eq!(&saved["params"][id], value, "{name}: parameter {id}");
    }
}

/// The current version's golden (and the migrated version-1 one) saves byte-identical again
/// after a load into a fresh instance, field by field.
fn assert_resaves_identical(name: &str, saved: &Value) {
    let text = serde_json::to_string(saved).expect("serializes");
    let mut host = PluginHost::load_default().expect("loading the bundle");
    host.load_state(&nice_plug_state_bytes(&text))
        .expect("loading the saved state");
    let again = host.save_state().expect("saving again");
    let again = parse(nice_plug_state_json(&again).expect("framing"));
    assert_eq!(fields(&again), fields(saved), "{name}: save, load, save");
}

/// `v4-full` as the current build saves it (every part, with trig conditions, directions,
/// lanes, note cycles and the voice profile).
#[test]
fn the_current_version_golden_saves_byte_identical() {
    let fresh = fresh_state();
    for name in ["v4-full"] {
        let golden = parse(&golden_text(name));
        let saved = load_and_save(name);
        for part in PARTS {
            let want = match fields(&golden).get(part) {
                Some(text) => text,
                None => &fields(&fresh)[part],
            };
            assert_eq!(
                &fields(&saved)[part],
                want,
                "{name}: field {part} is not saved byte-identical"
            );
        }
        assert_eq!(fields(&saved).len(), PARTS.len());
        assert_params_kept(name, &golden, &saved);
        assert_resaves_identical(name, &saved);
    }
}

/// Whether `saved` holds everything `golden` holds (objects may have more keys: settings added
/// since, at their defaults).
fn assert_holds(what: &str, golden: &Value, saved: &Value) {
    match (golden, saved) {
        (Value::Object(golden), Value::Object(saved)) => {
            for (key, value) in golden {
                let inner = saved
                    .get(key)
                    .unwrap_or_else(|| panic!("{what}: {key} is lost"));
                assert_holds(&format!("{what}.{key}"), value, inner);
            }
        }
        (Value::Array(golden), Value::Array(saved)) => {
            assert_eq!(golden.len(), saved.len(), "{what}: length");
            for (index, (golden, saved)) in golden.iter().zip(saved).enumerate() {
                assert_holds(&format!("{what}[{index}]"), golden, saved);
            }
        }
        (golden, saved) => assert_eq!(golden, saved, "{what}"),
    }
}

/// `v2-full`, `v2-first` (the first version-2 build's, before per-step notes, OSC input
/// settings and the editor size) and `v3-full` save as the current version with the same slots
/// and tracks (versions 3 and 4 add fields only), every other part holding what it held (the
/// OSC output settings gained lane destinations, voice profiles, the voice count and
/// forwarding, at their defaults), and then save byte-identical.
#[test]
fn the_version_2_and_3_goldens_save_as_the_current_version_track_for_track() {
    let fresh = fresh_state();
    for (name, version) in [("v2-full", 2), ("v2-first", 2), ("v3-full", 3)] {
        let golden = parse(&golden_text(name));
        let saved = load_and_save(name);
        let old = parse(fields(&golden)["pattern"].as_str().expect("pattern"));
        let new = parse(fields(&saved)["pattern"].as_str().expect("pattern"));
        assert_eq!(
            (old["version"].as_u64(), new["version"].as_u64()),
            (Some(version), Some(4)),
            "{name}: version"
        );
        assert_eq!(new["slots"], old["slots"], "{name}: slot for slot");
        for part in ["osc_out", "osc_in", "editor_size"] {
            let want = match fields(&golden).get(part) {
                Some(text) => text,
                None => &fields(&fresh)[part],
            };
            let want = parse(want.as_str().expect("text"));
            let got = parse(fields(&saved)[part].as_str().expect("text"));
            assert_holds(&format!("{name}: {part}"), &want, &got);
        }
        assert_params_kept(name, &golden, &saved);
        assert_resaves_identical(name, &saved);
    }
}

/// `v1-full` (every version-1 feature, written by the last version-1 build) and `v1-first`
/// (written by the first build: steps as `x`, `X` and `.` with other velocities in the column,
/// no OSC settings) load into slot 1 and save as the current version, which then saves
/// byte-identical.
#[test]
fn the_version_1_goldens_load_into_slot_1_and_save_as_the_current_version() {
    let fresh = fresh_state();
    for name in ["v1-full", "v1-first"] {
        let golden = parse(&golden_text(name));
        let saved = load_and_save(name);
        let old = parse(fields(&golden)["pattern"].as_str().expect("pattern"));
        assert_eq!(old["version"], 1);
        let new = parse(fields(&saved)["pattern"].as_str().expect("pattern"));
        assert_eq!(new["version"], 4, "{name}");
        let slots = new["slots"].as_array().expect("slots");
        assert_eq!(slots.len(), 1, "{name}: only slot 1 holds a pattern");
        assert_eq!(slots[0]["slot"], 1, "{name}");
        assert_eq!(slots[0]["seed"], old["seed"], "{name}");
        for part in ["osc_out", "osc_in", "editor_size"] {
            let want = match fields(&golden).get(part) {
                Some(text) => text,
                None => &fields(&fresh)[part],
            };
            let want = parse(want.as_str().expect("text"));
            let got = parse(fields(&saved)[part].as_str().expect("text"));
            assert_holds(&format!("{name}: {part}"), &want, &got);
        }
        assert_params_kept(name, &golden, &saved);
        assert_resaves_identical(name, &saved);
    }
    // The last version-1 build printed steps as this build does: the tracks carry over as text.
    let golden = parse(&golden_text("v1-full"));
    let old = parse(fields(&golden)["pattern"].as_str().expect("pattern"));
    let new = parse(
        fields(&load_and_save("v1-full"))["pattern"]
            .as_str()
            .expect("pattern"),
    );
    assert_eq!(
        new["slots"][0]["tracks"], old["tracks"],
        "v1-full, track for track"
    );
}

/// Each damaged golden (made from a version-1 or version-2 golden), the parts it damages, and
/// the golden it was made from.
const DAMAGED: [(&str, &[&str], &str); 7] = [
    ("v1-corrupt-pattern", &["pattern"], "v1-full"),
    ("v1-invalid-pattern", &["pattern"], "v1-full"),
    (
        "v2-corrupt-settings",
        &["osc_out", "osc_in", "editor_size"],
        "v2-full",
    ),
    ("v2-corrupt-pattern", &["pattern"], "v2-full"),
    ("v4-newer", &["pattern"], "v2-full"),
    ("v5-newer", &["pattern"], "v2-full"),
    ("foreign", &["pattern"], "v2-full"),
];

#[test]
fn a_damaged_part_loads_as_its_default_and_the_others_as_saved() {
    let fresh = fresh_state();
    for (name, damaged, source) in DAMAGED {
        let golden = parse(&golden_text(name));
        let saved = load_and_save(name);
        let from = load_and_save(source);
        for part in PARTS {
            let want = if damaged.contains(&part) {
                &fields(&fresh)[part]
            } else {
                &fields(&from)[part]
            };
            assert_eq!(&fields(&saved)[part], want, "{name}: field {part}");
        }
        assert_params_kept(name, &golden, &saved);
    }
}

/// Writes what the plugin in `CHRONUS_SEQ_CLAP` saves after loading the input state
/// `GOLDEN_INPUT` (JSON; a field given as an object is stored as its JSON text) to
/// `GOLDEN_OUTPUT`, without the 8-byte length prefix. See `tests/golden/state/README.md`.
#[test]
#[ignore = "makes a golden file; run by hand with CHRONUS_SEQ_CLAP, GOLDEN_INPUT and GOLDEN_OUTPUT"]
fn record_golden() {
    let input = std::env::var("GOLDEN_INPUT").expect("GOLDEN_INPUT");
    let output = std::env::var("GOLDEN_OUTPUT").expect("GOLDEN_OUTPUT");
    let mut state = parse(&std::fs::read_to_string(&input).expect("reading GOLDEN_INPUT"));
    for value in state["fields"]
        .as_object_mut()
        .expect("a fields object")
        .values_mut()
    {
        if !value.is_string() {
            *value = Value::String(value.to_string());
        }
    }
    let mut host = PluginHost::load_default().expect("loading the bundle");
    host.load_state(&nice_plug_state_bytes(&state.to_string()))
        .expect("loading the input state");
    let saved = host.save_state().expect("saving");
    let json = nice_plug_state_json(&saved).expect("nice-plug framing");
    std::fs::write(&output, format!("{json}\n")).expect("writing GOLDEN_OUTPUT");
}
