//! Makes saved state safe to load before the framework reads it: a corrupt, foreign or newer
//! pattern becomes the default pattern, with one log line saying why.

use nice_plug::prelude::*;

use crate::document::PatternDoc;

/// Key of the pattern document among the persisted fields.
pub const PATTERN_FIELD: &str = "pattern";

/// Replaces an unusable or missing pattern field with the default pattern.
pub fn repair_pattern_field(state: &mut PluginState) {
    let problem = match state.fields.get(PATTERN_FIELD) {
        None => Some("the saved state has no pattern".to_owned()),
        Some(text) => PatternDoc::from_json(text)
            .err()
            .map(|error| error.to_string()),
    };
    if let Some(problem) = problem {
        nice_log!("Chronus Seq loads the default pattern: {problem}");
        state
            .fields
            .insert(PATTERN_FIELD.to_owned(), PatternDoc::default().to_json());
    }
}
