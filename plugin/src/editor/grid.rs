//! The step grid: one row of cells per track, and what clicks and drags on it do.
//!
//! - Click a step: switch it on or off.
//! - Drag sideways (or across rows): paint steps on, or erase them if the drag started on a hit.
//! - Drag up or down on a hit: raise or lower its velocity.
//! - Shift + click or drag: draw velocities from the pointer's height in the row (top 127).
//! - Right click: the step menu (probability, ratchet, nudge, velocity, tie, note).
//!
//! A drag is previewed while it lasts and stored as one edit when it ends (one undo step).

use egui::{
    pos2, vec2, Id, Popup, PopupCloseBehavior, Pos2, Rangef, Rect, Role, Sense, Ui, WidgetInfo,
};

use super::cell::{paint_cell, CellLook};
use super::gesture::{shows_hit, Cell, GridGesture};
use super::model::EditorModel;
use super::state::{EditorState, Zoom};
use super::theme;
use crate::document::PatternDoc;
use crate::engine::pattern::{TrackPattern, MAX_STEPS};

/// Which steps are drawn, and how wide.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepWindow {
    /// First step drawn (a multiple of 4).
    pub first: usize,
    /// Number of steps drawn.
    pub count: usize,
    /// Steps there are to show (the longest track, rounded up to a multiple of 4).
    pub total: usize,
    /// Width of a cell in points.
    pub cell_width: f32,
}

impl StepWindow {
    /// The steps that fit into `width` points at `zoom`, starting near `first`.
    pub fn fit(zoom: Zoom, first: usize, total: usize, width: f32) -> StepWindow {
        let total = total.clamp(1, MAX_STEPS);
        let cell_width = match zoom {
            Zoom::Fit => {
                let gaps = span_gaps(total);
                ((width - gaps) / total as f32).clamp(theme::MIN_CELL_WIDTH, theme::MAX_CELL_WIDTH)
            }
            Zoom::Width(cell_width) => {
                cell_width.clamp(theme::MIN_CELL_WIDTH, theme::MAX_CELL_WIDTH)
            }
        };
        let mut count = total;
        while count > 4 && span_width(count, cell_width) > width {
            count -= 4;
        }
        let last_first = total.saturating_sub(count).div_ceil(4) * 4;
        let first = (first / 4 * 4).min(last_first);
        let count = count.min(total - first);
        StepWindow {
            first,
            count,
            total,
            cell_width,
        }
    }

    /// Whether all steps are drawn.
    pub fn shows_all(&self) -> bool {
        self.first == 0 && self.count >= self.total
    }

    /// Width of the drawn cells with their gaps.
    pub fn width(&self) -> f32 {
        span_width(self.count, self.cell_width)
    }

    /// Horizontal range of step `step`'s cell, relative to the grid's left edge.
    pub fn cell_span(&self, step: usize) -> Rangef {
        let index = step.saturating_sub(self.first);
        let left = index as f32 * (self.cell_width + theme::CELL_GAP)
            + (index / 4) as f32 * theme::BEAT_GAP;
        Rangef::new(left, left + self.cell_width)
    }

    /// The drawn step nearest to `x` points right of the grid's left edge.
    pub fn step_at(&self, x: f32) -> usize {
        (self.first..self.first + self.count)
            .min_by(|&a, &b| {
                let distance = |step: usize| (self.cell_span(step).center() - x).abs();
                distance(a).total_cmp(&distance(b))
            })
            .unwrap_or(self.first)
    }
}

/// Width of `count` cells of `cell_width` with their gaps.
fn span_width(count: usize, cell_width: f32) -> f32 {
    count as f32 * cell_width + span_gaps(count)
}

/// Total gap width between `count` cells.
fn span_gaps(count: usize) -> f32 {
    let between = count.saturating_sub(1);
    between as f32 * theme::CELL_GAP + (between / 4) as f32 * theme::BEAT_GAP
}

/// What a row needs to be drawn.
pub struct RowView<'a> {
    /// Track index.
    pub track: usize,
    /// The track as shown (with a drag's preview applied).
    pub pattern: &'a TrackPattern,
    /// The track's Euclid pulses and rotation.
    pub euclid: (u8, u8),
    /// Whether mute and solo let it sound.
    pub audible: bool,
    /// The step it plays now, if it plays.
    pub playhead: Option<usize>,
}

/// Something the pointer did to a cell this frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellEvent {
    /// Clicked, at `height` (0 bottom … 1 top), with or without Shift.
    Click {
        /// The cell.
        cell: Cell,
        /// Pointer height in the row, 0 (bottom) to 1 (top).
        height: f32,
        /// Whether Shift was held.
        shift: bool,
    },
    /// A drag began on it; `vertical` if it moved more up or down than sideways.
    DragStart {
        /// The cell.
        cell: Cell,
        /// Pointer height in the row, 0 (bottom) to 1 (top).
        height: f32,
        /// Whether Shift was held.
        shift: bool,
        /// Whether it moved more up or down than sideways.
        vertical: bool,
    },
}

/// The accessible name of a step's cell (also what tests look it up by).
pub fn cell_name(cell: Cell) -> String {
    format!("Track {} step {}", cell.track + 1, cell.step + 1)
}

/// Draws the cells of one row in `rect`, reporting clicks and drag starts into `events` and
/// showing `menu` on a right click. Cells past the track's length are drawn but inert.
pub fn grid_row(
    ui: &mut Ui,
    rect: Rect,
    window: &StepWindow,
    row: &RowView,
    events: &mut Vec<CellEvent>,
    menu: &mut dyn FnMut(&mut Ui, Cell),
) {
    let length = usize::from(row.pattern.length.clamp(1, MAX_STEPS as u8));
    let colour = theme::track_colour(row.track);
    for step in window.first..window.first + window.count {
        let cell = Cell {
            track: row.track,
            step,
        };
        let span = window.cell_span(step);
        let cell_rect = Rect::from_x_y_ranges(
            Rangef::new(span.min + rect.left(), span.max + rect.left()),
            rect.y_range(),
        );
        let in_length = step < length;
        let sense = if in_length {
            Sense::click_and_drag()
        } else {
            Sense::hover()
        };
        let response = ui.interact(
            cell_rect,
            Id::unique(("chronus-step", row.track, step)),
            sense,
        );
        let hit = in_length && shows_hit(row.pattern, step, row.euclid);
        let name = cell_name(cell);
        response.widget_info(|| WidgetInfo::selected(Role::CheckBox, in_length, hit, &name));
        if ui.is_rect_visible(cell_rect) {
            let look = CellLook {
                step: row.pattern.steps[step],
                hit,
                tie: !row.pattern.euclid && row.pattern.steps[step].tie,
                in_length,
                on_beat: step % 4 == 0,
                playhead: row.playhead == Some(step),
                audible: row.audible,
                colour,
                hovered: in_length && response.hovered(),
            };
            paint_cell(ui.painter(), cell_rect, &look);
        }
        if !in_length {
            continue;
        }
        let shift = ui.input(|input| input.modifiers.shift);
        let height_at = |pos: Pos2| 1.0 - (pos.y - cell_rect.top()) / cell_rect.height();
        if response.clicked() {
            let height = response.interact_pointer_pos().map_or(0.5, height_at);
            events.push(CellEvent::Click {
                cell,
                height,
                shift,
            });
        } else if response.drag_started() {
            let origin = ui.input(|input| input.pointer.press_origin());
            let now = response.interact_pointer_pos();
            let (height, vertical) = match (origin, now) {
                (Some(origin), Some(now)) => {
                    let moved = now - origin;
                    (height_at(origin), moved.y.abs() > moved.x.abs())
                }
                _ => (0.5, false),
            };
            events.push(CellEvent::DragStart {
                cell,
                height,
                shift,
                vertical,
            });
        }
        // The menu stays open while its controls are used; a click outside closes it.
        Popup::context_menu(&response)
            .close_behavior(PopupCloseBehavior::CloseOnClickOutside)
            .show(|ui| menu(ui, cell));
    }
}

/// The vertical extent of each drawn row, to find the cell under the pointer during a drag.
#[derive(Debug, Default)]
pub struct RowExtents {
    /// Track index and the row's vertical range, top to bottom.
    rows: Vec<(usize, Rangef)>,
    /// Left edge of the cells.
    left: f32,
}

impl RowExtents {
    /// Remembers the row of track `track` at `rect`.
    pub fn add(&mut self, track: usize, rect: Rect) {
        self.left = rect.left();
        self.rows.push((track, rect.y_range()));
    }

    /// The cell nearest to `pos` and the pointer's height in that cell's row (0 bottom … 1 top).
    pub fn cell_at(&self, window: &StepWindow, pos: Pos2) -> Option<(Cell, f32)> {
        let (track, rows) = self.rows.iter().min_by(|a, b| {
            let distance = |range: &Rangef| (range.center() - pos.y).abs();
            distance(&a.1).total_cmp(&distance(&b.1))
        })?;
        let height = (1.0 - (pos.y - rows.min) / rows.span()).clamp(0.0, 1.0);
        let step = window.step_at(pos.x - self.left);
        Some((
            Cell {
                track: *track,
                step,
            },
            height,
        ))
    }
}

/// Turns this frame's cell events and the pointer into edits: clicks are stored at once; a drag
/// is kept in `state.gesture` (and previewed) until the button is released, then stored as one
/// edit of the slot it began in.
pub fn handle_input(
    ui: &Ui,
    model: &EditorModel,
    state: &mut EditorState,
    shown: &PatternDoc,
    window: &StepWindow,
    extents: &RowExtents,
    events: &[CellEvent],
) {
    let euclid = model.euclid_controls();
    let shown_hit = |cell: Cell| {
        shows_hit(
            &shown.tracks[cell.track].pattern,
            cell.step,
            euclid[cell.track],
        )
    };
    for event in events {
        match *event {
            CellEvent::Click {
                cell,
                height,
                shift,
            } => {
                let mut gesture = if shift {
                    GridGesture::DrawVelocity { cells: Vec::new() }
                } else {
                    GridGesture::paint_from(cell, shown_hit(cell))
                };
                gesture.visit(cell, height);
                commit(model, state.edit_slot, &gesture);
            }
            CellEvent::DragStart {
                cell,
                height,
                shift,
                vertical,
            } => {
                let step = shown.tracks[cell.track].pattern.steps[cell.step];
                let gesture = if shift {
                    let mut gesture = GridGesture::DrawVelocity { cells: Vec::new() };
                    gesture.visit(cell, height);
                    gesture
                } else if vertical && shown_hit(cell) {
                    GridGesture::Velocity {
                        cell,
                        start: step.velocity,
                        velocity: step.velocity,
                    }
                } else {
                    GridGesture::paint_from(cell, shown_hit(cell))
                };
                state.gesture = Some((state.edit_slot, gesture));
            }
        }
    }

    let Some((slot, gesture)) = state.gesture.as_mut() else {
        return;
    };
    let (pointer, origin, down) = ui.input(|input| {
        (
            input.pointer.interact_pos(),
            input.pointer.press_origin(),
            input.pointer.primary_down(),
        )
    });
    if let Some(pos) = pointer {
        match gesture {
            GridGesture::Velocity { .. } => {
                if let Some(origin) = origin {
                    gesture.drag_velocity(origin.y - pos.y);
                }
            }
            _ => {
                if let Some((cell, height)) = extents.cell_at(window, pos) {
                    let length = usize::from(shown.tracks[cell.track].pattern.length);
                    if cell.step < length {
                        gesture.visit(cell, height);
                    }
                }
            }
        }
    }
    if !down {
        let slot = *slot;
        if let Some((_, gesture)) = state.gesture.take() {
            commit(model, slot, &gesture);
        }
    }
}

/// Stores a finished gesture as one edit of slot `slot`.
fn commit(model: &EditorModel, slot: usize, gesture: &GridGesture) {
    // The cells come from the grid, so the edit layer has no reason to refuse them.
    let _ = model.apply(slot, gesture.to_edit());
}

/// The step numbers above the grid (every fourth step), aligned with the cells.
pub fn ruler(ui: &mut Ui, rect: Rect, window: &StepWindow) {
    let painter = ui.painter_at(rect.expand2(vec2(0.0, 2.0)));
    for step in (window.first..window.first + window.count).filter(|step| step % 4 == 0) {
        let span = window.cell_span(step);
        painter.text(
            pos2(rect.left() + span.min + 1.0, rect.center().y),
            egui::Align2::LEFT_CENTER,
            format!("{}", step + 1),
            egui::FontId::proportional(11.0),
            theme::DIM_TEXT,
        );
    }
}

impl std::fmt::Debug for RowView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowView").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_shows_every_step_when_there_is_room() {
        let window = StepWindow::fit(Zoom::Fit, 0, 16, 2000.0);
        assert!(window.shows_all());
        assert!(window.width() <= 2000.0 + 0.01);
        assert_eq!(window.cell_width, theme::MAX_CELL_WIDTH, "capped width");
    }

    #[test]
    fn a_narrow_grid_shows_a_window_of_whole_beats() {
        let window = StepWindow::fit(Zoom::Width(40.0), 7, 64, 500.0);
        assert!(!window.shows_all());
        assert_eq!(window.first, 4, "rounded down to a beat");
        assert_eq!(window.count % 4, 0);
        assert!(window.width() <= 500.0);
        let end = StepWindow::fit(Zoom::Width(40.0), 64, 64, 500.0);
        assert_eq!(
            end.first + end.count,
            64,
            "scrolled to the end, not past it"
        );
    }

    #[test]
    fn steps_are_found_where_they_are_drawn() {
        let window = StepWindow::fit(Zoom::Fit, 0, 32, 900.0);
        for step in 0..32 {
            assert_eq!(window.step_at(window.cell_span(step).center()), step);
        }
        assert_eq!(window.step_at(-50.0), 0);
        assert_eq!(window.step_at(5000.0), 31);
    }
}
