//! The commands the OSC input carries out: the native set under `/chronus/` and the Music
//! Chronus sequencer dialect under `/seq/` and `/pattern/`. Commands only translate: each reads
//! its arguments into one edit of the edit layer (`crate::edit`), which checks it and applies it
//! whole (one snapshot for the audio thread, one undo step) or refuses it with a reason.
//! `docs/OSC.md` is the reference.

mod args;
mod dialect;
mod forward;
mod lanes;
mod native;
mod query;

use std::sync::Arc;

use rosc::{OscMessage, OscType};

use crate::edit::{Edit, EditError, EditLayer, Origin};
use crate::live_state::LiveState;
use crate::osc_in::{CommandError, CommandHandler};
use crate::osc_out::OscOutStatus;

/// Everything a command may read or change.
pub struct Remote {
    /// The one way to change the document, parameters and OSC targets.
    pub edits: EditLayer,
    /// What plays now, for replies.
    pub live: Arc<LiveState>,
    /// The slot edits go to; `None` follows the Pattern Slot parameter. OSC-in thread only.
    pub edit_slot: Option<usize>,
    /// OSC output status: `/seq/stop` and `/seq/start` set its silence, forwarding counts in it.
    pub osc_out_status: Arc<OscOutStatus>,
}

impl Remote {
    /// The slot edits go to now, 0-based.
    pub fn target_slot(&self) -> usize {
        self.edit_slot.unwrap_or_else(|| {
            let selected = self.edits.params().slot.value() - 1;
            selected.clamp(0, crate::engine::pattern::SLOT_COUNT as i32 - 1) as usize
        })
    }

    /// The song position now, in beats (where the transport stands).
    pub fn position(&self) -> f64 {
        self.live.transport().position
    }

    /// Carries out `edit` on the target slot.
    pub fn apply(&self, edit: Edit) -> Result<(), EditError> {
        self.edits.apply(Origin::Osc, self.target_slot(), edit)
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
    /// Sends modular messages on to the OSC target. OSC-in thread only.
    forwarder: forward::Forwarder,
}

impl SeqCommands {
    /// Commands acting on `remote`.
    pub fn new(remote: Remote) -> SeqCommands {
        SeqCommands {
            remote,
            forwarder: forward::Forwarder::default(),
        }
    }
}

impl CommandHandler for SeqCommands {
    fn handle(&mut self, message: &OscMessage) -> Result<Vec<OscMessage>, CommandError> {
        let handled = if message.addr.starts_with("/chronus/") {
            native::handle(&mut self.remote, message)
                .or_else(|| lanes::handle(&mut self.remote, message))
        } else {
            self.forwarder
                .handle(&self.remote, message)
                .or_else(|| dialect::handle(&mut self.remote, message))
        };
        handled.unwrap_or_else(|| {
            Err(CommandError::new(
                message.addr.clone(),
                "unknown address; see docs/OSC.md for the commands",
            ))
        })
    }
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SeqCommands {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeqCommands").finish_non_exhaustive()
    }
}
