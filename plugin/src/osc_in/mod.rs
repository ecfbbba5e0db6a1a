//! The OSC input server's transport: a UDP socket, a receive thread, and a pluggable
//! [`CommandHandler`] that knows what the messages mean. Nothing here knows about patterns or
//! commands.
//!
//! [`start`] binds UDP on the configured host and port. When the port is taken it tries the next
//! ones upward ([`BIND_ATTEMPTS`] in all). It never binds a [`RESERVED_PORTS`] port (Music
//! Chronus listens on 5005, its visualiser on 5006 and 5007): a configured reserved port is an
//! error, and the search skips them. The bound port is reported by [`OscInServer::local_port`]
//! and in [`OscInStatus`].
//!
//! The server thread (named `chronus-seq-osc-in`, see [`THREAD_NAME`]) receives each datagram
//! into a fixed 64 KiB buffer and hands it to a [`Dispatcher`]:
//!
//! - The datagram is decoded with rosc. A bundle's messages are handled one by one in order,
//!   nested bundles included (at most [`MAX_BUNDLE_DEPTH`] deep). **Bundle timetags are
//!   ignored**: every message is applied as soon as it arrives.
//! - A datagram that does not decode (malformed, longer than [`MAX_DATAGRAM`], nested too
//!   deep) reaches the handler not at all and is answered with `/seq/error "" <reason>`.
//! - Each message goes to the handler; its `Ok` replies go back to the datagram's source
//!   address, and an `Err` is answered with `/seq/error <address> <reason>` ([`ERROR_ADDRESS`]).
//! - Error replies are rate-limited by a token bucket ([`ERROR_REPLY_BURST`] at once,
//!   [`ERROR_REPLIES_PER_SECOND`] after that); the ones over the limit are counted, not sent.
//! - Commands are rate-limited too ([`COMMAND_BURST`] at once, [`COMMANDS_PER_SECOND`] after
//!   that): a message over the limit is not handed to the handler; it is counted and answered
//!   like a refused command.
//!
//! A handler may also have a [`Feed`] of messages pushed without being asked (subscriptions):
//! the server runs it on a thread of its own ([`FEED_THREAD_NAME`]) that sends from the same
//! socket, and stops it with the server.
//!
//! Everything is counted in [`OscInStatus`], with the last command address and last error text.
//! Nothing here prints or panics, whatever arrives — the caller decides what to log.
//! [`OscInServer::stop`] (or drop) ends the thread within a few milliseconds (at most about
//! [`READ_TIMEOUT`]) and releases the port.
//!
//! This module has no plugin-framework types; the plugin shell wires it up.

mod bind;
mod decode;
mod dispatch;
mod feed;
mod handler;
mod rate;
mod server;
mod settings;
mod status;

pub use bind::BIND_ATTEMPTS;
pub use decode::{MAX_ARRAY_DEPTH, MAX_BUNDLE_DEPTH, MAX_DATAGRAM};
pub use dispatch::{Dispatcher, Outcome, ERROR_ADDRESS};
pub use feed::{Feed, FEED_THREAD_NAME, MAX_FEED_PAUSE};
pub use handler::{CommandError, CommandHandler};
pub use rate::{COMMANDS_PER_SECOND, COMMAND_BURST, ERROR_REPLIES_PER_SECOND, ERROR_REPLY_BURST};
pub use server::{start, start_with_clock, OscInServer, READ_TIMEOUT, THREAD_NAME};
pub use settings::{is_reserved, OscInSettings, DEFAULT_PORT, RESERVED_PORTS};
pub use status::OscInStatus;
