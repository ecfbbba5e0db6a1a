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
use crate::edit::{Edit, EditError, EditLayer, Origin, PatternStore};
use crate::engine::performance::Performance;
use crate::live_state::LiveState;
use crate::osc_in::OscInStatus;
use crate::osc_out::{OscOutSettings, OscOutStatus};
use crate::param_gateway::{ParamGateway, Route};
use crate::params::SeqParams;

/// Handles to everything the editor shows and changes.
pub struct EditorModel {
    /// The one way to change the document, parameters and OSC targets. The document's lock is
    /// taken briefly by the GUI thread for each read and edit (the OSC-in and host threads take
    /// it too); never by the audio thread.
    pub edits: EditLayer,
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
        edits: EditLayer,
        live: Arc<LiveState>,
        osc_out: Arc<OscOutStatus>,
        osc_in: Option<Arc<OscInStatus>>,
    ) -> EditorModel {
        EditorModel {
            edits,
            live,
            osc_out,
            osc_in,
        }
    }

    /// The pattern document, for reading.
    pub fn store(&self) -> &PatternStore {
        self.edits.store()
    }

    /// The host parameters (atomics, read every frame).
    pub fn params(&self) -> &Arc<SeqParams> {
        self.edits.params()
    }

    /// The path for the editor's parameter gestures.
    fn gateway(&self) -> &ParamGateway {
        self.edits.gateway()
    }

    /// Carries out `edit` on slot `slot` as the musician's change.
    pub fn apply(&self, slot: usize, edit: Edit) -> Result<(), EditError> {
        self.edits.apply(Origin::Editor, slot, edit)
    }

    /// Undoes the last edit, if there is one.
    pub fn undo(&self) {
        let _ = self.edits.apply(Origin::Editor, 0, Edit::Undo);
    }

    /// Redoes the last undone edit, if there is one.
    pub fn redo(&self) {
        let _ = self.edits.apply(Origin::Editor, 0, Edit::Redo);
    }

    /// Uses the host's editor context from now on, for the editor's changes and, where the
    /// plugin API allows it, OSC commands' changes.
    pub fn attach(&mut self, context: GuiContext) {
        self.gateway().attach(context);
    }

    /// Sets `param` to `value` as one recorded gesture (a click or a typed value).
    pub fn set<P: Param>(&self, param: &P, value: P::Plain) -> Route {
        self.gateway().set_from_gui(param, value)
    }

    /// Switches a boolean parameter as one recorded gesture.
    pub fn toggle(&self, param: &BoolParam) -> Route {
        self.gateway().set_from_gui(param, !param.value())
    }

    /// Starts a gesture on `param` (a drag began). Without a host context nothing is sent;
    /// [`Self::drag_to`] then stores values directly.
    pub fn begin_drag<P: Param>(&self, param: &P) {
        self.gateway().begin_drag(param);
    }

    /// Sends a value of a gesture begun with [`Self::begin_drag`].
    pub fn drag_to<P: Param>(&self, param: &P, value: P::Plain) {
        self.gateway().drag_to(param, value);
    }

    /// Ends a gesture begun with [`Self::begin_drag`].
    pub fn end_drag<P: Param>(&self, param: &P) {
        self.gateway().end_drag(param);
    }

    /// The parameter values as the audio thread takes them now.
    pub fn performance(&self) -> Performance {
        self.params().performance()
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
        self.edits.osc_out().get()
    }
}

impl std::fmt::Debug for EditorModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EditorModel").finish_non_exhaustive()
    }
}
