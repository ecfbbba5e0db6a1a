//! One datagram through the whole pipeline, without a socket: decode, hand each message to the
//! command handler, encode the replies, count everything. The server thread calls
//! [`Dispatcher::dispatch`] once per received datagram; tests call it directly. The rate limits
//! read the time from the injected [`Clock`].

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::clock::Clock;

use rosc::{encoder, OscMessage, OscPacket, OscType};

use super::decode::decode;
use super::handler::CommandHandler;
use super::rate::{TokenBucket, COMMANDS_PER_SECOND};
use super::status::OscInStatus;

/// Address of error replies. Arguments: the offending address (`""` when the packet did not
/// decode) and the reason, both strings.
pub const ERROR_ADDRESS: &str = "/seq/error";

/// What became of one datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It decoded: `messages` went to the handler in order and `failed` of them were refused
    /// (one error each, replied or suppressed). A bundle may hold no message at all.
    Handled {
        /// Messages handed to the handler.
        messages: usize,
        /// Of those, the ones the handler refused.
        failed: usize,
    },
    /// It did not decode: no message reached the handler and exactly one error was recorded
    /// (replied or suppressed).
    Malformed,
}

/// Decodes datagrams, runs their messages through the command handler and produces the
/// replies. Owned by the server thread.
pub struct Dispatcher {
    /// The commands. Called on the owning thread only.
    handler: Box<dyn CommandHandler + Send>,
    /// Shared counters, written here.
    status: Arc<OscInStatus>,
    /// Where the rate limits read the time. Owning thread only.
    clock: Arc<dyn Clock>,
    /// Limits `/seq/error` replies.
    errors: TokenBucket,
    /// Limits the commands carried out.
    commands: TokenBucket,
    /// Reply encoding scratch space.
    bytes: Vec<u8>,
}

impl Dispatcher {
    /// A dispatcher whose budgets are full at `clock`'s time now.
    pub fn new(
        handler: Box<dyn CommandHandler + Send>,
        status: Arc<OscInStatus>,
        clock: Arc<dyn Clock>,
    ) -> Dispatcher {
        let now = clock.now();
        Dispatcher {
            handler,
            status,
            clock,
            errors: TokenBucket::error_replies(now),
            commands: TokenBucket::commands(now),
            bytes: Vec::with_capacity(256),
        }
    }

    /// Like [`Self::dispatch`], telling the handler first that `sender` sent the datagram.
    pub fn dispatch_from(
        &mut self,
        datagram: &[u8],
        sender: SocketAddr,
        send: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> Outcome {
        self.handler.set_sender(sender);
        self.dispatch(datagram, send)
    }

    /// Handles one received datagram at the clock's time now. Every reply, encoded, is passed
    /// to `send` (which sends it to the datagram's source); failed sends are counted. Never
    /// panics, whatever the bytes.
    pub fn dispatch(
        &mut self,
        datagram: &[u8],
        mut send: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> Outcome {
        let now = self.clock.now();
        self.status.packets_received.fetch_add(1, Ordering::Relaxed);
        let messages = match decode(datagram) {
            Ok(messages) => messages,
            Err(reason) => {
                self.status.decode_errors.fetch_add(1, Ordering::Relaxed);
                self.status.set_error(&reason);
                self.reply_error("", &reason, now, &mut send);
                return Outcome::Malformed;
            }
        };
        let mut failed = 0;
        for message in &messages {
            if !self.commands.try_take(now) {
                failed += 1;
                self.status
                    .commands_rate_limited
                    .fetch_add(1, Ordering::Relaxed);
                let reason = format!(
                    "too many commands: at most {COMMANDS_PER_SECOND} a second; this one was not \
                     carried out"
                );
                self.reply_error(&message.addr, &reason, now, &mut send);
                continue;
            }
            self.status.set_last_command(&message.addr);
            match self.handler.handle(message) {
                Ok(replies) => {
                    self.status.messages_ok.fetch_add(1, Ordering::Relaxed);
                    for reply in replies {
                        self.reply(OscPacket::Message(reply), &mut send);
                    }
                }
                Err(error) => {
                    failed += 1;
                    self.status.handler_errors.fetch_add(1, Ordering::Relaxed);
                    self.status.set_error(&error.to_string());
                    self.reply_error(&error.address, &error.reason, now, &mut send);
                }
            }
        }
        Outcome::Handled {
            messages: messages.len(),
            failed,
        }
    }

    /// Sends `/seq/error address reason` if the budget allows, else counts it as suppressed.
    fn reply_error(
        &mut self,
        address: &str,
        reason: &str,
        now: std::time::Instant,
        send: &mut impl FnMut(&[u8]) -> io::Result<()>,
    ) {
        if !self.errors.try_take(now) {
            self.status
                .error_replies_suppressed
                .fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.status
            .error_replies_sent
            .fetch_add(1, Ordering::Relaxed);
        let reply = OscMessage {
            addr: ERROR_ADDRESS.to_owned(),
            args: vec![
                OscType::String(address.to_owned()),
                OscType::String(reason.to_owned()),
            ],
        };
        self.reply(OscPacket::Message(reply), send);
    }

    /// Encodes and sends one reply, counting a failed send.
    fn reply(&mut self, packet: OscPacket, send: &mut impl FnMut(&[u8]) -> io::Result<()>) {
        self.bytes.clear();
        if let Err(never) = encoder::encode_into(&packet, &mut self.bytes) {
            match never {}
        }
        if let Err(error) = send(&self.bytes) {
            self.status
                .reply_send_errors
                .fetch_add(1, Ordering::Relaxed);
            self.status
                .set_error(&format!("cannot send OSC reply: {error}"));
        }
    }
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::osc_in::decode::tests::{bundle, encode, message};
    use crate::osc_in::decode::MAX_DATAGRAM;
    use crate::osc_in::handler::CommandError;
    use crate::osc_in::rate::COMMAND_BURST;
    use proptest::prelude::*;
    use rosc::decoder;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    /// Replies `/ok <address>`; refuses `/fail`. Counts its calls.
    struct Echo {
        calls: Arc<AtomicUsize>,
    }

    impl CommandHandler for Echo {
        fn handle(&mut self, message: &OscMessage) -> Result<Vec<OscMessage>, CommandError> {
            self.calls.fetch_add(1, Ordering::Relaxed);
            if message.addr == "/fail" {
                return Err(CommandError::new(&message.addr, "asked to fail"));
            }
            Ok(vec![OscMessage {
                addr: "/ok".to_owned(),
                args: vec![OscType::String(message.addr.clone())],
            }])
        }
    }

    struct Rig {
        dispatcher: Dispatcher,
        status: Arc<OscInStatus>,
        calls: Arc<AtomicUsize>,
        clock: ManualClock,
    }

    impl Rig {
        fn new() -> Rig {
            let status = Arc::new(OscInStatus::new());
            let calls = Arc::new(AtomicUsize::new(0));
            let clock = ManualClock::new();
            let handler = Box::new(Echo {
                calls: Arc::clone(&calls),
            });
            Rig {
                dispatcher: Dispatcher::new(handler, Arc::clone(&status), Arc::new(clock.clone())),
                status,
                calls,
                clock,
            }
        }

        /// Dispatches `bytes`, returning the outcome and the decoded replies.
        fn run(&mut self, bytes: &[u8]) -> (Outcome, Vec<OscMessage>) {
            let mut replies = Vec::new();
            let outcome = self.dispatcher.dispatch(bytes, |reply| {
                match decoder::decode_udp(reply) {
                    Ok((_, OscPacket::Message(message))) => replies.push(message),
                    other => panic!("reply is not a message: {other:?}"),
                }
                Ok(())
            });
            (outcome, replies)
        }

        fn count(&self, counter: fn(&OscInStatus) -> &std::sync::atomic::AtomicU64) -> u64 {
            counter(&self.status).load(Ordering::Relaxed)
        }

        fn errors_add_up(&self) -> bool {
            self.count(|s| &s.error_replies_sent) + self.count(|s| &s.error_replies_suppressed)
                == self.count(|s| &s.decode_errors)
                    + self.count(|s| &s.handler_errors)
                    + self.count(|s| &s.commands_rate_limited)
        }
    }

    fn strings(message: &OscMessage) -> Vec<&str> {
        message
            .args
            .iter()
            .map(|arg| match arg {
                OscType::String(text) => text.as_str(),
                other => panic!("not a string: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn message_is_handled_and_replied() {
        let mut rig = Rig::new();
        let (outcome, replies) = rig.run(&encode(&message("/seq/play", vec![])));
        assert_eq!(
            outcome,
            Outcome::Handled {
                messages: 1,
                failed: 0
            }
        );
        assert_eq!(replies.len(), 1);
        assert_eq!(
            (replies[0].addr.as_str(), strings(&replies[0])),
            ("/ok", vec!["/seq/play"])
        );
        assert_eq!(rig.count(|s| &s.messages_ok), 1);
        assert_eq!(rig.status.last_command().as_deref(), Some("/seq/play"));
    }

    #[test]
    fn bundle_is_handled_in_order_with_errors_in_place() {
        let mut rig = Rig::new();
        let packet = bundle(vec![
            message("/a", vec![]),
            message("/fail", vec![]),
            bundle(vec![message("/b", vec![])]),
        ]);
        let (outcome, replies) = rig.run(&encode(&packet));
        assert_eq!(
            outcome,
            Outcome::Handled {
                messages: 3,
                failed: 1
            }
        );
        let got: Vec<(&str, Vec<&str>)> = replies
            .iter()
            .map(|reply| (reply.addr.as_str(), strings(reply)))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/ok", vec!["/a"]),
                (ERROR_ADDRESS, vec!["/fail", "asked to fail"]),
                ("/ok", vec!["/b"]),
            ]
        );
        assert_eq!(rig.count(|s| &s.handler_errors), 1);
        assert_eq!(rig.count(|s| &s.messages_ok), 2);
        assert_eq!(
            rig.status.last_error().as_deref(),
            Some("/fail: asked to fail")
        );
    }

    #[test]
    fn malformed_packet_gets_one_error_reply() {
        let mut rig = Rig::new();
        let (outcome, replies) = rig.run(b"not osc");
        assert_eq!(outcome, Outcome::Malformed);
        assert_eq!(rig.calls.load(Ordering::Relaxed), 0);
        assert_eq!(replies.len(), 1);
        assert_eq!(replies[0].addr, ERROR_ADDRESS);
        let args = strings(&replies[0]);
        assert_eq!(args[0], "");
        assert!(args[1].starts_with("malformed OSC packet: "), "{args:?}");
        assert_eq!(rig.count(|s| &s.decode_errors), 1);
        assert_eq!(rig.count(|s| &s.error_replies_sent), 1);
    }

    #[test]
    fn over_long_packet_is_a_decode_error() {
        let mut rig = Rig::new();
        let (outcome, replies) = rig.run(&vec![0; MAX_DATAGRAM + 1]);
        assert_eq!(outcome, Outcome::Malformed);
        assert!(strings(&replies[0])[1].contains("longer than 65536"));
    }

    #[test]
    fn error_replies_are_rate_limited() {
        let mut rig = Rig::new();
        let replies: usize = (0..200).map(|_| rig.run(b"\0").1.len()).sum();
        assert_eq!(replies, 20);
        assert_eq!(rig.count(|s| &s.error_replies_suppressed), 180);
        rig.clock.advance(Duration::from_millis(500));
        let replies: usize = (0..200).map(|_| rig.run(b"\0").1.len()).sum();
        assert_eq!(replies, 10);
        assert!(rig.errors_add_up());
        // Handler replies are not limited.
        let ok = encode(&message("/a", vec![]));
        assert!((0..50).all(|_| rig.run(&ok).1.len() == 1));
    }

    #[test]
    fn a_flood_of_commands_is_limited_and_answered() {
        let mut rig = Rig::new();
        let ok = encode(&message("/a", vec![]));
        let extra = 300;
        let total = COMMAND_BURST as usize + extra;
        let replies: Vec<OscMessage> = (0..total).flat_map(|_| rig.run(&ok).1).collect();
        assert_eq!(rig.calls.load(Ordering::Relaxed), COMMAND_BURST as usize);
        assert_eq!(rig.count(|s| &s.commands_rate_limited), extra as u64);
        let refusals: Vec<&OscMessage> =
            replies.iter().filter(|r| r.addr == ERROR_ADDRESS).collect();
        assert_eq!(
            refusals.len(),
            20,
            "error replies stay within their own budget"
        );
        assert_eq!(strings(refusals[0])[0], "/a");
        assert!(strings(refusals[0])[1].starts_with("too many commands"));
        assert!(rig.errors_add_up());
        // A second later the budget has refilled.
        rig.clock.advance(Duration::from_secs(1));
        assert_eq!(rig.run(&ok).1[0].addr, "/ok");
    }

    #[test]
    fn failed_sends_are_counted() {
        let mut rig = Rig::new();
        let bytes = encode(&message("/a", vec![]));
        rig.dispatcher
            .dispatch(&bytes, |_| Err(io::ErrorKind::Other.into()));
        assert_eq!(rig.count(|s| &s.reply_send_errors), 1);
        assert!(rig
            .status
            .last_error()
            .unwrap()
            .starts_with("cannot send OSC reply"));
    }

    /// Valid packets to mutate: a message with every common argument type, a bundle, a nested
    /// bundle.
    fn seeds() -> Vec<Vec<u8>> {
        let args = vec![
            OscType::Int(-7),
            OscType::Float(0.5),
            OscType::String("step".into()),
            OscType::Blob(vec![1, 2, 3]),
            OscType::Long(1 << 40),
            OscType::Double(2.5),
            OscType::Bool(true),
            OscType::Nil,
        ];
        vec![
            encode(&message("/seq/pattern/1/step", args.clone())),
            encode(&bundle(vec![
                message("/a", vec![OscType::Int(1)]),
                message("/fail", vec![]),
                message("/c", args),
            ])),
            encode(&bundle(vec![
                bundle(vec![message("/x", vec![])]),
                message("/y", vec![]),
            ])),
        ]
    }

    /// A seed with a few bytes overwritten, inserted or removed, and maybe its tail cut.
    fn mutated() -> impl Strategy<Value = Vec<u8>> {
        (
            0..3usize,
            prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 0..4),
            prop::option::of(any::<prop::sample::Index>()),
        )
            .prop_map(|(seed, edits, cut)| {
                let mut bytes = seeds().swap_remove(seed);
                for (at, byte, kind) in edits {
                    let len = bytes.len();
                    match kind {
                        0 if len > 0 => bytes[at.index(len)] = byte,
                        1 => bytes.insert(at.index(len + 1), byte),
                        _ if len > 0 => {
                            bytes.remove(at.index(len));
                        }
                        _ => {}
                    }
                }
                if let Some(cut) = cut {
                    bytes.truncate(cut.index(bytes.len() + 1));
                }
                bytes
            })
    }

    /// Checks the outcome of `bytes` against the counters and the handler calls.
    fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
        let mut rig = Rig::new();
        let (outcome, replies) = rig.run(bytes);
        let calls = rig.calls.load(Ordering::Relaxed);
        let errors = rig.count(|s| &s.decode_errors) + rig.count(|s| &s.handler_errors);
        match outcome {
            Outcome::Malformed => {
                prop_assert_eq!(calls, 0);
                prop_assert_eq!(rig.count(|s| &s.decode_errors), 1);
                prop_assert_eq!(errors, 1);
                prop_assert_eq!(replies.len(), 1);
                prop_assert_eq!(&replies[0].addr, ERROR_ADDRESS);
            }
            Outcome::Handled { messages, failed } => {
                prop_assert_eq!(calls, messages);
                prop_assert_eq!(rig.count(|s| &s.decode_errors), 0);
                prop_assert_eq!(errors, failed as u64);
                prop_assert_eq!(rig.count(|s| &s.messages_ok), (messages - failed) as u64);
                // One reply per message: `/ok` or `/seq/error` (the budget covers 20).
                prop_assert_eq!(replies.len(), messages.min(messages - failed + 20));
            }
        }
        prop_assert!(rig.errors_add_up());
        prop_assert_eq!(rig.count(|s| &s.packets_received), 1);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
            check(&bytes)?;
        }

        #[test]
        fn mutated_packets_never_panic(bytes in mutated()) {
            check(&bytes)?;
        }
    }
}
