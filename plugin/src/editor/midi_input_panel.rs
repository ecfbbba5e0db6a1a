//! The MIDI input row of the top bar: which channel's keys transpose the melodic tracks, latch
//! or hold, the reference key, the transposition played in now, the slot keys (channel and
//! range) and which tracks of the edited slot are melodic.
//!
//! The five settings are host parameters. Every change is one [`Edit::MidiInput`] of the edit
//! layer (as `/chronus/midi/…` makes it), which sends it to the host as one recorded gesture; a
//! key dragged is sent once, on release. The controls show the parameters as they are, so host
//! automation and OSC move them.

use egui::{vec2, Button, ComboBox, DragValue, RichText, Ui};

use super::controls::settled_widget;
use super::model::EditorModel;
use super::state::EditorState;
use super::theme;
use crate::document::SongDoc;
use crate::edit::notes::{note_name, parse_note};
use crate::edit::values::SLOT_LOW_KEY;
use crate::edit::{Edit, MidiInputChange, TrackChange, TrackRef};
use crate::engine::midi_input::TransposeMode;
use crate::engine::pattern::{MAX_TRACKS, SLOT_COUNT};

/// Draws the MIDI input row and applies what the musician changed.
pub fn midi_input_row(ui: &mut Ui, model: &EditorModel, state: &mut EditorState, song: &SongDoc) {
    let params = model.params();
    let mut changes: Vec<Edit> = Vec::new();
    let mut set = |change: MidiInputChange| changes.push(Edit::MidiInput(change));
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("MIDI in").strong())
            .on_hover_text("Keys played into the plugin from the DAW track's MIDI");
        ui.label("Transpose");
        let channel = params.transpose_channel.value().clamp(0, 16) as u8;
        if let Some(channel) = channel_choice(ui, "Transpose channel", channel) {
            set(MidiInputChange::TransposeChannel(channel));
        }
        let mode = TransposeMode::from(params.transpose_mode.value());
        for (choice, text, hint) in [
            (
                TransposeMode::Latch,
                "Latch",
                "The last key played keeps transposing",
            ),
            (
                TransposeMode::Hold,
                "Hold",
                "Transposes only while a key is held",
            ),
        ] {
            if ui
                .add(Button::selectable(mode == choice, text))
                .accessible_name(format!("Transpose {text}"))
                .on_hover_text(format!("{hint} (host parameter Transpose Mode)"))
                .clicked()
                && mode != choice
            {
                set(MidiInputChange::TransposeMode(choice));
            }
        }
        ui.label("from");
        let reference = params.reference_key.value().clamp(0, 127) as u8;
        if let Some(key) = key_field(ui, "Reference key", reference, 127) {
            set(MidiInputChange::ReferenceKey(key));
        }
        transpose_readout(ui, model);
        ui.separator();

        ui.label("Slot keys");
        let channel = params.slot_key_channel.value().clamp(0, 16) as u8;
        if let Some(channel) = channel_choice(ui, "Slot key channel", channel) {
            set(MidiInputChange::SlotChannel(channel));
        }
        let highest = *SLOT_LOW_KEY.end() as u8;
        let low = params.slot_low_key.value().clamp(0, i32::from(highest)) as u8;
        if let Some(key) = key_field(ui, "Slot low key", low, highest) {
            set(MidiInputChange::SlotLowKey(key));
        }
        let high = low + SLOT_COUNT as u8 - 1;
        ui.label(RichText::new(format!("to {}", short_name(high))).color(theme::DIM_TEXT))
            .on_hover_text(format!(
                "Keys {}–{} select slots 1–{SLOT_COUNT} at the Slot Quantize point",
                short_name(low),
                short_name(high)
            ));
        ui.separator();

        melodic_switches(ui, model, state, song);
    });
    for edit in changes {
        // Channels, modes and keys from bounded controls: the edit layer has no reason to
        // refuse, but a refusal is shown rather than lost.
        if let Err(error) = model.apply(state.edit_slot, edit) {
            state.notice = Some(error.to_string());
        }
    }
}

/// A channel picker (`Off`, 1–16) named `name`; the options are named `<name> Off`,
/// `<name> 1` … Returns the channel picked, if it changed.
fn channel_choice(ui: &mut Ui, name: &str, channel: u8) -> Option<u8> {
    let label = |channel: u8| match channel {
        0 => "Off".to_owned(),
        channel => channel.to_string(),
    };
    let mut picked = channel;
    let shown = match channel {
        0 => "off".to_owned(),
        channel => format!("ch {channel}"),
    };
    ComboBox::from_id_salt(("chronus-midi-channel", name))
        .selected_text(shown)
        .width(50.0)
        // All seventeen choices at once, without scrolling.
        .height(420.0)
        .show_ui(ui, |ui| {
            for choice in 0..=16u8 {
                ui.selectable_value(&mut picked, choice, label(choice))
                    .accessible_name(format!("{name} {}", label(choice)));
            }
        })
        .response
        .accessible_name(name)
        .on_hover_text(format!(
            "{name} (host parameter): MIDI channel 1–16, or off"
        ));
    (picked != channel).then_some(picked)
}

/// A key field (drag, or type a name such as `C3` or a number) named `name`, 0–`highest`.
/// Returns the key once a drag is released or a key is typed, if it changed.
fn key_field(ui: &mut Ui, name: &str, key: u8, highest: u8) -> Option<u8> {
    let (response, picked) = settled_widget(ui, name, key, |ui, value| {
        ui.add(
            DragValue::new(value)
                .range(0..=highest)
                .speed(0.2)
                .custom_formatter(|key, _| note_name(key as u8))
                .custom_parser(|text| parse_note(text).map(f64::from)),
        )
    });
    response.on_hover_text(format!(
        "{name} (host parameter): drag, or type a note name or number"
    ));
    picked.filter(|picked| *picked != key)
}

/// The transposition the audio thread plays now, in semitones: `Transpose +3`.
fn transpose_readout(ui: &mut Ui, model: &EditorModel) {
    let transpose = model.live.transpose();
    let text = RichText::new(format!("Transpose {transpose:+}")).monospace();
    let text = if transpose == 0 {
        text.color(theme::DIM_TEXT)
    } else {
        text.strong()
    };
    ui.label(text).on_hover_text(
        "The transposition of the melodic tracks played in now, in semitones, relative to the \
         reference key",
    );
}

/// A note name without its number: `C3`.
fn short_name(key: u8) -> String {
    let name = note_name(key);
    name.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// One switch per track of the edited slot: melodic tracks follow the keys played in and the
/// slot's scale. Each click is one edit (as the track header's *Melodic* and
/// `/chronus/track/melodic`).
fn melodic_switches(ui: &mut Ui, model: &EditorModel, state: &mut EditorState, song: &SongDoc) {
    let slot = state.edit_slot;
    let doc = song.slot(slot);
    ui.label("Melodic").on_hover_text(
        "Melodic tracks of this slot follow the keys played in and the slot's scale; drum \
         tracks play their notes as written",
    );
    // Tight buttons, added straight into the row so they wrap one by one in a narrow window.
    let spacing = ui.spacing().clone();
    ui.spacing_mut().item_spacing.x = 1.0;
    ui.spacing_mut().button_padding.x = 2.0;
    for (track, track_doc) in doc.tracks.iter().enumerate().take(MAX_TRACKS) {
        let melodic = track_doc.pattern.melodic;
        let text = RichText::new(format!("{}", track + 1)).small().monospace();
        let text = if melodic {
            text.color(theme::track_colour(track)).strong()
        } else {
            text.color(theme::DIM_TEXT)
        };
        let response = ui
            .add(Button::selectable(melodic, text).min_size(vec2(16.0, 16.0)))
            .accessible_name(format!("Melodic track {}", track + 1))
            .on_hover_text(format!(
                "{}: {}",
                track_doc.name,
                if melodic { "melodic" } else { "drum track" }
            ));
        if response.clicked() {
            let edit = Edit::SetTrack {
                track: TrackRef::Index(track),
                change: TrackChange::Melodic(!melodic),
            };
            if let Err(error) = model.apply(slot, edit) {
                state.notice = Some(error.to_string());
            }
        }
    }
    *ui.spacing_mut() = spacing;
}
