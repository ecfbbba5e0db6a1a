//! The commands the OSC input carries out: the native set under `/chronus/` and the Music
//! Chronus sequencer dialect under `/seq/` and `/pattern/`. Commands only translate: each reads
//! its arguments into one edit of the edit layer (`crate::edit`), which checks it and applies it
//! whole (one snapshot for the audio thread, one undo step) or refuses it with a reason.
//! `docs/OSC.md` is the reference.

mod agent;
mod args;
mod dialect;
mod native;
mod query;
pub mod spec;

use std::sync::Arc;

use rosc::{OscMessage, OscType};

use args::Args;
use spec::{Command, Run};

use crate::edit::{Edit, EditError, EditLayer, Origin};
use crate::live_state::LiveState;
use crate::osc_in::{CommandError, CommandHandler};

/// Everything a command may read or change.
pub struct Remote {
    /// The one way to change the document, parameters and OSC targets.
    pub edits: EditLayer,
    /// What plays now, for replies.
    pub live: Arc<LiveState>,
    /// The slot edits go to; `None` follows the Pattern Slot parameter. OSC-in thread only.
    pub edit_slot: Option<usize>,
}

impl Remote {
    /// The slot edits go to now, 0-based.
    pub fn target_slot(&self) -> usize {
        self.edit_slot.unwrap_or_else(|| {
            let selected = self.edits.params().slot.value() - 1;
            selected.clamp(0, crate::engine::pattern::SLOT_COUNT as i32 - 1) as usize
        })
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
}

impl SeqCommands {
    /// Commands acting on `remote`.
    pub fn new(remote: Remote) -> SeqCommands {
        SeqCommands { remote }
    }
}

/// Every command table, in the order the schema lists them: the native set, the Music Chronus
/// dialect, and the commands for agents (schema, check, subscriptions).
pub const TABLES: [&[Command]; 3] = [native::COMMANDS, dialect::COMMANDS, agent::COMMANDS];

/// Every command the handler carries out.
pub fn commands() -> impl Iterator<Item = &'static Command> {
    TABLES.into_iter().flatten()
}

/// The command at `address`.
pub fn find(address: &str) -> Option<&'static Command> {
    commands().find(|command| command.address == address)
}

/// Carries out `message` as the command at its address.
fn run(remote: &mut Remote, message: &OscMessage) -> Result<Vec<OscMessage>, CommandError> {
    let Some(command) = find(&message.addr) else {
        return Err(CommandError::new(
            message.addr.clone(),
            "unknown address; /chronus/schema lists the commands",
        ));
    };
    let mut args = Args::new(message);
    match command.run {
        Run::Edit(read) => {
            let edit = read(&mut args, remote)?;
            remote.apply(edit).map_err(|error| args.refused(error))?;
            Ok(ok(command.address))
        }
        Run::Reply(reply) => reply(remote, &mut args),
    }
}

impl CommandHandler for SeqCommands {
    fn handle(&mut self, message: &OscMessage) -> Result<Vec<OscMessage>, CommandError> {
        run(&mut self.remote, message)
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
