//! The sidecar thread: takes gate events off the queue, keeps them in due order, and sends them
//! at their due instant (timed mode) or at once in timetagged bundles (bundle mode).
//!
//! One turn of the loop: apply new settings, drain the queue into the pending heap, send what is
//! ready, then wait — park until [`SPIN_WINDOW`] before the next due instant (or for
//! [`IDLE_WAKE`] when nothing is due), then spin until it. It does not poll: a push from the
//! audio thread unparks it (see [`super::wake`]), so an instance with nothing playing wakes only
//! every [`IDLE_WAKE`], and one that plays wakes at most once per host buffer for new events plus
//! once per due instant.
//!
//! Every reading of the time and every wait goes through the injected [`Clock`], so a
//! [`crate::clock::ManualClock`] makes the sidecar's ordering, lateness, timetags and rate cap
//! exact in tests.

use std::cmp::{Ordering as CmpOrdering, Reverse};
use std::collections::BinaryHeap;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::clock::{self, Clock};

use rosc::{encoder, OscPacket, OscTime};
use rtrb::{Consumer, RingBuffer};

use super::clock::{duration_from_ms, ClockAnchor};
use super::encode::{self, OpenGate, OpenHit, Outgoing, Route};
use super::event::{GateEvent, GateKind};
use super::gates::OpenGates;
use super::lane_target::LaneTarget;
use super::link::Link;
use super::rate::RateCap;
use super::sender::GateSender;
use super::settings::{OscOutSettings, Profile, SettingsCell, TimingMode, TRACKS};
use super::status::OscOutStatus;
use super::wake::{self, Wake, IDLE_WAKE};
use crate::engine::lanes::LANES;
use crate::engine::note_cycle::Hz;

/// Name of the sidecar thread.
pub const THREAD_NAME: &str = "chronus-seq-osc-out";
/// How long before a due instant the sidecar stops sleeping and spins.
pub const SPIN_WINDOW: Duration = Duration::from_micros(300);
/// The spin window when the thread runs with real-time scheduling, which wakes it on time.
pub const REALTIME_SPIN_WINDOW: Duration = Duration::from_micros(60);
/// How often bundle mode re-reads the wall clock against the monotonic one.
const REANCHOR_AFTER: Duration = Duration::from_secs(10);

/// Handle to a running sidecar thread. Stopping (or dropping) it makes the thread close every
/// gate it opened that is still open, then joins it.
#[derive(Debug)]
pub struct Sidecar {
    /// Asks the thread to close its gates and exit. Written by the owner (in [`Sidecar::stop`]
    /// or drop), read by the sidecar thread every turn.
    stop: Arc<AtomicBool>,
    /// The thread, until joined. Owner only.
    thread: Option<JoinHandle<()>>,
}

/// Starts the sidecar thread on the system clock with a queue of `queue_capacity` events (at
/// least one) and returns the audio thread's end of the queue and the handle that stops the
/// thread. Allocates; call it off the audio thread (e.g. in `activate`). Fails only if the
/// thread cannot be spawned.
pub fn start(
    settings: Arc<SettingsCell>,
    status: Arc<OscOutStatus>,
    queue_capacity: usize,
) -> io::Result<(GateSender, Sidecar)> {
    start_with_clock(settings, status, queue_capacity, clock::system())
}

/// [`start`] with the time read from, and waited for on, `clock`. The due instants of the
/// events pushed must come from the same clock.
pub fn start_with_clock(
    settings: Arc<SettingsCell>,
    status: Arc<OscOutStatus>,
    queue_capacity: usize,
    clock: Arc<dyn Clock>,
) -> io::Result<(GateSender, Sidecar)> {
    let capacity = queue_capacity.max(1);
    let (producer, consumer) = RingBuffer::new(capacity);
    let close_all_pending = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let parked = Arc::new(AtomicBool::new(false));
    let worker = Worker::new(
        consumer,
        settings,
        Arc::clone(&status),
        Arc::clone(&close_all_pending),
        Arc::clone(&stop),
        Arc::clone(&parked),
        clock,
    );
    let thread = thread::Builder::new()
        .name(THREAD_NAME.to_owned())
        .spawn(move || worker.run())?;
    let wake = Wake::new(parked, Some(thread.thread().clone()));
    let sender = GateSender::new(producer, status, close_all_pending, wake);
    Ok((
        sender,
        Sidecar {
            stop,
            thread: Some(thread),
        },
    ))
}

impl Sidecar {
    /// Stops the thread: it closes its open gates (in track order, once each) and exits; this
    /// waits for it. Events still queued or pending are dropped.
    pub fn stop(mut self) {
        self.shut_down();
    }

    /// Whether the thread is still running (false after a panic, which should not happen).
    pub fn is_running(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }

    fn shut_down(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            // A panicked sidecar has nothing left to close; the owner carries on.
            let _ = thread.join();
        }
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// A queued event waiting for its due instant, ordered by (due, arrival sequence).
#[derive(Debug)]
struct Pending {
    event: GateEvent,
    /// Arrival order, so events due at the same instant keep their push order.
    sequence: u64,
    /// When the sidecar took it off the queue.
    received: Instant,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        (self.event.due, self.sequence).cmp(&(other.event.due, other.sequence))
    }
}

/// How the current settings send, derived once per settings load.
struct Config {
    mode: TimingMode,
    /// Bundle mode: timetag = due + this.
    latency: Duration,
    profile: Profile,
    routes: [Route; TRACKS],
    /// The OSC destinations of the lanes, per track.
    lanes: [[Result<Option<LaneTarget>, String>; LANES]; TRACKS],
    max_rate: u32,
}

/// Lane messages and the pitch waiting for the open of their track due at the same instant.
#[derive(Debug, Default)]
struct Staged {
    /// The instant they are due at; `None` when nothing waits.
    due: Option<Instant>,
    /// Lane messages, in arrival order.
    lanes: Vec<OscPacket>,
    /// The exact pitch of the open.
    hz: Option<Hz>,
}

impl Config {
    fn from_settings(settings: &OscOutSettings) -> Config {
        Config {
            mode: settings.mode,
            latency: duration_from_ms(settings.bundle_latency_ms),
            profile: settings.profile,
            routes: encode::routes(settings),
            lanes: encode::lane_routes(settings),
            max_rate: settings.max_messages_per_second,
        }
    }

    /// Whether a gate opened on `route` of this config would be closed elsewhere or differently
    /// under `next`.
    fn moves(&self, gate: &OpenGate, track: u8, next: &Config) -> bool {
        let same_route = match &next.routes[usize::from(track)] {
            Route::Gate(route) => route.gate == gate.address,
            Route::Silent | Route::Invalid(_) => false,
        };
        !same_route || next.profile != gate.profile
    }
}

/// Everything the sidecar thread owns.
struct Worker {
    /// Where the time comes from and how the thread waits. Sidecar only.
    clock: Arc<dyn Clock>,
    /// Consumer end of the gate queue. Sidecar only.
    queue: Consumer<GateEvent>,
    /// Shared settings; read when their version changes.
    settings: Arc<SettingsCell>,
    /// Shared counters, written here.
    status: Arc<OscOutStatus>,
    /// Set by the audio thread when it dropped a close; swapped back here.
    close_all_pending: Arc<AtomicBool>,
    /// Set by the owner to end the thread.
    stop: Arc<AtomicBool>,
    /// Raised here before parking, lowered by the audio thread's wake-up (see `wake`).
    parked: Arc<AtomicBool>,
    /// The settings version in effect (`None` before the first load).
    version: Option<u64>,
    config: Config,
    link: Link,
    rate: RateCap,
    /// Instant ↔ wall clock, for bundle timetags.
    anchor: ClockAnchor,
    /// Events not yet sent, earliest first.
    pending: BinaryHeap<Reverse<Pending>>,
    /// Next arrival sequence number.
    sequence: u64,
    /// Latest due instant taken off the queue (a synthesized close-all goes after it).
    latest_received_due: Option<Instant>,
    /// Latest due instant sent (bundle-mode closes on stop are tagged no earlier).
    latest_sent_due: Option<Instant>,
    gates: OpenGates,
    /// Encoding scratch space.
    bytes: Vec<u8>,
    /// How long before a due instant sleeping gives way to spinning.
    spin_window: Duration,
    /// Per track: lane messages and pitch waiting for their open (see [`Worker::send_ready`]).
    staged: [Staged; TRACKS],
}

impl Worker {
    fn new(
        queue: Consumer<GateEvent>,
        settings: Arc<SettingsCell>,
        status: Arc<OscOutStatus>,
        close_all_pending: Arc<AtomicBool>,
        stop: Arc<AtomicBool>,
        parked: Arc<AtomicBool>,
        clock: Arc<dyn Clock>,
    ) -> Worker {
        let capacity = queue.buffer().capacity();
        let defaults = OscOutSettings::default();
        let now = clock.now();
        let anchor = ClockAnchor::sample(&*clock);
        Worker {
            clock,
            queue,
            settings,
            status,
            close_all_pending,
            stop,
            parked,
            version: None,
            config: Config::from_settings(&defaults),
            // Replaced by the first settings load on the sidecar thread; no socket until then.
            link: Link::unopened(&defaults.host, defaults.port, now),
            rate: RateCap::new(defaults.max_messages_per_second, now),
            anchor,
            pending: BinaryHeap::with_capacity(capacity),
            sequence: 0,
            latest_received_due: None,
            latest_sent_due: None,
            gates: OpenGates::default(),
            bytes: Vec::with_capacity(256),
            spin_window: SPIN_WINDOW,
            staged: Default::default(),
        }
    }

    fn run(mut self) {
        let realtime = super::priority::raise_calling_thread();
        self.status.realtime.store(realtime, Ordering::Relaxed);
        if realtime {
            self.spin_window = REALTIME_SPIN_WINDOW;
        }
        while !self.stop.load(Ordering::Acquire) {
            self.apply_settings();
            self.drain_queue();
            self.send_ready();
            self.wait();
        }
        self.close_everything();
    }

    /// Loads new settings if their version changed; closes gates whose target moves on the old
    /// target first. Resolves the host (possibly blocking on DNS) only when it changed or failed.
    fn apply_settings(&mut self) {
        let now = self.clock.now();
        let version = self.settings.version();
        if self.version == Some(version) {
            self.link.retry_if_due(now);
            return;
        }
        let first_load = self.version.is_none();
        self.version = Some(version);
        let settings = self.settings.get();
        let next = Config::from_settings(&settings);
        let relink =
            first_load || self.link.is_broken() || !self.link.is_for(&settings.host, settings.port);
        let next_link = relink.then(|| Link::open(&settings.host, settings.port, now));
        let peer_moves = next_link
            .as_ref()
            .is_some_and(|link| link.is_broken() || link.peer() != self.link.peer());

        let config = &self.config;
        let moved = self
            .gates
            .take_where(|track, gate| peer_moves || config.moves(gate, track, &next));
        let tag = self.close_timetag(now);
        for (track, gate) in moved {
            let out = encode::close(&gate, track, tag);
            self.rate.take(out.messages, now);
            self.transmit(&out, None);
        }

        if next.max_rate != self.config.max_rate {
            self.rate = RateCap::new(next.max_rate, now);
        }
        if next.mode == TimingMode::Bundle {
            self.anchor = ClockAnchor::sample(&*self.clock);
        }
        self.config = next;
        if let Some(link) = next_link {
            self.link = link;
        }
        if let Some(error) = self.config.routes.iter().find_map(|route| match route {
            Route::Invalid(text) => Some(text.clone()),
            _ => None,
        }) {
            self.status.set_error(&error);
        }
    }

    /// Moves every queued event into the pending heap. If the audio thread dropped a close, a
    /// close-all follows everything received so far.
    fn drain_queue(&mut self) {
        let dropped_close = self.close_all_pending.swap(false, Ordering::AcqRel);
        let received = self.clock.now();
        for _ in 0..self.queue.slots() {
            match self.queue.pop() {
                Ok(event) => self.schedule(event, received),
                Err(_) => break,
            }
        }
        if dropped_close {
            let due = self.latest_received_due.unwrap_or(received);
            self.schedule(GateEvent::close_all(due), received);
        }
    }

    fn schedule(&mut self, event: GateEvent, received: Instant) {
        self.latest_received_due = Some(
            self.latest_received_due
                .map_or(event.due, |latest| latest.max(event.due)),
        );
        self.pending.push(Reverse(Pending {
            event,
            sequence: self.sequence,
            received,
        }));
        self.sequence += 1;
    }

    /// Sends every pending event that is ready: all of them in bundle mode, the due ones in
    /// timed mode. Lane values and pitches wait for the open of their track due at the same
    /// instant (the audio thread queues a piece's events together, so it is in the same
    /// batch); those without one go out on their own at the end.
    fn send_ready(&mut self) {
        while let Some(Reverse(next)) = self.pending.peek() {
            if self.config.mode == TimingMode::Timed && next.event.due > self.clock.now() {
                break;
            }
            if let Some(Reverse(pending)) = self.pending.pop() {
                self.dispatch(&pending);
            }
        }
        for track in 0..TRACKS {
            self.flush_staged(track);
        }
    }

    /// The staging of `track` for values due at `due`; values staged for another instant go
    /// out first.
    fn stage(&mut self, track: usize, due: Instant) -> &mut Staged {
        if self.staged[track].due != Some(due) {
            self.flush_staged(track);
            self.staged[track].due = Some(due);
        }
        &mut self.staged[track]
    }

    /// Sends the lane messages staged for `track` on their own, and forgets its pitch.
    fn flush_staged(&mut self, track: usize) {
        let staged = &mut self.staged[track];
        let Some(due) = staged.due.take() else {
            return;
        };
        staged.hz = None;
        if staged.lanes.is_empty() {
            return;
        }
        let lanes = std::mem::take(&mut staged.lanes);
        let tag = self.timetag(due);
        let out = encode::lane_values(lanes, tag);
        if !self.rate.try_take(out.messages, self.clock.now()) {
            self.status.rate_limited.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.transmit(&out, None);
    }

    /// Parks or spins until the next due instant (or [`IDLE_WAKE`] with nothing due), a push,
    /// or a stop.
    fn wait(&mut self) {
        if !self.queue.is_empty() {
            return;
        }
        let next_due = match self.config.mode {
            TimingMode::Timed => self.pending.peek().map(|Reverse(next)| next.event.due),
            TimingMode::Bundle => None,
        };
        let now = self.clock.now();
        let wake_at = match next_due {
            None => now + IDLE_WAKE,
            Some(due) if due > now + self.spin_window => due - self.spin_window,
            Some(due) => {
                while self.clock.now() < due {
                    if self.queue.slots() > 0 || self.stop.load(Ordering::Relaxed) {
                        return;
                    }
                    std::hint::spin_loop();
                }
                return;
            }
        };
        wake::before_park(&self.parked);
        // A push between the look above and raising the flag did not wake us: look again.
        if self.queue.is_empty() && !self.stop.load(Ordering::Acquire) {
            self.clock.sleep_until(wake_at);
        }
        wake::after_park(&self.parked);
    }

    /// Sends one event, keeping the open-gate set exact.
    fn dispatch(&mut self, pending: &Pending) {
        let event = pending.event;
        let origin = match self.config.mode {
            TimingMode::Timed => event.due,
            TimingMode::Bundle => pending.received,
        };
        let tag = self.timetag(event.due);
        let now = self.clock.now();
        let track = usize::from(event.track) % TRACKS;
        match event.kind {
            // Staged for the open of the same track and instant (see `send_ready`).
            GateKind::Param { lane, value } => {
                match self.config.lanes[track].get(usize::from(lane)) {
                    Some(Ok(Some(target))) => {
                        let message = encode::lane_message(target, value);
                        self.stage(track, event.due).lanes.push(message);
                    }
                    Some(Err(error)) => self.status.record_error(error),
                    Some(Ok(None)) | None => {}
                }
                return;
            }
            GateKind::Pitch { hz } => {
                self.stage(track, event.due).hz = Some(hz);
                return;
            }
            GateKind::Open { velocity, note } => {
                if self.staged[track].due != Some(event.due) {
                    self.flush_staged(track);
                }
                let route = match self.config.routes.get(track) {
                    Some(Route::Gate(route)) => route,
                    Some(Route::Invalid(error)) => {
                        self.status.record_error(error);
                        self.flush_staged(track);
                        return;
                    }
                    Some(Route::Silent) | None => {
                        self.flush_staged(track);
                        return;
                    }
                };
                let staged = &mut self.staged[track];
                staged.due = None;
                let hit = OpenHit {
                    velocity,
                    note,
                    hz: staged.hz.take(),
                };
                let lanes = std::mem::take(&mut staged.lanes);
                let profile = self.config.profile;
                let out = encode::open_with(profile, route, event.track, hit, lanes, tag);
                if !self.rate.try_take(out.messages, now) {
                    self.status.rate_limited.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                let gate = OpenGate {
                    address: route.gate.clone(),
                    profile,
                    note,
                };
                // Recorded even if the send fails: a needless close is harmless, a missing one
                // leaves a gate high.
                self.gates.opened(event.track, gate);
                self.transmit(&out, Some(origin));
            }
            GateKind::Close => {
                if let Some(gate) = self.gates.take(event.track) {
                    let out = encode::close(&gate, event.track, tag);
                    self.rate.take(out.messages, now);
                    self.transmit(&out, Some(origin));
                }
            }
            GateKind::CloseAll => {
                for (track, gate) in self.gates.take_all() {
                    let out = encode::close(&gate, track, tag);
                    self.rate.take(out.messages, now);
                    self.transmit(&out, Some(origin));
                }
            }
        }
        self.latest_sent_due = Some(
            self.latest_sent_due
                .map_or(event.due, |latest| latest.max(event.due)),
        );
    }

    /// The timetag for an event due at `due`: none in timed mode, `due + latency` in bundle mode.
    fn timetag(&mut self, due: Instant) -> Option<OscTime> {
        match self.config.mode {
            TimingMode::Timed => None,
            TimingMode::Bundle => {
                let now = self.clock.now();
                if now.saturating_duration_since(self.anchor.instant) >= REANCHOR_AFTER {
                    self.anchor = ClockAnchor::sample(&*self.clock);
                }
                Some(self.anchor.osc_time(due, self.config.latency))
            }
        }
    }

    /// The timetag for closes outside the schedule (stop, settings change): in bundle mode no
    /// earlier than anything already sent, so the receiver never applies a close before its open.
    fn close_timetag(&mut self, now: Instant) -> Option<OscTime> {
        let after = self.latest_sent_due.map_or(now, |latest| latest.max(now));
        self.timetag(after)
    }

    /// Encodes and sends one packet; counts it, and its lateness from `origin` if given.
    fn transmit(&mut self, out: &Outgoing, origin: Option<Instant>) {
        self.bytes.clear();
        let encoded = encoder::encode_into(&out.packet, &mut self.bytes);
        if let Err(never) = encoded {
            match never {}
        }
        let sent_at = self.clock.now();
        match self.link.send(&self.bytes) {
            Ok(()) => {
                self.status
                    .sent
                    .fetch_add(u64::from(out.messages), Ordering::Relaxed);
                if let Some(origin) = origin {
                    self.status
                        .record_lateness(sent_at.saturating_duration_since(origin));
                }
            }
            Err(error) => self.status.record_error(&error),
        }
    }

    /// On stop: every gate still open closes, in track order, once.
    fn close_everything(&mut self) {
        let tag = self.close_timetag(self.clock.now());
        for (track, gate) in self.gates.take_all() {
            self.transmit(&encode::close(&gate, track, tag), None);
        }
    }
}
