//! What the editor works on: the pattern document, the host parameters, the live state and the
//! OSC status, behind one handle. The drawing code reads and changes the plugin only through
//! [`EditorModel`], so the headless tests run the same code against the real store and
//! parameters.
//!
//! Nothing here waits on the audio thread: the store's lock is taken only by non-real-time
//! threads (each edit publishes a snapshot the audio thread picks up), and everything the audio
//! thread writes is read through atomics.

use std::sync::Arc;

use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::*;

use super::gesture::EuclidControls;
use crate::document::store::PatternStore;
use crate::engine::pattern::MAX_TRACKS;
use crate::engine::performance::Performance;
use crate::live_state::LiveState;
use crate::osc_in::OscInStatus;
use crate::osc_out::{OscOutSettings, OscOutStatus};
use crate::param_gateway::{ParamGateway, Route};
use crate::params::SeqParams;

/// Handles to everything the editor shows and changes.
pub struct EditorModel {
    /// The pattern document. Locked briefly by the GUI thread for each read and edit (the OSC-in
    /// and host threads lock it too); never by the audio thread.
    pub store: PatternStore,
    /// Host parameters and persisted fields. Parameter values are atomics, read by the GUI
    /// thread every frame.
    pub params: Arc<SeqParams>,
    /// One-gesture parameter changes (clicks), shared with the OSC-in thread. Used by the GUI
    /// thread.
    pub gateway: Arc<ParamGateway>,
    /// What the audio thread plays now. Written by audio, read by the GUI thread.
    pub live: Arc<LiveState>,
    /// OSC output counters. Written by the sidecar and audio threads, read by the GUI thread.
    pub osc_out: Arc<OscOutStatus>,
    /// OSC input status, if the plugin has an OSC input. Written by the OSC-in thread, read by
    /// the GUI thread.
    pub osc_in: Option<Arc<OscInStatus>>,
}

impl EditorModel {
    /// A model over the plugin's parts, with no host context yet.
    pub fn new(
        store: PatternStore,
        params: Arc<SeqParams>,
        gateway: Arc<ParamGateway>,
        live: Arc<LiveState>,
        osc_out: Arc<OscOutStatus>,
        osc_in: Option<Arc<OscInStatus>>,
    ) -> EditorModel {
        EditorModel {
            store,
            params,
            gateway,
            live,
            osc_out,
            osc_in,
        }
    }

    /// Uses the host's editor context from now on, for the editor's changes and, where the
    /// plugin API allows it, OSC commands' changes.
    pub fn attach(&mut self, context: GuiContext) {
        self.gateway.attach(context);
    }

    /// Sets `param` to `value` as one recorded gesture (a click or a typed value).
    pub fn set<P: Param>(&self, param: &P, value: P::Plain) -> Route {
        self.gateway.set_from_gui(param, value)
    }

    /// Switches a boolean parameter as one recorded gesture.
    pub fn toggle(&self, param: &BoolParam) -> Route {
        self.gateway.set_from_gui(param, !param.value())
    }

    /// Starts a gesture on `param` (a drag began). Without a host context nothing is sent;
    /// [`Self::drag_to`] then stores values directly.
    pub fn begin_drag<P: Param>(&self, param: &P) {
        self.gateway.begin_drag(param);
    }

    /// Sends a value of a gesture begun with [`Self::begin_drag`].
    pub fn drag_to<P: Param>(&self, param: &P, value: P::Plain) {
        self.gateway.drag_to(param, value);
    }

    /// Ends a gesture begun with [`Self::begin_drag`].
    pub fn end_drag<P: Param>(&self, param: &P) {
        self.gateway.end_drag(param);
    }

    /// The parameter values as the audio thread takes them now.
    pub fn performance(&self) -> Performance {
        self.params.performance()
    }

    /// Euclid pulses and rotation of every track, from the host parameters.
    pub fn euclid_controls(&self) -> EuclidControls {
        let performance = self.performance();
        std::array::from_fn(|track| {
            let controls = &performance.tracks[track];
            (controls.euclid_pulses, controls.euclid_rotation)
        })
    }

    /// The OSC output settings (a copy).
    pub fn osc_out_settings(&self) -> OscOutSettings {
        self.params.osc_out.0.get()
    }

    /// Sets the OSC gate address of track `track` (0-based); the sidecar picks it up within a
    /// millisecond or so.
    pub fn set_osc_address(&self, track: usize, address: &str) {
        if track < MAX_TRACKS {
            let address = address.trim().to_owned();
            self.params
                .osc_out
                .0
                .update(|settings| settings.tracks[track].address = address);
        }
    }
}
