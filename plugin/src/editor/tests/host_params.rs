//! Controls bound to host parameters: every change reaches the host as a recorded gesture and
//! the parameter holds the new value; the controls show what automation sets.

use egui::vec2;
use egui_kittest::kittest::NodeT;

use super::support::{Fixture, Gesture};
use nice_plug::prelude::*;

#[test]
fn mute_sets_the_host_parameter_as_one_gesture() {
    let mut fixture = Fixture::new();
    assert!(!fixture.params.tracks[2].mute.value());

    fixture.click("Mute track 3");
    assert!(
        fixture.params.tracks[2].mute.value(),
        "the parameter changed"
    );
    assert_eq!(
        fixture.host.calls(),
        [
            Gesture::Begin("Track 3 Mute".into()),
            Gesture::Set("Track 3 Mute".into(), 1.0),
            Gesture::End("Track 3 Mute".into()),
        ],
        "the host can record the click as automation"
    );

    fixture.host.clear();
    fixture.click("Mute track 3");
    assert!(!fixture.params.tracks[2].mute.value());
    assert_eq!(fixture.host.calls().len(), 3);
}

#[test]
fn the_mute_button_follows_automation() {
    let mut fixture = Fixture::new();
    let toggled = |fixture: &Fixture| {
        fixture.control("Solo track 7").accesskit_node().toggled()
            == Some(egui::accesskit::Toggled::True)
    };
    assert!(!toggled(&fixture));
    // The host automates the parameter: no gesture from the editor, and the button shows it.
    // SAFETY: the parameter belongs to the fixture's live plugin.
    unsafe {
        fixture.params.tracks[6]
            .solo
            .as_ptr()
            ._internal_set_normalized_value(1.0)
    };
    fixture.run();
    assert!(toggled(&fixture));
    assert!(fixture.host.calls().is_empty());
}

#[test]
fn a_slider_drag_is_one_gesture_from_press_to_release() {
    let mut fixture = Fixture::new();
    let swing = fixture.control("Swing").rect();
    let from = swing.left_center() + vec2(4.0, 0.0);
    let to = swing.center();
    fixture.drag(from, to, 6);

    let calls = fixture.host.calls();
    assert!(
        calls.iter().all(|call| call.param() == "Swing"),
        "{calls:?}"
    );
    assert_eq!(calls.first(), Some(&Gesture::Begin("Swing".into())));
    assert_eq!(calls.last(), Some(&Gesture::End("Swing".into())));
    let sets = calls
        .iter()
        .filter(|call| matches!(call, Gesture::Set(..)))
        .count();
    assert!(sets >= 2, "values sent while dragging: {calls:?}");
    assert_eq!(
        calls
            .iter()
            .filter(|call| matches!(call, Gesture::Begin(_)))
            .count(),
        1
    );
    assert!(
        fixture.params.swing.value() > 50.0,
        "{}",
        fixture.params.swing.value()
    );
}

#[test]
fn slot_and_quantize_buttons_set_their_parameters() {
    let mut fixture = Fixture::new();
    fixture.click("Play slot 5");
    assert_eq!(fixture.params.slot.value(), 5);
    fixture.click("Quantize Now");
    assert_eq!(
        fixture.params.slot_quantize.value(),
        crate::params::QuantizeChoice::Now
    );
    let calls = fixture.host.calls();
    assert_eq!(calls.len(), 6, "two clicks, two gestures: {calls:?}");
    assert_eq!(calls[0], Gesture::Begin("Pattern Slot".into()));
    assert_eq!(calls[3], Gesture::Begin("Slot Quantize".into()));
}

#[test]
fn euclid_controls_drive_the_track_and_the_grid() {
    let mut fixture = Fixture::new();
    fixture.click("Select track 5");
    fixture.click("Euclid mode");
    assert!(fixture.store.slot(0).tracks[4].pattern.euclid);
    let pulses = fixture.params.tracks[4].euclid_pulses.value();
    for step in 0..16 {
        let expected = crate::engine::euclid::euclid_hit(
            crate::engine::euclid::euclid_mask(pulses as u8, 16, 0),
            step,
        );
        assert_eq!(
            fixture.cell_shows_hit(4, step),
            expected,
            "step {}",
            step + 1
        );
    }

    // Drag the pulses up: one gesture, and the grid shows more hits.
    let before_hits = (0..16)
        .filter(|&step| fixture.cell_shows_hit(4, step))
        .count();
    let field = fixture.control("Pulses track 5").rect();
    fixture.drag(field.center(), field.center() + vec2(30.0, 0.0), 10);
    let calls = fixture.host.calls();
    assert_eq!(
        calls.first(),
        Some(&Gesture::Begin("Track 5 Pulses".into()))
    );
    assert_eq!(calls.last(), Some(&Gesture::End("Track 5 Pulses".into())));
    let raised = fixture.params.tracks[4].euclid_pulses.value();
    assert!(raised > pulses, "pulses {pulses} -> {raised}");
    let hits = (0..16)
        .filter(|&step| fixture.cell_shows_hit(4, step))
        .count();
    assert_eq!(hits, raised as usize);
    assert!(hits > before_hits);

    // Rotation turns the rhythm; "Write into steps" keeps it as plain steps.
    fixture.host.clear();
    let field = fixture.control("Rotation track 5").rect();
    fixture.drag(field.center(), field.center() + vec2(12.0, 0.0), 6);
    let rotation = fixture.params.tracks[4].euclid_rotation.value();
    assert!(rotation > 0);
    assert!(fixture
        .host
        .calls()
        .iter()
        .all(|call| call.param() == "Track 5 Rotation"));
    let mask = crate::engine::euclid::euclid_mask(raised as u8, 16, rotation as u8);
    fixture.click("Write into steps");
    let pattern = fixture.store.slot(0).tracks[4].pattern;
    assert!(!pattern.euclid);
    for step in 0..16 {
        assert_eq!(
            pattern.steps[step].on,
            crate::engine::euclid::euclid_hit(mask, step),
            "step {}",
            step + 1
        );
    }

    // Steps is the track's length.
    let field = fixture.control("Euclid steps").rect();
    fixture.drag(field.center(), field.center() + vec2(-20.0, 0.0), 6);
    let length = fixture.store.slot(0).tracks[4].pattern.length;
    assert!(length < 16, "length {length}");
}
