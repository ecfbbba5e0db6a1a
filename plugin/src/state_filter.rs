//! Makes saved state safe to load before the framework reads it: a corrupt, foreign or newer
//! pattern becomes the default pattern, and unreadable OSC settings become the default
//! settings, each with one log line saying why.

use nice_plug::prelude::*;

use crate::document::SongDoc;
use crate::editor::size::EditorSize;
use crate::osc_in::OscInSettings;
use crate::osc_out::OscOutSettings;

/// Key of the pattern document among the persisted fields.
pub const PATTERN_FIELD: &str = "pattern";
/// Key of the OSC output settings among the persisted fields.
pub const OSC_OUT_FIELD: &str = "osc_out";
/// Key of the OSC input settings among the persisted fields.
pub const OSC_IN_FIELD: &str = "osc_in";
/// Key of the editor window size among the persisted fields.
pub const EDITOR_SIZE_FIELD: &str = "editor_size";

/// Replaces unusable persisted fields with their defaults.
pub fn repair_fields(state: &mut PluginState) {
    let pattern_problem = match state.fields.get(PATTERN_FIELD) {
        None => Some("the saved state has no pattern".to_owned()),
        Some(text) => SongDoc::from_json(text)
            .err()
            .map(|error| error.to_string()),
    };
    if let Some(problem) = pattern_problem {
        nice_log!("Chronus Seq loads the default pattern: {problem}");
        state
            .fields
            .insert(PATTERN_FIELD.to_owned(), SongDoc::default().to_json());
    }

    // Older state has no OSC settings: the current ones stay. Unreadable ones become defaults.
    repair_settings::<OscOutSettings>(state, OSC_OUT_FIELD, "OSC output");
    repair_settings::<OscInSettings>(state, OSC_IN_FIELD, "OSC input");
    repair_settings::<EditorSize>(state, EDITOR_SIZE_FIELD, "editor window");
}

/// Replaces the settings under `field` with the defaults if they cannot be read.
fn repair_settings<T>(state: &mut PluginState, field: &str, what: &str)
where
    T: Default + serde::Serialize + serde::de::DeserializeOwned,
{
    let problem = state
        .fields
        .get(field)
        .and_then(|text| serde_json::from_str::<T>(text).err());
    if let Some(problem) = problem {
        nice_log!("Chronus Seq loads the default {what} settings: {problem}");
        let defaults =
            serde_json::to_string(&T::default()).expect("default settings always serialize");
        state.fields.insert(field.to_owned(), defaults);
    }
}
