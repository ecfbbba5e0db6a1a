//! The MIDI input row: channels, latch or hold, the reference key and the slot keys are host
//! parameters set as one recorded gesture each (through the edit layer), the row shows what
//! automation sets and the transposition played in, and the melodic switches edit the slot.

use egui_kittest::kittest::{NodeT, Queryable};
use nice_plug::prelude::*;

use super::support::{Fixture, Gesture};
use crate::params::TransposeChoice;

/// The three calls of one recorded gesture on `param`, to `normalized`.
fn one_gesture(param: &str, normalized: f32) -> [Gesture; 3] {
    [
        Gesture::Begin(param.into()),
        Gesture::Set(param.into(), normalized),
        Gesture::End(param.into()),
    ]
}

#[test]
fn channels_and_the_mode_are_host_parameters_set_as_one_gesture_each() {
    let mut fixture = Fixture::new();
    fixture.click("Transpose channel");
    fixture.click("Transpose channel 2");
    assert_eq!(fixture.params.transpose_channel.value(), 2);
    let normalized = fixture.params.transpose_channel.preview_normalized(2);
    assert_eq!(
        fixture.host.calls(),
        one_gesture("Transpose Channel", normalized)
    );

    fixture.host.clear();
    fixture.click("Transpose Hold");
    assert_eq!(fixture.params.transpose_mode.value(), TransposeChoice::Hold);
    assert_eq!(fixture.host.calls(), one_gesture("Transpose Mode", 1.0));

    fixture.host.clear();
    fixture.click("Slot key channel");
    fixture.click("Slot key channel Off");
    assert_eq!(fixture.params.slot_key_channel.value(), 0);
    assert_eq!(fixture.host.calls(), one_gesture("Slot Key Channel", 0.0));
    assert_eq!(
        fixture.store.history_depth(),
        (0, 0),
        "host parameters are not pattern edits"
    );
}

#[test]
fn keys_are_typed_as_names_and_sent_once() {
    let mut fixture = Fixture::new();
    fixture.control("Reference key").click();
    fixture.run();
    fixture.type_into("Reference key", "Eb3");
    assert_eq!(fixture.params.reference_key.value(), 51);
    let calls = fixture.host.calls();
    assert_eq!(calls.len(), 3, "one gesture: {calls:?}");
    assert_eq!(calls[0], Gesture::Begin("Reference Key".into()));

    fixture.host.clear();
    fixture.control("Slot low key").click();
    fixture.run();
    fixture.type_into("Slot low key", "C2");
    assert_eq!(fixture.params.slot_low_key.value(), 36);
    assert!(
        fixture.harness.query_by_label("to D#3").is_some(),
        "the row shows the sixteen slot keys C2–D#3"
    );
    assert_eq!(fixture.host.calls().len(), 3);
}

#[test]
fn the_row_follows_automation_and_shows_the_transposition_played_in() {
    let mut fixture = Fixture::new();
    // The host automates the mode: no gesture from the editor, and the buttons show it.
    // SAFETY: the parameter belongs to the fixture's live plugin.
    unsafe {
        fixture
            .params
            .transpose_mode
            .as_ptr()
            ._internal_set_normalized_value(1.0)
    };
    fixture.run();
    let selected = |fixture: &Fixture, label: &str| {
        fixture.control(label).accesskit_node().is_selected() == Some(true)
            || fixture.control(label).accesskit_node().toggled()
                == Some(egui::accesskit::Toggled::True)
    };
    assert!(selected(&fixture, "Transpose Hold"));
    assert!(!selected(&fixture, "Transpose Latch"));
    assert!(fixture.host.calls().is_empty());

    assert!(fixture.harness.query_by_label("Transpose +0").is_some());
    fixture.live.publish_transpose(7);
    fixture.run();
    assert!(fixture.harness.query_by_label("Transpose +7").is_some());
}

#[test]
fn the_melodic_switches_mark_tracks_of_the_edited_slot() {
    let mut fixture = Fixture::new();
    fixture.click("Melodic track 3");
    fixture.click("Melodic track 5");
    let doc = fixture.store.slot(0);
    let melodic: Vec<usize> = (0..16)
        .filter(|&track| doc.tracks[track].pattern.melodic)
        .collect();
    assert_eq!(melodic, [2, 4]);
    assert_eq!(fixture.store.history_depth(), (2, 0), "one undo step each");
    fixture.click("Melodic track 3");
    assert!(!fixture.store.slot(0).tracks[2].pattern.melodic);
    // The track header's switch shows the same flag.
    fixture.click("Select track 5");
    let header = fixture.control("Melodic track").accesskit_node().toggled();
    assert_eq!(header, Some(egui::accesskit::Toggled::True));
}
