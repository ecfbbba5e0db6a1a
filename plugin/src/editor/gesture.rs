//! What a pointer gesture on the grid does to the pattern, apart from egui: the grid turns
//! clicks and drags into these values, draws their preview, and commits each finished gesture as
//! one edit (so one drag is one undo step).

use crate::document::PatternDoc;
use crate::engine::euclid::{euclid_hit, euclid_mask};
use crate::engine::pattern::{MAX_STEPS, MAX_TRACKS};

/// A step of the grid: track and step index, both 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cell {
    /// Track index.
    pub track: usize,
    /// Step index within the track.
    pub step: usize,
}

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

    /// Applies the gesture to `doc`. A Euclid track whose steps are switched on or off is first
    /// turned into plain steps holding its current Euclid rhythm (`euclid`), so what the
    /// musician sees stays and the click changes just that step.
    pub fn apply(&self, doc: &mut PatternDoc, euclid: &EuclidControls) {
        match self {
            GridGesture::Paint { on, cells } => {
                for cell in cells {
                    release_euclid(doc, cell.track, euclid);
                    let step = &mut doc.tracks[cell.track].pattern.steps[cell.step];
                    step.on = *on;
                    step.tie = false;
                }
            }
            GridGesture::Velocity { cell, velocity, .. } => {
                doc.tracks[cell.track].pattern.steps[cell.step].velocity = *velocity;
            }
            GridGesture::DrawVelocity { cells } => {
                for (cell, velocity) in cells {
                    let pattern = &doc.tracks[cell.track].pattern;
                    let shown_on = shows_hit(pattern, cell.step, euclid[cell.track]);
                    if !shown_on {
                        release_euclid(doc, cell.track, euclid);
                    }
                    let step = &mut doc.tracks[cell.track].pattern.steps[cell.step];
                    if !shown_on {
                        step.on = true;
                        step.tie = false;
                    }
                    step.velocity = *velocity;
                }
            }
        }
    }
}

/// Velocity for a pointer at `height` in a row (0 bottom, 1 top).
pub fn velocity_at_height(height: f32) -> u8 {
    (1.0 + height.clamp(0.0, 1.0) * 126.0).round() as u8
}

/// Whether step `step` of a track plays a hit as shown: the Euclid rhythm on a Euclid track
/// (`controls` = pulses, rotation), the step's own switch otherwise.
pub fn shows_hit(
    pattern: &crate::engine::pattern::TrackPattern,
    step: usize,
    (pulses, rotation): (u8, u8),
) -> bool {
    if step >= MAX_STEPS {
        return false;
    }
    if pattern.euclid {
        euclid_hit(euclid_mask(pulses, pattern.length, rotation), step)
    } else {
        pattern.steps[step].on
    }
}

/// Turns a Euclid track into plain steps with the same hits.
fn release_euclid(doc: &mut PatternDoc, track: usize, euclid: &EuclidControls) {
    if doc.tracks[track].pattern.euclid {
        let (pulses, rotation) = euclid[track];
        doc.stamp_euclid(track, pulses, rotation);
        doc.tracks[track].pattern.euclid = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pattern::Step;

    const NO_EUCLID: EuclidControls = [(0, 0); MAX_TRACKS];

    fn cell(track: usize, step: usize) -> Cell {
        Cell { track, step }
    }

    #[test]
    fn a_paint_gesture_paints_the_opposite_of_where_it_started() {
        let mut doc = PatternDoc::empty();
        doc.tracks[0].pattern.steps[2] = Step::hit(90);
        let mut gesture = GridGesture::paint_from(cell(0, 0), false);
        for step in [1, 2, 2, 3] {
            gesture.visit(cell(0, step), 0.5);
        }
        gesture.apply(&mut doc, &NO_EUCLID);
        let on: Vec<bool> = doc.tracks[0].pattern.steps[..5]
            .iter()
            .map(|s| s.on)
            .collect();
        assert_eq!(on, [true, true, true, true, false]);
        assert_eq!(doc.tracks[0].pattern.steps[2].velocity, 90, "kept");

        let mut erase = GridGesture::paint_from(cell(0, 1), true);
        erase.visit(cell(0, 2), 0.5);
        erase.apply(&mut doc, &NO_EUCLID);
        assert!(!doc.tracks[0].pattern.steps[1].on && !doc.tracks[0].pattern.steps[2].on);
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
    fn drawing_velocities_switches_steps_on_and_keeps_the_latest_height() {
        let mut doc = PatternDoc::empty();
        let mut gesture = GridGesture::DrawVelocity { cells: Vec::new() };
        gesture.visit(cell(3, 0), 1.0);
        gesture.visit(cell(3, 1), 0.0);
        gesture.visit(cell(3, 0), 0.5);
        gesture.apply(&mut doc, &NO_EUCLID);
        assert_eq!(doc.tracks[3].pattern.steps[0], Step::hit(64));
        assert_eq!(doc.tracks[3].pattern.steps[1], Step::hit(1));
    }

    #[test]
    fn switching_a_step_of_a_euclid_track_keeps_its_rhythm_as_plain_steps() {
        let mut doc = PatternDoc::empty();
        doc.tracks[2].pattern.length = 8;
        doc.tracks[2].pattern.euclid = true;
        let mut euclid = NO_EUCLID;
        euclid[2] = (3, 0);
        assert!(
            shows_hit(&doc.tracks[2].pattern, 3, euclid[2]),
            "E(3,8) = x..x..x."
        );
        GridGesture::paint_from(cell(2, 1), false).apply(&mut doc, &euclid);
        let pattern = &doc.tracks[2].pattern;
        assert!(!pattern.euclid);
        let shown: String = pattern.steps[..8]
            .iter()
            .map(|s| if s.on { 'x' } else { '.' })
            .collect();
        assert_eq!(shown, "xx.x..x.");
    }
}
