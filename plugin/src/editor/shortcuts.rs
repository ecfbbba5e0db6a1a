//! Keyboard shortcuts: Ctrl+Z undoes the last pattern edit, Ctrl+Shift+Z (or Ctrl+Y) redoes
//! it (Cmd on macOS). While a text field has the keyboard, the keys are the field's own.

use egui::{Key, KeyboardShortcut, Modifiers, Ui};

use super::model::EditorModel;

/// Undo.
pub const UNDO: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
/// Redo.
pub const REDO: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z);
/// Redo, the other common way.
pub const REDO_Y: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Y);

/// Undoes or redoes if one of the shortcuts was pressed this frame.
pub fn handle_shortcuts(ui: &Ui, model: &EditorModel) {
    if ui.ctx().egui_wants_keyboard_input() {
        return;
    }
    // Redo first: Ctrl+Shift+Z also matches Ctrl+Z, which ignores extra Shift.
    let (redo, undo) = ui.input_mut(|input| {
        let redo = input.consume_shortcut(&REDO) || input.consume_shortcut(&REDO_Y);
        let undo = !redo && input.consume_shortcut(&UNDO);
        (redo, undo)
    });
    if redo {
        model.redo();
    } else if undo {
        model.undo();
    }
}
