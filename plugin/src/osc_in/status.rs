//! Counters and texts written by the OSC-in server thread, readable from any thread. The texts
//! sit behind mutexes held only to copy a short string, so readers never block the server for
//! long.

use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// What the OSC-in server has done so far.
#[derive(Debug, Default)]
pub struct OscInStatus {
    /// The UDP port the server listens on; 0 while no server is bound. Written by [`super::start`]
    /// and by the server's owner when it stops, read by anyone.
    pub bound_port: AtomicU16,
    /// Datagrams received (well-formed or not). Written by the server thread, read by anyone.
    pub packets_received: AtomicU64,
    /// Messages the command handler accepted. Written by the server thread, read by anyone.
    pub messages_ok: AtomicU64,
    /// Datagrams that did not decode (malformed, too long, nested too deep); none of their
    /// messages reached the handler. Written by the server thread, read by anyone.
    pub decode_errors: AtomicU64,
    /// Messages the command handler refused. Written by the server thread, read by anyone.
    pub handler_errors: AtomicU64,
    /// `/seq/error` replies let through by the rate limit and handed to the socket (a failed
    /// send is also counted in [`Self::reply_send_errors`]). Written by the server thread, read
    /// by anyone.
    pub error_replies_sent: AtomicU64,
    /// Messages not carried out because commands came faster than the command budget allows.
    /// Written by the server thread, read by anyone.
    pub commands_rate_limited: AtomicU64,
    /// `/seq/error` replies not sent because of the rate limit. Always
    /// `error_replies_sent + error_replies_suppressed
    ///  == decode_errors + handler_errors + commands_rate_limited`.
    /// Written by the server thread, read by anyone.
    pub error_replies_suppressed: AtomicU64,
    /// Replies of any kind the socket refused to send. Written by the server thread, read by
    /// anyone.
    pub reply_send_errors: AtomicU64,
    /// Receive calls that failed other than by timing out. Written by the server thread, read by
    /// anyone.
    pub receive_errors: AtomicU64,
    /// Address of the newest message handed to the handler. Written by the server thread (only
    /// when the address changes), read by anyone.
    pub last_command: Mutex<Option<String>>,
    /// Whether the musician allowed remote settings in the editor: clients may then change the
    /// OSC output target and the input port, and clients on other computers may subscribe.
    /// Off at start and not saved with the project, so no project file can grant it. Written
    /// by the editor (GUI thread), read by the OSC-in thread.
    pub allow_remote_settings: AtomicBool,
    /// Text of the newest error (decode, handler, socket or start-up). Written by the server
    /// thread and by [`super::start`] (only when the text changes), read by anyone.
    pub last_error: Mutex<Option<String>>,
}

impl OscInStatus {
    /// Fresh, zeroed status.
    pub fn new() -> OscInStatus {
        OscInStatus::default()
    }

    /// The port the server listens on, if it is bound.
    pub fn bound_port(&self) -> Option<u16> {
        match self.bound_port.load(Ordering::Acquire) {
            0 => None,
            port => Some(port),
        }
    }

    /// The address of the newest message handed to the handler, if any.
    pub fn last_command(&self) -> Option<String> {
        self.last_command
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The newest error text, if any.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stores the address of a message about to be handled, reusing the stored string's
    /// allocation. Server thread only.
    pub(crate) fn set_last_command(&self, address: &str) {
        store_text(&self.last_command, address);
    }

    /// Stores an error text if it differs from the last one.
    pub(crate) fn set_error(&self, error: &str) {
        store_text(&self.last_error, error);
    }
}

/// Replaces the text in `slot` with `text` unless it is already that.
fn store_text(slot: &Mutex<Option<String>>, text: &str) {
    let mut stored = slot.lock().unwrap_or_else(PoisonError::into_inner);
    let stored = stored.get_or_insert_with(String::new);
    if stored != text {
        stored.clear();
        stored.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_status_is_empty() {
        let status = OscInStatus::new();
        assert_eq!(status.bound_port(), None);
        assert_eq!(status.last_command(), None);
        assert_eq!(status.last_error(), None);
    }

    #[test]
    fn texts_are_replaced() {
        let status = OscInStatus::new();
        status.set_last_command("/seq/play");
        status.set_last_command("/seq/stop");
        status.set_error("bad");
        assert_eq!(status.last_command().as_deref(), Some("/seq/stop"));
        assert_eq!(status.last_error().as_deref(), Some("bad"));
        status.bound_port.store(5050, Ordering::Release);
        assert_eq!(status.bound_port(), Some(5050));
    }
}
