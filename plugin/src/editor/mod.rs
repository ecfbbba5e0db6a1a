//! The pattern editor: an egui window with all 16 tracks as a step grid, a header per track, the
//! selected track's full header, and a global bar with transport, slots, swing, undo and the OSC
//! status.
//!
//! - [`view::draw_editor`] draws everything into an `egui::Ui` from an [`EditorModel`] (the
//!   pattern store, host parameters, parameter gateway, live state and OSC status) and an
//!   [`EditorState`] (what the editor remembers between frames). The window and the headless
//!   tests run the same function.
//! - Pattern edits go through the store, which publishes a complete snapshot to the audio thread
//!   after each edit; host parameters change only through recorded gestures. The editor never
//!   waits on the audio thread: it locks only the store (a non-real-time lock) and reads atomics.
//! - [`ChronusEditor`] is the window the plugin framework opens (egui through OpenGL in a
//!   baseview window), resizable, its size saved with the project ([`size`]).

pub mod app;
pub mod canvas;
mod cell;
pub mod controls;
pub mod damage;
pub mod gesture;
mod global_bar;
pub mod grid;
mod lane_drawing;
pub mod lane_view;
mod midi_input_panel;
pub mod model;
pub mod pattern_text;
pub mod refresh;
mod scale_controls;
mod shortcuts;
pub mod size;
pub mod standalone;
pub mod state;
pub mod status;
mod step_menu;
pub mod text_field;
pub mod theme;
mod track_header;
pub mod view;
mod window;

#[cfg(test)]
mod tests;

pub use model::EditorModel;
pub use state::EditorState;
pub use view::draw_editor;
pub use window::{create_editor, display_available, ChronusEditor, TITLE};
