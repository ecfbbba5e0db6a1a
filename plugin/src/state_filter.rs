//! Makes saved state safe to load before the framework reads it: a corrupt, foreign or newer
//! pattern becomes the default pattern, and unreadable OSC settings become the default
//! settings, each with one log line saying why.

use nice_plug::prelude::*;

use crate::document::SongDoc;
use crate::osc_out::OscOutSettings;

/// Key of the pattern document among the persisted fields.
pub const PATTERN_FIELD: &str = "pattern";
/// Key of the OSC output settings among the persisted fields.
pub const OSC_OUT_FIELD: &str = "osc_out";

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
    let osc_problem = state
        .fields
        .get(OSC_OUT_FIELD)
        .and_then(|text| serde_json::from_str::<OscOutSettings>(text).err());
    if let Some(problem) = osc_problem {
        nice_log!("Chronus Seq loads the default OSC settings: {problem}");
        let defaults = serde_json::to_string(&OscOutSettings::default())
            .expect("the default OSC settings always serialize");
        state.fields.insert(OSC_OUT_FIELD.to_owned(), defaults);
    }
}
