//! Start-up configuration for a process that hosts the plugin itself (the standalone build):
//! set once before the plugin is created, read by `ChronusSeq::default`. A plugin loaded by a
//! DAW never has one.

use std::sync::OnceLock;

use crate::document::SongDoc;
use crate::osc_out::OscOutSettings;

/// What a standalone run starts with instead of the defaults.
#[derive(Debug, Clone, Default)]
pub struct StartupConfig {
    /// Pattern to play instead of the default pattern.
    pub pattern: Option<SongDoc>,
    /// OSC output settings (per-track gate addresses) instead of the defaults; the host and
    /// port still come from `osc_target`.
    pub osc_settings: Option<OscOutSettings>,
    /// OSC gate target (host, port) instead of 127.0.0.1:5005.
    pub osc_target: Option<(String, u16)>,
}

static STARTUP: OnceLock<StartupConfig> = OnceLock::new();

/// Sets the start-up configuration; only the first call counts. Returns whether it was set.
pub fn set(config: StartupConfig) -> bool {
    STARTUP.set(config).is_ok()
}

/// The start-up configuration, if one was set.
pub fn get() -> Option<&'static StartupConfig> {
    STARTUP.get()
}
