//! The server thread: receives datagrams and passes each to the [`Dispatcher`], replying to the
//! datagram's source.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::clock::{self, Clock};

use super::bind::bind;
use super::decode::MAX_DATAGRAM;
use super::dispatch::Dispatcher;
use super::feed::FeedThread;
use super::handler::CommandHandler;
use super::settings::OscInSettings;
use super::status::OscInStatus;

/// Name of the server thread.
pub const THREAD_NAME: &str = "chronus-seq-osc-in";
/// Longest the thread waits for a datagram before looking at the stop flag again.
pub const READ_TIMEOUT: Duration = Duration::from_millis(50);
/// Pause after an unexpected receive error, so a persistent one cannot spin the thread.
const ERROR_PAUSE: Duration = Duration::from_millis(5);

/// Handle to a running server. Stopping (or dropping) it ends the thread, waits for it and
/// releases the socket, so the port can be bound again at once.
#[derive(Debug)]
pub struct OscInServer {
    /// Asks the thread to exit. Written by the owner, read by the server thread after every
    /// receive (at least every [`READ_TIMEOUT`]).
    stop: Arc<AtomicBool>,
    /// The thread, until joined. Owner only.
    thread: Option<JoinHandle<()>>,
    /// A handle to the server socket, to wake the thread with an empty datagram on stop. Owner
    /// only; closed on stop.
    waker: Option<UdpSocket>,
    /// Where the socket listens.
    local_addr: SocketAddr,
    /// Shared with the thread; its bound port is cleared on stop.
    status: Arc<OscInStatus>,
    /// The thread pushing the handler's feed, if it has one. Stopped before the server thread.
    feed: Option<FeedThread>,
}

/// Binds the socket (see [`OscInSettings`] for the port rules), records the bound port in
/// `status` and starts the server thread, which owns `handler`. Resolves the host on the calling
/// thread. Fails, with the reason also stored as `status`'s last error, when the settings are
/// disabled or invalid, no port could be bound, or the thread cannot be spawned. The rate limits
/// run on the system clock.
pub fn start(
    settings: &OscInSettings,
    handler: Box<dyn CommandHandler + Send>,
    status: Arc<OscInStatus>,
) -> io::Result<OscInServer> {
    start_with_clock(settings, handler, status, clock::system())
}

/// [`start`] with the rate limits reading the time from `clock`.
pub fn start_with_clock(
    settings: &OscInSettings,
    handler: Box<dyn CommandHandler + Send>,
    status: Arc<OscInStatus>,
    clock: Arc<dyn Clock>,
) -> io::Result<OscInServer> {
    start_inner(settings, handler, Arc::clone(&status), clock).inspect_err(|error| {
        status.set_error(&error.to_string());
    })
}

fn start_inner(
    settings: &OscInSettings,
    mut handler: Box<dyn CommandHandler + Send>,
    status: Arc<OscInStatus>,
    clock: Arc<dyn Clock>,
) -> io::Result<OscInServer> {
    if !settings.enabled {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "OSC input is disabled",
        ));
    }
    settings
        .validate()
        .map_err(|reason| io::Error::new(io::ErrorKind::InvalidInput, reason))?;
    let socket = bind(&settings.host, settings.port)?;
    socket.set_read_timeout(Some(READ_TIMEOUT))?;
    let local_addr = socket.local_addr()?;
    let waker = socket.try_clone()?;
    let stop = Arc::new(AtomicBool::new(false));
    let feed = match handler.feed() {
        Some(feed) => Some(FeedThread::start(
            feed,
            socket.try_clone()?,
            Arc::clone(&status),
            Arc::clone(&clock),
        )?),
        None => None,
    };
    let dispatcher = Dispatcher::new(handler, Arc::clone(&status), clock);
    let thread = {
        let stop = Arc::clone(&stop);
        let status = Arc::clone(&status);
        thread::Builder::new()
            .name(THREAD_NAME.to_owned())
            .spawn(move || run(&socket, dispatcher, &stop, &status))?
    };
    status
        .bound_port
        .store(local_addr.port(), Ordering::Release);
    Ok(OscInServer {
        stop,
        thread: Some(thread),
        waker: Some(waker),
        local_addr,
        status,
        feed,
    })
}

impl OscInServer {
    /// The UDP port the server listens on.
    pub fn local_port(&self) -> u16 {
        self.local_addr.port()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Whether the thread is still running (false after a panic, which should not happen).
    pub fn is_running(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }

    /// Stops the thread and waits for it (well under [`READ_TIMEOUT`] normally, at most about
    /// that long), then releases the port.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        drop(self.feed.take());
        self.stop.store(true, Ordering::Release);
        if let Some(waker) = self.waker.take() {
            // Best effort: if the wake-up is lost, the read timeout ends the wait.
            let _ = waker.send_to(&[], wake_addr(self.local_addr));
        }
        if let Some(thread) = self.thread.take() {
            // A panicked thread has nothing left to clean up; the owner carries on.
            let _ = thread.join();
        }
        let port = self.local_addr.port();
        // Only clear the port if no newer server sharing this status has replaced it.
        let _ =
            self.status
                .bound_port
                .compare_exchange(port, 0, Ordering::AcqRel, Ordering::Acquire);
    }
}

impl Drop for OscInServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Where to send the wake-up datagram: the listening address, with a wildcard IP replaced by
/// loopback.
fn wake_addr(local: SocketAddr) -> SocketAddr {
    let ip = match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, local.port())
}

/// The receive loop. Datagrams arriving once stop is requested (including the wake-up) are
/// dropped unhandled.
fn run(socket: &UdpSocket, mut dispatcher: Dispatcher, stop: &AtomicBool, status: &OscInStatus) {
    // One byte more than accepted, so an over-long datagram shows as one.
    let mut buffer = vec![0u8; MAX_DATAGRAM + 1].into_boxed_slice();
    while !stop.load(Ordering::Acquire) {
        match socket.recv_from(&mut buffer) {
            Ok((length, source)) => {
                if stop.load(Ordering::Acquire) {
                    break;
                }
                let datagram = buffer.get(..length).unwrap_or(&buffer);
                dispatcher.dispatch_from(datagram, source, |reply| {
                    socket.send_to(reply, source).map(drop)
                });
            }
            Err(error) => match error.kind() {
                io::ErrorKind::WouldBlock
                | io::ErrorKind::TimedOut
                | io::ErrorKind::Interrupted => {}
                // Windows reports an earlier reply's "port unreachable" on the next receive.
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionRefused => {}
                _ => {
                    status.receive_errors.fetch_add(1, Ordering::Relaxed);
                    status.set_error(&format!("OSC input receive failed: {error}"));
                    thread::sleep(ERROR_PAUSE);
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wake_addr_replaces_wildcards() {
        let wild: SocketAddr = "0.0.0.0:6000".parse().unwrap();
        assert_eq!(wake_addr(wild), "127.0.0.1:6000".parse().unwrap());
        let wild6: SocketAddr = "[::]:6000".parse().unwrap();
        assert_eq!(wake_addr(wild6), "[::1]:6000".parse().unwrap());
        let specific: SocketAddr = "192.168.1.5:6000".parse().unwrap();
        assert_eq!(wake_addr(specific), specific);
    }
}
