//! The slot's scale (root and scale, for the slot being edited), in the top bar; the melodic
//! switch of a track is in its header and in the MIDI input row (`midi_input_panel.rs`), which
//! also shows the transposition played in.

use egui::{ComboBox, Ui};

use super::model::EditorModel;
use super::state::EditorState;
use crate::document::SongDoc;
use crate::edit::Edit;
use crate::engine::pattern::ScaleKind;
use crate::engine::scale::ROOT_NAMES;

/// Root and scale of the edited slot.
pub fn scale_controls(ui: &mut Ui, model: &EditorModel, state: &EditorState, song: &SongDoc) {
    let slot = state.edit_slot;
    let current = song.slot(slot).scale;
    let mut scale = current;
    ui.label("Scale");
    ComboBox::from_id_salt("chronus-scale-root")
        .selected_text(ROOT_NAMES[usize::from(scale.root % 12)])
        .width(40.0)
        .show_ui(ui, |ui| {
            for (root, name) in ROOT_NAMES.iter().enumerate() {
                ui.selectable_value(&mut scale.root, root as u8, *name)
                    .accessible_name(format!("Root {name}"));
            }
        })
        .response
        .accessible_name("Scale root")
        .on_hover_text("Root of the slot's scale");
    ComboBox::from_id_salt("chronus-scale-kind")
        .selected_text(scale.kind.name())
        .width(120.0)
        .show_ui(ui, |ui| {
            for kind in ScaleKind::ALL {
                ui.selectable_value(&mut scale.kind, kind, kind.name())
                    .accessible_name(format!("Scale {}", kind.name()));
            }
        })
        .response
        .accessible_name("Scale")
        .on_hover_text("Notes of melodic tracks snap to it; chromatic is off");
    if scale != current {
        // A root and kind from the lists: the edit layer has no reason to refuse.
        let _ = model.apply(slot, Edit::Scale(scale));
    }
}
