//! Undo and redo (buttons and keys), copy and paste of a track, and the edited slot.

use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;

use super::support::Fixture;

#[test]
fn undo_and_redo_buttons_and_keys_walk_the_history() {
    let mut fixture = Fixture::new();
    fixture.click("Track 6 step 1");
    fixture.click("Track 6 step 2");
    assert_eq!(fixture.store.history_depth(), (2, 0));

    fixture.click("Undo");
    assert!(!fixture.store.slot(0).tracks[5].pattern.steps[1].on);
    assert!(fixture.store.slot(0).tracks[5].pattern.steps[0].on);

    fixture
        .harness
        .key_press_modifiers(Modifiers::COMMAND, Key::Z);
    fixture.run();
    assert!(!fixture.store.slot(0).tracks[5].pattern.steps[0].on);
    assert_eq!(fixture.store.history_depth(), (0, 2));

    fixture
        .harness
        .key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    fixture.run();
    assert!(fixture.store.slot(0).tracks[5].pattern.steps[0].on);
    fixture.click("Redo");
    assert!(fixture.store.slot(0).tracks[5].pattern.steps[1].on);
    assert_eq!(fixture.store.history_depth(), (2, 0));
}

#[test]
fn reseed_rolls_new_dice_for_the_edited_slot_as_one_undo_step() {
    let mut fixture = Fixture::new();
    let before = fixture.store.slot(0).seed;
    fixture.click("Reseed");
    assert_ne!(fixture.store.slot(0).seed, before);
    assert_eq!(fixture.store.history_depth(), (1, 0));
    fixture.click("Undo");
    assert_eq!(fixture.store.slot(0).seed, before);
}

#[test]
fn a_copied_track_pastes_onto_another() {
    let mut fixture = Fixture::new();
    fixture.click("Select track 3");
    fixture.click("Copy track");
    fixture.click("Select track 12");
    fixture.click("Paste track");
    let doc = fixture.store.slot(0);
    assert_eq!(doc.tracks[11], doc.tracks[2], "name and pattern");
    assert_eq!(doc.tracks[11].name, "Hat");
    assert!(fixture.cell_shows_hit(11, 2));
    fixture.click("Undo");
    assert_eq!(fixture.store.slot(0).tracks[11].name, "Track 12");
}

#[test]
fn the_editor_follows_the_playing_slot_until_another_is_chosen() {
    let mut fixture = Fixture::new();
    fixture.edit(3, |doc| doc.tracks[0].name = "Slot four".into());
    let song = fixture.store.doc().snapshot();
    fixture.live.publish(crate::live_state::BlockView {
        playing: true,
        tempo: Some(120.0),
        position: Some(0.0),
        bar: (4.0, 0.0),
        block_seconds: 0.01,
        slot: (3, &song.slots()[3]),
    });
    fixture.run();
    assert!(
        fixture.harness.query_by_label("Select track 1").is_some()
            && fixture.control("Track name").value().as_deref() == Some("Slot four"),
        "editing the slot that plays"
    );
    fixture.click("Track 1 step 2");
    assert!(fixture.store.slot(3).tracks[0].pattern.steps[1].on);
    assert!(!fixture.store.slot(0).tracks[0].pattern.steps[1].on);
}
