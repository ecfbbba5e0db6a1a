//! What hosts show of each parameter: every value's text parses back to a value with the same
//! text (value → text → value → text), with the unit (as CLAP hosts get it) and without (VST3
//! hosts get the unit separately); every step of a stepped parameter has its own text, and the
//! enum-like ones show names, not numbers. The plugin's URL is set.

use chronus_seq::ChronusSeq;
use nice_plug::prelude::*;

/// Normalized values tried on a continuous parameter.
const CONTINUOUS_POINTS: usize = 1000;

fn round_trip(id: &str, param: &ParamPtr, normalized: f32, include_unit: bool) -> String {
    // SAFETY: the parameter lives in the plugin, which outlives this call.
    let text = unsafe { param.normalized_value_to_string(normalized, include_unit) };
    // SAFETY: as above.
    let parsed = unsafe { param.string_to_normalized_value(&text) }
        .unwrap_or_else(|| panic!("{id}: its own text {text:?} does not parse"));
    // SAFETY: as above.
    let again = unsafe { param.normalized_value_to_string(parsed, include_unit) };
    assert_eq!(
        text, again,
        "{id}: {normalized} → {text:?} → {parsed} → {again:?}"
    );
    text
}

#[test]
fn every_parameter_text_round_trips_with_and_without_its_unit() {
    let plugin = ChronusSeq::default();
    let params = plugin.params().param_map();
    assert!(params.len() > 80);
    for (id, param, _group) in &params {
        // SAFETY: as above.
        let steps = unsafe { param.step_count() };
        for include_unit in [true, false] {
            match steps {
                Some(steps) => {
                    let texts: Vec<String> = (0..=steps)
                        .map(|step| {
                            let normalized = step as f32 / steps as f32;
                            round_trip(id, param, normalized, include_unit)
                        })
                        .collect();
                    let mut distinct = texts.clone();
                    distinct.sort();
                    distinct.dedup();
                    assert_eq!(
                        distinct.len(),
                        texts.len(),
                        "{id}: steps share a text: {texts:?}"
                    );
                }
                None => {
                    for point in 0..=CONTINUOUS_POINTS {
                        let normalized = point as f32 / CONTINUOUS_POINTS as f32;
                        round_trip(id, param, normalized, include_unit);
                    }
                    // SAFETY: as above.
                    let default = unsafe { param.default_normalized_value() };
                    round_trip(id, param, default, include_unit);
                }
            }
        }
    }
}

/// The names a host shows for every step of parameter `id`.
fn step_texts(plugin: &ChronusSeq, id: &str) -> Vec<String> {
    let params = plugin.params().param_map();
    let (_, param, _) = params
        .iter()
        .find(|(param_id, _, _)| param_id == id)
        .unwrap_or_else(|| panic!("no parameter {id}"));
    // SAFETY: the parameter lives in the plugin, which outlives this call.
    unsafe {
        let steps = param.step_count().expect("a stepped parameter");
        (0..=steps)
            .map(|step| param.normalized_value_to_string(step as f32 / steps as f32, true))
            .collect()
    }
}

#[test]
fn enum_like_parameters_show_names() {
    let plugin = ChronusSeq::default();
    assert_eq!(
        step_texts(&plugin, "slot_quantize"),
        ["Now", "Next Step", "Next Bar"]
    );
    for id in ["bypass", "osc_on", "mute_1", "solo_16"] {
        assert_eq!(step_texts(&plugin, id), ["Off", "On"], "{id}");
    }
    let slots = step_texts(&plugin, "slot");
    assert_eq!(slots.first().map(String::as_str), Some("1"));
    assert_eq!(slots.last().map(String::as_str), Some("16"));
}

#[test]
fn the_plugin_has_a_url() {
    assert!(
        ChronusSeq::URL.starts_with("https://"),
        "URL {:?}",
        ChronusSeq::URL
    );
}
