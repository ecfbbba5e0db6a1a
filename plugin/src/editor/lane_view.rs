//! The lane view under the grid: the selected track's modulation lanes. Pick a lane, its MIDI
//! destination (off, a CC number, pitch bend), its own length and its OSC destination (address,
//! range, linear or exponential); draw its step values with the mouse (click or drag: the height
//! is the value; right click removes a step's value). Every change is an edit of the edit layer.

use egui::{vec2, Button, ComboBox, DragValue, RichText, Sense, Stroke, Ui};

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
            let mut number = cc;
            let response = ui
                .add(DragValue::new(&mut number).range(0..=127))
                .accessible_name("Lane CC number");
            if response.changed() {
                let _ = apply(LaneChange::Midi(LaneMidi::Cc(number)));
            }
        }
        ui.label("Length");
        let mut length = lane.length;
        let response = ui
            .add(DragValue::new(&mut length).range(1..=MAX_STEPS as u8))
            .accessible_name("Lane length");
        if response.changed() {
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

    strip(ui, &lane, index, &apply, track);
}

/// The value strip: one bar per lane step; click or drag to draw, right click to remove.
fn strip(
    ui: &mut Ui,
    lane: &crate::engine::lanes::Lane,
    index: usize,
    apply: &dyn Fn(LaneChange) -> Result<(), crate::edit::EditError>,
    track: usize,
) {
    let width = ui.available_width().max(64.0);
    let (rect, response) =
        ui.allocate_exact_size(vec2(width, STRIP_HEIGHT), Sense::click_and_drag());
    let response = response.accessible_name(strip_name(index));
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, theme::CELL_OFF);
    let length = usize::from(lane.length.clamp(1, MAX_STEPS as u8));
    let bar = rect.width() / length as f32;
    for step in 0..length {
        let left = rect.left() + step as f32 * bar;
        match lane.values[step].unit() {
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
    let Some(pointer) = response.interact_pointer_pos() else {
        return;
    };
    if !rect.contains(pointer) {
        return;
    }
    let step = (((pointer.x - rect.left()) / bar).floor() as usize).min(length - 1);
    let unit = f64::from(1.0 - (pointer.y - rect.top()) / rect.height()).clamp(0.0, 1.0);
    let value = if response.secondary_clicked() {
        None
    } else if response.clicked() || response.dragged() {
        LaneValue::from_unit(unit).and_then(LaneValue::get)
    } else {
        return;
    };
    if lane.values[step].get() != value {
        let _ = apply(LaneChange::Values {
            from: step,
            values: vec![value],
        });
    }
}
