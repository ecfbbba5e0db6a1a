//! Headless editor tests (egui_kittest): the real editor drawing function against the real
//! plugin parts (pattern store, host parameters, gateway, live state), with a recording stand-in
//! for the host's editor context. No window and no GPU: the tests click, drag and type through
//! egui's input events and read the accessibility tree and the painted shapes.

mod conditions;
mod grid;
mod host_params;
mod lanes;
mod layout;
mod midi_input;
mod one_rule;
mod support;
mod text;
mod undo;
