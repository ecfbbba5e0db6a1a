//! Saved pattern state: canonical bytes, lossless round trips, the version 1 migration, and safe
//! handling of corrupt, foreign, newer and out-of-range state.

use std::collections::BTreeMap;

use chronus_seq::document::{PatternDoc, SongDoc};
use chronus_seq::engine::pattern::{RateFeel, Step, StepRate};
use chronus_seq::saved_state::{StateError, FORMAT, VERSION};
use chronus_seq::ChronusSeq;
use nice_plug::prelude::*;

/// A document that uses every per-step feature and non-default track settings.
fn busy_doc() -> PatternDoc {
    let mut doc = PatternDoc {
        seed: 99,
        ..PatternDoc::default()
    };
    let track = &mut doc.tracks[7];
    track.name = "Lead \"ping\" ✓".to_owned();
    track.pattern.length = 5;
    track.pattern.rate = StepRate {
        division: 8,
        feel: RateFeel::Triplet,
    };
    track.pattern.channel = 15;
    track.pattern.euclid = true;
    track.pattern.note = 127;
    track.pattern.steps[0] = Step::hit(1);
    track.pattern.steps[1] = Step::TIE;
    track.pattern.steps[2] = Step {
        probability: 35,
        ratchet: 8,
        nudge: -50,
        ..Step::hit(127)
    };
    track.pattern.steps[4] = Step {
        nudge: 50,
        note: Some(0),
        ..Step::hit(76)
    };
    doc
}

/// The starter beat in slot 1, the busy pattern in slot 3 and a one-track pattern in slot 16.
fn busy_song() -> SongDoc {
    let mut song = SongDoc::default();
    *song.slot_mut(2) = busy_doc();
    let last = song.slot_mut(15);
    last.seed = 7;
    last.tracks[15].pattern.steps[3] = Step::hit(127);
    song
}

#[test]
fn save_load_save_gives_identical_bytes() {
    let songs = [
        SongDoc::new(PatternDoc::empty()),
        SongDoc::default(),
        SongDoc::new(busy_doc()),
        busy_song(),
    ];
    for song in songs {
        let saved = song.to_json();
        let loaded = SongDoc::from_json(&saved).expect("own state loads");
        assert_eq!(loaded, song);
        assert_eq!(loaded.to_json(), saved);
    }
}

#[test]
fn steps_are_stored_as_a_pattern_string_and_empty_slots_are_left_out() {
    let saved = SongDoc::default().to_json();
    let value: serde_json::Value = serde_json::from_str(&saved).expect("valid JSON");
    assert_eq!(value["format"], FORMAT);
    assert_eq!(value["version"], VERSION);
    assert_eq!(value["slots"].as_array().map(Vec::len), Some(1));
    let slot = &value["slots"][0];
    assert_eq!(slot["slot"], 1);
    assert_eq!(slot["tracks"][0]["steps"], "x...x...x...x...");
    assert_eq!(slot["tracks"][1]["steps"], "....X.......X...");
    assert_eq!(slot["tracks"][0]["channel"], 1);
    assert_eq!(slot["tracks"][0]["rate"], "1/16");
    assert!(
        slot["tracks"][0].get("velocity").is_none(),
        "velocities implied by the string are not repeated"
    );
    let busy: serde_json::Value = serde_json::from_str(&busy_song().to_json()).expect("valid");
    let slots: Vec<_> = busy["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|slot| slot["slot"].clone())
        .collect();
    assert_eq!(slots, [1, 3, 16]);
    let track = &busy["slots"][1]["tracks"][7];
    assert_eq!(track["steps"], "1_X.x");
    assert_eq!(track["velocity"], serde_json::json!([1, 100, 127, 100, 76]));
    assert_eq!(track["nudge"], serde_json::json!([0, 0, -50, 0, 50]));
    assert_eq!(
        track["notes"],
        serde_json::json!([null, null, null, null, 0])
    );
    assert_eq!(busy["slots"][2]["seed"], 7);
}

#[test]
fn version_1_state_loads_into_slot_1() {
    let text = r#"{"format":"chronus-seq/pattern","version":1,"seed":5,"tracks":[
        {"name":"Bass","length":3,"rate":"1/8d","channel":2,"note":40,"steps":"X.x"}]}"#;
    let song = SongDoc::from_json(text).expect("version 1 state loads");
    let doc = song.slot(0);
    assert_eq!(doc.seed, 5);
    assert_eq!(doc.tracks[0].name, "Bass");
    for other in 1..16 {
        assert_eq!(song.slot(other), &PatternDoc::empty(), "slot {}", other + 1);
    }
    let resaved: serde_json::Value = serde_json::from_str(&song.to_json()).expect("valid");
    assert_eq!(resaved["version"], 4, "saved again in the current version");
}

#[test]
fn a_hand_written_minimal_file_loads() {
    let text = r#"{"format":"chronus-seq/pattern","version":2,"slots":[{"slot":2,"seed":0,
        "tracks":[{"name":"Bass","length":3,"rate":"1/8d","channel":2,"note":40,"steps":"X.x"}]}]}"#;
    let song = SongDoc::from_json(text).expect("minimal state loads");
    assert_eq!(
        song.slot(0),
        &PatternDoc::empty(),
        "missing slots are empty"
    );
    let doc = song.slot(1);
    let bass = &doc.tracks[0].pattern;
    assert_eq!((bass.length, bass.channel, bass.note), (3, 1, 40));
    assert_eq!(bass.rate.beats(), 0.75);
    assert_eq!(bass.steps[0], Step::hit(127));
    assert_eq!(bass.steps[2], Step::hit(76));
    assert_eq!(
        doc.tracks[1],
        PatternDoc::empty().tracks[1],
        "missing tracks are empty"
    );
}

/// Tells whether an error is the one a case expects.
type ErrorCheck = fn(&StateError) -> bool;

#[test]
fn unusable_state_is_refused_with_its_reason() {
    let valid = SongDoc::default().to_json();
    let cases: Vec<(String, ErrorCheck)> = vec![
        ("{not json".to_owned(), |e| {
            matches!(e, StateError::Corrupt(_))
        }),
        (r#"{"presets":[]}"#.to_owned(), |e| {
            *e == StateError::Foreign
        }),
        (valid.replace(r#""version":4"#, r#""version":7"#), |e| {
            *e == StateError::NewerVersion(7)
        }),
        (
            valid.replace(r#""length":16"#, r#""length":65"#),
            |e| matches!(e, StateError::Invalid(m) if m.contains("length 65")),
        ),
        (
            valid.replacen(
                r#""steps":"x...x...x...x...""#,
                r#""steps":"x...x...x...x..?""#,
                1,
            ),
            |e| matches!(e, StateError::Invalid(m) if m.contains("position 15")),
        ),
        (
            valid.replacen(r#""channel":1"#, r#""channel":17"#, 1),
            |e| matches!(e, StateError::Invalid(m) if m.contains("channel 17")),
        ),
        (
            valid.replacen(r#""rate":"1/16""#, r#""rate":"1/5""#, 1),
            |e| matches!(e, StateError::Invalid(m) if m.contains("1/5")),
        ),
        (
            valid.replacen(r#""seed":0"#, r#""seed":0,"extra":true"#, 1),
            |e| matches!(e, StateError::Invalid(m) if m.contains("extra")),
        ),
        (
            valid.replacen(r#""slot":1"#, r#""slot":17"#, 1),
            |e| matches!(e, StateError::Invalid(m) if m.contains("slot 17")),
        ),
        (
            valid.replacen(r#""version":4"#, r#""version":0"#, 1),
            |e| matches!(e, StateError::Invalid(m) if m.contains("version 0")),
        ),
        (
            format!(
                r#"{{"format":"chronus-seq/pattern","version":2,"slots":[{0},{0}]}}"#,
                r#"{"slot":4,"seed":0,"tracks":[]}"#
            ),
            |e| matches!(e, StateError::Invalid(m) if m.contains("slot 4 appears twice")),
        ),
    ];
    for (text, expected) in cases {
        let error = SongDoc::from_json(&text).expect_err(&text);
        assert!(expected(&error), "{text}\ngave {error:?}");
        assert!(!error.to_string().is_empty());
    }
}

fn plugin_state(pattern: Option<&str>) -> PluginState {
    let mut fields = BTreeMap::new();
    if let Some(pattern) = pattern {
        fields.insert("pattern".to_owned(), pattern.to_owned());
    }
    PluginState {
        version: "0.0.1".to_owned(),
        params: BTreeMap::new(),
        fields,
    }
}

#[test]
fn the_state_filter_replaces_unusable_patterns_with_the_default() {
    let default = SongDoc::default().to_json();
    for bad in [None, Some("{broken"), Some(r#"{"format":"other"}"#)] {
        let mut state = plugin_state(bad);
        ChronusSeq::filter_state(&mut state);
        assert_eq!(state.fields.get("pattern"), Some(&default), "{bad:?}");
    }
    let busy = busy_song().to_json();
    let mut state = plugin_state(Some(&busy));
    ChronusSeq::filter_state(&mut state);
    assert_eq!(
        state.fields.get("pattern"),
        Some(&busy),
        "good state is kept as is"
    );
}

#[test]
fn persisted_fields_round_trip_through_the_plugin_params() {
    let plugin = ChronusSeq::default();
    let params = plugin.params();
    plugin.edits().load(busy_song());
    let saved = params.serialize_fields();
    let other = ChronusSeq::default();
    other.params().deserialize_fields(&saved);
    assert_eq!(other.pattern_store().doc(), busy_song());
    assert_eq!(other.params().serialize_fields(), saved);
}

#[test]
fn the_state_filter_replaces_unreadable_osc_settings_with_the_defaults() {
    let pattern = SongDoc::default().to_json();
    let mut state = plugin_state(Some(&pattern));
    state
        .fields
        .insert("osc_out".to_owned(), r#"{"port":"five"}"#.to_owned());
    ChronusSeq::filter_state(&mut state);
    let repaired: chronus_seq::osc_out::OscOutSettings =
        serde_json::from_str(&state.fields["osc_out"]).expect("defaults parse");
    assert_eq!(repaired, chronus_seq::osc_out::OscOutSettings::default());

    let mut older = plugin_state(Some(&pattern));
    ChronusSeq::filter_state(&mut older);
    assert!(
        !older.fields.contains_key("osc_out"),
        "state without OSC settings keeps the current ones"
    );
}

mod fuzz {
    use super::*;
    use chronus_seq::editor::size::EditorSize;
    use chronus_seq::osc_in::OscInSettings;
    use chronus_seq::osc_out::OscOutSettings;
    use proptest::prelude::*;

    /// `text` with `insert` put in at byte `at` (moved back to a character boundary).
    fn inserted(text: &str, at: usize, insert: &str) -> String {
        let at = (0..=at.min(text.len()))
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        format!("{}{}{}", &text[..at], insert, &text[at..])
    }

    /// A version-1 pattern document with every version-1 feature.
    const VERSION_1: &str = r#"{"format":"chronus-seq/pattern","version":1,"seed":9,"tracks":[{"name":"Bass","length":5,"rate":"1/8t","channel":2,"note":40,"steps":"1_X.x","velocity":[1,100,127,100,76],"probability":[100,100,35,100,100],"ratchet":[1,1,8,1,1],"nudge":[0,0,-50,0,50],"euclid":true}]}"#;

    /// Any JSON-ish text: arbitrary characters, and mutations of real saved state of every
    /// version.
    fn state_text() -> impl Strategy<Value = String> {
        let saved = busy_song().to_json();
        let default = SongDoc::default().to_json();
        prop_oneof![
            "\\PC{0,200}",
            (0..saved.len(), "\\PC{0,8}")
                .prop_map(move |(at, insert)| inserted(&saved, at, &insert)),
            (0..default.len()).prop_map(move |cut| default[..cut].to_owned()),
            (0..VERSION_1.len(), "\\PC{0,8}")
                .prop_map(|(at, insert)| inserted(VERSION_1, at, &insert)),
        ]
    }

    /// Text for a settings field: arbitrary characters, and mutations of real settings.
    fn settings_text() -> impl Strategy<Value = String> {
        let osc_out = serde_json::to_string(&OscOutSettings::default()).expect("serializes");
        prop_oneof![
            "\\PC{0,40}",
            Just(r#"{"host":"0.0.0.0","port":9001,"enabled":false}"#.to_owned()),
            Just(r#"{"width":1500.5,"height":900.0}"#.to_owned()),
            (0..osc_out.len(), "\\PC{0,6}")
                .prop_map(move |(at, insert)| inserted(&osc_out, at, &insert)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// The loader never panics; whatever it accepts saves and loads back to itself.
        #[test]
        fn any_text_loads_or_is_refused(text in state_text()) {
            if let Ok(doc) = SongDoc::from_json(&text) {
                let saved = doc.to_json();
                prop_assert_eq!(SongDoc::from_json(&saved).expect("own output loads"), doc);
            }
        }

        /// Whatever the fields hold, the state filter leaves only current-version text that the
        /// framework's reader of each field reads, and a pattern.
        #[test]
        fn the_filter_leaves_only_readable_current_parts(
            pattern in state_text(),
            osc_out in settings_text(),
            osc_in in settings_text(),
            editor_size in settings_text(),
        ) {
            let mut state = plugin_state(Some(&pattern));
            state.fields.insert("osc_out".to_owned(), osc_out);
            state.fields.insert("osc_in".to_owned(), osc_in);
            state.fields.insert("editor_size".to_owned(), editor_size);
            ChronusSeq::filter_state(&mut state);
            let fields = &state.fields;
            prop_assert_eq!(fields.len(), 4);
            let pattern: serde_json::Value =
                serde_json::from_str(&fields["pattern"]).expect("the pattern is JSON");
            prop_assert_eq!(&pattern["version"], VERSION);
            prop_assert!(serde_json::from_str::<SongDoc>(&fields["pattern"]).is_ok());
            prop_assert!(serde_json::from_str::<OscOutSettings>(&fields["osc_out"]).is_ok());
            prop_assert!(serde_json::from_str::<OscInSettings>(&fields["osc_in"]).is_ok());
            prop_assert!(serde_json::from_str::<EditorSize>(&fields["editor_size"]).is_ok());
        }
    }
}
