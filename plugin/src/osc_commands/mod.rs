//! The commands the OSC input carries out: the native set under `/chronus/` and the Music
//! Chronus sequencer dialect under `/seq/` and `/pattern/`. Commands check every argument before
//! they change anything, and a change is one document edit (one snapshot for the audio thread,
//! one undo step) or one host-parameter gesture. `docs/OSC.md` is the reference.

mod args;
mod dialect;
mod native;
mod notes;
mod query;

use std::sync::Arc;

use rosc::{OscMessage, OscType};

use crate::document::store::PatternStore;
use crate::document::PatternDoc;
use crate::live_state::LiveState;
use crate::osc_in::{CommandError, CommandHandler};
use crate::osc_out::SettingsCell;
use crate::param_gateway::ParamGateway;
use crate::params::SeqParams;
use crate::slot_override::SlotOverride;

pub use args::MAX_STRING_BYTES;
pub use native::{parse_quantize, MAX_NAME_CHARS};
pub use notes::parse_note;

/// Everything a command may read or change.
pub struct Remote {
    /// The pattern document.
    pub store: PatternStore,
    /// Host parameters, read directly and changed through `gateway`.
    pub params: Arc<SeqParams>,
    /// The path for parameter changes, so the DAW sees them.
    pub gateway: Arc<ParamGateway>,
    /// What plays now, for replies.
    pub live: Arc<LiveState>,
    /// Where gates go, per track.
    pub osc_out: Arc<SettingsCell>,
    /// One-time quantize for `/pattern/load`.
    pub slot_override: Arc<SlotOverride>,
    /// The slot edits go to; `None` follows the Pattern Slot parameter. OSC-in thread only.
    pub edit_slot: Option<usize>,
}

impl Remote {
    /// The slot edits go to now, 0-based.
    pub fn target_slot(&self) -> usize {
        self.edit_slot.unwrap_or_else(|| {
            let selected = self.params.slot.value() - 1;
            selected.clamp(0, crate::engine::pattern::SLOT_COUNT as i32 - 1) as usize
        })
    }

    /// Edits the target slot as one undoable change.
    pub fn edit<R>(&self, edit: impl FnOnce(&mut PatternDoc) -> R) -> R {
        self.store.edit_slot(self.target_slot(), edit)
    }
}

/// The reply to a command that worked: `/chronus/ok <address>`.
pub fn ok(address: &str) -> Vec<OscMessage> {
    vec![OscMessage {
        addr: "/chronus/ok".to_owned(),
        args: vec![OscType::String(address.to_owned())],
    }]
}

/// The handler the OSC input server runs.
pub struct SeqCommands {
    remote: Remote,
}

impl SeqCommands {
    /// Commands acting on `remote`.
    pub fn new(remote: Remote) -> SeqCommands {
        SeqCommands { remote }
    }
}

impl CommandHandler for SeqCommands {
    fn handle(&mut self, message: &OscMessage) -> Result<Vec<OscMessage>, CommandError> {
        let handled = if message.addr.starts_with("/chronus/") {
            native::handle(&mut self.remote, message)
        } else {
            dialect::handle(&mut self.remote, message)
        };
        handled.unwrap_or_else(|| {
            Err(CommandError::new(
                message.addr.clone(),
                "unknown address; see docs/OSC.md for the commands",
            ))
        })
    }
}
