//! Subscriptions: `/chronus/subscribe [what…]` registers the sender for pushed messages (every
//! document change with its source, the changed tracks as pattern strings with the names of
//! their changed parts, changed scales, changed OSC output settings; slot switches, transport
//! start and stop, bar lines); `/chronus/unsubscribe` ends it. Subscribers are few
//! ([`MAX_SUBSCRIBERS`]), expire unless renewed within [`SUBSCRIPTION_TIME`], and must be on
//! this computer (loopback) unless the musician allowed remote settings.
//!
//! The messages are made by [`SubscriptionFeed`] on the OSC input's feed thread, from the
//! store's change journal, the OSC output settings' version and the live state the audio thread
//! publishes through atomics; the audio thread itself never sends anything.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rosc::{OscMessage, OscType};

use super::args::Args;
use super::report::{shared_setting_parts, target_parts};
use super::spec::{Arg, Command, Run};
use super::Remote;
use crate::document::pattern_string;
use crate::edit::changes::Change;
use crate::edit::PatternStore;
use crate::engine::scale::ROOT_NAMES;
use crate::live_state::LiveState;
use crate::osc_in::{CommandError, Feed};
use crate::osc_out::{OscOutSettings, SettingsCell};

/// Most subscribers at once.
pub const MAX_SUBSCRIBERS: usize = 8;
/// How long a subscription lasts unless renewed (by subscribing again).
pub const SUBSCRIPTION_TIME: Duration = Duration::from_secs(60);
/// How often the feed looks for news while anyone subscribes.
pub const ACTIVE_POLL: Duration = Duration::from_millis(5);
/// How often the feed looks while nobody subscribes.
pub const IDLE_POLL: Duration = Duration::from_millis(100);

/// What a subscriber gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Topics {
    /// Document changes (`/chronus/changed`, `/chronus/changed/track`, `/chronus/changed/seed`,
    /// `/chronus/changed/scale`) and OSC output settings changes (`/chronus/changed/osc`).
    pub changes: bool,
    /// Slot switches as they happen (`/chronus/slot/playing`).
    pub slots: bool,
    /// Transport start and stop (`/chronus/transport`).
    pub transport: bool,
    /// Bar lines (`/chronus/bar`).
    pub bars: bool,
}

/// The topic names `/chronus/subscribe` takes.
pub const TOPIC_NAMES: &[&str] = &["all", "changes", "slots", "transport", "bars"];

impl Topics {
    /// Every topic.
    pub const ALL: Topics = Topics {
        changes: true,
        slots: true,
        transport: true,
        bars: true,
    };

    /// Adds the topic called `name`; false for an unknown name.
    fn add(&mut self, name: &str) -> bool {
        match name {
            "all" => *self = Topics::ALL,
            "changes" => self.changes = true,
            "slots" => self.slots = true,
            "transport" => self.transport = true,
            "bars" => self.bars = true,
            _ => return false,
        }
        true
    }

    /// The names of the topics, for the reply.
    fn names(self) -> Vec<&'static str> {
        let all = [
            (self.changes, "changes"),
            (self.slots, "slots"),
            (self.transport, "transport"),
            (self.bars, "bars"),
        ];
        all.into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, name)| name)
            .collect()
    }
}

/// One subscriber.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Subscriber {
    address: SocketAddr,
    topics: Topics,
    expires: Instant,
}

/// The subscribers. Shared by the OSC input thread (subscribe, unsubscribe) and the feed
/// thread (reads, forgets the expired), behind a mutex neither holds for long.
#[derive(Debug, Default)]
pub struct Subscribers {
    list: Vec<Subscriber>,
}

impl Subscribers {
    /// Subscribes (or renews) `address` for `topics` from `now`; returns when it expires.
    pub fn subscribe(
        &mut self,
        address: SocketAddr,
        topics: Topics,
        now: Instant,
    ) -> Result<Instant, String> {
        self.forget_expired(now);
        let expires = now + SUBSCRIPTION_TIME;
        if let Some(known) = self.list.iter_mut().find(|s| s.address == address) {
            known.topics = topics;
            known.expires = expires;
            return Ok(expires);
        }
        if self.list.len() >= MAX_SUBSCRIBERS {
            return Err(format!(
                "{MAX_SUBSCRIBERS} clients subscribe already; one must unsubscribe or expire first"
            ));
        }
        self.list.push(Subscriber {
            address,
            topics,
            expires,
        });
        Ok(expires)
    }

    /// Ends `address`'s subscription; returns whether it had one.
    pub fn unsubscribe(&mut self, address: SocketAddr) -> bool {
        let before = self.list.len();
        self.list.retain(|s| s.address != address);
        self.list.len() != before
    }

    /// Forgets the subscriptions expired at `now`.
    pub fn forget_expired(&mut self, now: Instant) {
        self.list.retain(|s| s.expires > now);
    }

    /// The subscribers at `now`, with their topics.
    pub fn active(&mut self, now: Instant) -> Vec<(SocketAddr, Topics)> {
        self.forget_expired(now);
        self.list.iter().map(|s| (s.address, s.topics)).collect()
    }
}

/// Shared handle to the subscribers.
pub type SharedSubscribers = Arc<Mutex<Subscribers>>;

fn lock(subscribers: &SharedSubscribers) -> std::sync::MutexGuard<'_, Subscribers> {
    subscribers.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The subscription commands.
pub const COMMANDS: &[Command] = &[
    Command {
        address: "/chronus/subscribe",
        summary: "Registers the sender for pushed messages: changes (every document change: \
                  /chronus/changed <serial> <source editor|osc|state_load|undo|redo> <tracks> \
                  <lands>, then /chronus/changed/track <serial> <slot> <track> <name> <pattern> \
                  <parts> per changed track (parts: the changed parts by name, comma-separated, \
                  e.g. lane2,conditions), /chronus/changed/seed <serial> <slot> <seed> and \
                  /chronus/changed/scale <serial> <slot> <root> <scale>; and /chronus/changed/osc \
                  <track, 0 for every track> <parts> when OSC output settings change), slots \
                  (/chronus/slot/playing <slot> when a switch happens), transport \
                  (/chronus/transport <playing 0/1> <tempo>), bars (/chronus/bar <bar> at each \
                  bar line while playing). Lasts 60 s: subscribe again to renew. At most 8 \
                  clients, on this computer unless remote settings are allowed.",
        args: &[
            Arg::choice("what", TOPIC_NAMES, "topics; all without an argument")
                .optional()
                .repeats(),
        ],
        replies: "/chronus/subscribed <int seconds> <string topic>…",
        run: Run::Reply(subscribe),
    },
    Command {
        address: "/chronus/unsubscribe",
        summary: "Ends the sender's subscription.",
        args: &[],
        replies: "/chronus/ok /chronus/unsubscribe",
        run: Run::Reply(unsubscribe),
    },
];

/// The sender of the command, which subscriptions need.
fn sender(remote: &Remote, args: &Args) -> Result<SocketAddr, CommandError> {
    remote
        .sender
        .ok_or_else(|| args.error("subscriptions need the sender's address (send over UDP)"))
}

fn subscribe(remote: &mut Remote, args: &mut Args) -> Result<Vec<OscMessage>, CommandError> {
    let address = sender(remote, args)?;
    let mut topics = Topics::default();
    while args.remaining() > 0 {
        let name = args.string("what")?;
        if !topics.add(name.trim()) {
            return Err(args.error(format!(
                "unknown topic {name:?}; use {}",
                TOPIC_NAMES.join(", ")
            )));
        }
    }
    if topics == Topics::default() {
        topics = Topics::ALL;
    }
    if !address.ip().is_loopback() && !remote.remote_settings_allowed() {
        return Err(args.error(
            "only clients on this computer may subscribe unless remote settings are allowed \
             in the editor",
        ));
    }
    lock(&remote.subscribers)
        .subscribe(address, topics, Instant::now())
        .map_err(|reason| args.error(reason))?;
    let mut reply = vec![OscType::Int(SUBSCRIPTION_TIME.as_secs() as i32)];
    reply.extend(
        topics
            .names()
            .into_iter()
            .map(|name| OscType::String(name.to_owned())),
    );
    Ok(vec![OscMessage {
        addr: "/chronus/subscribed".to_owned(),
        args: reply,
    }])
}

fn unsubscribe(remote: &mut Remote, args: &mut Args) -> Result<Vec<OscMessage>, CommandError> {
    args.finish()?;
    let address = sender(remote, args)?;
    lock(&remote.subscribers).unsubscribe(address);
    Ok(super::ok("/chronus/unsubscribe"))
}

/// Whether a subscriber with these topics wants a message.
type Wants = fn(Topics) -> bool;

/// Makes the pushed messages, on the OSC input's feed thread.
pub struct SubscriptionFeed {
    /// Who gets what. Shared with the command handler.
    subscribers: SharedSubscribers,
    /// The document, for its change journal.
    store: PatternStore,
    /// The OSC output settings (gate addresses, voice profiles, lane destinations), compared
    /// with `settings` when their version moves.
    osc_out: Arc<SettingsCell>,
    /// The OSC output settings as last seen, and their version.
    settings: (u64, OscOutSettings),
    /// What the audio thread plays, read through atomics.
    live: Arc<LiveState>,
    /// The last change handled (a store serial).
    seen: u64,
    /// Transport state, playing slot and bar as last seen (bar `None` while stopped).
    playing: bool,
    slot: usize,
    bar: Option<i64>,
}

impl SubscriptionFeed {
    /// A feed from now on: only changes and moves after this are pushed.
    pub fn new(
        subscribers: SharedSubscribers,
        store: PatternStore,
        osc_out: Arc<SettingsCell>,
        live: Arc<LiveState>,
    ) -> Self {
        let transport = live.transport();
        SubscriptionFeed {
            settings: (osc_out.version(), osc_out.get()),
            osc_out,
            seen: store.edit_count(),
            playing: transport.playing,
            slot: live.playing_slot(),
            bar: None,
            subscribers,
            store,
            live,
        }
    }
}

impl std::fmt::Debug for SubscriptionFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubscriptionFeed").finish_non_exhaustive()
    }
}

fn message(address: &str, args: Vec<OscType>) -> OscMessage {
    OscMessage {
        addr: address.to_owned(),
        args,
    }
}

/// The messages for one document change.
fn change_messages(change: &Change) -> Vec<OscMessage> {
    let serial = OscType::Long(change.serial as i64);
    let lands = super::native::quantize_name(change.lands);
    let mut messages = vec![message(
        "/chronus/changed",
        vec![
            serial.clone(),
            OscType::String(change.source.name().to_owned()),
            OscType::Int(change.tracks.len() as i32),
            OscType::String(lands.to_owned()),
        ],
    )];
    for changed in &change.tracks {
        let pattern = &changed.doc.pattern;
        let steps = &pattern.steps[..usize::from(pattern.length).min(pattern.steps.len())];
        messages.push(message(
            "/chronus/changed/track",
            vec![
                serial.clone(),
                OscType::Int(changed.slot as i32 + 1),
                OscType::Int(changed.track as i32 + 1),
                OscType::String(changed.doc.name.clone()),
                OscType::String(pattern_string::print(steps)),
                OscType::String(changed.parts.join(",")),
            ],
        ));
    }
    for (slot, seed) in &change.seeds {
        messages.push(message(
            "/chronus/changed/seed",
            vec![
                serial.clone(),
                OscType::Int(*slot as i32 + 1),
                OscType::Long(i64::from(*seed)),
            ],
        ));
    }
    for (slot, scale) in &change.scales {
        messages.push(message(
            "/chronus/changed/scale",
            vec![
                serial.clone(),
                OscType::Int(*slot as i32 + 1),
                OscType::String(ROOT_NAMES[usize::from(scale.root % 12)].to_owned()),
                OscType::String(scale.kind.name().to_owned()),
            ],
        ));
    }
    messages
}

/// The messages for a change of the OSC output settings: `/chronus/changed/osc 0 <parts>` for
/// the settings every track shares, then `/chronus/changed/osc <track> <parts>` per track whose
/// own settings changed (tracks from 1).
fn settings_messages(before: &OscOutSettings, after: &OscOutSettings) -> Vec<OscMessage> {
    let shared = shared_setting_parts(before, after);
    let tracks = before.tracks.iter().zip(&after.tracks).enumerate();
    let per_track = tracks.map(|(index, (a, b))| (index as i32 + 1, target_parts(a, b)));
    std::iter::once((0, shared))
        .chain(per_track)
        .filter(|(_, parts)| !parts.is_empty())
        .map(|(track, parts)| {
            message(
                "/chronus/changed/osc",
                vec![OscType::Int(track), OscType::String(parts.join(","))],
            )
        })
        .collect()
}

impl Feed for SubscriptionFeed {
    fn poll(&mut self, now: Instant, out: &mut Vec<(SocketAddr, OscMessage)>) -> Duration {
        let subscribers = lock(&self.subscribers).active(now);
        let count = self.store.edit_count();
        let changes = if count != self.seen && !subscribers.is_empty() {
            self.store.changes_since(self.seen)
        } else {
            Vec::new()
        };
        let seen = std::mem::replace(&mut self.seen, count);
        let transport = self.live.transport();
        let slot = self.live.playing_slot();
        let bar = transport.playing.then(|| transport.bar_and_beat().0);

        let mut news: Vec<(Wants, OscMessage)> = Vec::new();
        if let Some(first) = changes.first() {
            if first.serial > seen + 1 {
                let missed = vec![
                    OscType::Long(seen as i64 + 1),
                    OscType::Long(first.serial as i64 - 1),
                ];
                news.push((|t| t.changes, message("/chronus/changed/missed", missed)));
            }
        }
        for change in &changes {
            for message in change_messages(change) {
                news.push((|t| t.changes, message));
            }
        }
        let version = self.osc_out.version();
        if version != self.settings.0 {
            let settings = self.osc_out.get();
            if !subscribers.is_empty() {
                for message in settings_messages(&self.settings.1, &settings) {
                    news.push((|t| t.changes, message));
                }
            }
            self.settings = (version, settings);
        }
        if transport.playing != self.playing {
            let tempo = transport.tempo.unwrap_or(0.0) as f32;
            let args = vec![
                OscType::Int(i32::from(transport.playing)),
                OscType::Float(tempo),
            ];
            news.push((|t| t.transport, message("/chronus/transport", args)));
        }
        if slot != self.slot {
            let args = vec![OscType::Int(slot as i32 + 1)];
            news.push((|t| t.slots, message("/chronus/slot/playing", args)));
        }
        if let Some(bar) = bar.filter(|bar| Some(*bar) != self.bar) {
            let args = vec![OscType::Long(bar)];
            news.push((|t| t.bars, message("/chronus/bar", args)));
        }
        self.playing = transport.playing;
        self.slot = slot;
        self.bar = bar;

        for (wants, message) in news {
            for (address, topics) in &subscribers {
                if wants(*topics) {
                    out.push((*address, message.clone()));
                }
            }
        }
        if subscribers.is_empty() {
            IDLE_POLL
        } else {
            ACTIVE_POLL
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribers_are_bounded_renewed_and_expire() {
        let start = Instant::now();
        let address = |port: u16| SocketAddr::from(([127, 0, 0, 1], port));
        let mut subscribers = Subscribers::default();
        for port in 0..MAX_SUBSCRIBERS as u16 {
            subscribers
                .subscribe(address(port), Topics::ALL, start)
                .expect("room");
        }
        assert!(subscribers
            .subscribe(address(100), Topics::ALL, start)
            .is_err());
        let later = start + SUBSCRIPTION_TIME / 2;
        subscribers
            .subscribe(address(0), Topics::ALL, later)
            .expect("a renewal needs no room");
        let expired = start + SUBSCRIPTION_TIME;
        assert_eq!(
            subscribers.active(expired).len(),
            1,
            "only the renewed one is left"
        );
        assert!(subscribers.unsubscribe(address(0)));
        assert!(subscribers.active(expired).is_empty());
    }
}
