//! Plugin state through the CLAP state extension: bytes out, bytes in.
//!
//! nice-plug writes an 8-byte little-endian length, then that many bytes of JSON
//! (`{"version":…,"params":{…},"fields":{…}}`; persisted fields are JSON strings inside
//! `fields`). See `nice-plug-0.4.2/src/wrapper/clap/wrapper.rs` `ext_state_save`.

use crate::error::{HarnessError, Result};
use crate::host::PluginHost;
use clack_extensions::state::PluginState;

fn state_ext(host: &PluginHost) -> Result<PluginState> {
    host.plugin_extension::<PluginState>()
        .ok_or_else(|| HarnessError::new("the plugin does not implement the state extension"))
}

impl PluginHost {
    /// Saves the plugin's state and returns the bytes exactly as written.
    pub fn save_state(&mut self) -> Result<Vec<u8>> {
        let ext = state_ext(self)?;
        let mut bytes = Vec::new();
        ext.save(&self.main_thread_handle(), &mut bytes)
            .map_err(|e| HarnessError::context("state.save", e))?;
        self.pump_main_thread();
        Ok(bytes)
    }

    /// Loads state bytes (as produced by [`Self::save_state`]).
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let ext = state_ext(self)?;
        let mut reader = bytes;
        ext.load(&self.main_thread_handle(), &mut reader)
            .map_err(|e| HarnessError::context("state.load", e))?;
        self.pump_main_thread();
        Ok(())
    }
}

/// The JSON text inside nice-plug state bytes (after the 8-byte length prefix).
///
/// Fails if the prefix is missing, the length does not match, or the text is not UTF-8.
pub fn nice_plug_state_json(bytes: &[u8]) -> Result<&str> {
    let (prefix, rest) = bytes
        .split_first_chunk::<8>()
        .ok_or_else(|| HarnessError::new("state is shorter than its 8-byte length prefix"))?;
    let length = u64::from_le_bytes(*prefix);
    if length != rest.len() as u64 {
        return Err(HarnessError::new(format!(
            "state length prefix says {length} bytes, {} follow",
            rest.len()
        )));
    }
    std::str::from_utf8(rest).map_err(|e| HarnessError::context("state JSON is not UTF-8", e))
}

/// Wraps JSON text in nice-plug's state framing (8-byte little-endian length prefix), e.g. to
/// load a hand-written state.
pub fn nice_plug_state_bytes(json: &str) -> Vec<u8> {
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(json.as_bytes());
    bytes
}

/// Plugin state holding a pattern document with the given tracks (each a JSON object in the
/// format of docs/STATE.md) and every parameter at its default.
pub fn pattern_state_bytes(tracks: &[&str]) -> Vec<u8> {
    pattern_field_state_bytes(&pattern_document(tracks))
}

/// A version-1 pattern document (one pattern, seed 0) with the given tracks.
pub fn pattern_document(tracks: &[&str]) -> String {
    format!(
        r#"{{"format":"chronus-seq/pattern","version":1,"seed":0,"tracks":[{}]}}"#,
        tracks.join(",")
    )
}

/// A version-2 pattern document (docs/STATE.md) with the given `(slot number 1–16, tracks)`,
/// each slot with seed 0, in the order given.
pub fn song_document(slots: &[(u8, &[&str])]) -> String {
    let slots: Vec<String> = slots
        .iter()
        .map(|(slot, tracks)| {
            format!(
                r#"{{"slot":{slot},"seed":0,"tracks":[{}]}}"#,
                tracks.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"format":"chronus-seq/pattern","version":2,"slots":[{}]}}"#,
        slots.join(",")
    )
}

/// Plugin state holding a version-4 pattern document (docs/STATE.md: lanes, note cycles,
/// frequencies) with the given tracks in slot 1 and every parameter at its default.
pub fn lanes_state_bytes(tracks: &[&str]) -> Vec<u8> {
    pattern_field_state_bytes(&format!(
        r#"{{"format":"chronus-seq/pattern","version":4,"slots":[{{"slot":1,"seed":0,"tracks":[{}]}}]}}"#,
        tracks.join(",")
    ))
}

/// Plugin state holding a version-2 pattern document with the given `(slot number 1–16,
/// tracks)` (see [`song_document`]) and every parameter at its default.
pub fn song_state_bytes(slots: &[(u8, &[&str])]) -> Vec<u8> {
    pattern_field_state_bytes(&song_document(slots))
}

/// Plugin state holding a version-3 pattern document (docs/STATE.md: tracks may carry
/// `conditions` and `direction`) with `tracks` in slot 1, seed 0, and every parameter at its
/// default.
pub fn conditions_state_bytes(tracks: &[&str]) -> Vec<u8> {
    let pattern = format!(
        r#"{{"format":"chronus-seq/pattern","version":3,"slots":[{{"slot":1,"seed":0,"tracks":[{}]}}]}}"#,
        tracks.join(",")
    );
    pattern_field_state_bytes(&pattern)
}

/// Plugin state whose only field is the pattern document `pattern`.
fn pattern_field_state_bytes(pattern: &str) -> Vec<u8> {
    fields_state_bytes(serde_json::json!({ "pattern": pattern }))
}

/// Plugin state with the persisted `fields` given (each a JSON string, as nice-plug stores them)
/// and every parameter at its default.
pub fn fields_state_bytes(fields: serde_json::Value) -> Vec<u8> {
    let state = serde_json::json!({ "version": "0.1.0", "params": {}, "fields": fields });
    nice_plug_state_bytes(&state.to_string())
}

/// The pattern document (the JSON inside `fields.pattern`) of state bytes the plugin saved.
pub fn saved_pattern_document(bytes: &[u8]) -> Result<serde_json::Value> {
    let state: serde_json::Value = serde_json::from_str(nice_plug_state_json(bytes)?)
        .map_err(|e| HarnessError::context("saved state is not JSON", e))?;
    let pattern = state["fields"]["pattern"].as_str().ok_or_else(|| {
        HarnessError::new(format!(
            "saved state has no string fields.pattern: {}",
            state["fields"]
        ))
    })?;
    serde_json::from_str(pattern)
        .map_err(|e| HarnessError::context("fields.pattern is not JSON", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_round_trips_and_rejects_bad_lengths() {
        let bytes = nice_plug_state_bytes("{\"version\":\"1\"}");
        assert_eq!(
            nice_plug_state_json(&bytes).expect("valid framing"),
            "{\"version\":\"1\"}"
        );
        assert!(nice_plug_state_json(&bytes[..bytes.len() - 1]).is_err());
        assert!(nice_plug_state_json(&[1, 2, 3]).is_err());
    }

    #[test]
    fn song_state_holds_a_version_2_document_of_the_slots_given() {
        let kick = r#"{"name":"K","length":1,"rate":"1/4","channel":1,"note":36,"steps":"x"}"#;
        let bytes = song_state_bytes(&[(1, &[kick]), (3, &[kick, kick])]);
        let doc = saved_pattern_document(&bytes).expect("a pattern document");
        assert_eq!(doc["version"], 2);
        assert_eq!(doc["slots"][0]["slot"], 1);
        assert_eq!(doc["slots"][1]["slot"], 3);
        assert_eq!(doc["slots"][1]["tracks"][1]["note"], 36);
        let v1 = saved_pattern_document(&pattern_state_bytes(&[kick])).expect("version 1");
        assert_eq!(
            (v1["version"].as_u64(), v1["tracks"][0]["steps"].as_str()),
            (Some(1), Some("x"))
        );
    }
}
