//! The commands the OSC input carries out: the native set under `/chronus/` and the Music
//! Chronus sequencer dialect under `/seq/` and `/pattern/`. Commands only translate: each reads
//! its arguments into one edit of the edit layer (`crate::edit`), which checks it and applies it
//! whole (one snapshot for the audio thread, one undo step) or refuses it with a reason.
//! `docs/OSC.md` is the reference.

mod agent;
mod args;
mod clients;
mod dialect;
mod forward;
mod lanes;
mod midi_input;
mod native;
mod query;
mod remote_settings;
mod report;
pub mod spec;
pub mod subscriptions;

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;

use rosc::{OscMessage, OscType};

pub use query::MAX_STATE_MESSAGE_BYTES;

use args::Args;
use clients::ClientDefaults;
use spec::{Command, Run};
use subscriptions::{SharedSubscribers, SubscriptionFeed};

use crate::edit::{Edit, EditError, EditLayer, Origin};
use crate::engine::slot_switch::{switch_beat, BarGrid, SlotQuantize};
use crate::live_state::LiveState;
use crate::osc_in::{CommandError, CommandHandler, Feed, OscInSettings, OscInStatus};
use crate::osc_out::OscOutStatus;
use crate::versioned_cell::VersionedCell;

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
    /// Who sent the message being handled, if known. OSC-in thread only.
    pub sender: Option<SocketAddr>,
    /// Where the edit being read lands (its quantize option, else the client's default). Set
    /// before each edit command is read; OSC-in thread only.
    pub edit_lands: SlotQuantize,
    /// Per-client defaults. OSC-in thread only.
    pub clients: ClientDefaults,
    /// Who gets pushed messages. Shared with the OSC input's feed thread.
    pub subscribers: SharedSubscribers,
    /// The OSC input's status, with the musician's remote-settings permission. Written by the
    /// editor (permission) and the OSC-in thread.
    pub osc_in_status: Arc<OscInStatus>,
    /// Where the OSC input listens. Written here (when allowed), by state loads and the editor;
    /// read by the OSC input's supervisor.
    pub osc_in_settings: Arc<VersionedCell<OscInSettings>>,
}

impl Remote {
    /// The slot edits go to now, 0-based.
    pub fn target_slot(&self) -> usize {
        self.edit_slot.unwrap_or_else(|| {
            let selected = self.edits.params().slot.value() - 1;
            selected.clamp(0, crate::engine::pattern::SLOT_COUNT as i32 - 1) as usize
        })
    }

    /// The song beat the edit being read takes effect at: where the transport stands, or, while
    /// it plays, the sixteenth or bar line the edit lands on (its quantize option). A note cycle
    /// set by an edit starts from the first hit at or after this beat.
    pub fn edit_beat(&self) -> f64 {
        let transport = self.live.transport();
        if !transport.playing || !transport.position.is_finite() {
            return transport.position;
        }
        let bars = BarGrid {
            origin_beat: transport.bar_origin,
            length_beats: transport.bar_beats,
        };
        switch_beat(self.edit_lands, transport.position, bars)
    }

    /// Whether the musician allowed remote settings in the editor (clients on other computers
    /// may subscribe; agents may change the OSC output target and the input port).
    pub fn remote_settings_allowed(&self) -> bool {
        self.osc_in_status
            .allow_remote_settings
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Carries out `edit` on the target slot, landing at `lands`.
    pub fn apply(&self, edit: Edit, lands: SlotQuantize) -> Result<(), EditError> {
        self.edits
            .apply_landing(Origin::Osc, self.target_slot(), edit, lands)
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

/// Every command table, in the order the schema lists them: the native set, its lanes, note
/// cycles and voice commands, the MIDI input, the Music Chronus dialect, and the commands for
/// agents (schema, check, subscriptions). The modular's own routes (`/mod/…`, `/gate/…`,
/// `/engine/…`) are no commands: they are forwarded by prefix (`forward.rs`; the schema lists
/// them as `forwarded`).
pub const TABLES: [&[Command]; 7] = [
    native::COMMANDS,
    lanes::COMMANDS,
    midi_input::COMMANDS,
    dialect::COMMANDS,
    agent::COMMANDS,
    subscriptions::COMMANDS,
    remote_settings::COMMANDS,
];

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
    match command.run {
        Run::Edit(read) => {
            let (message, asked) = quantize_option(message)?;
            let mut args = Args::new(&message);
            remote.edit_lands = asked.unwrap_or_else(|| remote.clients.quantize(remote.sender));
            let edit = read(&mut args, remote)?;
            let (edit, lands) = landing(edit, asked, remote.clients.quantize(remote.sender));
            let warning = dialect::beyond_voices(remote, &edit);
            remote
                .apply(edit, lands)
                .map_err(|error| args.refused(error))?;
            Ok(warning.into_iter().chain(ok(command.address)).collect())
        }
        Run::Reply(reply) => reply(remote, &mut Args::new(message)),
    }
}

/// The prefix of the quantize option an edit command may end with: `quantize=now|step|bar`.
pub const QUANTIZE_OPTION: &str = "quantize=";

/// `message` without a trailing `quantize=…` argument, and the quantize it named.
fn quantize_option(
    message: &OscMessage,
) -> Result<(Cow<'_, OscMessage>, Option<SlotQuantize>), CommandError> {
    let Some(OscType::String(last)) = message.args.last() else {
        return Ok((Cow::Borrowed(message), None));
    };
    let Some(name) = last.strip_prefix(QUANTIZE_OPTION) else {
        return Ok((Cow::Borrowed(message), None));
    };
    let quantize = native::parse_quantize(name).ok_or_else(|| {
        CommandError::new(
            message.addr.clone(),
            format!("unknown quantize {name:?}; use quantize=now, quantize=step or quantize=bar"),
        )
    })?;
    let mut stripped = message.clone();
    stripped.args.pop();
    Ok((Cow::Owned(stripped), Some(quantize)))
}

/// Where `edit` lands: as `asked`, else as the client's default. A slot change asked for with
/// a quantize takes it as its own (the switch waits for it instead of Slot Quantize).
fn landing(edit: Edit, asked: Option<SlotQuantize>, default: SlotQuantize) -> (Edit, SlotQuantize) {
    match (edit, asked) {
        (
            Edit::PlaySlot {
                slot,
                quantize: None,
            },
            Some(quantize),
        ) => (
            Edit::PlaySlot {
                slot,
                quantize: Some(quantize),
            },
            SlotQuantize::Now,
        ),
        (edit, asked) => (edit, asked.unwrap_or(default)),
    }
}

impl CommandHandler for SeqCommands {
    fn handle(&mut self, message: &OscMessage) -> Result<Vec<OscMessage>, CommandError> {
        if forward::is_modular(&message.addr) {
            // The modular's own routes are not commands: they go on to the OSC target.
            return self.forwarder.forward_counted(&self.remote, message);
        }
        run(&mut self.remote, message)
    }

    fn set_sender(&mut self, sender: SocketAddr) {
        self.remote.sender = Some(sender);
    }

    fn feed(&mut self) -> Option<Box<dyn Feed + Send>> {
        Some(Box::new(SubscriptionFeed::new(
            Arc::clone(&self.remote.subscribers),
            self.remote.edits.store().clone(),
            Arc::clone(self.remote.edits.osc_out()),
            Arc::clone(&self.remote.live),
        )))
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
