//! Widgets bound to host parameters and to document values, with the two rules the editor keeps:
//!
//! - A host parameter changes only through a recorded gesture: a click or a typed value is one
//!   begin/set/end, a drag begins when it starts, sets while it moves and ends on release, so
//!   the DAW records automation exactly as it would from its own controls. The widget shows the
//!   parameter's value every frame (automation moves it), except during its own drag, when it
//!   shows the value it last sent (the host applies changes a block later).
//! - A document value changed by dragging is stored once, on release, so one drag is one undo
//!   step; a typed or clicked change is stored at once.

use egui::{Color32, Id, Response, RichText, Ui};
use nice_plug::prelude::*;

use super::model::EditorModel;

/// A parameter value egui can keep in its memory during a drag.
pub trait Shown: Copy + PartialEq + Send + Sync + 'static {}
impl<T: Copy + PartialEq + Send + Sync + 'static> Shown for T {}

/// A button that shows and switches a boolean host parameter. `on_colour` fills it while on.
pub fn param_toggle(
    ui: &mut Ui,
    model: &EditorModel,
    param: &BoolParam,
    text: &str,
    accessible_name: &str,
    on_colour: Color32,
) -> Response {
    let on = param.value();
    let text = if on {
        RichText::new(text).color(Color32::BLACK).strong()
    } else {
        RichText::new(text)
    };
    let mut button = egui::Button::new(text).selected(on);
    if on {
        button = button.fill(on_colour);
    }
    let response = ui.add(button).accessible_name(accessible_name);
    if response.clicked() {
        model.toggle(param);
    }
    response
}

/// Any widget (slider, drag value, selectable buttons) bound to a host parameter. `widget` adds
/// the control showing the value it gets and edits that value; the change goes to the host as
/// described in the module docs. `name` names the control for screen readers and tests, and
/// keeps its drag memory apart.
pub fn param_widget<P>(
    ui: &mut Ui,
    model: &EditorModel,
    param: &P,
    name: &str,
    widget: impl FnOnce(&mut Ui, &mut P::Plain) -> Response,
) -> Response
where
    P: Param,
    P::Plain: Shown,
{
    let memory = Id::unique(("chronus-host-gesture", name));
    let dragged_value: Option<P::Plain> = ui.data(|data| data.get_temp(memory));
    let mut value = dragged_value.unwrap_or_else(|| param.unmodulated_plain_value());
    let before = value;
    let response = widget(ui, &mut value).accessible_name(name);
    let mut dragging = dragged_value.is_some();
    if !dragging && (response.drag_started() || response.dragged()) {
        model.begin_drag(param);
        ui.data_mut(|data| data.insert_temp(memory, value));
        dragging = true;
    }
    if value != before {
        if dragging {
            model.drag_to(param, value);
            ui.data_mut(|data| data.insert_temp(memory, value));
        } else {
            model.set(param, value);
        }
    }
    if dragging && (response.drag_stopped() || !response.dragged()) {
        model.end_drag(param);
        ui.data_mut(|data| data.remove::<P::Plain>(memory));
    }
    response
}

/// A widget bound to a document value `current`. Returns the value to store: once when a drag
/// is released, at once for a click or typed value. While dragging, the widget shows the value
/// being dragged.
pub fn settled_widget<T: Shown>(
    ui: &mut Ui,
    name: &str,
    current: T,
    widget: impl FnOnce(&mut Ui, &mut T) -> Response,
) -> (Response, Option<T>) {
    let memory = ui.scope_id().with(("chronus-settled", name));
    let dragged_value: Option<T> = ui.data(|data| data.get_temp(memory));
    let mut value = dragged_value.unwrap_or(current);
    let before = value;
    let response = widget(ui, &mut value).accessible_name(name);
    if response.dragged() {
        ui.data_mut(|data| data.insert_temp(memory, value));
        return (response, None);
    }
    if dragged_value.is_some() {
        ui.data_mut(|data| data.remove::<T>(memory));
        return (response, (value != current).then_some(value));
    }
    (response, (value != before).then_some(value))
}
