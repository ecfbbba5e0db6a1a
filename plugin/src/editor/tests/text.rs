//! The pattern text field: valid text applies, invalid text stays with its error shown.

use egui_kittest::kittest::Queryable;

use super::support::Fixture;
use crate::document::pattern_string::{ACCENT_VELOCITY, HIT_VELOCITY};

/// What the field named `label` shows.
fn shown(fixture: &Fixture, label: &str) -> String {
    fixture.control(label).value().unwrap_or_default()
}

#[test]
fn the_field_shows_the_selected_track_as_a_pattern_string() {
    let mut fixture = Fixture::new();
    assert_eq!(shown(&fixture, "Pattern text"), "x...x...x...x...");
    fixture.click("Select track 2");
    assert_eq!(shown(&fixture, "Pattern text"), "....X.......X...");
    // An edit on the grid shows in the field at once.
    fixture.click("Track 2 step 1");
    assert_eq!(
        shown(&fixture, "Pattern text"),
        "7...X.......X...",
        "a clicked step plays at velocity 100, level 7"
    );
}

#[test]
fn valid_text_applies_to_the_track() {
    let mut fixture = Fixture::new();
    fixture.click("Select track 3");
    fixture.type_into("Pattern text", "X.x_ | 5...");
    let pattern = fixture.store.slot(0).tracks[2].pattern;
    assert_eq!(pattern.length, 8, "the length is the number of steps typed");
    assert_eq!(pattern.steps[0].velocity, ACCENT_VELOCITY);
    assert!(pattern.steps[0].on && !pattern.steps[1].on && pattern.steps[2].on);
    assert_eq!(pattern.steps[2].velocity, HIT_VELOCITY);
    assert!(pattern.steps[3].tie);
    assert_eq!(pattern.steps[4].velocity, 71, "level 5");
    assert_eq!(
        shown(&fixture, "Pattern text"),
        "X.x_5...",
        "shown canonically"
    );
    assert!(fixture.cell_shows_hit(2, 4));
    assert_eq!(fixture.store.history_depth(), (1, 0));
}

#[test]
fn invalid_text_shows_its_error_and_keeps_the_text() {
    let mut fixture = Fixture::new();
    let before = fixture.store.slot(0);
    fixture.type_into("Pattern text", "x.x?x");
    assert_eq!(fixture.store.slot(0), before, "nothing applied");
    assert_eq!(fixture.store.history_depth(), (0, 0));
    assert_eq!(
        shown(&fixture, "Pattern text"),
        "x.x?x",
        "the typed text stays"
    );
    let error = fixture
        .harness
        .query_by_label_contains("unknown step character '?' at position 3")
        .or_else(|| {
            fixture.harness.query_by(|node| {
                node.value()
                    .is_some_and(|value| value.contains("position 3"))
            })
        });
    assert!(error.is_some(), "the error is shown inline");

    // Editing elsewhere does not throw the text away…
    fixture.click("Track 9 step 1");
    assert_eq!(shown(&fixture, "Pattern text"), "x.x?x");
    // …nor does the DAW moving to another slot while the editor follows the playing slot.
    let song = fixture.store.doc().snapshot();
    fixture.live.publish(crate::live_state::BlockView {
        playing: true,
        tempo: Some(120.0),
        position: Some(0.0),
        bar: (4.0, 0.0),
        block_seconds: 0.01,
        slot: (2, &song.slots()[2]),
    });
    fixture.run();
    assert_eq!(shown(&fixture, "Pattern text"), "x.x?x");

    // …fixing it applies it, and the error goes.
    fixture.type_into("Pattern text", "x.x.x");
    assert_eq!(fixture.store.slot(0).tracks[0].pattern.length, 5);
    assert!(fixture
        .harness
        .query_by(|node| node
            .value()
            .is_some_and(|value| value.contains("unknown step")))
        .is_none());
}

#[test]
fn revert_drops_invalid_text() {
    let mut fixture = Fixture::new();
    fixture.type_into("Pattern text", "zz");
    fixture.click("Revert pattern text");
    assert_eq!(shown(&fixture, "Pattern text"), "x...x...x...x...");
}

#[test]
fn names_and_osc_addresses_are_typed_in_the_header() {
    let mut fixture = Fixture::new();
    fixture.type_into("Track name", "Bass Drum");
    assert_eq!(fixture.store.slot(0).tracks[0].name, "Bass Drum");
    assert!(fixture.harness.query_by_label("Select track 1").is_some());

    fixture.type_into("OSC address", "/gate/acid1");
    assert_eq!(
        fixture.params.osc_out.0.get().tracks[0].address,
        "/gate/acid1"
    );
    fixture.type_into("OSC address", "gate/voice9");
    assert_eq!(
        fixture.params.osc_out.0.get().tracks[0].address,
        "/gate/acid1",
        "an address without '/' is not applied"
    );
    assert_eq!(shown(&fixture, "OSC address"), "gate/voice9");
}
