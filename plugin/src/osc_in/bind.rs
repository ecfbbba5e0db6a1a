//! Binding the server socket: the configured port, or the next free one above it, never one of
//! the [`RESERVED_PORTS`](super::RESERVED_PORTS).

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};

use super::settings::is_reserved;

/// Most ports tried (reserved ports skipped do not count).
pub const BIND_ATTEMPTS: usize = 32;

/// Binds UDP on `host` at `port` or, when that is taken, at the next free port upward within
/// [`BIND_ATTEMPTS`] tries, skipping reserved ports. Resolves `host` first (may block on DNS).
/// Errors other than "in use" or "permission denied" end the search at once.
pub(crate) fn bind(host: &str, port: u16) -> io::Result<UdpSocket> {
    if is_reserved(port) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "OSC input port {port} is reserved for Music Chronus (5005 input, 5006 and 5007 \
                 visualiser); choose another port"
            ),
        ));
    }
    let addresses = resolve(host)?;
    let candidates: Vec<u16> = (port..=u16::MAX)
        .filter(|&candidate| !is_reserved(candidate))
        .take(BIND_ATTEMPTS)
        .collect();
    let mut last_error = None;
    for &candidate in &candidates {
        for &address in &addresses {
            match UdpSocket::bind(SocketAddr::new(address, candidate)) {
                Ok(socket) => return Ok(socket),
                Err(error) if taken(&error) => last_error = Some(error),
                Err(error) => {
                    return Err(io::Error::new(
                        error.kind(),
                        format!("cannot bind OSC input to {address} port {candidate}: {error}"),
                    ))
                }
            }
        }
    }
    let tried = match (candidates.first(), candidates.last()) {
        (Some(first), Some(last)) if first != last => format!("ports {first}–{last}"),
        _ => format!("port {port}"),
    };
    let cause = last_error.map_or_else(String::new, |error| format!(": {error}"));
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!(
            "no free UDP port for OSC input on {host}: tried {tried} (5005–5007 skipped){cause}"
        ),
    ))
}

/// Whether a bind error means "this port is not available, try another".
fn taken(error: &io::Error) -> bool {
    // Windows reports ports in its excluded ranges, or held exclusively, as access denied.
    matches!(
        error.kind(),
        io::ErrorKind::AddrInUse | io::ErrorKind::PermissionDenied
    )
}

/// The addresses `host` stands for, in resolver order, without duplicates.
fn resolve(host: &str) -> io::Result<Vec<IpAddr>> {
    let resolved = (host, 0).to_socket_addrs().map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("cannot resolve OSC input host {host:?}: {error}"),
        )
    })?;
    let mut addresses: Vec<IpAddr> = Vec::new();
    for address in resolved {
        if !addresses.contains(&address.ip()) {
            addresses.push(address.ip());
        }
    }
    if addresses.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("OSC input host {host:?} resolves to no address"),
        ));
    }
    Ok(addresses)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A port the OS just handed out, held by the returned socket.
    fn held_port() -> (UdpSocket, u16) {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = socket.local_addr().unwrap().port();
        (socket, port)
    }

    #[test]
    fn reserved_port_is_refused() {
        for port in [5005, 5006, 5007] {
            let error = bind("127.0.0.1", port).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
            assert!(error.to_string().contains("reserved"), "{error}");
        }
    }

    #[test]
    fn taken_port_falls_back_upward() {
        let (_held, port) = held_port();
        let socket = bind("127.0.0.1", port).unwrap();
        let bound = socket.local_addr().unwrap().port();
        assert!(bound > port && bound < port + 40, "{port} → {bound}");
    }

    #[test]
    fn unresolvable_host_is_an_error() {
        let error = bind("no such host.invalid", 6000).unwrap_err();
        assert!(error.to_string().contains("OSC input host"), "{error}");
    }

    #[test]
    fn nothing_free_is_an_error_not_a_panic() {
        // Hold the last ports of the range, so the search runs off the end.
        // Ports busy elsewhere are just as taken.
        let _held: Vec<UdpSocket> = (65_530..=u16::MAX)
            .filter_map(|port| UdpSocket::bind(("127.0.0.1", port)).ok())
            .collect();
        let error = bind("127.0.0.1", 65_530).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
        assert!(
            error.to_string().contains("tried ports 65530–65535"),
            "{error}"
        );
    }
}
