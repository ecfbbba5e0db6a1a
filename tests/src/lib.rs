//! Host-level test harness for Chronus Seq.
//!
//! A small but real CLAP host built on `clack-host`: it builds the debug plugin bundle, loads the
//! `.clap`, instantiates `org.chronus-seq.chronus-seq`, activates it, drives its transport block by
//! block the way Reaper or Bitwig would, and returns the plugin's note events at absolute sample
//! positions, so tests can assert the timing rule of docs/TIMING.md exactly.
//!
//! ```no_run
//! use chronus_seq_host_tests::{PluginHost, SplitMode, TransportScript};
//!
//! let mut host = PluginHost::load_default().expect("build and load the plugin");
//! host.activate(48_000.0, 512).expect("activate at 48 kHz");
//! let run = TransportScript::new(48_000.0, 120.0, 512)
//!     .with_loop(0.0, 4.0, SplitMode::BitwigEvent)
//!     .run(&mut host, 3 * 96_000)
//!     .expect("play three loop passes");
//! assert!(run.note_ons().count() > 0);
//! ```
//!
//! Modules, one concern each:
//! - [`bundle`]: build the plugin once per test binary and find its `.clap`;
//! - [`host`]: [`PluginHost`], lifecycle and `process`;
//! - [`handlers`]: the host callbacks the plugin may call;
//! - [`transport`]: [`TransportInfo`] and the CLAP fixed-point conversion;
//! - [`events`]: input events ([`InEvent`]) and output notes ([`OutNote`]);
//! - [`params`], [`state`], [`ports`]: extension helpers on [`PluginHost`];
//! - [`driver`]: [`TransportScript`], the scripted host transport, paced offline or by the wall
//!   clock ([`Pacing`]);
//! - [`timing`]: the plugin's timing rule, for expected values;
//! - [`osc`]: OSC settings in state, a loopback receiver and timing statistics;
//! - [`expect`]: the default pattern's expected notes and the comparison report;
//! - [`ardour`], [`ardour_check`]: Ardour 7 as a host (headless, VST3) and the checks of what the
//!   plugin played in it.

pub mod ardour;
pub mod ardour_check;
pub mod bundle;
pub mod driver;
pub mod error;
pub mod events;
pub mod expect;
pub mod handlers;
pub mod host;
pub mod osc;
pub mod params;
pub mod ports;
pub mod state;
pub mod timing;
pub mod transport;

pub use driver::{
    blocks_for, wall_clock_lock, AbsNote, CallRecord, Pacing, ScriptNote, ScriptParamChange,
    ScriptRun, SplitMode, TransportScript,
};
pub use error::{HarnessError, Result};
pub use events::{BlockOutput, InEvent, NoteKind, OutMidi, OutNote};
pub use expect::{
    assert_notes_eq, compare_note_lists, compare_notes, pattern_notes, ExpectedNote, Stretch,
    TrackSpec,
};
pub use host::{ActiveConfig, BufferLayout, PluginHost, MAX_BLOCK_SIZE, PLUGIN_ID};
pub use params::{nice_plug_param_hash, ParamInfo};
pub use ports::{AudioPort, NotePort};
pub use state::{
    conditions_state_bytes, fields_state_bytes, lanes_state_bytes, nice_plug_state_bytes,
    nice_plug_state_json, pattern_state_bytes, saved_pattern_document, song_document,
    song_state_bytes,
};
pub use transport::TransportInfo;

/// Loads the plugin and activates it at `sample_rate` with max block `max_frames`, or panics
/// with the reason — the usual first line of a host test.
pub fn active_plugin(sample_rate: f64, max_frames: u32) -> PluginHost {
    let mut host = match PluginHost::load_default() {
        Ok(host) => host,
        Err(e) => panic!("loading the Chronus Seq bundle failed: {e}"),
    };
    if let Err(e) = host.activate(sample_rate, max_frames) {
        panic!("activating at {sample_rate} Hz / {max_frames} frames failed: {e}");
    }
    host
}
