//! OSC gates to an external modular, sent from a sidecar thread.
//!
//! The audio thread turns engine note events into [`GateEvent`]s (track, open/close, due
//! [`Instant`](std::time::Instant)) and pushes them through a [`GateSender`]: a lock-free,
//! fixed-capacity queue that never blocks or allocates; when it is full the event is dropped and
//! counted, and a dropped close makes the sidecar close every gate. The sidecar thread (named
//! `chronus-seq-osc-out`, see [`start`]) formats the events with rosc and sends them over UDP:
//!
//! - **Timed** mode: each packet leaves at its due instant (sleep until 300 µs before, then
//!   spin). Events already late leave at once. The sidecar does not poll: a push wakes it when
//!   it is parked ([`Wake`]), and with nothing due it parks for up to [`IDLE_WAKE`].
//! - **Bundle** mode: each packet leaves as soon as it is taken off the queue, inside an OSC
//!   bundle whose NTP timetag is `due + bundle_latency_ms` on the wall clock.
//!
//! Dialects ([`Profile`]): Music Chronus (`/gate/voiceN 1` / `0`, optional `/mod/voiceN/freq`
//! and `/amp` first, in the same bundle) and Generic (`<address> track velocity note`).
//!
//! The sidecar keeps the set of gates it opened. A close for a track that is not open is
//! skipped, a close-all closes every open gate in track order, settings that move a track's
//! target close its open gate on the old target first, and [`Sidecar::stop`] (or drop) closes
//! every gate still open, once, before the thread exits. A rate cap drops opens, never closes.
//! Faults (no listener, unresolvable host, socket errors) are counted in [`OscOutStatus`] with
//! the last error text; nothing here prints or panics — the caller decides what to log.
//!
//! This module has no plugin-framework types; the plugin shell wires it up.

mod clock;
mod encode;
mod event;
mod gates;
mod lane_target;
mod link;
mod priority;
mod rate;
mod sender;
mod settings;
mod sidecar;
mod status;
mod voice_profile;
mod wake;

pub use clock::ClockAnchor;
pub use encode::{midi_to_hz, route_problem};
pub use event::{GateEvent, GateKind};
pub use lane_target::{curve_fits, Curve, LaneTarget};
pub use priority::{raise_calling_thread, REALTIME_PRIORITY};
pub use sender::GateSender;
pub use settings::{
    OscOutSettings, Profile, SettingsCell, TimingMode, TrackTarget, DEFAULT_VOICES, TRACKS,
};
pub use sidecar::{start, start_with_clock, Sidecar, SPIN_WINDOW, THREAD_NAME};
pub use status::{LatenessSummary, OscOutStatus, LATENESS_BIN};
pub use voice_profile::{field as voice_profile_field, velocity_level, VoiceProfile};
pub use wake::{Wake, IDLE_WAKE};
