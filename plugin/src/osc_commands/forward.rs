//! The transparent path for the rest of the modular's language: messages received on the OSC
//! input that belong to the modular (`/mod/*`, `/gate/*`, `/engine/*`) are sent on, unchanged
//! and in arrival order, to the OSC output's target, so an agent written for Music Chronus can
//! talk to Chronus Seq alone. Counted in the OSC output status (`forwarded`); the OSC output
//! setting `forward_modular` turns it off. A forwarded message gets no reply (Music Chronus sends
//! none); a refusal (forwarding off, no usable target) replies `/seq/error` like any command.

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::atomic::Ordering;

use rosc::{OscMessage, OscPacket};

use super::Remote;
use crate::osc_in::CommandError;

/// Address prefixes of the modular's own routes.
pub const MODULAR_PREFIXES: [&str; 3] = ["/mod/", "/gate/", "/engine/"];

/// Whether `address` is one of the modular's routes.
pub fn is_modular(address: &str) -> bool {
    MODULAR_PREFIXES
        .iter()
        .any(|prefix| address.starts_with(prefix))
}

/// Sends modular messages on. Owned by the command handler (OSC-in thread).
#[derive(Debug, Default)]
pub struct Forwarder {
    /// The sending socket, bound on first use.
    socket: Option<UdpSocket>,
    /// The target as resolved for a settings version.
    target: Option<(u64, SocketAddr)>,
}

impl Forwarder {
    /// Forwards `message` (an address [`is_modular`] accepts) and counts it in the OSC output
    /// status. A forwarded message has no reply.
    pub fn forward_counted(
        &mut self,
        remote: &Remote,
        message: &OscMessage,
    ) -> Result<Vec<OscMessage>, CommandError> {
        self.forward(remote, message)?;
        remote
            .osc_out_status
            .forwarded
            .fetch_add(1, Ordering::Relaxed);
        Ok(Vec::new())
    }

    fn forward(&mut self, remote: &Remote, message: &OscMessage) -> Result<(), CommandError> {
        let refuse = |reason: String| CommandError::new(message.addr.clone(), reason);
        let cell = remote.edits.osc_out();
        let version = cell.version();
        let target = match self.target {
            Some((known, target)) if known == version => target,
            _ => {
                let settings = cell.get();
                if !settings.forward_modular {
                    return Err(refuse(
                        "forwarding of modular messages is off (/chronus/forward 1 turns it on)"
                            .to_owned(),
                    ));
                }
                let target = (settings.host.as_str(), settings.port)
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut addresses| addresses.next())
                    .ok_or_else(|| {
                        refuse(format!(
                            "cannot forward: the OSC target {}:{} does not resolve",
                            settings.host, settings.port
                        ))
                    })?;
                self.target = Some((version, target));
                target
            }
        };
        if self.socket.is_none() {
            let any: SocketAddr = if target.is_ipv4() {
                "0.0.0.0:0".parse().expect("an address")
            } else {
                "[::]:0".parse().expect("an address")
            };
            self.socket = Some(
                UdpSocket::bind(any).map_err(|error| refuse(format!("cannot forward: {error}")))?,
            );
        }
        let packet = OscPacket::Message(message.clone());
        let bytes = rosc::encoder::encode(&packet)
            .map_err(|error| refuse(format!("cannot forward: {error}")))?;
        let socket = self.socket.as_ref().expect("bound above");
        socket
            .send_to(&bytes, target)
            .map_err(|error| refuse(format!("cannot forward to {target}: {error}")))?;
        Ok(())
    }
}
