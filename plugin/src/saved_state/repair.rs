//! The one repair path: a part of the saved state that cannot be read becomes its default, with
//! one log line saying why and what was lost, and the other parts still load.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::migrate::Fields;
use super::pattern;
use super::version::StateError;
use super::Part;
use crate::document::SongDoc;

/// A part of the saved state that was replaced by its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// Which part.
    pub part: Part,
    /// Why it could not be read, for the musician.
    pub reason: String,
}

impl std::fmt::Display for Repair {
    /// The log line, e.g. `Chronus Seq loads the default pattern; the saved pattern is lost:
    /// pattern state version 7 is newer than this build reads (4)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = self.part.name();
        let is = if self.part.is_plural() { "are" } else { "is" };
        write!(
            f,
            "Chronus Seq loads the default {name}; the saved {name} {is} lost: {}",
            self.reason
        )
    }
}

/// The pattern, or the default pattern (written back into `fields`) when `migrated` failed or
/// the migrated text cannot be read.
pub(super) fn pattern(
    fields: &mut Fields,
    migrated: Result<(), StateError>,
    repairs: &mut Vec<Repair>,
) -> SongDoc {
    let key = Part::Pattern.key();
    let loaded = migrated.and_then(|()| {
        fields
            .get(key)
            .map_or(Err(StateError::Missing), |text| pattern::decode(text))
    });
    match loaded {
        Ok(song) => song,
        Err(error) => {
            repairs.push(Repair {
                part: Part::Pattern,
                reason: error.to_string(),
            });
            let song = SongDoc::default();
            fields.insert(key.to_owned(), pattern::encode(&song));
            song
        }
    }
}

/// The settings of `part`, `None` when the state has none (older state: the instance keeps its
/// current ones), or the defaults (written back into `fields`) when they cannot be read.
pub(super) fn settings<T>(fields: &mut Fields, part: Part, repairs: &mut Vec<Repair>) -> Option<T>
where
    T: Default + Serialize + DeserializeOwned,
{
    let key = part.key();
    let error = match serde_json::from_str(fields.get(key)?) {
        Ok(settings) => return Some(settings),
        Err(error) => error,
    };
    repairs.push(Repair {
        part,
        reason: error.to_string(),
    });
    let defaults = T::default();
    match serde_json::to_string(&defaults) {
        Ok(text) => fields.insert(key.to_owned(), text),
        Err(_) => fields.remove(key),
    };
    Some(defaults)
}
