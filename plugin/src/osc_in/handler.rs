//! The seam between the transport and the commands: the server hands each decoded message to a
//! [`CommandHandler`] and sends back what it returns.

use std::fmt;
use std::net::SocketAddr;

use rosc::OscMessage;

use super::feed::Feed;

/// Carries out OSC commands. The server owns it and calls it on its own thread, one message at
/// a time, in arrival order (bundle contents in bundle order).
pub trait CommandHandler {
    /// Handles one message. `Ok(replies)` are sent back to the message's sender, in order;
    /// `Err` becomes a `/seq/error` reply (rate-limited) carrying its address and reason.
    /// Must not panic on any message.
    fn handle(&mut self, message: &OscMessage) -> Result<Vec<OscMessage>, CommandError>;

    /// Tells the handler who sent the messages that follow (until the next call), for settings
    /// it keeps per client. The server calls it once per datagram; the default ignores it.
    fn set_sender(&mut self, _sender: SocketAddr) {}

    /// Messages to push without being asked, sent from the server's socket by a thread of
    /// their own. The server asks once, when it starts; the default has none.
    fn feed(&mut self) -> Option<Box<dyn Feed + Send>> {
        None
    }
}

/// Why a command was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandError {
    /// The address of the refused message.
    pub address: String,
    /// What went wrong, for a human.
    pub reason: String,
}

impl CommandError {
    /// An error about the message at `address`.
    pub fn new(address: impl Into<String>, reason: impl Into<String>) -> CommandError {
        CommandError {
            address: address.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.address, self.reason)
    }
}

impl std::error::Error for CommandError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_address_and_reason() {
        let error = CommandError::new("/seq/tempo", "expected one float");
        assert_eq!(error.to_string(), "/seq/tempo: expected one float");
    }
}
