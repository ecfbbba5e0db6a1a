//! What the editor remembers between frames that is not part of the plugin: which slot and
//! track are being edited, the track clipboard, the zoom, a gesture in progress and the text
//! being typed. It lives with the editor app on the GUI thread and is not saved.

use super::gesture::GridGesture;
use super::lane_drawing::LaneDrawing;
use super::text_field::TextFieldState;
use crate::document::TrackDoc;
use crate::engine::pattern::{MAX_TRACKS, SLOT_COUNT};

/// How wide step cells are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zoom {
    /// As wide as fits all steps of the longest track in the window.
    Fit,
    /// This many logical points per step; the grid scrolls sideways when it does not fit.
    Width(f32),
}

/// The editor's own state.
#[derive(Debug)]
pub struct EditorState {
    /// Slot being edited, 0-based.
    pub edit_slot: usize,
    /// Whether the edited slot follows the slot playing.
    pub follow_playing: bool,
    /// Track shown in the track inspector, 0-based.
    pub selected_track: usize,
    /// A copied track, pasted with "Paste track".
    pub clipboard: Option<TrackDoc>,
    /// Step cell width.
    pub zoom: Zoom,
    /// First step shown when the grid does not fit (a multiple of 4).
    pub first_step: usize,
    /// A grid drag in progress and the slot it began in: previewed while it lasts, stored as one
    /// edit when it ends.
    pub gesture: Option<(usize, GridGesture)>,
    /// The selected track's pattern string being typed.
    pub pattern_text: TextFieldState,
    /// The selected track's name being typed.
    pub name_text: TextFieldState,
    /// The selected track's OSC address being typed.
    pub address_text: TextFieldState,
    /// A short note on the last action (copied, pasted, nothing to undo), shown in the global bar.
    pub notice: Option<String>,
    /// The lane shown in the lane view, 0-based.
    pub selected_lane: usize,
    /// The lane OSC address being typed, for (slot, track, lane).
    pub lane_address: ((usize, usize, usize), String),
    /// A stroke being drawn in the lane view: previewed while it lasts, stored as one edit when
    /// the button is released.
    pub lane_drawing: Option<LaneDrawing>,
}

impl Default for EditorState {
    fn default() -> Self {
        EditorState {
            edit_slot: 0,
            follow_playing: true,
            selected_track: 0,
            clipboard: None,
            zoom: Zoom::Fit,
            first_step: 0,
            gesture: None,
            pattern_text: TextFieldState::default(),
            name_text: TextFieldState::default(),
            address_text: TextFieldState::default(),
            notice: None,
            selected_lane: 0,
            lane_address: ((usize::MAX, 0, 0), String::new()),
            lane_drawing: None,
        }
    }
}

impl EditorState {
    /// Edits slot `slot` (0-based) from now on; the slot playing is no longer followed.
    pub fn choose_edit_slot(&mut self, slot: usize) {
        self.edit_slot = slot.min(SLOT_COUNT - 1);
        self.follow_playing = false;
    }

    /// Shows track `track` (0-based) in the inspector.
    pub fn select_track(&mut self, track: usize) {
        self.selected_track = track.min(MAX_TRACKS - 1);
    }

    /// Follows the slot playing, if asked to: called once per frame with the playing slot. While
    /// a text field holds typed text the edited slot stays, so the text is not lost.
    pub fn follow(&mut self, playing_slot: usize) {
        let typing = [&self.pattern_text, &self.name_text, &self.address_text]
            .iter()
            .any(|field| field.is_typed());
        if self.follow_playing && !typing {
            self.edit_slot = playing_slot.min(SLOT_COUNT - 1);
        }
    }
}
