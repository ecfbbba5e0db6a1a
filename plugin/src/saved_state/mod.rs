//! Saved state: the one place that knows every format the plugin has saved its project data in,
//! migrates any older state to the current format and repairs unreadable parts, before the
//! framework reads anything.
//!
//! The state is four persisted fields next to the host parameters (see [`Part`]): the pattern
//! document, the OSC output settings, the OSC input settings and the editor window size, each a
//! JSON text under its own key, which is how nice-plug restores them one by one. The pattern
//! document's `version` is the version of the whole state (`version.rs`). On load,
//! `Plugin::filter_state` calls [`filter_state`]: the fields go through the migration chain
//! (`migrate.rs`: 1 → 2 → 3 → 4, the current one), then every part is checked by the codec the framework will
//! use (`pattern.rs` for the pattern, the settings types' serde for the rest); a part that
//! cannot be read becomes its default with one log line (`repair.rs`). The framework's
//! per-field readers therefore only ever see current-format text that reads. The frozen shape
//! of every version's pattern document is in `shapes.rs`.
//!
//! `docs/STATE.md` describes every version; `tests/golden/state/` holds a saved state of each.

mod lanes;
mod migrate;
mod pattern;
mod repair;
mod shapes;
mod version;

use nice_plug::prelude::{nice_log, PluginState};

use crate::document::SongDoc;
use crate::editor::size::EditorSize;
use crate::osc_in::OscInSettings;
use crate::osc_out::OscOutSettings;
pub use migrate::Fields;
pub use repair::Repair;
pub use version::{StateError, Version, FORMAT, VERSION};

/// One part of the saved state: a persisted field.
///
/// Only the pattern is versioned. The settings parts read every version the same way: missing
/// fields load as their defaults and unknown fields are ignored, so a setting can be added
/// without a new version; anything else (a renamed or reinterpreted setting) needs a new version
/// and a step in the migration chain. A state without a settings part (older state) leaves the
/// instance's current settings; a state without a pattern loads the default pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The pattern document with every slot (versioned).
    Pattern,
    /// Where and how OSC gates are sent ([`OscOutSettings`]).
    OscOut,
    /// Where the OSC input listens ([`OscInSettings`]).
    OscIn,
    /// The editor window's size in logical points ([`EditorSize`]).
    EditorSize,
}

impl Part {
    /// Every part, in the order they are read.
    pub const ALL: [Part; 4] = [Part::Pattern, Part::OscOut, Part::OscIn, Part::EditorSize];

    /// The key of this part among the persisted fields (`#[persist = "…"]`).
    pub fn key(self) -> &'static str {
        match self {
            Part::Pattern => "pattern",
            Part::OscOut => "osc_out",
            Part::OscIn => "osc_in",
            Part::EditorSize => "editor_size",
        }
    }

    /// What the musician calls this part.
    pub fn name(self) -> &'static str {
        match self {
            Part::Pattern => "pattern",
            Part::OscOut => "OSC output settings",
            Part::OscIn => "OSC input settings",
            Part::EditorSize => "editor window size",
        }
    }

    fn is_plural(self) -> bool {
        matches!(self, Part::OscOut | Part::OscIn)
    }
}

/// What a saved state holds, read.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedState {
    /// Every pattern slot.
    pub pattern: SongDoc,
    /// `None`: the state has none; the instance keeps its current ones.
    pub osc_out: Option<OscOutSettings>,
    /// `None`: the state has none; the instance keeps its current ones.
    pub osc_in: Option<OscInSettings>,
    /// `None`: the state has none; the instance keeps its current size.
    pub editor_size: Option<EditorSize>,
}

/// Brings `fields` to the current version and replaces every part that cannot be read with its
/// default, in place. Returns what the fields hold now and the parts that were replaced.
pub fn load(fields: &mut Fields) -> (SavedState, Vec<Repair>) {
    let mut repairs = Vec::new();
    let migrated = migrate::to_current(fields).map(drop);
    let state = SavedState {
        pattern: repair::pattern(fields, migrated, &mut repairs),
        osc_out: repair::settings(fields, Part::OscOut, &mut repairs),
        osc_in: repair::settings(fields, Part::OscIn, &mut repairs),
        editor_size: repair::settings(fields, Part::EditorSize, &mut repairs),
    };
    (state, repairs)
}

/// What `fields` hold, migrated and repaired like [`load`], leaving `fields` as they are.
pub fn read(fields: &Fields) -> (SavedState, Vec<Repair>) {
    load(&mut fields.clone())
}

/// The persisted fields of `state` in the current version, as the plugin saves them.
pub fn write(state: &SavedState) -> Fields {
    let mut fields = Fields::new();
    fields.insert(
        Part::Pattern.key().to_owned(),
        pattern::encode(&state.pattern),
    );
    // The settings are plain structs with string keys, which always serialize.
    let mut put = |part: Part, text: Result<String, serde_json::Error>| {
        if let Ok(text) = text {
            fields.insert(part.key().to_owned(), text);
        }
    };
    if let Some(settings) = &state.osc_out {
        put(Part::OscOut, serde_json::to_string(settings));
    }
    if let Some(settings) = &state.osc_in {
        put(Part::OscIn, serde_json::to_string(settings));
    }
    if let Some(size) = &state.editor_size {
        put(Part::EditorSize, serde_json::to_string(size));
    }
    fields
}

/// `Plugin::filter_state`: [`load`] on the state's fields, one log line per repaired part.
pub fn filter_state(state: &mut PluginState) {
    let (_, repairs) = load(&mut state.fields);
    for repair in repairs {
        nice_log!("{repair}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(entries: &[(&str, &str)]) -> Fields {
        entries
            .iter()
            .map(|(key, text)| ((*key).to_owned(), (*text).to_owned()))
            .collect()
    }

    #[test]
    fn each_unreadable_part_is_one_log_line_and_the_others_load() {
        let newer = r#"{"format":"chronus-seq/pattern","version":7,"slots":[]}"#;
        let mut saved = fields(&[
            ("pattern", newer),
            ("osc_out", r#"{"port":"five"}"#),
            ("osc_in", r#"{"port":6001}"#),
        ]);
        let (state, repairs) = load(&mut saved);
        let lines: Vec<String> = repairs.iter().map(Repair::to_string).collect();
        assert_eq!(
            lines,
            [
                "Chronus Seq loads the default pattern; the saved pattern is lost: pattern \
                 state version 7 is newer than this build reads (4)",
                "Chronus Seq loads the default OSC output settings; the saved OSC output \
                 settings are lost: invalid type: string \"five\", expected u16 at line 1 \
                 column 14",
            ]
        );
        assert_eq!(state.pattern, SongDoc::default());
        assert_eq!(state.osc_out, Some(OscOutSettings::default()));
        let osc_in = state.osc_in.as_ref().map(|settings| settings.port);
        assert_eq!(osc_in, Some(6001), "a readable part loads");
        assert_eq!(state.editor_size, None, "a missing setting stays missing");
        let osc_in_text = saved["osc_in"].clone();
        assert_eq!(
            osc_in_text, r#"{"port":6001}"#,
            "a readable part is left as it is"
        );
    }

    #[test]
    fn a_state_without_a_pattern_gets_the_default_one() {
        let (state, repairs) = read(&Fields::new());
        assert_eq!(state.pattern, SongDoc::default());
        assert_eq!(repairs.len(), 1);
        assert_eq!(repairs[0].part, Part::Pattern);
        assert_eq!(repairs[0].reason, "the saved state has no pattern");
    }

    #[test]
    fn the_filter_turns_old_state_into_current_state() {
        let v1 = r#"{"format":"chronus-seq/pattern","version":1,"seed":3,"tracks":[]}"#;
        let mut state = PluginState {
            version: "0.1.0".to_owned(),
            params: Default::default(),
            fields: fields(&[("pattern", v1)]),
        };
        filter_state(&mut state);
        let pattern: serde_json::Value =
            serde_json::from_str(&state.fields["pattern"]).expect("JSON");
        assert_eq!(pattern["version"], VERSION);
        assert_eq!(pattern["slots"][0]["seed"], 3);
        let (loaded, repairs) = read(&state.fields);
        assert!(repairs.is_empty());
        let mut song = SongDoc::new(crate::document::PatternDoc::empty());
        song.slot_mut(0).seed = 3;
        assert_eq!(loaded.pattern, song);
        assert_eq!(
            Part::ALL.map(Part::key),
            ["pattern", "osc_out", "osc_in", "editor_size"]
        );
    }
}
