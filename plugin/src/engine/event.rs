//! The events the engine emits, in time order, for the plugin shell to forward.

/// What happened at an event's sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// A note starts with this MIDI velocity (1–127).
    On {
        /// MIDI velocity, 1–127.
        velocity: u8,
    },
    /// A sounding note ends.
    Off,
    /// A modulation-lane value (the event's `key` is 0). Goes before any note-on of the same
    /// sample.
    Lane {
        /// The lane, 0-based.
        lane: u8,
        /// Its MIDI destination.
        midi: crate::engine::lanes::LaneMidi,
        /// 0–16383.
        value: u16,
    },
    /// The exact frequency of the note-on that follows on the same sample and key (from a note
    /// cycle or a track frequency); not sent as MIDI.
    Pitch {
        /// The frequency.
        hz: crate::engine::note_cycle::Hz,
    },
}

/// One note event inside the current block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoteEvent {
    /// Sample offset inside the block passed to [`crate::engine::Engine::process`].
    pub offset: u32,
    /// The track that owns the note, 0–15.
    pub track: u8,
    /// MIDI channel, 0–15.
    pub channel: u8,
    /// MIDI note number, 0–127.
    pub key: u8,
    /// Note on or off.
    pub kind: NoteKind,
}
