//! The editor as nice-plug-egui runs it: keeps the host's context, draws the editor every frame,
//! asks for the next frame, and remembers the window size.

use std::sync::Arc;

use nice_plug::context::gui::GuiContext;
use nice_plug_egui::baseview::{HandlerError, WindowSize};
use nice_plug_egui::{Frame, NiceEguiApp};

use super::canvas;
use super::model::EditorModel;
use super::refresh;
use super::size::{EditorSize, EditorSizeCell};
use super::standalone;
use super::state::EditorState;
use super::theme;
use super::view::draw_editor;

/// The editor app: its model, its state and where the window size is saved.
pub struct EditorApp {
    /// The plugin's parts. Used on the GUI thread.
    model: EditorModel,
    /// What the editor remembers between frames. GUI thread only.
    state: EditorState,
    /// The saved window size. Written here (GUI thread) on resize, read when the window opens.
    size: Arc<EditorSizeCell>,
}

impl EditorApp {
    /// An app over `model`, saving its window size into `size`.
    pub fn new(model: EditorModel, size: Arc<EditorSizeCell>) -> EditorApp {
        EditorApp {
            model,
            state: EditorState::default(),
            size,
        }
    }
}

impl NiceEguiApp for EditorApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut Frame,
    ) -> Result<(), HandlerError> {
        self.model.attach(nice_gui_ctx);
        theme::apply(&egui_ctx);
        canvas::install(&egui_ctx);
        standalone::take_over_close_signals();
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut Frame) {
        draw_editor(ui, &self.model, &mut self.state);
        // The next frame when a playhead moves; everything else wakes the window itself (see
        // `refresh`).
        let transport = self.model.live.transport();
        let song = self.model.store().slot(self.model.live.playing_slot());
        let tracks = song.tracks.iter().map(|track| &track.pattern);
        if let Some(wait) = refresh::next_change(&transport, tracks) {
            ui.ctx().request_repaint_after(wait);
        }
        if standalone::close_requested() {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn resized(&mut self, new_size: WindowSize) {
        self.size.set(EditorSize {
            width: new_size.logical.width as f32,
            height: new_size.logical.height as f32,
        });
    }
}

impl std::fmt::Debug for EditorApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EditorApp").finish_non_exhaustive()
    }
}
