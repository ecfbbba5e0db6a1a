//! What a pointer gesture on the grid does to the pattern, apart from egui: the grid turns
//! clicks and drags into these values, draws their preview, and commits each finished gesture as
//! one edit (so one drag is one undo step).

pub use crate::edit::steps::shows_hit;
pub use crate::edit::CellRef as Cell;
use crate::edit::Edit;
use crate::engine::pattern::MAX_TRACKS;

/// Velocity change per logical point of vertical drag.
pub const VELOCITY_PER_POINT: f32 = 1.0;

/// Euclid pulses and rotation of every track, as the host parameters hold them now. Needed to turn
/// a Euclid track into plain steps before one of its steps is switched on or off.
pub type EuclidControls = [(u8, u8); MAX_TRACKS];

/// A gesture in progress (or a single click), ready to preview or commit.
#[derive(Debug, Clone, PartialEq)]
pub enum GridGesture {
    /// Switches every visited step on (`on`) or off: a click toggles one step, a drag paints or
    /// erases (what it does is decided by the step the drag started on).
    Paint {
        /// The state painted.
        on: bool,
        /// Visited steps, in order, each once.
        cells: Vec<Cell>,
    },
    /// A vertical drag on a hit: raises (up) or lowers (down) its velocity.
    Velocity {
        /// The step.
        cell: Cell,
        /// Its velocity when the drag began.
        start: u8,
        /// Its velocity now.
        velocity: u8,
    },
    /// Shift + click or drag: each visited step gets the velocity of the pointer's height in its
    /// row (top 127, bottom 1), like drawing in a velocity lane. Steps that are off switch on.
    DrawVelocity {
        /// Visited steps and their velocities, in order, each step once (the latest wins).
        cells: Vec<(Cell, u8)>,
    },
}

impl GridGesture {
    /// A paint gesture that starts on `cell`, whose step shows `shown_on`: it paints the
    /// opposite.
    pub fn paint_from(cell: Cell, shown_on: bool) -> GridGesture {
        GridGesture::Paint {
            on: !shown_on,
            cells: vec![cell],
        }
    }

    /// Adds a visited step to a paint or draw gesture; `height` is the pointer's height in the
    /// row, 0 (bottom) to 1 (top), used by [`GridGesture::DrawVelocity`].
    pub fn visit(&mut self, cell: Cell, height: f32) {
        match self {
            GridGesture::Paint { cells, .. } => {
                if !cells.contains(&cell) {
                    cells.push(cell);
                }
            }
            GridGesture::DrawVelocity { cells } => {
                let velocity = velocity_at_height(height);
                match cells.iter_mut().find(|(visited, _)| *visited == cell) {
                    Some(entry) => entry.1 = velocity,
                    None => cells.push((cell, velocity)),
                }
            }
            GridGesture::Velocity { .. } => {}
        }
    }

    /// Sets the velocity of a [`GridGesture::Velocity`] gesture from the drag's vertical
    /// distance in points (positive = up).
    pub fn drag_velocity(&mut self, rise: f32) {
        if let GridGesture::Velocity {
            start, velocity, ..
        } = self
        {
            let moved = (f32::from(*start) + rise * VELOCITY_PER_POINT).round();
            *velocity = moved.clamp(1.0, 127.0) as u8;
        }
    }

    /// The edit the finished gesture makes. A Euclid track whose steps are switched on or off
    /// is first turned into plain steps holding its current Euclid rhythm, so what the musician
    /// sees stays and the click changes just that step (the edit layer's rule for painting).
    pub fn to_edit(&self) -> Edit {
        match self {
            GridGesture::Paint { on, cells } => Edit::Paint {
                on: *on,
                cells: cells.clone(),
            },
            GridGesture::Velocity { cell, velocity, .. } => {
                Edit::Velocities(vec![(*cell, *velocity)])
            }
            GridGesture::DrawVelocity { cells } => Edit::Velocities(cells.clone()),
        }
    }
}

/// Velocity for a pointer at `height` in a row (0 bottom, 1 top).
pub fn velocity_at_height(height: f32) -> u8 {
    (1.0 + height.clamp(0.0, 1.0) * 126.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(track: usize, step: usize) -> Cell {
        Cell { track, step }
    }

    #[test]
    fn a_paint_gesture_paints_the_opposite_of_where_it_started() {
        let mut gesture = GridGesture::paint_from(cell(0, 0), false);
        for step in [1, 2, 2, 3] {
            gesture.visit(cell(0, step), 0.5);
        }
        let cells = [0, 1, 2, 3].map(|step| cell(0, step)).to_vec();
        assert_eq!(gesture.to_edit(), Edit::Paint { on: true, cells });
        let erase = GridGesture::paint_from(cell(0, 1), true);
        assert!(matches!(erase.to_edit(), Edit::Paint { on: false, .. }));
    }

    #[test]
    fn a_vertical_drag_sets_velocity_within_midi_range() {
        let mut gesture = GridGesture::Velocity {
            cell: cell(1, 4),
            start: 100,
            velocity: 100,
        };
        gesture.drag_velocity(20.0);
        assert!(matches!(
            gesture,
            GridGesture::Velocity { velocity: 120, .. }
        ));
        gesture.drag_velocity(500.0);
        assert!(matches!(
            gesture,
            GridGesture::Velocity { velocity: 127, .. }
        ));
        gesture.drag_velocity(-500.0);
        assert!(matches!(gesture, GridGesture::Velocity { velocity: 1, .. }));
    }

    #[test]
    fn drawing_velocities_keeps_the_latest_height() {
        let mut gesture = GridGesture::DrawVelocity { cells: Vec::new() };
        gesture.visit(cell(3, 0), 1.0);
        gesture.visit(cell(3, 1), 0.0);
        gesture.visit(cell(3, 0), 0.5);
        assert_eq!(
            gesture.to_edit(),
            Edit::Velocities(vec![(cell(3, 0), 64), (cell(3, 1), 1)])
        );
    }
}
