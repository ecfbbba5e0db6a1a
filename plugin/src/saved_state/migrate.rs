//! The one migration chain: saved state of any version this build reads becomes the current
//! version, one step per version (1 → 2 → …), before anything else reads it. Each step works on
//! the whole map of persisted fields, so a future step may also move or reshape the settings.

use std::collections::BTreeMap;

use super::shapes::{PatternV1, PatternV2, PatternV3, PatternV4, SlotV2, SlotV3, SlotV4, TrackV4};
use super::version::{parse_json, StateError, Version, FORMAT};
use super::Part;

/// The persisted fields of a state: field key → JSON text.
pub type Fields = BTreeMap<String, String>;

/// One step of the chain: rewrites the fields of one version as the next version.
type Step = fn(&mut Fields) -> Result<(), StateError>;

/// The step from `from` to the version after it, or `None` for the current version.
fn step_from(from: Version) -> Option<(Version, Step)> {
    match from {
        Version::V1 => Some((Version::V2, v1_to_v2)),
        Version::V2 => Some((Version::V3, v2_to_v3)),
        Version::V3 => Some((Version::V4, v3_to_v4)),
        Version::V4 => None,
    }
}

/// Brings `fields` to the current version and returns the version they were saved in. On an
/// error (no pattern, a pattern that is not ours, corrupt, newer, or unreadable by a step)
/// `fields` are left as they were.
pub fn to_current(fields: &mut Fields) -> Result<Version, StateError> {
    let text = fields.get(Part::Pattern.key()).ok_or(StateError::Missing)?;
    let saved = Version::of_pattern(&parse_json(text)?)?;
    if saved == Version::CURRENT {
        return Ok(saved);
    }
    let mut migrated = fields.clone();
    let mut version = saved;
    while let Some((next, step)) = step_from(version) {
        step(&mut migrated)?;
        version = next;
    }
    *fields = migrated;
    Ok(saved)
}

/// A pattern document of any version this build reads, as the current version's text.
pub fn pattern_to_current(text: &str) -> Result<String, StateError> {
    let mut fields = Fields::from([(Part::Pattern.key().to_owned(), text.to_owned())]);
    to_current(&mut fields)?;
    Ok(fields.remove(Part::Pattern.key()).unwrap_or_default())
}

fn invalid(error: serde_json::Error) -> StateError {
    StateError::Invalid(error.to_string())
}

/// Version 1 → 2: the one pattern becomes slot 1 with the same seed and tracks (the other slots
/// are empty). The OSC output settings read the same in both versions and stay as they are;
/// version 1 had no OSC input settings and no editor size.
fn v1_to_v2(fields: &mut Fields) -> Result<(), StateError> {
    let key = Part::Pattern.key();
    let text = fields.get(key).ok_or(StateError::Missing)?;
    let v1: PatternV1 = serde_json::from_str(text).map_err(invalid)?;
    let v2 = PatternV2 {
        format: FORMAT.to_owned(),
        version: Version::V2.number(),
        slots: vec![SlotV2 {
            slot: 1,
            seed: v1.seed,
            tracks: v1.tracks,
        }],
    };
    fields.insert(key.to_owned(), serde_json::to_string(&v2).map_err(invalid)?);
    Ok(())
}

/// Version 2 → 3: every slot and track as it was; no step has a trig condition, every track
/// plays forward and is a drum track, every slot is chromatic (version 2 had none of these).
/// The settings stay as they are.
fn v2_to_v3(fields: &mut Fields) -> Result<(), StateError> {
    let key = Part::Pattern.key();
    let text = fields.get(key).ok_or(StateError::Missing)?;
    let v2: PatternV2 = serde_json::from_str(text).map_err(invalid)?;
    let v3 = PatternV3 {
        format: FORMAT.to_owned(),
        version: Version::V3.number(),
        slots: v2
            .slots
            .into_iter()
            .map(|slot| SlotV3 {
                slot: slot.slot,
                seed: slot.seed,
                scale: None,
                tracks: slot.tracks.into_iter().map(Into::into).collect(),
            })
            .collect(),
    };
    fields.insert(key.to_owned(), serde_json::to_string(&v3).map_err(invalid)?);
    Ok(())
}

/// Version 3 → 4: every slot and track as it was, with no exact frequency, no note cycle and no
/// modulation lanes. The settings parts stay as they are (the OSC output settings' new lane
/// destinations, voice profiles, voice count and forwarding switch load as their defaults).
fn v3_to_v4(fields: &mut Fields) -> Result<(), StateError> {
    let key = Part::Pattern.key();
    let text = fields.get(key).ok_or(StateError::Missing)?;
    let v3: PatternV3 = serde_json::from_str(text).map_err(invalid)?;
    let v4 = PatternV4 {
        format: FORMAT.to_owned(),
        version: Version::V4.number(),
        slots: v3
            .slots
            .into_iter()
            .map(|slot| SlotV4 {
                slot: slot.slot,
                seed: slot.seed,
                scale: slot.scale,
                tracks: slot.tracks.into_iter().map(TrackV4::from_v3).collect(),
            })
            .collect(),
    };
    fields.insert(key.to_owned(), serde_json::to_string(&v4).map_err(invalid)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = r#"{"format":"chronus-seq/pattern","version":1,"seed":5,"tracks":[
        {"name":"Bass","length":3,"rate":"1/8d","channel":2,"note":40,"steps":"X_x",
         "nudge":[0,0,-7],"euclid":true}]}"#;

    #[test]
    fn version_1_becomes_slot_1_of_the_current_version_and_other_fields_stay() {
        let mut fields = Fields::from([
            ("pattern".to_owned(), V1.to_owned()),
            ("osc_out".to_owned(), r#"{"port":6000}"#.to_owned()),
        ]);
        assert_eq!(to_current(&mut fields), Ok(Version::V1));
        assert_eq!(
            fields["pattern"],
            r#"{"format":"chronus-seq/pattern","version":4,"slots":[{"slot":1,"seed":5,"tracks":[{"name":"Bass","length":3,"rate":"1/8d","channel":2,"note":40,"steps":"X_x","nudge":[0,0,-7],"euclid":true}]}]}"#
        );
        assert_eq!(fields["osc_out"], r#"{"port":6000}"#);
        assert_eq!(fields.len(), 2, "no part is invented");
        assert_eq!(pattern_to_current(V1).as_ref(), Ok(&fields["pattern"]));
    }

    #[test]
    fn current_state_is_left_byte_for_byte() {
        let text = r#"{"format":"chronus-seq/pattern","version":4, "slots":[]}"#;
        let mut fields = Fields::from([("pattern".to_owned(), text.to_owned())]);
        assert_eq!(to_current(&mut fields), Ok(Version::V4));
        assert_eq!(fields["pattern"], text);
    }

    #[test]
    fn unreadable_state_is_refused_and_left_alone() {
        let cases = [
            (None, StateError::Missing),
            (Some("{"), StateError::Corrupt(String::new())),
            (Some(r#"{"format":"x"}"#), StateError::Foreign),
            (
                Some(r#"{"format":"chronus-seq/pattern","version":5}"#),
                StateError::NewerVersion(5),
            ),
            (
                Some(r#"{"format":"chronus-seq/pattern","version":1,"seed":1,"tracks":[],"x":1}"#),
                StateError::Invalid(String::new()),
            ),
        ];
        for (pattern, expected) in cases {
            let mut fields = Fields::from([("osc_in".to_owned(), "{}".to_owned())]);
            if let Some(pattern) = pattern {
                fields.insert("pattern".to_owned(), pattern.to_owned());
            }
            let before = fields.clone();
            let error = to_current(&mut fields).expect_err("refused");
            assert_eq!(
                std::mem::discriminant(&error),
                std::mem::discriminant(&expected),
                "{pattern:?}: {error}"
            );
            assert_eq!(fields, before, "{pattern:?}");
        }
    }

    #[test]
    fn version_2_tracks_become_current_tracks_without_conditions_playing_forward() {
        let v2 = r#"{"format":"chronus-seq/pattern","version":2,"slots":[{"slot":3,"seed":9,"tracks":[{"name":"Lead","length":2,"rate":"1/16","channel":1,"note":60,"steps":"x.","notes":[62,null]}]}]}"#;
        let mut fields = Fields::from([("pattern".to_owned(), v2.to_owned())]);
        assert_eq!(to_current(&mut fields), Ok(Version::V2));
        assert_eq!(
            fields["pattern"],
            r#"{"format":"chronus-seq/pattern","version":4,"slots":[{"slot":3,"seed":9,"tracks":[{"name":"Lead","length":2,"rate":"1/16","channel":1,"note":60,"steps":"x.","notes":[62,null]}]}]}"#
        );
        let unknown = v2.replace(r#""notes""#, r#""conditions""#);
        let mut fields = Fields::from([("pattern".to_owned(), unknown)]);
        assert!(
            matches!(to_current(&mut fields), Err(StateError::Invalid(_))),
            "version 2 has no conditions"
        );
    }

    #[test]
    fn version_3_tracks_keep_conditions_direction_and_scale_and_have_no_lanes() {
        let v3 = r#"{"format":"chronus-seq/pattern","version":3,"slots":[{"slot":2,"seed":4,"scale":"D dorian","tracks":[{"name":"Lead","length":2,"rate":"1/16","channel":1,"note":60,"steps":"x.","conditions":["1:2",""],"direction":"reverse","melodic":true}]}]}"#;
        let mut fields = Fields::from([("pattern".to_owned(), v3.to_owned())]);
        assert_eq!(to_current(&mut fields), Ok(Version::V3));
        assert_eq!(
            fields["pattern"],
            v3.replace(r#""version":3"#, r#""version":4"#)
        );
        let unknown = v3.replace(r#""melodic""#, r#""lanes""#);
        let mut fields = Fields::from([("pattern".to_owned(), unknown)]);
        assert!(
            matches!(to_current(&mut fields), Err(StateError::Invalid(_))),
            "version 3 has no lanes"
        );
    }
}
