//! The layout at 100 % and 200 %, at the default and the smallest window size, and the window
//! size saved with the project.

use std::collections::BTreeMap;

use egui::{vec2, Rect, Vec2};
use egui_kittest::kittest::Queryable;
use nice_plug::prelude::*;

use super::support::{Fixture, WINDOW};
use crate::editor::size::{EditorSize, MIN_SIZE};

/// Controls that must be visible whatever the scale.
const KEY_CONTROLS: [&str; 14] = [
    "Play slot 1",
    "Play slot 16",
    "Quantize Bar",
    "Swing",
    "Undo",
    "Redo",
    "Copy track",
    "Select track 1",
    "Mute track 1",
    "Solo track 1",
    "Track 1 step 1",
    "Track 1 step 16",
    "Pattern text",
    "OSC address",
];

/// Asserts that every key control lies inside the window and has a usable size.
fn assert_key_controls_visible(fixture: &Fixture, window: Vec2) {
    let screen = Rect::from_min_size(egui::Pos2::ZERO, window);
    for label in KEY_CONTROLS {
        let rect = fixture.control(label).rect();
        assert!(
            screen.contains_rect(rect),
            "{label} at {rect:?} is outside the {window:?} window"
        );
        assert!(
            rect.width() >= 8.0 && rect.height() >= 8.0,
            "{label} is too small: {rect:?}"
        );
    }
}

#[test]
fn every_control_fits_at_100_and_200_percent() {
    for scale in [1.0, 2.0] {
        let fixture = Fixture::with(WINDOW, scale);
        assert_key_controls_visible(&fixture, WINDOW);
        for extra in [
            "Mute track 16",
            "Track 16 step 16",
            "Gate track 1",
            "Pulses track 1",
        ] {
            let rect = fixture.control(extra).rect();
            assert!(
                Rect::from_min_size(egui::Pos2::ZERO, WINDOW).contains_rect(rect),
                "{extra} at {rect:?}, scale {scale}"
            );
        }
    }
}

#[test]
fn the_smallest_window_keeps_the_controls_and_scrolls_the_tracks() {
    let small = vec2(MIN_SIZE.width, MIN_SIZE.height);
    let mut fixture = Fixture::with(small, 2.0);
    assert_key_controls_visible(&fixture, small);
    fixture.control("Mute track 16").scroll_to_me();
    fixture.run();
    let rect = fixture.control("Mute track 16").rect();
    assert!(
        Rect::from_min_size(egui::Pos2::ZERO, small).contains_rect(rect),
        "track 16 scrolls into view: {rect:?}"
    );
    fixture.click("Mute track 16");
    assert!(fixture.params.tracks[15].mute.value());
}

#[test]
fn a_long_track_fits_or_pages_through_its_steps() {
    let mut fixture = Fixture::new();
    fixture.edit(0, |doc| doc.tracks[0].pattern.length = 64);
    fixture.run();
    assert!(
        fixture.harness.query_by_label("Track 1 step 64").is_some(),
        "fit: all 64 shown"
    );

    let small = vec2(MIN_SIZE.width, MIN_SIZE.height);
    let mut fixture = Fixture::with(small, 1.0);
    fixture.edit(0, |doc| doc.tracks[0].pattern.length = 64);
    fixture.run();
    assert!(
        fixture.harness.query_by_label("Track 1 step 64").is_none(),
        "too narrow for 64 steps"
    );
    for _ in 0..16 {
        if fixture.harness.query_by_label("Track 1 step 64").is_some() {
            break;
        }
        fixture.click("Later steps");
    }
    fixture.click("Track 1 step 64");
    assert!(fixture.store.slot(0).tracks[0].pattern.steps[63].on);
    fixture.click("Earlier steps");
    assert!(fixture.harness.query_by_label("Track 1 step 1").is_some());
}

#[test]
fn the_window_size_is_saved_with_the_project() {
    let fixture = Fixture::new();
    let size = EditorSize {
        width: 1500.0,
        height: 900.0,
    };
    fixture.params.editor_size.0.set(size);
    let saved = fixture.params.serialize_fields();
    let json = saved.get("editor_size").expect("saved").clone();

    let other = Fixture::new();
    assert_ne!(other.params.editor_size.0.get(), size);
    other
        .params
        .deserialize_fields(&BTreeMap::from([("editor_size".to_owned(), json)]));
    assert_eq!(other.params.editor_size.0.get(), size);

    other.params.deserialize_fields(&BTreeMap::from([(
        "editor_size".to_owned(),
        r#"{"width": 1, "height": "tall"}"#.to_owned(),
    )]));
    let loaded = other.params.editor_size.0.get();
    assert_eq!(loaded.width, MIN_SIZE.width, "clamped");
    assert!(loaded.height >= MIN_SIZE.height);
}

#[test]
fn a_resized_window_remembers_its_logical_size() {
    use nice_plug_egui::baseview::dpi::PhysicalSize;
    use nice_plug_egui::baseview::WindowSize;
    use nice_plug_egui::NiceEguiApp;

    let plugin = crate::ChronusSeq::default();
    let params = plugin.seq_params();
    let model = crate::editor::EditorModel::new(
        plugin.edits(),
        plugin.live_state(),
        plugin.osc_status(),
        None,
    );
    let size = std::sync::Arc::clone(&params.editor_size.0);
    let mut app = crate::editor::app::EditorApp::new(model, size);
    app.resized(WindowSize::from_physical(
        PhysicalSize::new(2800, 1800),
        2.0,
    ));
    assert_eq!(
        params.editor_size.0.get(),
        EditorSize {
            width: 1400.0,
            height: 900.0
        },
        "logical points, whatever the scale"
    );
    app.resized(WindowSize::from_physical(PhysicalSize::new(100, 100), 1.0));
    assert_eq!(params.editor_size.0.get(), MIN_SIZE, "clamped");
}
