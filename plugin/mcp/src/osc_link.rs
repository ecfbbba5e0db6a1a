//! The OSC side: one UDP socket on loopback that sends commands to a plugin instance and reads
//! its replies. Pushed messages (subscriptions) arriving on the same socket are kept apart for
//! the `read_changes` tool.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use rosc::{OscMessage, OscPacket, OscType};
use tokio::net::UdpSocket;

/// How long a command waits for its reply.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(2);
/// Most pushed messages kept until read.
const MAX_NEWS: usize = 1_000;

/// Addresses of messages the plugin pushes to subscribers.
fn is_pushed(address: &str) -> bool {
    address.starts_with("/chronus/changed")
        || matches!(
            address,
            "/chronus/bar" | "/chronus/transport" | "/chronus/slot/playing"
        )
}

/// One socket and what arrived on it unasked.
#[derive(Debug)]
pub struct OscLink {
    socket: UdpSocket,
    /// Pushed messages not read yet, oldest first.
    news: VecDeque<OscMessage>,
}

/// Why a command got no answer.
pub type LinkError = String;

impl OscLink {
    /// A socket on an ephemeral port of `host`'s family.
    pub async fn bind(host: std::net::IpAddr) -> Result<OscLink, LinkError> {
        let local = SocketAddr::new(host, 0);
        let socket = UdpSocket::bind(local)
            .await
            .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
        Ok(OscLink {
            socket,
            news: VecDeque::new(),
        })
    }

    /// Sends `message` to `target`.
    pub async fn send(&self, target: SocketAddr, message: OscMessage) -> Result<(), LinkError> {
        let bytes = rosc::encoder::encode(&OscPacket::Message(message))
            .map_err(|e| format!("cannot encode: {e}"))?;
        self.socket
            .send_to(&bytes, target)
            .await
            .map(drop)
            .map_err(|e| format!("cannot send to {target}: {e}"))
    }

    /// The next reply from `from` within `timeout` (pushed messages are put aside).
    pub async fn receive(
        &mut self,
        from: Option<SocketAddr>,
        timeout: Duration,
    ) -> Result<Option<(SocketAddr, OscMessage)>, LinkError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut buffer = vec![0u8; 65_536];
        loop {
            let received =
                tokio::time::timeout_at(deadline, self.socket.recv_from(&mut buffer)).await;
            let Ok(received) = received else {
                return Ok(None);
            };
            let (length, source) = match received {
                Ok(received) => received,
                // An earlier datagram to a port nobody listens on (discovery) is reported on
                // a later receive.
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset
                    ) =>
                {
                    continue
                }
                Err(e) => return Err(format!("cannot receive: {e}")),
            };
            if from.is_some_and(|from| from != source) {
                continue;
            }
            let Ok((_, packet)) = rosc::decoder::decode_udp(&buffer[..length]) else {
                continue;
            };
            for message in flatten(packet) {
                if is_pushed(&message.addr) {
                    if self.news.len() == MAX_NEWS {
                        self.news.pop_front();
                    }
                    self.news.push_back(message);
                } else {
                    return Ok(Some((source, message)));
                }
            }
        }
    }

    /// Sends a command and gathers its whole reply: up to `/chronus/ok`, every part of
    /// `/chronus/schema`, else the first message. A query is followed by a `/chronus/ping` and
    /// its reply gathered up to the pong, so it is read whole whatever messages the instance's
    /// version sends (the end message came with the lanes; an older instance has none).
    /// A `/seq/error` is returned as the error, with the plugin's reason.
    pub async fn command(
        &mut self,
        target: SocketAddr,
        message: OscMessage,
    ) -> Result<Vec<OscMessage>, LinkError> {
        let address = message.addr.clone();
        let query = address == "/chronus/query";
        self.send(target, message).await?;
        if query {
            let ping = OscMessage {
                addr: "/chronus/ping".to_owned(),
                args: Vec::new(),
            };
            self.send(target, ping).await?;
        }
        let mut replies = Vec::new();
        let mut refused = None;
        loop {
            let Some((_, reply)) = self.receive(Some(target), REPLY_TIMEOUT).await? else {
                return Err(format!(
                    "no reply from the plugin at {target} to {address}; is it still running?"
                ));
            };
            if reply.addr == "/seq/error" {
                let reason = match reply.args.get(1) {
                    Some(OscType::String(reason)) => reason.clone(),
                    _ => "refused".to_owned(),
                };
                if !query {
                    return Err(reason);
                }
                refused = Some(reason);
                continue;
            }
            if query {
                if reply.addr == "/chronus/pong" {
                    return refused.map_or(Ok(replies), Err);
                }
                replies.push(reply);
                continue;
            }
            let done = match reply.addr.as_str() {
                "/chronus/schema" => reply.args.first() == reply.args.get(1),
                _ => true,
            };
            replies.push(reply);
            if done {
                return Ok(replies);
            }
        }
    }

    /// The pushed messages received so far, oldest first, and forgets them.
    pub fn take_news(&mut self) -> Vec<OscMessage> {
        self.news.drain(..).collect()
    }
}

/// The messages of a packet, bundles unpacked in order.
fn flatten(packet: OscPacket) -> Vec<OscMessage> {
    match packet {
        OscPacket::Message(message) => vec![message],
        OscPacket::Bundle(bundle) => bundle.content.into_iter().flat_map(flatten).collect(),
    }
}
