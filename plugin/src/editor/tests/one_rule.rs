//! One rule per action, whichever front-end asks: the same action performed in the editor
//! (clicks and typing through kittest) and over OSC (the real command handler) leaves the same
//! document, and a refusal carries the same reason in both.

use egui_kittest::kittest::Queryable;
use rosc::{OscMessage, OscType};

use super::support::Fixture;
use crate::document::PatternDoc;
use crate::edit::values::{default_track_name, TrackName, MAX_NAME_CHARS};
use crate::edit::{Edit, Origin, StepChange, TrackRef};
use crate::osc_in::{CommandError, CommandHandler};
use crate::ChronusSeq;

/// A plugin driven over OSC, next to the editor's.
struct Remote {
    plugin: ChronusSeq,
}

impl Remote {
    fn new() -> Remote {
        Remote {
            plugin: ChronusSeq::default(),
        }
    }

    fn send(&self, address: &str, args: Vec<OscType>) -> Result<(), CommandError> {
        let message = OscMessage {
            addr: address.to_owned(),
            args,
        };
        self.plugin.command_handler().handle(&message).map(drop)
    }

    fn slot(&self) -> PatternDoc {
        self.plugin.pattern_store().slot(0)
    }
}

/// The same starting point on both sides, set through the edit layer.
fn both(fixture: &mut Fixture, remote: &Remote, edit: Edit) {
    fixture
        .edits
        .apply(Origin::Editor, 0, edit.clone())
        .expect("a valid start");
    remote
        .plugin
        .edits()
        .apply(Origin::Osc, 0, edit)
        .expect("a valid start");
    fixture.run();
}

fn int(value: i32) -> OscType {
    OscType::Int(value)
}

fn text(value: &str) -> OscType {
    OscType::String(value.to_owned())
}

#[test]
fn names_up_to_64_characters_in_both() {
    let mut fixture = Fixture::new();
    let remote = Remote::new();
    let name = "n".repeat(MAX_NAME_CHARS);
    fixture.type_into("Track name", &name);
    remote
        .send("/chronus/track/name", vec![int(1), text(&name)])
        .expect("64 characters are a name");
    assert_eq!(fixture.store.slot(0).tracks[0].name, name);
    assert_eq!(fixture.store.slot(0), remote.slot());

    let long = "n".repeat(MAX_NAME_CHARS + 1);
    let reason = TrackName::parse(&long).unwrap_err().reason;
    fixture.type_into("Track name", &long);
    assert!(
        fixture.harness.query_by_label_contains(&reason).is_some(),
        "the editor shows {reason:?}"
    );
    let refused = remote
        .send("/chronus/track/name", vec![int(1), text(&long)])
        .unwrap_err();
    assert_eq!(refused.reason, reason);
    assert_eq!(fixture.store.slot(0), remote.slot(), "both refused it");
}

#[test]
fn clearing_a_euclid_track_ends_euclid_mode_in_both() {
    let mut fixture = Fixture::new();
    let remote = Remote::new();
    let euclid = Edit::Euclid {
        track: 4,
        pulses: 5,
        steps: 16,
        rotation: 0,
    };
    both(&mut fixture, &remote, euclid);
    assert!(fixture.store.slot(0).tracks[4].pattern.euclid);

    fixture.control("Select track 5").click_secondary();
    fixture.run();
    fixture.click("Clear steps");
    remote.send("/chronus/clear", vec![int(5)]).expect("clear");
    let cleared = fixture.store.slot(0);
    assert!(!cleared.tracks[4].pattern.euclid, "the track is silent");
    assert!(!(0..16).any(|step| fixture.cell_shows_hit(4, step)));
    assert_eq!(cleared, remote.slot());
}

#[test]
fn a_typed_pattern_keeps_the_extras_of_steps_that_stay_hits_in_both() {
    let mut fixture = Fixture::new();
    let remote = Remote::new();
    let extras = |step, change| Edit::SetStep {
        track: TrackRef::Index(0),
        step,
        change,
    };
    let start = Edit::Batch(vec![
        extras(4, StepChange::Probability(25)),
        extras(4, StepChange::Ratchet(3)),
        extras(8, StepChange::Nudge(-20)),
        extras(8, StepChange::Note(Some(40))),
    ]);
    both(&mut fixture, &remote, start);

    let typed = "X...x...x.x.";
    fixture.type_into("Pattern text", typed);
    remote
        .send("/chronus/pattern", vec![int(1), text(typed)])
        .expect("a pattern");
    let doc = fixture.store.slot(0);
    let steps = &doc.tracks[0].pattern.steps;
    assert_eq!((steps[4].probability, steps[4].ratchet), (25, 3), "kept");
    assert_eq!((steps[8].nudge, steps[8].note), (-20, Some(40)), "kept");
    assert_eq!(doc.tracks[0].pattern.length, 12);
    assert_eq!(doc, remote.slot());
}

#[test]
fn stamping_euclid_sets_the_length_in_both() {
    let mut fixture = Fixture::new();
    let remote = Remote::new();
    let euclid = Edit::Euclid {
        track: 4,
        pulses: 5,
        steps: 12,
        rotation: 2,
    };
    both(&mut fixture, &remote, euclid);
    fixture.click("Select track 5");
    fixture.click("Write into steps");
    remote
        .send(
            "/chronus/euclid/stamp",
            vec![int(5), int(5), int(12), int(2)],
        )
        .expect("stamp");
    let doc = fixture.store.slot(0);
    let pattern = &doc.tracks[4].pattern;
    assert!(!pattern.euclid);
    assert_eq!(pattern.length, 12);
    assert_eq!(pattern.steps[..12].iter().filter(|s| s.on).count(), 5);
    assert_eq!(doc, remote.slot());
}

#[test]
fn one_note_grammar_in_both() {
    for (typed, midi) in [("Eb3", 51), ("d#3", 51), ("220.0", 57), ("61", 61)] {
        let mut fixture = Fixture::new();
        let remote = Remote::new();
        let note = fixture.control("Track note");
        note.click();
        fixture.run();
        fixture.type_into("Track note", typed);
        remote
            .send("/chronus/track/note", vec![int(1), text(typed)])
            .expect("a note");
        assert_eq!(
            fixture.store.slot(0).tracks[0].pattern.note,
            midi,
            "{typed}"
        );
        assert_eq!(fixture.store.slot(0), remote.slot(), "{typed}");
    }
}

#[test]
fn one_default_name() {
    let mut fixture = Fixture::new();
    let remote = Remote::new();
    remote
        .send("/seq/add", vec![text("kick"), text("voice1"), text("x...")])
        .expect("add");
    let claimed = remote.slot().tracks.iter().position(|t| t.name == "kick");
    let track = claimed.expect("a track took the name");
    remote
        .send("/seq/remove", vec![text("kick")])
        .expect("remove");
    assert_eq!(remote.slot().tracks[track].name, default_track_name(track));
    assert_eq!(
        remote.slot().tracks[track].name,
        PatternDoc::empty().tracks[track].name
    );
    fixture.click(&format!("Select track {}", track + 1));
    let shown = fixture.control("Track name").value().unwrap_or_default();
    assert_eq!(
        shown,
        default_track_name(track),
        "the editor shows the same"
    );
    // The released track counts as unused again: the next add takes it.
    remote
        .send(
            "/seq/add",
            vec![text("snare"), text("voice2"), text("x...")],
        )
        .expect("add");
    assert_eq!(remote.slot().tracks[track].name, "snare");
}

#[test]
fn one_osc_address_rule_for_the_editor_and_the_sidecar() {
    let mut fixture = Fixture::new();
    let bad = "/gate voice";
    let reason = crate::edit::values::OscAddress::parse(bad)
        .unwrap_err()
        .reason;
    fixture.type_into("OSC address", bad);
    assert!(
        fixture.harness.query_by_label_contains(&reason).is_some(),
        "the editor shows {reason:?}"
    );
    let mut settings = crate::osc_out::OscOutSettings::default();
    settings.tracks[0].address = bad.to_owned();
    let sidecar_reason = crate::osc_out::route_problem(&settings, 0).expect("refused");
    assert!(sidecar_reason.contains(&reason), "{sidecar_reason}");

    fixture.type_into("OSC address", "/mod/voice9/gate");
    let address = fixture.edits.osc_out().get().tracks[0].address.clone();
    assert_eq!(address, "/mod/voice9/gate");
    settings.tracks[0].address = address;
    assert_eq!(crate::osc_out::route_problem(&settings, 0), None);
}

#[test]
fn midi_input_settings_and_melodic_tracks_are_the_same_in_both() {
    let mut fixture = Fixture::new();
    let remote = Remote::new();
    fixture.click("Transpose channel");
    fixture.click("Transpose channel 10");
    remote
        .send("/chronus/midi/transpose_channel", vec![int(10)])
        .expect("a channel");
    fixture.click("Transpose Hold");
    remote
        .send("/chronus/midi/transpose_mode", vec![text("hold")])
        .expect("a mode");
    fixture.control("Reference key").click();
    fixture.run();
    fixture.type_into("Reference key", "d#3");
    remote
        .send("/chronus/midi/reference_key", vec![text("d#3")])
        .expect("a key");
    fixture.click("Slot key channel");
    fixture.click("Slot key channel 16");
    remote
        .send("/chronus/midi/slot_channel", vec![int(16)])
        .expect("a channel");
    fixture.control("Slot low key").click();
    fixture.run();
    fixture.type_into("Slot low key", "12");
    remote
        .send("/chronus/midi/slot_low_key", vec![int(12)])
        .expect("a key");
    fixture.click("Melodic track 4");
    remote
        .send("/chronus/track/melodic", vec![int(4), int(1)])
        .expect("melodic");

    let settings = fixture.params.midi_input_settings();
    assert_eq!(
        settings,
        crate::engine::midi_input::MidiInputSettings {
            transpose_channel: Some(9),
            mode: crate::engine::midi_input::TransposeMode::Hold,
            reference_key: 51,
            slot_channel: Some(15),
            slot_low_key: 12,
        }
    );
    assert_eq!(settings, remote.plugin.seq_params().midi_input_settings());
    assert_eq!(fixture.store.slot(0), remote.slot());

    // Out of range over OSC: the edit layer's one reason, and nothing changes.
    let reason =
        crate::edit::values::check_midi_input(crate::edit::MidiInputChange::SlotLowKey(120))
            .unwrap_err()
            .reason;
    let refused = remote
        .send("/chronus/midi/slot_low_key", vec![text("C9")])
        .unwrap_err();
    assert_eq!(refused.reason, reason);
    assert!(reason.contains("outside C-1 · 0–E8 · 112"), "{reason}");
    assert_eq!(remote.plugin.seq_params().slot_low_key.value(), 12);
}
