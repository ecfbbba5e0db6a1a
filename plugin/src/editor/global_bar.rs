//! The bar across the top: transport, pattern slots, the MIDI input, slot quantize, swing, Fill,
//! undo and redo, track copy and paste, zoom, and the OSC status.

use egui::{pos2, vec2, RichText, Sense, Shape, Slider, Ui};

use super::controls::{param_toggle, param_widget};
use super::model::EditorModel;
use super::state::{EditorState, Zoom};
use super::status::{osc_in_status, osc_out_status, OscInView, OscOutView};
use super::theme;
use super::track_header::{copy_track, paste_track};
use crate::document::SongDoc;
use crate::edit::Edit;
use crate::engine::pattern::SLOT_COUNT;
use crate::engine::performance::{MAX_SWING, MIN_SWING};
use crate::live_state::TransportView;
use crate::params::QuantizeChoice;

/// The first row: transport, the slot that plays and the slot being edited, the edited slot's
/// scale; the second: the MIDI input and the transposition played in.
pub fn global_bar(ui: &mut Ui, model: &EditorModel, state: &mut EditorState, song: &SongDoc) {
    ui.horizontal_wrapped(|ui| {
        transport(ui, &model.live.transport());
        ui.separator();
        slots(ui, model, state, song);
        ui.separator();
        super::scale_controls::scale_controls(ui, model, state, song);
    });
    super::midi_input_panel::midi_input_row(ui, model, state, song);
}

/// The third row: quantize, swing, Fill, undo and redo, copy and paste, zoom and notices; the
/// fourth: the OSC status.
pub fn action_bar(ui: &mut Ui, model: &EditorModel, state: &mut EditorState) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Quantize");
        param_widget(
            ui,
            model,
            &model.params().slot_quantize,
            "Slot quantize",
            |ui, value| {
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = 2.0;
                    let choices = [
                        (QuantizeChoice::Now, "Now"),
                        (QuantizeChoice::NextStep, "Step"),
                        (QuantizeChoice::NextBar, "Bar"),
                    ];
                    for (choice, text) in choices {
                        ui.selectable_value(value, choice, text)
                            .accessible_name(format!("Quantize {text}"));
                    }
                })
                .response
            },
        )
        .on_hover_text("When a slot change takes effect (host parameter)");
        ui.separator();

        ui.label("Swing");
        let swing_range = (MIN_SWING * 100.0) as f32..=(MAX_SWING * 100.0) as f32;
        param_widget(ui, model, &model.params().swing, "Swing", |ui, value| {
            ui.add(
                Slider::new(value, swing_range)
                    .suffix(" %")
                    .step_by(0.1)
                    .fixed_decimals(1),
            )
        })
        .on_hover_text("Delays every second step; 50 % is straight (host parameter)");
        ui.separator();

        param_toggle(
            ui,
            model,
            &model.params().fill,
            "Fill",
            "Fill",
            theme::CONDITION,
        )
        .on_hover_text(
            "Steps with the fill condition play, !fill ones rest (host parameter: map a button \
             or automate it)",
        );
        ui.separator();

        let (undos, redos) = model.store().history_depth();
        if ui
            .add_enabled(undos > 0, egui::Button::new("Undo"))
            .on_hover_text(format!("Undo the last pattern edit ({undos} left), Ctrl+Z"))
            .clicked()
        {
            model.undo();
        }
        if ui
            .add_enabled(redos > 0, egui::Button::new("Redo"))
            .on_hover_text(format!("Redo ({redos} left), Ctrl+Shift+Z"))
            .clicked()
        {
            model.redo();
        }
        let slot = state.edit_slot;
        if ui
            .button("Reseed")
            .on_hover_text(
                "New dice for step probability in this slot. The same seed plays the same \
                 steps at the same song position every time, so a bounce equals playback",
            )
            .clicked()
        {
            let _ = model.apply(slot, Edit::Reseed(None));
        }
        ui.separator();
        let track = state.selected_track;
        if ui
            .button("Copy track")
            .on_hover_text(format!("Copy track {} of this slot", track + 1))
            .clicked()
        {
            copy_track(model, state, track);
        }
        let paste_hint = match &state.clipboard {
            Some(copied) => format!("Paste {} over track {}", copied.name, track + 1),
            None => "Copy a track first".to_owned(),
        };
        if ui
            .add_enabled(state.clipboard.is_some(), egui::Button::new("Paste track"))
            .on_hover_text(paste_hint)
            .on_disabled_hover_text("Copy a track first")
            .clicked()
        {
            paste_track(model, state, track);
        }
        ui.separator();
        zoom(ui, state);
    });
    ui.horizontal_wrapped(|ui| {
        let out = OscOutView::read(
            &model.osc_out_settings(),
            &model.osc_out,
            model.params().osc_enabled.value(),
        );
        osc_out_status(ui, &out);
        ui.separator();
        let input = model.osc_in.as_deref().map(OscInView::read);
        osc_in_status(ui, input.as_ref());
        if let Some(status) = model.osc_in.as_deref() {
            remote_settings_switch(ui, &status.allow_remote_settings);
        }
        if let Some(notice) = &state.notice {
            ui.separator();
            ui.label(RichText::new(notice.as_str()).color(theme::DIM_TEXT));
        }
    });
}

/// Play state, tempo and bar.beat.sixteenth.
/// The musician's permission for OSC clients to change the OSC output target and input port
/// (and to subscribe from other computers). Off at start, never saved.
fn remote_settings_switch(ui: &mut Ui, allowed: &std::sync::atomic::AtomicBool) {
    use std::sync::atomic::Ordering;
    let mut on = allowed.load(Ordering::Acquire);
    let switch = ui.checkbox(&mut on, "Allow remote settings").on_hover_text(
        "Lets OSC clients (scripts, AI agents) change where the OSC output sends and which \
             port the OSC input listens on, and subscribe from other computers. Off whenever \
             the plugin is loaded.",
    );
    if switch.changed() {
        allowed.store(on, Ordering::Release);
    }
}

fn transport(ui: &mut Ui, transport: &TransportView) {
    let (rect, _) = ui.allocate_exact_size(vec2(14.0, 14.0), Sense::hover());
    let painter = ui.painter();
    if transport.playing {
        let points = vec![
            pos2(rect.left() + 2.0, rect.top() + 1.0),
            pos2(rect.right() - 1.0, rect.center().y),
            pos2(rect.left() + 2.0, rect.bottom() - 1.0),
        ];
        painter.add(Shape::convex_polygon(
            points,
            theme::GOOD,
            egui::Stroke::NONE,
        ));
    } else {
        painter.rect_filled(rect.shrink(2.0), 1.0, theme::DIM_TEXT);
    }
    let state = if transport.playing {
        "Playing"
    } else {
        "Stopped"
    };
    ui.label(RichText::new(state).strong())
        .on_hover_text("The host transport");
    let tempo = transport
        .tempo
        .map_or_else(|| "— BPM".to_owned(), |tempo| format!("{tempo:.1} BPM"));
    ui.label(RichText::new(tempo).monospace());
    ui.label(RichText::new(position_text(transport)).monospace())
        .on_hover_text("Bar . beat . sixteenth");
}

/// `bar.beat.sixteenth`, all counted from 1.
pub fn position_text(transport: &TransportView) -> String {
    let (bar, beat) = transport.bar_and_beat();
    let whole_beat = beat.floor().max(1.0);
    let sixteenth = ((beat - whole_beat) * 4.0).floor() as i64 + 1;
    format!("{bar}.{}.{}", whole_beat as i64, sixteenth.clamp(1, 4))
}

/// The slot buttons (which slot plays, a host parameter) and the slot being edited.
fn slots(ui: &mut Ui, model: &EditorModel, state: &mut EditorState, song: &SongDoc) {
    ui.label("Slot");
    let playing = model.live.playing_slot();
    let param = &model.params().slot;
    param_widget(ui, model, param, "Pattern slot", |ui, value| {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 2.0;
            for slot in 0..SLOT_COUNT {
                let number = slot as i32 + 1;
                let used = song.slot(slot).tracks.iter().any(|track| {
                    let pattern = &track.pattern;
                    pattern.euclid
                        || pattern.steps[..usize::from(pattern.length)]
                            .iter()
                            .any(|step| step.on)
                });
                let text = RichText::new(format!("{number}")).monospace();
                let text = if used {
                    text
                } else {
                    text.color(theme::DIM_TEXT)
                };
                let response = ui
                    .add(
                        egui::Button::selectable(*value == number, text).min_size(vec2(22.0, 20.0)),
                    )
                    .accessible_name(format!("Play slot {number}"))
                    .on_hover_text(slot_hint(number, slot == playing, used));
                if slot == playing {
                    let rect = response.rect;
                    ui.painter().hline(
                        rect.x_range().shrink(3.0),
                        rect.bottom() - 1.5,
                        egui::Stroke::new(2.5, theme::GOOD),
                    );
                }
                if response.clicked() {
                    *value = number;
                }
            }
        })
        .response
    });

    ui.label("Edit");
    let mut edited = state.edit_slot;
    egui::ComboBox::from_id_salt("chronus-edit-slot")
        .selected_text(format!("slot {}", edited + 1))
        .width(70.0)
        .show_ui(ui, |ui| {
            for slot in 0..SLOT_COUNT {
                ui.selectable_value(&mut edited, slot, format!("slot {}", slot + 1));
            }
        })
        .response
        .on_hover_text("The slot the grid shows and edits");
    if edited != state.edit_slot {
        state.choose_edit_slot(edited);
    }
    let mut follow = state.follow_playing;
    if ui
        .checkbox(&mut follow, "follow")
        .accessible_name("Edit the slot that plays")
        .on_hover_text("Edit whichever slot plays")
        .changed()
    {
        state.follow_playing = follow;
        if follow {
            state.follow(playing);
        }
    }
}

/// The tooltip of a slot button.
fn slot_hint(number: i32, playing: bool, used: bool) -> String {
    let mut hint = format!("Play slot {number}");
    if playing {
        hint.push_str(" (playing now)");
    }
    if !used {
        hint.push_str(" (empty)");
    }
    hint
}

/// Fit or a fixed cell width.
fn zoom(ui: &mut Ui, state: &mut EditorState) {
    ui.label("Zoom");
    let mut fit = state.zoom == Zoom::Fit;
    if ui
        .toggle_value(&mut fit, "Fit")
        .on_hover_text("Show every step in the window")
        .changed()
    {
        state.zoom = if fit { Zoom::Fit } else { Zoom::Width(28.0) };
    }
    if let Zoom::Width(mut width) = state.zoom {
        let slider = Slider::new(&mut width, theme::MIN_CELL_WIDTH..=theme::MAX_CELL_WIDTH)
            .show_value(false);
        if ui.add(slider).accessible_name("Step width").changed() {
            state.zoom = Zoom::Width(width);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_from_one() {
        let at = |position: f64| TransportView {
            playing: true,
            tempo: Some(120.0),
            position,
            bar_beats: 4.0,
            bar_origin: 0.0,
            block_seconds: 0.01,
        };
        assert_eq!(position_text(&at(0.0)), "1.1.1");
        assert_eq!(position_text(&at(5.3)), "2.2.2");
        assert_eq!(position_text(&at(7.99)), "2.4.4");
    }
}
