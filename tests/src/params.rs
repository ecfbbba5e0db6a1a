//! Parameters through the CLAP params extension.
//!
//! How nice-plug maps parameters to CLAP (from `nice-plug-0.4.2/src/wrapper/clap/wrapper.rs`,
//! `ext_params_get_info`):
//! - the CLAP id is [`nice_plug_param_hash`] of the parameter's *string id* (the `#[id = "…"]`);
//! - `name` is the display name, `module` is the parameter group path;
//! - every parameter is exposed as 0..=1 (normalized), or 0..=step_count for stepped parameters,
//!   so the CLAP "plain" value is `normalized · max`.
//!
//! So a test can find a parameter by its string id without the plugin's help:
//! [`crate::PluginHost::find_param`] tries the hash of the string first, then the display name.

use crate::error::{HarnessError, Result};
use crate::host::PluginHost;
use clack_extensions::params::{ParamInfoBuffer, ParamInfoFlags, PluginParams};
use clack_host::utils::ClapId;
use std::ffi::CString;

/// nice-plug's CLAP/VST3 parameter id for a string id: a 31-bit rolling hash
/// (`hash = hash · 31 + byte`, top bit cleared). Copied from `nice-plug-0.4.2/src/wrapper/util.rs`.
pub fn nice_plug_param_hash(string_id: &str) -> u32 {
    let mut hash: u32 = 0;
    for byte in string_id.bytes() {
        hash = hash.wrapping_mul(31).wrapping_add(u32::from(byte));
    }
    hash & !(1 << 31)
}

/// One parameter as the plugin describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamInfo {
    /// CLAP parameter id.
    pub id: u32,
    /// Display name.
    pub name: String,
    /// Group path ("" for top level).
    pub module: String,
    /// Minimum CLAP value (0 for nice-plug).
    pub min: f64,
    /// Maximum CLAP value (1, or the step count for stepped parameters).
    pub max: f64,
    /// Default CLAP value.
    pub default: f64,
    /// CLAP flags (automatable, stepped, hidden, bypass, …).
    pub flags: ParamInfoFlags,
}

impl ParamInfo {
    /// Whether the parameter is stepped (integer/enum/bool).
    pub fn is_stepped(&self) -> bool {
        self.flags.contains(ParamInfoFlags::IS_STEPPED)
    }

    /// The CLAP value for a normalized (0..=1) value: `min + normalized · (max − min)`.
    pub fn clap_value_from_normalized(&self, normalized: f64) -> f64 {
        self.min + normalized * (self.max - self.min)
    }
}

fn params_ext(host: &PluginHost) -> Result<PluginParams> {
    host.plugin_extension::<PluginParams>()
        .ok_or_else(|| HarnessError::new("the plugin does not implement the params extension"))
}

fn clap_id(param_id: u32) -> Result<ClapId> {
    ClapId::from_raw(param_id)
        .ok_or_else(|| HarnessError::new(format!("{param_id:#x} is not a valid CLAP id")))
}

impl PluginHost {
    /// All parameters, in the plugin's order.
    pub fn params(&mut self) -> Result<Vec<ParamInfo>> {
        let ext = params_ext(self)?;
        let handle = self.main_thread_handle();
        let count = ext.count(&handle);
        let mut buffer = ParamInfoBuffer::new();
        let mut params = Vec::with_capacity(count as usize);
        for index in 0..count {
            let info = ext.get_info(&handle, index, &mut buffer).ok_or_else(|| {
                HarnessError::new(format!("params.get_info({index}) failed (count {count})"))
            })?;
            params.push(ParamInfo {
                id: info.id.get(),
                name: String::from_utf8_lossy(info.name).into_owned(),
                module: String::from_utf8_lossy(info.module).into_owned(),
                min: info.min_value,
                max: info.max_value,
                default: info.default_value,
                flags: info.flags,
            });
        }
        Ok(params)
    }

    /// Finds a parameter by its nice-plug string id (via [`nice_plug_param_hash`]) or, failing
    /// that, by its display name (case-insensitive).
    pub fn find_param(&mut self, string_id_or_name: &str) -> Result<ParamInfo> {
        let params = self.params()?;
        let hash = nice_plug_param_hash(string_id_or_name);
        params
            .iter()
            .find(|p| p.id == hash)
            .or_else(|| {
                params
                    .iter()
                    .find(|p| p.name.eq_ignore_ascii_case(string_id_or_name))
            })
            .cloned()
            .ok_or_else(|| {
                let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
                HarnessError::new(format!(
                    "no parameter with string id or name {string_id_or_name:?}; names: {names:?}"
                ))
            })
    }

    /// The CLAP id of parameter `string_id_or_name` (see [`Self::find_param`]) and the CLAP value
    /// the plugin parses from `text` — e.g. `("slot", "2")` or `("slot_quantize", "Next Step")`,
    /// to send as a parameter event. Fails if the plugin rejects the text.
    pub fn param_value_for_text(
        &mut self,
        string_id_or_name: &str,
        text: &str,
    ) -> Result<(u32, f64)> {
        let param = self.find_param(string_id_or_name)?;
        let value = self.text_to_value(param.id, text)?.ok_or_else(|| {
            HarnessError::new(format!(
                "parameter {string_id_or_name:?} ({}) does not parse {text:?}",
                param.name
            ))
        })?;
        Ok((param.id, value))
    }

    /// The parameter's current CLAP value.
    pub fn param_value(&mut self, param_id: u32) -> Result<f64> {
        let ext = params_ext(self)?;
        let id = clap_id(param_id)?;
        ext.get_value(&self.main_thread_handle(), id)
            .ok_or_else(|| HarnessError::new(format!("params.get_value({param_id:#x}) failed")))
    }

    /// The plugin's text for a CLAP value of the parameter.
    pub fn value_to_text(&mut self, param_id: u32, value: f64) -> Result<String> {
        let ext = params_ext(self)?;
        let id = clap_id(param_id)?;
        let mut buffer = [0u8; 256];
        let text = ext
            .value_to_text(&self.main_thread_handle(), id, value, &mut buffer)
            .map_err(|_| {
                HarnessError::new(format!(
                    "params.value_to_text({param_id:#x}, {value}) failed"
                ))
            })?;
        Ok(String::from_utf8_lossy(text).into_owned())
    }

    /// The CLAP value the plugin parses from `text`, `None` if it rejects the text.
    pub fn text_to_value(&mut self, param_id: u32, text: &str) -> Result<Option<f64>> {
        let ext = params_ext(self)?;
        let id = clap_id(param_id)?;
        let text = CString::new(text)
            .map_err(|e| HarnessError::context("text_to_value: text contains a NUL", e))?;
        Ok(ext.text_to_value(&self.main_thread_handle(), id, &text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_nice_plug() {
        assert_eq!(nice_plug_param_hash(""), 0);
        assert_eq!(nice_plug_param_hash("a"), 97);
        assert_eq!(nice_plug_param_hash("ab"), 97 * 31 + 98);
        // Long ids overflow and lose the top bit.
        assert!(nice_plug_param_hash("a very long parameter identifier") < 1 << 31);
    }
}
