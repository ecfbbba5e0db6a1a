//! Trig conditions, directions, Fill, scales and the MIDI input in the editor: the step menu's
//! condition, the mark on a conditioned cell, a track's direction and melodic switch, the Fill
//! button as a host-parameter gesture, the edited slot's scale and the transposition shown.

use super::support::{Fixture, Gesture};
use crate::editor::gesture::Cell;
use crate::editor::grid::cell_name;
use crate::editor::theme;
use crate::engine::pattern::{Condition, Direction, Scale, ScaleKind};
use egui_kittest::kittest::Queryable;

/// Whether a condition mark (a filled triangle of the condition colour) is drawn in the cell
/// of `track` and `step`.
fn shows_condition_mark(fixture: &Fixture, track: usize, step: usize) -> bool {
    let rect = fixture.control(&cell_name(Cell { track, step })).rect();
    fixture.harness.output().shapes.iter().any(|clipped| {
        matches!(&clipped.shape, egui::Shape::Path(path)
            if path.fill == theme::CONDITION
                && path.points.iter().all(|point| rect.expand(0.5).contains(*point)))
    })
}

#[test]
fn the_step_menu_sets_and_clears_a_condition_and_the_cell_shows_it() {
    let mut fixture = Fixture::new();
    assert!(!shows_condition_mark(&fixture, 0, 4));
    fixture.control("Track 1 step 5").click_secondary();
    fixture.run();
    fixture.click("Condition A:B");
    let step = fixture.store.slot(0).tracks[0].pattern.steps[4];
    assert_eq!(step.condition, Condition::Ratio { a: 1, b: 2 });
    fixture.click("Condition of 4");
    fixture.click("Condition pass 3");
    let step = fixture.store.slot(0).tracks[0].pattern.steps[4];
    assert_eq!(step.condition, Condition::Ratio { a: 3, b: 4 });
    // A count below the pass takes the pass down with it.
    fixture.click("Condition of 2");
    let step = fixture.store.slot(0).tracks[0].pattern.steps[4];
    assert_eq!(step.condition, Condition::Ratio { a: 2, b: 2 });
    fixture.click("Condition of 4");
    fixture.click("Condition pass 3");
    assert!(step.on, "the kick's hit stays");
    assert!(shows_condition_mark(&fixture, 0, 4));
    assert!(
        !shows_condition_mark(&fixture, 0, 0),
        "only the conditioned step"
    );

    fixture.click("Condition !fill");
    fixture.click("Condition none");
    let step = fixture.store.slot(0).tracks[0].pattern.steps[4];
    assert_eq!(step.condition, Condition::Always);
    assert_eq!(
        fixture.store.history_depth(),
        (8, 0),
        "one undo step per pick"
    );
    fixture.run();
    assert!(!shows_condition_mark(&fixture, 0, 4));
}

#[test]
fn the_track_header_sets_the_direction() {
    let mut fixture = Fixture::new();
    fixture.click("Track direction");
    fixture.click("Direction pendulum");
    let track = fixture.store.slot(0).tracks[0].pattern;
    assert_eq!(track.direction, Direction::Pendulum);
    assert_eq!(fixture.store.history_depth(), (1, 0));
}

#[test]
fn the_fill_button_sets_the_host_parameter_as_one_gesture() {
    let mut fixture = Fixture::new();
    fixture.click("Fill");
    assert!(fixture.params.fill.value());
    assert_eq!(
        fixture.host.calls(),
        [
            Gesture::Begin("Fill".into()),
            Gesture::Set("Fill".into(), 1.0),
            Gesture::End("Fill".into()),
        ],
        "the host can record the click as automation"
    );
    fixture.click("Fill");
    assert!(!fixture.params.fill.value());
}

#[test]
fn the_scale_of_the_edited_slot_and_the_melodic_switch_are_edits() {
    let mut fixture = Fixture::new();
    fixture.click("Scale root");
    fixture.click("Root D");
    fixture.click("Scale");
    fixture.click("Scale dorian");
    assert_eq!(
        fixture.store.slot(0).scale,
        Scale {
            root: 2,
            kind: ScaleKind::Dorian
        }
    );
    fixture.click("Melodic track");
    assert!(fixture.store.slot(0).tracks[0].pattern.melodic);
    assert_eq!(fixture.store.history_depth(), (3, 0), "one undo step each");
}

#[test]
fn the_transposition_played_in_is_shown() {
    let mut fixture = Fixture::new();
    assert!(fixture.harness.query_by_label("Transpose +0").is_some());
    fixture.live.publish_transpose(-5);
    fixture.run();
    assert!(fixture.harness.query_by_label("Transpose -5").is_some());
}
