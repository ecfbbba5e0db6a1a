//! The composition root: every part one instance shares between its threads, built once, in
//! one place. Each part is plain shared data (atomics, cells, the store); the threads that use
//! them (the OSC input server, the OSC output sidecar) belong to the plugin instance, which
//! starts and stops them. Nothing here owns a thread, and no part holds the instance.

use std::sync::Arc;

use triple_buffer::Output;

use crate::document::SongDoc;
use crate::edit::{EditLayer, PatternStore};
use crate::engine::pattern::SongSnapshot;
use crate::engine::slot_switch::SlotQuantize;
use crate::live_state::LiveState;
use crate::osc_commands::subscriptions::SharedSubscribers;
use crate::osc_commands::{Remote, SeqCommands};
use crate::osc_in::{OscInSettings, OscInStatus};
use crate::osc_out::{OscOutSettings, OscOutStatus, SettingsCell};
use crate::params::SeqParams;
use crate::slot_override::SlotOverride;
use crate::versioned_cell::VersionedCell;

/// The shared parts of one instance. Cloning shares them.
#[derive(Clone)]
pub struct Parts {
    /// The one way to change the document, parameters and OSC targets; holds the store, the
    /// parameters, the gateway, the OSC output settings and the slot override.
    pub edits: EditLayer,
    /// Transport, playing slot and playheads. Written by audio, read by the editor and OSC-in.
    pub live: Arc<LiveState>,
    /// OSC output counters and last error. Written by the sidecar and audio, read by anyone.
    pub osc_out_status: Arc<OscOutStatus>,
    /// Where the OSC input listens. Written by state loads and the editor, read by the OSC
    /// input's supervisor thread.
    pub osc_in_settings: Arc<VersionedCell<OscInSettings>>,
    /// OSC input counters, bound port and last command. Written by the OSC-in thread.
    pub osc_in_status: Arc<OscInStatus>,
    /// One-time quantize of the next slot change. Written by OSC-in, read by audio.
    pub slot_override: Arc<SlotOverride>,
    /// Clients subscribed to pushed messages. Written by the OSC-in thread, read by its feed
    /// thread.
    pub subscribers: SharedSubscribers,
}

impl Parts {
    /// The parts around `song` and the OSC output settings `osc_out`, and the reader of the
    /// published snapshots that the audio thread keeps.
    pub fn new(song: SongDoc, osc_out: OscOutSettings) -> (Parts, Output<SongSnapshot>) {
        let (store, reader) = PatternStore::new(song);
        let osc_out: Arc<SettingsCell> = Arc::new(VersionedCell::new(osc_out));
        let osc_in_settings = Arc::new(VersionedCell::new(OscInSettings::default()));
        let params = Arc::new(SeqParams::new(
            store.clone(),
            Arc::clone(&osc_out),
            Arc::clone(&osc_in_settings),
        ));
        let slot_override: Arc<SlotOverride> = Arc::default();
        let edits = EditLayer::new(
            store,
            params,
            Arc::default(),
            osc_out,
            Arc::clone(&slot_override),
        );
        let parts = Parts {
            edits,
            live: Arc::default(),
            osc_out_status: Arc::new(OscOutStatus::new()),
            osc_in_settings,
            osc_in_status: Arc::new(OscInStatus::new()),
            slot_override,
            subscribers: SharedSubscribers::default(),
        };
        (parts, reader)
    }

    /// The pattern document.
    pub fn store(&self) -> &PatternStore {
        self.edits.store()
    }

    /// The host parameters.
    pub fn params(&self) -> &Arc<SeqParams> {
        self.edits.params()
    }

    /// A command handler for the OSC input, acting on these parts.
    pub fn command_handler(&self) -> SeqCommands {
        SeqCommands::new(Remote {
            edits: self.edits.clone(),
            live: Arc::clone(&self.live),
            edit_slot: None,
            osc_out_status: Arc::clone(&self.osc_out_status),
            sender: None,
            edit_lands: SlotQuantize::Now,
            clients: Default::default(),
            subscribers: Arc::clone(&self.subscribers),
            osc_in_status: Arc::clone(&self.osc_in_status),
            osc_in_settings: Arc::clone(&self.osc_in_settings),
        })
    }
}

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parts").finish_non_exhaustive()
    }
}
