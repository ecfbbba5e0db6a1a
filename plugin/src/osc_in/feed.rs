//! Messages the server pushes without being asked (subscriptions): a [`Feed`] says what is due
//! and to whom, and the feed thread sends it from the server's own socket, so a client reads
//! pushed messages on the same socket as its replies. The feed thread is not real-time: it
//! reads what other threads publish and sleeps between polls as the feed asks.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rosc::{encoder, OscMessage, OscPacket};

use super::status::OscInStatus;
use crate::clock::Clock;

/// Name of the feed thread.
pub const FEED_THREAD_NAME: &str = "chronus-seq-osc-feed";

/// Longest pause between two polls, whatever the feed asks.
pub const MAX_FEED_PAUSE: Duration = Duration::from_millis(100);

/// Produces pushed messages. Called on the feed thread only.
pub trait Feed {
    /// Adds the messages due at `now` to `out`, each with its destination, and returns how
    /// long the thread may sleep before the next call (at most [`MAX_FEED_PAUSE`] is used).
    fn poll(&mut self, now: Instant, out: &mut Vec<(SocketAddr, OscMessage)>) -> Duration;
}

/// Stop request shared with the feed thread.
#[derive(Default)]
struct Stop {
    /// Set once by the owner. Read by the feed thread.
    requested: Mutex<bool>,
    /// Wakes the feed thread at once on a stop request.
    wake: Condvar,
}

/// The running feed thread; stopping (or dropping) it ends and joins the thread.
pub struct FeedThread {
    /// Shared with the thread.
    stop: Arc<Stop>,
    /// The thread, until joined. Owner only.
    thread: Option<JoinHandle<()>>,
}

impl FeedThread {
    /// Starts the thread sending `feed`'s messages from `socket`; send errors are counted in
    /// `status`. The feed is polled with `clock`'s time.
    pub fn start(
        mut feed: Box<dyn Feed + Send>,
        socket: UdpSocket,
        status: Arc<OscInStatus>,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<FeedThread> {
        let stop = Arc::new(Stop::default());
        let thread = {
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name(FEED_THREAD_NAME.to_owned())
                .spawn(move || {
                    let mut out = Vec::new();
                    let mut bytes = Vec::with_capacity(256);
                    let mut requested = stop
                        .requested
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    while !*requested {
                        drop(requested);
                        let pause = feed.poll(clock.now(), &mut out).min(MAX_FEED_PAUSE);
                        for (address, message) in out.drain(..) {
                            bytes.clear();
                            if let Err(never) =
                                encoder::encode_into(&OscPacket::Message(message), &mut bytes)
                            {
                                match never {}
                            }
                            if socket.send_to(&bytes, address).is_err() {
                                status.reply_send_errors.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        requested = stop
                            .requested
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner);
                        if !*requested {
                            requested = stop
                                .wake
                                .wait_timeout(requested, pause)
                                .unwrap_or_else(PoisonError::into_inner)
                                .0;
                        }
                    }
                })?
        };
        Ok(FeedThread {
            stop,
            thread: Some(thread),
        })
    }

    fn shut_down(&mut self) {
        *self
            .stop
            .requested
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.stop.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for FeedThread {
    fn drop(&mut self) {
        self.shut_down();
    }
}

impl std::fmt::Debug for FeedThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedThread").finish_non_exhaustive()
    }
}
