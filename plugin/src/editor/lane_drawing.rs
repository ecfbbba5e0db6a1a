//! A stroke drawn in the lane view's value strip, apart from egui: the strip records the steps
//! a drag visits and their values, previews them over the lane, and commits the whole stroke
//! as one edit when the button is released (so one drag is one undo step).

use std::collections::BTreeMap;

use crate::edit::{Edit, LaneChange, TrackRef};
use crate::engine::lanes::Lane;

/// Which lane a stroke draws in: slot, track and lane, 0-based.
pub type LaneKey = (usize, usize, usize);

/// A drag in progress over a lane's value strip.
#[derive(Debug, Clone, PartialEq)]
pub struct LaneDrawing {
    /// The lane drawn in.
    pub key: LaneKey,
    /// Each visited step's value (the latest visit wins); `None` removes the step's value.
    values: BTreeMap<usize, Option<u16>>,
    /// The step and value of the last visit, to fill steps a quick move skipped.
    last: Option<(usize, Option<u16>)>,
}

impl LaneDrawing {
    /// A stroke over lane `key` that has visited nothing yet.
    pub fn new(key: LaneKey) -> LaneDrawing {
        LaneDrawing {
            key,
            values: BTreeMap::new(),
            last: None,
        }
    }

    /// Visits `step` with `value`. Steps between the last visit and this one take values on the
    /// straight line between the two (or lose theirs, when either end removes), so a quick
    /// stroke that skips steps leaves no gap.
    pub fn visit(&mut self, step: usize, value: Option<u16>) {
        if let Some((from, from_value)) = self.last {
            let (low, high) = (from.min(step), from.max(step));
            for between in low + 1..high {
                let filled = match (from_value, value) {
                    (Some(a), Some(b)) => {
                        let t = (between as f64 - from as f64) / (step as f64 - from as f64);
                        Some((f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u16)
                    }
                    _ => None,
                };
                self.values.insert(between, filled);
            }
        }
        self.values.insert(step, value);
        self.last = Some((step, value));
    }

    /// Whether the stroke has visited no step yet.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value drawn at `step` so far: `None` if the stroke has not visited it.
    pub fn drawn(&self, step: usize) -> Option<Option<u16>> {
        self.values.get(&step).copied()
    }

    /// The edit the finished stroke makes on `lane` (its lane in the document now): one change
    /// of values per run of neighbouring steps that differ from the lane, all in one batch.
    /// `None` when nothing differs.
    pub fn to_edit(&self, lane: &Lane) -> Option<Edit> {
        let (_, track, index) = self.key;
        let mut runs: Vec<(usize, Vec<Option<u16>>)> = Vec::new();
        for (&step, &value) in &self.values {
            let Some(current) = lane.values.get(step) else {
                continue;
            };
            if current.get() == value {
                continue;
            }
            match runs.last_mut() {
                Some((from, values)) if *from + values.len() == step => values.push(value),
                _ => runs.push((step, vec![value])),
            }
        }
        let mut edits: Vec<Edit> = runs
            .into_iter()
            .map(|(from, values)| Edit::Lane {
                track: TrackRef::Index(track),
                lane: index,
                change: LaneChange::Values { from, values },
            })
            .collect();
        match edits.len() {
            0 => None,
            1 => edits.pop(),
            _ => Some(Edit::Batch(edits)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lanes::LaneValue;

    fn values_of(edit: &Edit) -> Vec<(usize, Vec<Option<u16>>)> {
        let one = |edit: &Edit| match edit {
            Edit::Lane {
                change: LaneChange::Values { from, values },
                ..
            } => (*from, values.clone()),
            other => panic!("not a lane values edit: {other:?}"),
        };
        match edit {
            Edit::Batch(edits) => edits.iter().map(one).collect(),
            edit => vec![one(edit)],
        }
    }

    #[test]
    fn a_quick_stroke_fills_the_steps_it_skipped_on_a_straight_line() {
        let mut drawing = LaneDrawing::new((0, 2, 1));
        drawing.visit(1, Some(100));
        drawing.visit(5, Some(500));
        let edit = drawing.to_edit(&Lane::EMPTY).expect("values changed");
        assert_eq!(
            values_of(&edit),
            [(
                1,
                vec![Some(100), Some(200), Some(300), Some(400), Some(500)]
            )]
        );
        assert!(
            matches!(
                edit,
                Edit::Lane {
                    track: TrackRef::Index(2),
                    lane: 1,
                    ..
                }
            ),
            "{edit:?}"
        );
    }

    #[test]
    fn steps_that_keep_their_value_split_the_stroke_into_runs_of_one_batch() {
        let mut lane = Lane::EMPTY;
        lane.values[2] = LaneValue::new(300).expect("a value");
        let mut drawing = LaneDrawing::new((0, 0, 0));
        for (step, value) in [(0, 100), (1, 200), (2, 300), (3, 400), (4, 500), (3, 450)] {
            drawing.visit(step, Some(value));
        }
        let edit = drawing.to_edit(&lane).expect("values changed");
        assert!(matches!(edit, Edit::Batch(_)), "one edit: {edit:?}");
        assert_eq!(
            values_of(&edit),
            [
                (0, vec![Some(100), Some(200)]),
                (3, vec![Some(450), Some(500)])
            ],
            "the latest visit wins; step 2 already held 300"
        );
        let mut unchanged = LaneDrawing::new((0, 0, 0));
        unchanged.visit(2, Some(300));
        assert_eq!(unchanged.to_edit(&lane), None);
    }

    #[test]
    fn an_erasing_stroke_removes_the_values_it_crosses() {
        let mut lane = Lane::EMPTY;
        for step in 0..4 {
            lane.values[step] = LaneValue::new(1_000).expect("a value");
        }
        let mut drawing = LaneDrawing::new((0, 0, 0));
        drawing.visit(0, None);
        drawing.visit(3, None);
        assert_eq!(drawing.drawn(1), Some(None));
        assert_eq!(drawing.drawn(4), None, "not visited");
        let edit = drawing.to_edit(&lane).expect("values removed");
        assert_eq!(values_of(&edit), [(0, vec![None; 4])]);
    }
}
