//! What a CLAP host learns about the enum-like parameters (docs/HOSTS.md, *Parameters as hosts
//! show them*): each step has a name, and nice-plug 0.4.2 marks none of them as a list.

use chronus_seq_host_tests::{ParamInfo, PluginHost};
use clack_extensions::params::ParamInfoFlags;

/// The texts of every step of a stepped parameter, as the host gets them.
fn step_texts(host: &mut PluginHost, param: &ParamInfo) -> Vec<String> {
    assert!(param.is_stepped(), "{} is stepped", param.name);
    let steps = (param.max - param.min).round() as usize;
    (0..=steps)
        .map(|step| {
            host.value_to_text(param.id, param.min + step as f64)
                .unwrap_or_else(|e| panic!("{}: value_to_text({step}): {e}", param.name))
        })
        .collect()
}

#[test]
fn enum_like_parameters_name_every_step() {
    let mut host = PluginHost::load_default().expect("building and loading the plugin");
    let quantize = host.find_param("slot_quantize").expect("Slot Quantize");
    assert_eq!(
        step_texts(&mut host, &quantize),
        ["Now", "Next Step", "Next Bar"]
    );
    for id in ["bypass", "osc_on", "fill", "mute_1", "solo_16"] {
        let param = host.find_param(id).expect("a switch");
        assert_eq!(step_texts(&mut host, &param), ["Off", "On"], "{id}");
    }
}

/// Pins the framework's behaviour: when this fails, nice-plug has started marking enum
/// parameters as lists (`CLAP_PARAM_IS_ENUM`) — update docs/HOSTS.md.
#[test]
fn the_framework_marks_no_parameter_as_a_list() {
    let mut host = PluginHost::load_default().expect("building and loading the plugin");
    let params = host.params().expect("listing parameters");
    let listed: Vec<&str> = params
        .iter()
        .filter(|param| param.flags.contains(ParamInfoFlags::IS_ENUM))
        .map(|param| param.name.as_str())
        .collect();
    assert!(listed.is_empty(), "marked as lists: {listed:?}");
}
