//! Track headers: the compact header left of each grid row (name, mute, solo, length and rate),
//! and the full header of the selected track under the grid (name, length, rate, MIDI note and
//! channel, gate, direction, melodic, Euclid pulses, steps and rotation, OSC address, and the pattern as
//! text).

use egui::{ComboBox, DragValue, Rect, RichText, Sense, Slider, Ui};

use super::controls::{param_toggle, param_widget, settled_widget};
use super::model::EditorModel;
use super::pattern_text;
use super::state::EditorState;
use super::text_field::{field_error, text_field, FieldLook};
use super::theme;
use crate::document::{PatternDoc, TrackDoc};
use crate::edit::notes::{note_name, parse_note};
use crate::edit::values::{OscAddress, PatternSteps, TrackName};
use crate::edit::{Edit, TrackChange, TrackRef};
use crate::engine::pattern::{Direction, RateFeel, StepRate, DIVISIONS, MAX_STEPS};

/// The compact header of track `track` in `rect`: colour, name (click to select, right click
/// for copy and paste), mute, solo, and the track's length and rate.
pub fn row_header(
    ui: &mut Ui,
    rect: Rect,
    model: &EditorModel,
    state: &mut EditorState,
    doc: &PatternDoc,
    track: usize,
) {
    let controls = &model.params().tracks[track];
    let pattern = &doc.tracks[track].pattern;
    let mut header = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
    );
    let ui = &mut header;
    ui.spacing_mut().item_spacing.x = 4.0;
    let (swatch, _) = ui.allocate_exact_size(egui::vec2(4.0, rect.height() - 4.0), Sense::hover());
    ui.painter()
        .rect_filled(swatch, 1.0, theme::track_colour(track));

    let selected = state.selected_track == track;
    let name = doc.tracks[track].name.clone();
    let name_button = egui::Button::selectable(selected, truncate(&name, 14))
        .min_size(egui::vec2(112.0, rect.height() - 4.0));
    let response = ui
        .add(name_button)
        .accessible_name(format!("Select track {}", track + 1))
        .on_hover_text(format!(
            "{name}: click to edit this track below; right click to copy or paste"
        ));
    if response.clicked() {
        state.select_track(track);
    }
    response.context_menu(|ui| track_menu(ui, model, state, track));

    param_toggle(
        ui,
        model,
        &controls.mute,
        "M",
        &format!("Mute track {}", track + 1),
        theme::MUTE_ON,
    )
    .on_hover_text("Mute (host parameter: automation records it)");
    param_toggle(
        ui,
        model,
        &controls.solo,
        "S",
        &format!("Solo track {}", track + 1),
        theme::SOLO_ON,
    )
    .on_hover_text("Solo (host parameter: automation records it)");

    let summary = if pattern.euclid {
        let performance = model.performance();
        let controls = &performance.tracks[track];
        format!(
            "E{}/{} {}",
            controls.euclid_pulses.min(pattern.length),
            pattern.length,
            pattern.rate.label()
        )
    } else {
        format!("{} · {}", pattern.length, pattern.rate.label())
    };
    ui.label(RichText::new(summary).small().color(theme::DIM_TEXT));
    voice_mark(ui, model, track);
}

/// A mark on a track whose OSC gate addresses a voice beyond the modular's voice count (the
/// `voices` setting, Music Chronus's `CHRONUS_NUM_VOICES`): it would stay silent without a sign.
fn voice_mark(ui: &mut Ui, model: &EditorModel, track: usize) {
    let settings = model.osc_out_settings();
    if !settings.beyond_voices(track) {
        return;
    }
    let voice = settings.tracks[track].voice().to_owned();
    ui.label(
        RichText::new(format!("! {voice}"))
            .small()
            .color(theme::MUTE_ON),
    )
    .on_hover_text(format!(
        "{voice} is beyond the modular's {} voices (the voices setting; Music Chronus \
             starts CHRONUS_NUM_VOICES, default 4): this track's gates will not sound",
        settings.voices
    ));
}

/// Copy, paste and clear for a track (the name's context menu).
fn track_menu(ui: &mut Ui, model: &EditorModel, state: &mut EditorState, track: usize) {
    if ui.button("Copy track").clicked() {
        copy_track(model, state, track);
        ui.close();
    }
    if ui
        .add_enabled(state.clipboard.is_some(), egui::Button::new("Paste track"))
        .clicked()
    {
        paste_track(model, state, track);
        ui.close();
    }
    if ui.button("Clear steps").clicked() {
        let clear = Edit::ClearSteps(Some(TrackRef::Index(track)));
        let _ = model.apply(state.edit_slot, clear);
        ui.close();
    }
}

/// Copies track `track` of the edited slot into the editor's clipboard.
pub fn copy_track(model: &EditorModel, state: &mut EditorState, track: usize) {
    let copied: TrackDoc = model.store().slot(state.edit_slot).tracks[track].clone();
    state.notice = Some(format!("Copied {}", copied.name));
    state.clipboard = Some(copied);
}

/// Pastes the clipboard (name and pattern) over track `track` of the edited slot.
pub fn paste_track(model: &EditorModel, state: &mut EditorState, track: usize) {
    if let Some(copied) = state.clipboard.clone() {
        state.notice = Some(format!("Pasted {} onto track {}", copied.name, track + 1));
        let paste = Edit::PutTrack {
            to: track,
            track: Box::new(copied),
        };
        let _ = model.apply(state.edit_slot, paste);
    }
}

/// The full header of the selected track.
pub fn track_inspector(
    ui: &mut Ui,
    model: &EditorModel,
    state: &mut EditorState,
    doc: &PatternDoc,
) {
    let track = state.selected_track;
    let slot = state.edit_slot;
    let key = (slot, track);
    let pattern = doc.tracks[track].pattern;
    let euclid = model.euclid_controls()[track];
    let controls = &model.params().tracks[track];
    // Values from bounded widgets and checked text: the edit layer has no reason to refuse.
    let edit = |edit: Edit| {
        let _ = model.apply(slot, edit);
    };
    let set = |change: TrackChange| {
        edit(Edit::SetTrack {
            track: TrackRef::Index(track),
            change,
        });
    };
    let length = i32::from(pattern.length);

    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!("Track {}", track + 1))
                .strong()
                .color(theme::track_colour(track)),
        );
        let name_look = FieldLook {
            accessible_name: "Track name",
            hint: "name",
            width: 130.0,
            monospace: false,
        };
        let name = doc.tracks[track].name.clone();
        let check_name = |text: &str| TrackName::parse(text).map(drop);
        let typed = text_field(ui, &mut state.name_text, key, &name, &name_look, check_name);
        if let Some(name) = typed.and_then(|typed| TrackName::parse(&typed).ok()) {
            set(TrackChange::Name(name));
        }
        ui.separator();

        ui.label("Length");
        let (_, new_length) = settled_widget(ui, "Track length", pattern.length, |ui, value| {
            ui.add(DragValue::new(value).range(1..=MAX_STEPS as u8).speed(0.2))
        });
        if let Some(new_length) = new_length {
            set(TrackChange::Length(new_length));
        }

        ui.label("Rate");
        let mut rate = pattern.rate;
        ComboBox::from_id_salt(("chronus-rate", track))
            .selected_text(rate.label())
            .width(64.0)
            .show_ui(ui, |ui| {
                for choice in all_rates() {
                    ui.selectable_value(&mut rate, choice, choice.label());
                }
            })
            .response
            .on_hover_text("Length of one step");
        if rate != pattern.rate {
            set(TrackChange::Rate(rate));
        }

        ui.label("Note");
        let (_, note) = settled_widget(ui, "Track note", pattern.note, |ui, value| {
            ui.add(
                DragValue::new(value)
                    .range(0..=127)
                    .speed(0.2)
                    .custom_formatter(|note, _| note_name(note as u8))
                    .custom_parser(|text| parse_note(text).map(f64::from)),
            )
        });
        if let Some(note) = note {
            set(TrackChange::Note(note));
        }

        ui.label("Channel");
        let (_, channel) = settled_widget(ui, "Track channel", pattern.channel + 1, |ui, value| {
            ui.add(DragValue::new(value).range(1..=16).speed(0.1))
        });
        if let Some(channel) = channel {
            set(TrackChange::Channel(channel - 1));
        }

        ui.label("Gate");
        param_widget(
            ui,
            model,
            &controls.gate,
            &format!("Gate track {}", track + 1),
            |ui, value| ui.add(Slider::new(value, 1.0..=100.0).suffix(" %").step_by(1.0)),
        )
        .on_hover_text("Note length in percent of a step (host parameter)");
    });

    ui.horizontal_wrapped(|ui| {
        ui.label("Direction");
        let mut direction = pattern.direction;
        ComboBox::from_id_salt(("chronus-direction", track))
            .selected_text(direction.name())
            .width(76.0)
            .show_ui(ui, |ui| {
                for choice in Direction::ALL {
                    ui.selectable_value(&mut direction, choice, choice.name())
                        .accessible_name(format!("Direction {}", choice.name()));
                }
            })
            .response
            .accessible_name("Track direction")
            .on_hover_text(
                "Order of the steps: forward, reverse, pendulum (ends not repeated) or random \
                 (the same at the same place every time)",
            );
        if direction != pattern.direction {
            set(TrackChange::Direction(direction));
        }
        let mut melodic = pattern.melodic;
        if ui
            .checkbox(&mut melodic, "Melodic")
            .accessible_name("Melodic track")
            .on_hover_text(
                "Follows the keys played in (transposition) and the slot's scale; drum tracks \
                 play their notes as written",
            )
            .changed()
        {
            set(TrackChange::Melodic(melodic));
        }
        ui.separator();

        let mut is_euclid = pattern.euclid;
        if ui
            .checkbox(&mut is_euclid, "Euclid")
            .accessible_name("Euclid mode")
            .on_hover_text("Spread the pulses evenly over the track's steps")
            .changed()
        {
            set(TrackChange::EuclidMode(is_euclid));
        }
        ui.label("Pulses");
        param_widget(
            ui,
            model,
            &controls.euclid_pulses,
            &format!("Pulses track {}", track + 1),
            |ui, value| ui.add(DragValue::new(value).range(0..=length).speed(0.2)),
        )
        .on_hover_text("Hits of the Euclid rhythm (host parameter)");
        ui.label("Steps");
        let (_, steps) = settled_widget(ui, "Euclid steps", pattern.length, |ui, value| {
            ui.add(DragValue::new(value).range(1..=MAX_STEPS as u8).speed(0.2))
        });
        if let Some(steps) = steps {
            set(TrackChange::Length(steps));
        }
        ui.label("Rotation");
        param_widget(
            ui,
            model,
            &controls.euclid_rotation,
            &format!("Rotation track {}", track + 1),
            |ui, value| ui.add(DragValue::new(value).range(0..=length - 1).speed(0.2)),
        )
        .on_hover_text("Turns the rhythm left by this many steps (host parameter)");
        if ui
            .button("Write into steps")
            .on_hover_text("Write the Euclid rhythm into the steps to edit them one by one")
            .clicked()
        {
            let (pulses, rotation) = euclid;
            edit(Edit::StampEuclid {
                track,
                pulses: pulses.min(pattern.length),
                steps: pattern.length,
                rotation: rotation.min(MAX_STEPS as u8 - 1),
            });
        }
        ui.separator();

        ui.label("OSC");
        let address = model.osc_out_settings().tracks[track].address.clone();
        let address_look = FieldLook {
            accessible_name: "OSC address",
            hint: "no OSC",
            width: 150.0,
            monospace: true,
        };
        let check_address = |text: &str| OscAddress::parse(text).map(drop);
        let typed = text_field(
            ui,
            &mut state.address_text,
            key,
            &address,
            &address_look,
            check_address,
        );
        if let Some(address) = typed.and_then(|typed| OscAddress::parse(&typed).ok()) {
            edit(Edit::OscAddress {
                track: TrackRef::Index(track),
                address,
            });
        }
    });
    field_error(ui, &mut state.name_text, "Revert name");
    field_error(ui, &mut state.address_text, "Revert OSC address");

    ui.horizontal(|ui| {
        ui.label("Pattern");
        let text_look = FieldLook {
            accessible_name: "Pattern text",
            hint: "x...x...X...x_..",
            width: (ui.available_width() - 8.0).max(200.0),
            monospace: true,
        };
        let shown = pattern_text::shown_text(&pattern, euclid);
        let check = |text: &str| PatternSteps::parse(text).map(drop);
        let typed = text_field(ui, &mut state.pattern_text, key, &shown, &text_look, check);
        if let Some(steps) = typed.and_then(|typed| PatternSteps::parse(&typed).ok()) {
            edit(Edit::WriteSteps {
                track: TrackRef::Index(track),
                steps,
            });
        }
    });
    field_error(ui, &mut state.pattern_text, "Revert pattern text");
}

/// Every step rate, shortest step last.
fn all_rates() -> impl Iterator<Item = StepRate> {
    DIVISIONS.iter().flat_map(|&division| {
        [RateFeel::Straight, RateFeel::Dotted, RateFeel::Triplet]
            .map(|feel| StepRate { division, feel })
    })
}

/// `name` cut to `chars` characters with an ellipsis.
fn truncate(name: &str, chars: usize) -> String {
    if name.chars().count() <= chars {
        name.to_owned()
    } else {
        let kept: String = name.chars().take(chars - 1).collect();
        format!("{kept}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cut_and_rates_listed() {
        assert_eq!(truncate("Closed Hi-Hat Long", 8), "Closed …");
        assert_eq!(all_rates().count(), 21);
    }
}
