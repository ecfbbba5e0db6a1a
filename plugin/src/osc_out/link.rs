//! The UDP destination: name resolution and the socket. Sidecar thread only (resolution may
//! block on DNS).

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

/// How long a failed destination waits before it is resolved again.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);

/// A resolved destination and its connected socket, or why there is none.
#[derive(Debug)]
pub struct Link {
    /// Host as configured.
    host: String,
    /// Port as configured.
    port: u16,
    /// The connected socket, or the error text.
    socket: Result<UdpSocket, String>,
    /// When resolution was last tried.
    tried: Instant,
}

impl Link {
    /// Resolves `host`, binds an ephemeral local port and connects it there (so "port
    /// unreachable" comes back as `ECONNREFUSED`), at `now`. Prefers IPv4. May block on DNS.
    pub fn open(host: &str, port: u16, now: Instant) -> Link {
        Link {
            host: host.to_owned(),
            port,
            socket: connect(host, port),
            tried: now,
        }
    }

    /// A placeholder that sends nothing until replaced; resolves nothing.
    pub fn unopened(host: &str, port: u16, now: Instant) -> Link {
        Link {
            host: host.to_owned(),
            port,
            socket: Err(format!("OSC destination {host}:{port}: not opened yet")),
            tried: now,
        }
    }

    /// Whether this link was made for `host` and `port`.
    pub fn is_for(&self, host: &str, port: u16) -> bool {
        self.host == host && self.port == port
    }

    /// The destination address, if resolved and connected.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.socket.as_ref().ok()?.peer_addr().ok()
    }

    /// Whether resolution or socket setup failed.
    pub fn is_broken(&self) -> bool {
        self.socket.is_err()
    }

    /// Resolves again if broken and [`RETRY_AFTER`] has passed.
    pub fn retry_if_due(&mut self, now: Instant) {
        if self.is_broken() && now.saturating_duration_since(self.tried) >= RETRY_AFTER {
            *self = Link::open(&self.host, self.port, now);
        }
    }

    /// Sends one datagram; the error text names the destination.
    pub fn send(&self, bytes: &[u8]) -> Result<(), String> {
        let socket = self.socket.as_ref().map_err(Clone::clone)?;
        match socket.send(bytes) {
            Ok(_) => Ok(()),
            Err(error) => Err(format!(
                "OSC send to {}:{} failed: {error}",
                self.host, self.port
            )),
        }
    }
}

fn connect(host: &str, port: u16) -> Result<UdpSocket, String> {
    let described = |error: io::Error| format!("OSC destination {host}:{port}: {error}");
    let addresses: Vec<SocketAddr> = (host, port).to_socket_addrs().map_err(described)?.collect();
    let address = addresses
        .iter()
        .find(|address| address.is_ipv4())
        .or(addresses.first())
        .copied()
        .ok_or_else(|| format!("OSC destination {host}:{port}: no address found"))?;
    let local: SocketAddr = match address {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local).map_err(described)?;
    socket.connect(address).map_err(described)?;
    Ok(socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_to_loopback() {
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = receiver.local_addr().unwrap().port();
        let link = Link::open("127.0.0.1", port, Instant::now());
        assert_eq!(link.peer(), Some(receiver.local_addr().unwrap()));
        link.send(b"hello").unwrap();
        let mut buffer = [0; 16];
        receiver
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let (length, _) = receiver.recv_from(&mut buffer).unwrap();
        assert_eq!(&buffer[..length], b"hello");
        assert!(link.is_for("127.0.0.1", port));
    }

    #[test]
    fn unresolvable_host_is_an_error_not_a_panic() {
        let link = Link::open("no-such-host.invalid", 5005, Instant::now());
        assert!(link.is_broken());
        let error = link.send(b"x").unwrap_err();
        assert!(error.contains("no-such-host.invalid"), "{error}");
    }
}
