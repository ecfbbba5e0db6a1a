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
    let pattern = format!(
        r#"{{"format":"chronus-seq/pattern","version":1,"seed":0,"tracks":[{}]}}"#,
        tracks.join(",")
    );
    let escaped = pattern.replace('\\', "\\\\").replace('"', "\\\"");
    nice_plug_state_bytes(&format!(
        r#"{{"version":"0.1.0","params":{{}},"fields":{{"pattern":"{escaped}"}}}}"#
    ))
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
}
