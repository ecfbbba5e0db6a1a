//! The compact event the audio thread hands to the sidecar.

use std::time::Instant;

/// One gate change for one track, due at an exact instant. `Copy`, no heap: the audio thread
/// builds it and pushes it into the lock-free queue of a [`super::GateSender`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GateEvent {
    /// The track, 0–15. Events for other tracks are ignored by the sidecar.
    pub track: u8,
    /// Open, close, or close everything.
    pub kind: GateKind,
    /// When the gate should change: in timed mode the send time, in bundle mode the timetag
    /// (plus the bundle latency).
    pub due: Instant,
}

/// What a [`GateEvent`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateKind {
    /// The gate of the event's track opens.
    Open {
        /// MIDI velocity, 1–127.
        velocity: u8,
        /// MIDI note number, 0–127.
        note: u8,
    },
    /// The gate of the event's track closes (skipped if the sidecar has no open gate there).
    Close,
    /// Every open gate closes, in track order. The event's track is ignored.
    CloseAll,
    /// A modulation-lane value of the event's track, sent to the lane's OSC address (if it has
    /// one) in the bundle of the track's open due at the same instant, before the gate; alone
    /// when no open follows.
    Param {
        /// The lane, 0-based.
        lane: u8,
        /// 0–16383, mapped onto the lane's range by the sidecar.
        value: u16,
    },
    /// The exact frequency of the track's open due at the same instant.
    Pitch {
        /// The frequency.
        hz: crate::engine::note_cycle::Hz,
    },
}

impl GateEvent {
    /// An open of `track` at `due`.
    pub fn open(track: u8, velocity: u8, note: u8, due: Instant) -> GateEvent {
        GateEvent {
            track,
            kind: GateKind::Open { velocity, note },
            due,
        }
    }

    /// A close of `track` at `due`.
    pub fn close(track: u8, due: Instant) -> GateEvent {
        GateEvent {
            track,
            kind: GateKind::Close,
            due,
        }
    }

    /// A close of every open gate at `due`.
    pub fn close_all(due: Instant) -> GateEvent {
        GateEvent {
            track: 0,
            kind: GateKind::CloseAll,
            due,
        }
    }
}
