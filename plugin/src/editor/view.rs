//! The whole editor in one function: the global bar on top, the selected track's header at the
//! bottom, and the track rows with their grid in between. It takes the model and the editor's
//! state, so the headless tests draw exactly what the window draws.

use egui::{vec2, CentralPanel, Panel, RichText, ScrollArea, Sense, Ui};

use super::global_bar::{action_bar, global_bar};
use super::grid::{grid_row, handle_input, ruler, CellEvent, RowExtents, RowView, StepWindow};
use super::lane_view::lane_view;
use super::model::EditorModel;
use super::shortcuts::handle_shortcuts;
use super::state::EditorState;
use super::step_menu::step_menu;
use super::theme;
use super::track_header::{row_header, track_inspector};
use crate::document::PatternDoc;
use crate::engine::pattern::MAX_TRACKS;

/// Draws the editor into `ui` and applies what the musician did.
pub fn draw_editor(ui: &mut Ui, model: &EditorModel, state: &mut EditorState) {
    handle_shortcuts(ui, model);
    if state.gesture.is_none() {
        state.follow(model.live.playing_slot());
    }
    let song = model.store().doc();

    Panel::top("chronus-global-bar").show(ui, |ui| {
        ui.add_space(4.0);
        global_bar(ui, model, state, &song);
        ui.add_space(2.0);
        action_bar(ui, model, state);
        ui.add_space(2.0);
    });

    let doc = song.slot(state.edit_slot).clone();
    Panel::bottom("chronus-track-inspector").show(ui, |ui| {
        ui.add_space(4.0);
        track_inspector(ui, model, state, &doc);
        ui.add_space(4.0);
        lane_view(ui, model, state, &doc);
        ui.add_space(4.0);
    });

    CentralPanel::default().show(ui, |ui| tracks(ui, model, state, &doc));
}

/// The ruler, the step-window controls and one row per track.
fn tracks(ui: &mut Ui, model: &EditorModel, state: &mut EditorState, doc: &PatternDoc) {
    let euclid = model.euclid_controls();
    let audible = model.performance().audible_tracks();
    let preview = state
        .gesture
        .as_ref()
        .filter(|(slot, _)| *slot == state.edit_slot)
        .and_then(|(_, gesture)| model.edits.preview(doc, &gesture.to_edit()).ok());
    let shown = preview.unwrap_or_else(|| doc.clone());
    let longest = shown
        .tracks
        .iter()
        .map(|track| usize::from(track.pattern.length))
        .max()
        .unwrap_or(16);
    let total = longest.div_ceil(4) * 4;
    let grid_width = ui.available_width() - theme::ROW_HEADER_WIDTH - 16.0;
    let window = StepWindow::fit(state.zoom, state.first_step, total, grid_width);
    state.first_step = window.first;

    ui.horizontal(|ui| {
        let (corner, _) =
            ui.allocate_exact_size(vec2(theme::ROW_HEADER_WIDTH, 18.0), Sense::hover());
        let mut corner_ui = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(corner)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
        );
        if window.shows_all() {
            corner_ui.label(RichText::new("Track").small().color(theme::DIM_TEXT));
        } else {
            step_window_controls(&mut corner_ui, state, &window);
        }
        let (numbers, _) = ui.allocate_exact_size(vec2(window.width(), 18.0), Sense::hover());
        ruler(ui, numbers, &window);
    });

    let row_height = ((ui.available_height() - 8.0) / MAX_TRACKS as f32 - theme::ROW_GAP)
        .clamp(theme::ROW_HEIGHT, theme::MAX_ROW_HEIGHT);
    let playing_slot = model.live.playing_slot();
    // One set of playheads for the whole frame, all from the same block.
    let playheads = model.live.playheads();
    let slot = state.edit_slot;
    let mut events: Vec<CellEvent> = Vec::new();
    let mut extents = RowExtents::default();
    ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.spacing_mut().item_spacing.y = theme::ROW_GAP;
            for track in 0..MAX_TRACKS {
                let size = vec2(theme::ROW_HEADER_WIDTH + window.width(), row_height);
                let (row, _) = ui.allocate_exact_size(size, Sense::hover());
                let (header, cells) =
                    row.split_left_right_at_x(row.left() + theme::ROW_HEADER_WIDTH);
                row_header(ui, header, model, state, &shown, track);
                let playhead = (playing_slot == slot).then_some(playheads[track]).flatten();
                let view = RowView {
                    track,
                    pattern: &shown.tracks[track].pattern,
                    euclid: euclid[track],
                    audible: audible[track],
                    playhead,
                };
                let mut menu = |ui: &mut Ui, cell: super::gesture::Cell| {
                    let pattern = &doc.tracks[cell.track].pattern;
                    step_menu(
                        ui,
                        model,
                        slot,
                        cell,
                        pattern.steps[cell.step],
                        pattern.note,
                    );
                };
                grid_row(ui, cells, &window, &view, &mut events, &mut menu);
                extents.add(track, cells);
            }
        });
    handle_input(ui, model, state, &shown, &window, &extents, &events);
    scroll_steps(ui, state, &window);
}

/// Buttons that move the window of steps when not all fit.
fn step_window_controls(ui: &mut Ui, state: &mut EditorState, window: &StepWindow) {
    let last = window.first + window.count;
    if ui
        .small_button("‹")
        .accessible_name("Earlier steps")
        .on_hover_text("Earlier steps (or scroll sideways over the grid)")
        .clicked()
    {
        state.first_step = window.first.saturating_sub(window.count.max(4));
    }
    ui.label(
        RichText::new(format!(
            "steps {}–{} of {}",
            window.first + 1,
            last,
            window.total
        ))
        .small()
        .color(theme::DIM_TEXT),
    );
    if ui
        .small_button("›")
        .accessible_name("Later steps")
        .on_hover_text("Later steps")
        .clicked()
    {
        state.first_step = (window.first + window.count.max(4)).min(window.total);
    }
}

/// Sideways scrolling (a horizontal wheel, or Shift + wheel) moves the step window a beat at a
/// time.
fn scroll_steps(ui: &Ui, state: &mut EditorState, window: &StepWindow) {
    if window.shows_all() || !ui.ui_contains_pointer() {
        return;
    }
    let sideways = ui.input(|input| input.smooth_scroll_delta.x);
    if sideways.abs() >= 1.0 {
        let beats = (sideways.abs() / window.cell_width).ceil().max(1.0) as usize;
        state.first_step = if sideways > 0.0 {
            window.first.saturating_sub(4 * beats)
        } else {
            window.first + 4 * beats
        };
    }
}
