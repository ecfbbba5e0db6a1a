//! The lane view: drawing values with the mouse, picking the MIDI destination and length, and
//! the marks on tracks that address voices the modular does not have.

use egui::{pos2, vec2};
use egui_kittest::kittest::Queryable;

use super::support::Fixture;
use crate::edit::{Edit, Origin};
use crate::editor::lane_view::strip_name;
use crate::engine::lanes::{LaneMidi, LANE_MAX};

#[test]
fn drawing_in_the_strip_sets_step_values_of_the_selected_lane() {
    let mut fixture = Fixture::new();
    fixture.click("Select track 2");
    fixture.click("Lane 3");
    fixture.edit(0, |doc| doc.tracks[1].pattern.lanes[2].length = 4);
    let strip = fixture.harness.get_by_label(&strip_name(2)).rect();
    let bar = strip.width() / 4.0;
    // Near the top of step 1, then a drag along the bottom of steps 3 and 4.
    let top = pos2(strip.left() + bar * 0.5, strip.top() + 1.0);
    fixture.drag(top, top, 1);
    let low = pos2(strip.left() + bar * 2.5, strip.bottom() - 1.0);
    let end = pos2(strip.left() + bar * 3.5, strip.bottom() - 1.0);
    fixture.drag(low, end, 4);
    let lane = fixture.store.slot(0).tracks[1].pattern.lanes[2];
    let values: Vec<Option<u16>> = lane.values[..4].iter().map(|v| v.get()).collect();
    assert!(
        values[0].is_some_and(|v| v > LANE_MAX - LANE_MAX / 20),
        "{values:?}"
    );
    assert_eq!(values[1], None, "a step not drawn on keeps no value");
    assert!(values[2].is_some_and(|v| v < LANE_MAX / 20), "{values:?}");
    assert!(values[3].is_some_and(|v| v < LANE_MAX / 20), "{values:?}");
    let others = fixture.store.slot(0).tracks[1].pattern.lanes[0];
    assert!(others.is_empty(), "only the selected lane changes");
}

#[test]
fn the_midi_destination_and_length_are_edits() {
    let mut fixture = Fixture::new();
    fixture.click("Lane 1");
    let set = Edit::Lane {
        track: crate::edit::TrackRef::Index(0),
        lane: 0,
        change: crate::edit::LaneChange::Midi(LaneMidi::Cc(74)),
    };
    fixture
        .edits
        .apply(Origin::Editor, 0, set)
        .expect("a CC lane");
    fixture.run();
    assert!(fixture.harness.query_by_label("Lane CC number").is_some());
    assert!(fixture.harness.query_by_label("Lane length").is_some());
    assert!(fixture.harness.query_by_label("Lane OSC address").is_some());
}

#[test]
fn tracks_beyond_the_voice_count_are_marked() {
    // Tall enough for all sixteen rows.
    let mut fixture = Fixture::with(vec2(1240.0, 1600.0), 1.0);
    let marked = |fixture: &Fixture, voice: usize| {
        fixture
            .harness
            .query_by_label(&format!("! voice{voice}"))
            .is_some()
    };
    // Music Chronus's default of 4 voices: tracks 5–16 address voice5 … voice16.
    assert!(!marked(&fixture, 4));
    assert!(marked(&fixture, 5));
    assert!(marked(&fixture, 16));
    fixture
        .edits
        .apply(Origin::Editor, 0, Edit::Voices(8))
        .expect("eight voices");
    fixture.run();
    assert!(!marked(&fixture, 8));
    assert!(marked(&fixture, 9));
}

#[test]
fn one_stroke_across_several_steps_is_one_undo_step() {
    let mut fixture = Fixture::new();
    fixture.click("Select track 2");
    fixture.click("Lane 2");
    fixture.edit(0, |doc| doc.tracks[1].pattern.lanes[1].length = 8);
    let before = fixture.store.slot(0);
    let depth = fixture.store.history_depth();
    let strip = fixture.harness.get_by_label(&strip_name(1)).rect();
    let bar = strip.width() / 8.0;
    // From the bottom of step 2 to the top of step 7, in a few quick moves that skip steps.
    let from = pos2(strip.left() + bar * 1.5, strip.bottom() - 1.0);
    let to = pos2(strip.left() + bar * 6.5, strip.top() + 1.0);
    fixture.drag(from, to, 3);
    let lane = fixture.store.slot(0).tracks[1].pattern.lanes[1];
    let values: Vec<Option<u16>> = lane.values[..8].iter().map(|v| v.get()).collect();
    assert_eq!(values[0], None, "before the stroke");
    assert_eq!(values[7], None, "after the stroke");
    let drawn: Vec<u16> = values[1..7]
        .iter()
        .map(|value| value.expect("every crossed step has a value"))
        .collect();
    assert!(
        drawn.windows(2).all(|pair| pair[0] < pair[1]),
        "rising from bottom to top: {drawn:?}"
    );
    assert_eq!(
        fixture.store.history_depth(),
        (depth.0 + 1, 0),
        "one stroke, one undo step"
    );

    fixture.click("Undo");
    assert_eq!(
        fixture.store.slot(0),
        before,
        "one undo takes the whole stroke back"
    );

    // A right drag erases, again as one step.
    fixture.click("Redo");
    let from = pos2(strip.left() + bar * 2.5, strip.center().y);
    let to = pos2(strip.left() + bar * 4.5, strip.center().y);
    fixture.harness.hover_at(from);
    fixture.run();
    fixture.harness.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Secondary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    fixture.harness.step();
    for index in 1..=3 {
        fixture
            .harness
            .hover_at(from + (to - from) * (index as f32 / 3.0));
        fixture.harness.step();
    }
    assert_eq!(
        fixture.store.history_depth(),
        (depth.0 + 1, 0),
        "nothing is stored while the button is held"
    );
    fixture.harness.event(egui::Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Secondary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    fixture.run();
    let lane = fixture.store.slot(0).tracks[1].pattern.lanes[1];
    let erased: Vec<bool> = (1..7)
        .map(|step| lane.values[step].get().is_none())
        .collect();
    assert_eq!(erased, [false, true, true, true, false, false]);
    assert_eq!(fixture.store.history_depth(), (depth.0 + 2, 0));
}
