//! Clicks and drags on the grid, the step menu, and the live playheads.

use egui::{vec2, Modifiers};
use egui_kittest::kittest::Queryable;

use super::support::Fixture;
use crate::document::pattern_string::HIT_VELOCITY;
use crate::editor::theme;
use crate::live_state::BlockView;

#[test]
fn a_click_toggles_a_step_and_is_one_undo_step() {
    let mut fixture = Fixture::new();
    assert!(!fixture.store.slot(0).tracks[3].pattern.steps[2].on);
    assert!(!fixture.cell_shows_hit(3, 2));

    fixture.click("Track 4 step 3");
    assert!(fixture.store.slot(0).tracks[3].pattern.steps[2].on);
    assert!(fixture.cell_shows_hit(3, 2), "the grid shows the new hit");
    assert_eq!(fixture.store.history_depth(), (1, 0));

    fixture.click("Track 4 step 3");
    assert!(!fixture.store.slot(0).tracks[3].pattern.steps[2].on);
    assert_eq!(fixture.store.history_depth(), (2, 0));
}

#[test]
fn a_sideways_drag_paints_and_a_drag_from_a_hit_erases() {
    let mut fixture = Fixture::new();
    let from = fixture.cell_centre(4, 0);
    let to = fixture.cell_centre(4, 5);
    fixture.drag(from, to, 10);
    let steps = fixture.store.slot(0).tracks[4].pattern.steps;
    let painted: Vec<bool> = steps[..8].iter().map(|step| step.on).collect();
    assert_eq!(painted, [true, true, true, true, true, true, false, false]);
    assert_eq!(
        fixture.store.history_depth(),
        (1, 0),
        "one drag, one undo step"
    );

    // The hat plays every other step: a drag from a hit erases what it passes.
    let from = fixture.cell_centre(2, 0);
    let to = fixture.cell_centre(2, 4);
    fixture.drag(from, to, 8);
    let hats = fixture.store.slot(0).tracks[2].pattern.steps;
    assert!(hats[..5].iter().all(|step| !step.on), "erased");
    assert!(hats[6].on, "past the drag: untouched");
}

#[test]
fn a_drag_across_rows_paints_every_row_it_crosses() {
    let mut fixture = Fixture::new();
    let from = fixture.cell_centre(6, 3);
    let to = fixture.cell_centre(9, 3);
    fixture.drag(from, to, 12);
    let doc = fixture.store.slot(0);
    for track in 6..=9 {
        assert!(doc.tracks[track].pattern.steps[3].on, "track {}", track + 1);
    }
}

#[test]
fn a_vertical_drag_on_a_hit_sets_its_velocity() {
    let mut fixture = Fixture::new();
    let kick = fixture.store.slot(0).tracks[0].pattern.steps[0];
    assert!(kick.on);
    assert_eq!(kick.velocity, HIT_VELOCITY);

    let from = fixture.cell_centre(0, 0);
    fixture.drag(from, from + vec2(0.0, -30.0), 6);
    let kick = fixture.store.slot(0).tracks[0].pattern.steps[0];
    assert!(kick.on, "still a hit");
    assert_eq!(
        kick.velocity,
        HIT_VELOCITY + 30,
        "one step of velocity per point"
    );

    let from = fixture.cell_centre(0, 0);
    fixture.drag(from, from + vec2(0.0, 200.0), 10);
    assert_eq!(fixture.store.slot(0).tracks[0].pattern.steps[0].velocity, 1);
    assert_eq!(fixture.store.history_depth(), (2, 0));
}

#[test]
fn shift_click_draws_the_velocity_of_the_pointer_height() {
    let mut fixture = Fixture::new();
    fixture
        .control("Track 8 step 2")
        .click_modifiers(Modifiers::SHIFT);
    fixture.run();
    let step = fixture.store.slot(0).tracks[7].pattern.steps[1];
    assert!(step.on);
    assert_eq!(step.velocity, 64, "the middle of the row");
}

#[test]
fn the_step_menu_sets_probability_ratchet_and_nudge() {
    let mut fixture = Fixture::new();
    fixture.control("Track 1 step 5").click_secondary();
    fixture.run();
    fixture.click("Ratchet 3");
    fixture.click("Probability 25 %");
    fixture.click("Nudge to grid");
    let step = fixture.store.slot(0).tracks[0].pattern.steps[4];
    assert_eq!(step.ratchet, 3);
    assert_eq!(step.probability, 25);
    assert_eq!(step.nudge, 0);
    assert!(step.on, "the kick's hit stays");
    assert_eq!(fixture.store.history_depth(), (2, 0), "nudge was already 0");
}

#[test]
fn playheads_show_where_each_track_plays() {
    let mut fixture = Fixture::new();
    fixture.edit(0, |doc| doc.tracks[1].pattern.length = 3);
    let song = fixture.store.doc().snapshot();
    fixture.live.publish(BlockView {
        playing: true,
        tempo: Some(120.0),
        position: Some(5.3),
        bar: (4.0, 0.0),
        block_seconds: 0.01,
        slot: (0, &song.slots()[0]),
    });
    fixture.run();
    assert!(fixture.harness.query_by_label("Playing").is_some());

    let framed = |fixture: &Fixture, track: usize, step: usize| {
        let name = crate::editor::grid::cell_name(crate::editor::gesture::Cell { track, step });
        let rect = fixture.control(&name).rect();
        let mut found = false;
        for clipped in &fixture.harness.output().shapes {
            if let egui::Shape::Rect(shape) = &clipped.shape {
                if shape.stroke.color == theme::PLAYHEAD
                    && (shape.rect.center() - rect.center()).length() < 1.0
                {
                    found = true;
                }
            }
        }
        found
    };
    // Beat 5.3 is sixteenth 21: step 21 mod 16 on a 16-step track, 21 mod 3 on a 3-step one.
    assert!(framed(&fixture, 0, 5));
    assert!(
        framed(&fixture, 1, 0),
        "polymeter: the 3-step track is elsewhere"
    );
    assert!(!framed(&fixture, 0, 6));
}
