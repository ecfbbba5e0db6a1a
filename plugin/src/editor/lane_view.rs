//! The lane view under the grid: the selected track's modulation lanes. Pick a lane, its MIDI
//! destination (off, a CC number, pitch bend), its own length and its OSC destination (address,
//! range, linear or exponential); draw its step values with the mouse (click or drag: the height
//! is the value; right click or a right drag removes values). Every change is an edit of the edit
//! layer; a drag in the strip, or on a number, is one edit when it is released (one undo step).

use egui::{vec2, Button, ComboBox, DragValue, PointerButton, RichText, Sense, Stroke, Ui};

use super::controls::settled_widget;
use super::lane_drawing::{LaneDrawing, LaneKey};
use super::model::EditorModel;
use super::state::EditorState;
use super::theme;
use crate::document::PatternDoc;
use crate::edit::{Edit, LaneChange, TrackRef};
use crate::engine::lanes::{LaneMidi, LaneValue, LANES};
use crate::engine::pattern::MAX_STEPS;
use crate::osc_out::{Curve, LaneTarget};

/// Height of the value strip, in points.
const STRIP_HEIGHT: f32 = 56.0;

/// The accessible name of the value strip of lane `lane` (0-based).
pub fn strip_name(lane: usize) -> String {
    format!("Lane {} values", lane + 1)
}

/// Draws the selected track's lane view and applies what the musician did.
pub fn lane_view(ui: &mut Ui, model: &EditorModel, state: &mut EditorState, doc: &PatternDoc) {
    let track = state.selected_track;
    let slot = state.edit_slot;
    let index = state.selected_lane.min(LANES - 1);
    let lane = doc.tracks[track].pattern.lanes[index];
    let target = model.osc_out_settings().tracks[track].lanes[index].clone();
    let apply = |change: LaneChange| {
        model.apply(
            slot,
            Edit::Lane {
                track: TrackRef::Index(track),
                lane: index,
                change,
            },
        )
    };

    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Lanes").strong());
        for choice in 0..LANES {
            let button = Button::selectable(choice == index, format!("{}", choice + 1));
            if ui
                .add(button)
                .accessible_name(format!("Lane {}", choice + 1))
                .clicked()
            {
                state.selected_lane = choice;
            }
        }
        ui.separator();
        ui.label("MIDI");
        let shown = match lane.midi {
            LaneMidi::Off => "Off".to_owned(),
            LaneMidi::Cc(cc) => format!("CC {cc}"),
            LaneMidi::PitchBend => "Pitch bend".to_owned(),
        };
        ComboBox::from_id_salt(("lane-midi", track, index))
            .selected_text(shown)
            .show_ui(ui, |ui| {
                let choices = [
                    ("Off", LaneMidi::Off),
                    ("CC 74 (cutoff)", LaneMidi::Cc(74)),
                    ("CC 1 (mod wheel)", LaneMidi::Cc(1)),
                    ("Pitch bend", LaneMidi::PitchBend),
                ];
                for (label, midi) in choices {
                    if ui.selectable_label(lane.midi == midi, label).clicked() {
                        let _ = apply(LaneChange::Midi(midi));
                    }
                }
            })
            .response
            .accessible_name("Lane MIDI destination")
            .on_hover_text("MIDI destination of the lane, on the track's channel");
        if let LaneMidi::Cc(cc) = lane.midi {
            let (_, number) = settled_widget(ui, "Lane CC number", cc, |ui, value| {
                ui.add(DragValue::new(value).range(0..=127))
            });
            if let Some(number) = number {
                let _ = apply(LaneChange::Midi(LaneMidi::Cc(number)));
            }
        }
        ui.label("Length");
        let (_, length) = settled_widget(ui, "Lane length", lane.length, |ui, value| {
            ui.add(DragValue::new(value).range(1..=MAX_STEPS as u8))
        });
        if let Some(length) = length {
            let _ = apply(LaneChange::Length(length));
        }
        ui.separator();
        ui.label("OSC");
        let key = (slot, track, index);
        if state.lane_address.0 != key {
            state.lane_address = (key, target.address.clone());
        }
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut state.lane_address.1)
                    .hint_text("/mod/voice1/filter/freq")
                    .desired_width(170.0),
            )
            .accessible_name("Lane OSC address");
        let mut changed = None;
        if response.lost_focus() && state.lane_address.1 != target.address {
            changed = Some(LaneTarget {
                address: state.lane_address.1.trim().to_owned(),
                ..target.clone()
            });
        }
        let (mut min, mut max) = (target.min, target.max);
        let low = ui
            .add(DragValue::new(&mut min).speed(1.0))
            .accessible_name("Lane range from");
        let high = ui
            .add(DragValue::new(&mut max).speed(1.0))
            .accessible_name("Lane range to");
        if low.changed() || high.changed() {
            changed = Some(LaneTarget {
                min,
                max,
                ..target.clone()
            });
        }
        let exponential = target.curve == Curve::Exponential;
        if ui
            .add(Button::selectable(exponential, "exp"))
            .accessible_name("Lane exponential")
            .on_hover_text("Exponential range: equal steps are equal ratios (frequencies)")
            .clicked()
        {
            let curve = if exponential {
                Curve::Linear
            } else {
                Curve::Exponential
            };
            changed = Some(LaneTarget {
                curve,
                ..target.clone()
            });
        }
        if let Some(next) = changed {
            if let Err(error) = apply(LaneChange::Osc(next)) {
                state.notice = Some(error.to_string());
                state.lane_address.1 = target.address.clone();
            }
        }
        if ui.button("Clear lane").clicked() {
            let _ = apply(LaneChange::Clear);
        }
    });

    strip(ui, model, state, &lane, (slot, track, index));
}

/// The value strip: one bar per lane step. A click sets one step's value (the height is the
/// value), a right click removes it; a drag draws (a right drag erases) over every step it
/// crosses, shown as it goes and stored as one edit on release.
fn strip(
    ui: &mut Ui,
    model: &EditorModel,
    state: &mut EditorState,
    lane: &crate::engine::lanes::Lane,
    key: LaneKey,
) {
    let (slot, track, index) = key;
    let width = ui.available_width().max(64.0);
    let (rect, response) =
        ui.allocate_exact_size(vec2(width, STRIP_HEIGHT), Sense::click_and_drag());
    let response = response.accessible_name(strip_name(index));
    let length = usize::from(lane.length.clamp(1, MAX_STEPS as u8));
    let bar = rect.width() / length as f32;
    // The step and value under a point, kept inside the strip.
    let at = |point: egui::Pos2| {
        let x = (point.x - rect.left()).clamp(0.0, rect.width());
        let step = ((x / bar).floor() as usize).min(length - 1);
        let unit = f64::from(1.0 - (point.y - rect.top()) / rect.height()).clamp(0.0, 1.0);
        (step, LaneValue::from_unit(unit).and_then(LaneValue::get))
    };

    let drawing_by = [PointerButton::Primary, PointerButton::Secondary]
        .into_iter()
        .find(|button| response.dragged_by(*button));
    let mut finished = None;
    if let (Some(button), Some(pointer)) = (drawing_by, response.interact_pointer_pos()) {
        let drawing = state
            .lane_drawing
            .get_or_insert_with(|| LaneDrawing::new(key));
        if drawing.key != key {
            *drawing = LaneDrawing::new(key);
        }
        let erase = button == PointerButton::Secondary;
        if drawing.is_empty() {
            // The stroke began where the button went down, a little before the drag showed.
            if let Some(origin) = ui.input(|input| input.pointer.press_origin()) {
                let (step, value) = at(origin);
                drawing.visit(step, if erase { None } else { value });
            }
        }
        let (step, value) = at(pointer);
        drawing.visit(step, if erase { None } else { value });
    } else if let Some(drawing) = state.lane_drawing.take() {
        // The button was released (or the view changed lane): the stroke is one edit, and this
        // frame still shows it (`lane` is the document from before the edit).
        if drawing.key == key {
            if let Some(edit) = drawing.to_edit(lane) {
                let _ = model.apply(slot, edit);
                ui.ctx().request_repaint();
            }
            finished = Some(drawing);
        }
    }

    let drawing = finished.as_ref().or_else(|| {
        state
            .lane_drawing
            .as_ref()
            .filter(|drawing| drawing.key == key)
    });
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, theme::CELL_OFF);
    for step in 0..length {
        let left = rect.left() + step as f32 * bar;
        let value = match drawing.and_then(|drawing| drawing.drawn(step)) {
            Some(drawn) => drawn.and_then(LaneValue::new).unwrap_or(LaneValue::NONE),
            None => lane.values[step],
        };
        match value.unit() {
            Some(unit) => {
                let top = rect.bottom() - unit as f32 * rect.height();
                let bar_rect = egui::Rect::from_min_max(
                    egui::pos2(left + 1.0, top),
                    egui::pos2(left + bar - 1.0, rect.bottom()),
                );
                painter.rect_filled(bar_rect, 1.0, theme::track_colour(track));
            }
            None => {
                let y = rect.bottom() - 2.0;
                painter.line_segment(
                    [egui::pos2(left + 2.0, y), egui::pos2(left + bar - 2.0, y)],
                    Stroke::new(1.0, theme::DIM_TEXT),
                );
            }
        }
    }
    if drawing.is_some() {
        return;
    }
    let Some(pointer) = response.interact_pointer_pos() else {
        return;
    };
    if !rect.contains(pointer) {
        return;
    }
    let (step, value) = at(pointer);
    let value = if response.secondary_clicked() {
        None
    } else if response.clicked() {
        value
    } else {
        return;
    };
    if lane.values[step].get() != value {
        let _ = model.apply(
            slot,
            Edit::Lane {
                track: TrackRef::Index(track),
                lane: index,
                change: LaneChange::Values {
                    from: step,
                    values: vec![value],
                },
            },
        );
    }
}
