//! The golden saved states in `tests/golden/state/` (one per format version, as the plugin of
//! that version saved it, and damaged variants of them): each loads into exactly the document
//! and settings written out below, through the saved-state module and through the plugin's own
//! `filter_state` and persisted fields, and the current version's golden saves byte-identical.
//! A change that breaks old projects fails here.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chronus_seq::document::{PatternDoc, SongDoc, TrackDoc};
use chronus_seq::editor::size::EditorSize;
use chronus_seq::engine::lanes::{LaneMidi, LaneValue};
use chronus_seq::engine::note_cycle::{Hz, NoteCycle};
use chronus_seq::engine::pattern::{
    Condition, Direction, RateFeel, Scale, ScaleKind, Step, StepRate, TrackPattern, MAX_STEPS,
};
use chronus_seq::osc_in::OscInSettings;
use chronus_seq::osc_out::{
    Curve, LaneTarget, OscOutSettings, Profile, TimingMode, TrackTarget, VoiceProfile,
};
use chronus_seq::saved_state::{self, Part, SavedState};
use chronus_seq::ChronusSeq;
use nice_plug::prelude::*;

/// Golden `name` (`tests/golden/state/<name>.json`) as nice-plug reads it.
fn golden(name: &str) -> PluginState {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/golden/state")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not a nice-plug state: {e}"))
}

/// The steps a pattern string stands for, as `docs/STATE.md` defines the characters.
fn steps(text: &str) -> Vec<Step> {
    const LEVELS: [u8; 9] = [14, 28, 42, 56, 71, 85, 99, 113, 127];
    text.chars()
        .map(|c| match c {
            '.' => Step::REST,
            '_' => Step::TIE,
            'x' => Step::hit(76),
            'X' => Step::hit(127),
            '1'..='9' => Step::hit(LEVELS[c as usize - '1' as usize]),
            other => panic!("no step character {other:?}"),
        })
        .collect()
}

fn rate(division: u8, feel: RateFeel) -> StepRate {
    StepRate { division, feel }
}

/// A track: `channel` as musicians count (1–16), the steps as a pattern string.
fn track(name: &str, rate: StepRate, channel: u8, note: u8, text: &str) -> TrackDoc {
    let parsed = steps(text);
    let mut pattern = TrackPattern {
        length: parsed.len() as u8,
        rate,
        channel: channel - 1,
        note,
        ..TrackPattern::empty(note)
    };
    pattern.steps[..parsed.len()].copy_from_slice(&parsed);
    TrackDoc {
        name: name.to_owned(),
        pattern,
    }
}

/// Sets one per-step value on every step of `track`.
fn per_step<T: Copy>(track: &mut TrackDoc, values: &[T], set: impl Fn(&mut Step, T)) {
    assert_eq!(values.len(), usize::from(track.pattern.length));
    for (step, value) in track.pattern.steps.iter_mut().zip(values) {
        set(step, *value);
    }
}

/// A pattern with `tracks` first and empty tracks after them.
fn pattern(seed: u32, tracks: Vec<TrackDoc>) -> PatternDoc {
    let mut doc = PatternDoc::empty();
    doc.seed = seed;
    for (slot, track) in doc.tracks.iter_mut().zip(tracks) {
        *slot = track;
    }
    doc
}

/// The 64 steps of the `Long` track.
fn long_steps() -> String {
    "9_8.7_6.5_4.3_2.1_x.X_x.X_".repeat(3)[..MAX_STEPS].to_owned()
}

/// The tracks of the version-1 golden's one pattern: every version-1 feature.
fn v1_tracks() -> Vec<TrackDoc> {
    let sixteenth = rate(16, RateFeel::Straight);
    let kick = track("Kick", sixteenth, 10, 36, "X...x...X...x...");
    let mut snare = track("Snare \"tight\" ✓", sixteenth, 10, 38, "....X..3....X.1.");
    let mut chances = [100; 16];
    chances[7] = 50;
    chances[14] = 0;
    per_step(&mut snare, &chances, |s, v| s.probability = v);
    let mut hat = track("Hat", rate(8, RateFeel::Triplet), 10, 42, "x.x.x.x.x.x.");
    per_step(&mut hat, &[1, 1, 2, 1, 3, 1, 4, 1, 1, 1, 8, 1], |s, v| {
        s.ratchet = v
    });
    per_step(
        &mut hat,
        &[0, 0, 10, 0, -10, 0, 25, 0, -25, 0, 50, 0],
        |s, v| s.nudge = v,
    );
    let mut euclid = track(
        "Euclid Perc",
        rate(16, RateFeel::Dotted),
        10,
        39,
        "x.......",
    );
    euclid.pattern.euclid = true;
    let mut bass = track("Bass", rate(8, RateFeel::Straight), 2, 40, "1_X.x");
    per_step(&mut bass, &[1, 100, 127, 100, 76], |s, v| s.velocity = v);
    per_step(&mut bass, &[100, 100, 35, 100, 100], |s, v| {
        s.probability = v
    });
    per_step(&mut bass, &[1, 1, 8, 1, 1], |s, v| s.ratchet = v);
    per_step(&mut bass, &[0, 0, -50, 0, 50], |s, v| s.nudge = v);
    let long = track("Long", rate(64, RateFeel::Straight), 16, 127, &long_steps());
    let mut whole = track("Whole", rate(1, RateFeel::Straight), 1, 0, "9");
    whole.pattern.steps[0].velocity = 120;
    vec![kick, snare, hat, euclid, bass, long, whole]
}

/// The OSC output settings of both full goldens: every setting away from its default.
fn osc_out() -> OscOutSettings {
    let mut settings = OscOutSettings {
        host: "synth.local".to_owned(),
        port: 5015,
        mode: TimingMode::Bundle,
        bundle_latency_ms: 35.5,
        max_messages_per_second: 500,
        profile: Profile::Generic,
        ..OscOutSettings::default()
    };
    let target = |address: &str, send_freq, send_amp| TrackTarget {
        address: address.to_owned(),
        send_freq,
        send_amp,
        ..TrackTarget::default_for(0)
    };
    settings.tracks[0] = target("/chronus/kick", false, true);
    settings.tracks[1] = target("", false, false);
    settings.tracks[2] = target("/gate/acid1", true, true);
    settings.tracks[15] = target("/mod/last/gate", true, false);
    settings
}

/// What `v1-first.json` holds: saved by the first build, before velocity levels, ties, Euclid
/// tracks and OSC settings existed (only `x`, `X` and `.`, other velocities in the column).
fn v1_first() -> SavedState {
    let kick = track(
        "Kick",
        rate(16, RateFeel::Straight),
        10,
        36,
        "X...x...X...x...",
    );
    let mut snare = track("Snare", rate(8, RateFeel::Dotted), 10, 38, "..x...X.");
    snare.pattern.steps[2].velocity = 14;
    snare.pattern.steps[2].probability = 60;
    let mut bass = track("Bass ♪", rate(16, RateFeel::Triplet), 2, 33, "xxx.xx");
    per_step(&mut bass, &[1, 50, 99, 100, 120, 76], |s, v| s.velocity = v);
    per_step(&mut bass, &[1, 2, 1, 1, 4, 1], |s, v| s.ratchet = v);
    per_step(&mut bass, &[-50, 0, 20, 0, 0, 50], |s, v| s.nudge = v);
    SavedState {
        pattern: SongDoc::new(pattern(77, vec![kick, snare, bass])),
        osc_out: None,
        osc_in: None,
        editor_size: None,
    }
}

/// What `v1-full.json` holds: one pattern (in slot 1) and OSC output settings.
fn v1_full() -> SavedState {
    SavedState {
        pattern: SongDoc::new(pattern(4242, v1_tracks())),
        osc_out: Some(osc_out()),
        osc_in: None,
        editor_size: None,
    }
}

/// What `v2-full.json` holds: three slots with every feature, and every settings part.
fn v2_full() -> SavedState {
    let mut song = SongDoc::new(pattern(4242, v1_tracks()));
    let kick = v1_tracks().remove(0);
    let mut bass = v1_tracks().remove(4);
    per_step(
        &mut bass,
        &[Some(43), None, None, None, Some(28)],
        |s, v| s.note = v,
    );
    let quiet = track("Empty-ish", rate(32, RateFeel::Straight), 1, 36, "...");
    let mut lead = track("Lead", rate(4, RateFeel::Dotted), 3, 60, "x_x_X.4");
    lead.pattern.euclid = true;
    let notes = [None, None, Some(67), None, Some(72), None, Some(127)];
    per_step(&mut lead, &notes, |s, v| s.note = v);
    *song.slot_mut(2) = pattern(7, vec![kick, bass, quiet, lead]);
    let last = track(
        "Track 1",
        rate(16, RateFeel::Straight),
        1,
        36,
        "...X............",
    );
    *song.slot_mut(15) = pattern(u32::MAX, vec![last]);
    SavedState {
        pattern: song,
        osc_out: Some(osc_out()),
        osc_in: Some(OscInSettings {
            host: "0.0.0.0".to_owned(),
            port: 9001,
            enabled: false,
        }),
        editor_size: Some(EditorSize {
            width: 1500.5,
            height: 900.0,
        }),
    }
}

/// What `v2-first.json` holds: saved by the first version-2 build, before per-step notes, OSC
/// input settings and the editor size existed.
fn v2_first() -> SavedState {
    let mut state = v2_full();
    for track in &mut state.pattern.slot_mut(2).tracks {
        for step in &mut track.pattern.steps {
            step.note = None;
        }
    }
    SavedState {
        osc_in: None,
        editor_size: None,
        ..state
    }
}

/// What `v3-full.json` holds: `v2-full` with trig conditions on steps of four tracks, a
/// direction on four tracks, two melodic tracks and a scale in slot 3 (the Fill and MIDI input
/// parameters changed, kept with the host parameters).
fn v3_full() -> SavedState {
    let mut state = v2_full();
    let condition = |text: &str| Condition::parse(text).expect("a condition");
    let slot1 = state.pattern.slot_mut(0);
    let kick = [
        "", "", "", "", "1:2", "", "", "", "fill", "", "", "", "!fill", "", "", "8:8",
    ];
    per_step(&mut slot1.tracks[0], &kick.map(condition), |s, v| {
        s.condition = v
    });
    slot1.tracks[0].pattern.direction = Direction::Reverse;
    let snare = [
        "", "", "", "", "1st", "", "", "!1st", "", "", "", "", "pre", "", "!pre", "",
    ];
    per_step(&mut slot1.tracks[1], &snare.map(condition), |s, v| {
        s.condition = v
    });
    slot1.tracks[2].pattern.direction = Direction::Pendulum;
    let bass = ["nei", "!nei", "", "3:5", ""];
    per_step(&mut slot1.tracks[4], &bass.map(condition), |s, v| {
        s.condition = v
    });
    slot1.tracks[4].pattern.direction = Direction::Random;
    slot1.tracks[4].pattern.melodic = true;
    let slot3 = state.pattern.slot_mut(2);
    slot3.scale = Scale {
        root: 2,
        kind: ScaleKind::Dorian,
    };
    let lead = &mut slot3.tracks[3];
    lead.pattern.direction = Direction::Pendulum;
    lead.pattern.melodic = true;
    let conditions = ["2:4", "", "", "", "!nei", "", ""];
    per_step(lead, &conditions.map(condition), |s, v| s.condition = v);
    state
}

/// What `v4-full.json` holds: `v3-full.json` with a lane on slot 1's kick, and on slot 3's
/// bass an exact frequency, a note cycle and two lanes (CC 74, pitch bend); OSC output settings
/// with a voice profile, lane destinations, six voices and forwarding off.
fn v4_full() -> SavedState {
    let mut state = v3_full();
    let kick = &mut state.pattern.slot_mut(0).tracks[0].pattern;
    kick.lanes[1].values[15] = LaneValue::new(1).unwrap();
    let bass = &mut state.pattern.slot_mut(2).tracks[1].pattern;
    bass.freq = Hz::new(82.5);
    let pitches = [110.0, 82.5, 146.83].map(|hz| Hz::new(hz).unwrap());
    bass.cycle = NoteCycle::new(&pitches, -3);
    let cc = &mut bass.lanes[0];
    cc.midi = LaneMidi::Cc(74);
    cc.length = 3;
    cc.base = LaneValue::new(0).unwrap();
    cc.values[0] = LaneValue::new(16_383).unwrap();
    cc.values[2] = LaneValue::new(8192).unwrap();
    let bend = &mut bass.lanes[3];
    bend.midi = LaneMidi::PitchBend;
    bend.length = 64;
    for (index, value) in bend.values.iter_mut().enumerate() {
        if index % 5 != 2 {
            *value = LaneValue::new((index as u16 * 257) % 16_384).unwrap();
        }
    }
    let osc = state.osc_out.as_mut().expect("OSC output settings");
    osc.voices = 6;
    osc.forward_modular = false;
    osc.tracks[1].voice_profile = Some(VoiceProfile {
        base_amp: 0.5,
        filter_freq: 800.0,
        accent_boost: 1200.0,
        reverb_send: 0.25,
        delay_send: 0.125,
    });
    osc.tracks[1].lanes[0] = LaneTarget {
        address: "/mod/voice2/filter/freq".to_owned(),
        min: 20.0,
        max: 8000.0,
        curve: Curve::Exponential,
    };
    osc.tracks[1].lanes[3] = LaneTarget {
        address: "/mod/voice2/send/delay".to_owned(),
        min: 0.0,
        max: 0.5,
        curve: Curve::Linear,
    };
    state
}

/// `state` with the parts it lacks taken from a fresh instance, as a project load leaves them.
fn in_fresh_instance(state: SavedState) -> SavedState {
    SavedState {
        osc_out: state.osc_out.or_else(|| Some(OscOutSettings::default())),
        osc_in: state.osc_in.or_else(|| Some(OscInSettings::default())),
        editor_size: state.editor_size.or_else(|| Some(EditorSize::default())),
        ..state
    }
}

/// A golden, what it loads into and the parts repaired on the way, each with a piece of the
/// reason the log line gives.
struct Case {
    name: &'static str,
    loads: SavedState,
    repairs: Vec<(Part, &'static str)>,
}

fn cases() -> Vec<Case> {
    let default_pattern = |state: SavedState| SavedState {
        pattern: SongDoc::default(),
        ..state
    };
    let v2_defaults = SavedState {
        osc_out: Some(OscOutSettings::default()),
        osc_in: Some(OscInSettings::default()),
        editor_size: Some(EditorSize::default()),
        ..v2_full()
    };
    vec![
        Case {
            name: "v1-first",
            loads: v1_first(),
            repairs: vec![],
        },
        Case {
            name: "v1-full",
            loads: v1_full(),
            repairs: vec![],
        },
        Case {
            name: "v2-full",
            loads: v2_full(),
            repairs: vec![],
        },
        Case {
            name: "v2-first",
            loads: v2_first(),
            repairs: vec![],
        },
        Case {
            name: "v3-full",
            loads: v3_full(),
            repairs: vec![],
        },
        Case {
            name: "v4-full",
            loads: v4_full(),
            repairs: vec![],
        },
        Case {
            name: "v1-corrupt-pattern",
            loads: default_pattern(v1_full()),
            repairs: vec![(Part::Pattern, "not valid JSON")],
        },
        Case {
            name: "v1-invalid-pattern",
            loads: default_pattern(v1_full()),
            repairs: vec![(Part::Pattern, "slot 1: length 65 is outside 1–64")],
        },
        Case {
            name: "v2-corrupt-pattern",
            loads: default_pattern(v2_full()),
            repairs: vec![(Part::Pattern, "not valid JSON")],
        },
        Case {
            name: "v2-corrupt-settings",
            loads: v2_defaults,
            repairs: vec![
                (Part::OscOut, "invalid type"),
                (Part::OscIn, "integer `70000`"),
                (Part::EditorSize, "key must be a string"),
            ],
        },
        Case {
            // Made when version 4 was newer; now a version-4 pattern of the wrong shape.
            name: "v4-newer",
            loads: default_pattern(v2_full()),
            repairs: vec![(Part::Pattern, "unknown field `songs`")],
        },
        Case {
            name: "v5-newer",
            loads: default_pattern(v2_full()),
            repairs: vec![(
                Part::Pattern,
                "version 5 is newer than this build reads (4)",
            )],
        },
        Case {
            name: "foreign",
            loads: default_pattern(v2_full()),
            repairs: vec![(Part::Pattern, "not Chronus Seq state")],
        },
    ]
}

#[test]
fn every_golden_loads_into_its_exact_document_and_settings() {
    for case in cases() {
        let state = golden(case.name);
        let (loaded, repairs) = saved_state::read(&state.fields);
        assert_eq!(loaded, case.loads, "{}: what loads", case.name);
        let got: Vec<Part> = repairs.iter().map(|repair| repair.part).collect();
        let want: Vec<Part> = case.repairs.iter().map(|(part, _)| *part).collect();
        assert_eq!(got, want, "{}: repaired parts {repairs:?}", case.name);
        for (repair, (_, reason)) in repairs.iter().zip(&case.repairs) {
            let line = repair.to_string();
            assert!(
                line.contains(reason) && line.contains(&format!("saved {}", repair.part.name())),
                "{}: log line {line:?} should name what was lost and why ({reason})",
                case.name
            );
        }
    }
}

#[test]
fn every_golden_loads_the_same_through_the_plugin() {
    for case in cases() {
        let mut state = golden(case.name);
        ChronusSeq::filter_state(&mut state);
        let plugin = ChronusSeq::default();
        plugin.params().deserialize_fields(&state.fields);
        assert_eq!(
            plugin.pattern_store().doc(),
            case.loads.pattern,
            "{}: the pattern the plugin holds",
            case.name
        );
        assert_eq!(
            plugin.params().serialize_fields(),
            saved_state::write(&in_fresh_instance(case.loads)),
            "{}: what the plugin saves",
            case.name
        );
    }
}

#[test]
fn the_current_version_goldens_save_byte_identical() {
    for name in ["v4-full"] {
        let state = golden(name);
        let (loaded, _) = saved_state::read(&state.fields);
        assert_eq!(saved_state::write(&loaded), state.fields, "{name}");
        let mut filtered = state.clone();
        ChronusSeq::filter_state(&mut filtered);
        assert_eq!(
            filtered.fields, state.fields,
            "{name}: current state passes untouched"
        );
        let plugin = ChronusSeq::default();
        plugin.params().deserialize_fields(&filtered.fields);
        let saved = plugin.params().serialize_fields();
        for (key, text) in &state.fields {
            assert_eq!(saved.get(key), Some(text), "{name}: field {key}");
        }
    }
}

#[test]
fn the_version_1_golden_is_migrated_before_the_framework_reads_it() {
    let mut state = golden("v1-full");
    let before: BTreeMap<String, String> = state.fields.clone();
    ChronusSeq::filter_state(&mut state);
    let pattern: serde_json::Value = serde_json::from_str(&state.fields["pattern"]).expect("JSON");
    assert_eq!(
        pattern["version"], 4,
        "the framework sees the current version"
    );
    assert_eq!(state.fields["osc_out"], before["osc_out"]);
    assert!(serde_json::from_str::<SongDoc>(&state.fields["pattern"]).is_ok());
    assert!(
        serde_json::from_str::<SongDoc>(&before["pattern"]).is_err(),
        "the framework's reader knows only the current version"
    );
}
