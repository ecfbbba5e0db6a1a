//! The MIDI notes the host plays into the plugin, on the audio thread: each block's notes go to
//! the engine's [`MidiInput`] with their sample offsets, and a slot key overrides the Pattern
//! Slot parameter until the parameter itself changes (the latest request wins).

use nice_plug::prelude::*;

use crate::engine::midi_input::{MidiInput, MidiInputSettings, NoteInput};
use crate::ChronusSeq;

/// The slot keys' state between blocks. Audio thread only.
#[derive(Debug, Default)]
pub struct MidiKeys {
    /// The slot (0-based) the latest slot key chose, and the Pattern Slot value (0-based) at
    /// that moment: when the parameter moves away from it, the parameter wins again.
    chosen: Option<(u8, u8)>,
    /// Sample of the slot key played in this block, if one was.
    key_sample: Option<u32>,
    /// The slot the block's slot key chose, not yet taken by [`MidiKeys::slot_request`].
    pending: Option<u8>,
}

impl MidiKeys {
    /// Reads every note event of the block from `context` into `input`. Never allocates.
    pub fn take_block(
        &mut self,
        context: &mut impl ProcessContext<ChronusSeq>,
        input: &mut MidiInput,
        settings: &MidiInputSettings,
    ) {
        input.begin_block();
        while let Some(event) = context.next_event() {
            let (timing, channel, key, on) = match event {
                NoteEvent::NoteOn {
                    timing,
                    channel,
                    key,
                    velocity,
                    ..
                } => (timing, channel, key, velocity > 0.0),
                NoteEvent::NoteOff {
                    timing,
                    channel,
                    key,
                    ..
                } => (timing, channel, key, false),
                _ => continue,
            };
            // A wildcard key or channel (CLAP allows them) names no key to play.
            let (Some(channel), Some(key)) = (channel.number(), key.number()) else {
                continue;
            };
            // A note-on at velocity 0 is a note-off in MIDI 1.
            let note = NoteInput {
                offset: timing,
                channel,
                key,
                on,
            };
            input.note(settings, note);
        }
        self.key_sample = input.slot_request().map(|(sample, _)| sample);
        self.pending = input.slot_request().map(|(_, slot)| slot);
    }

    /// The slot to ask the engine for instead of the parameter's `param_slot` (0-based), with
    /// the sample a change must wait for in this block (0 when the key came earlier).
    pub fn slot_request(&mut self, param_slot: u8) -> Option<(usize, u8)> {
        if let Some(slot) = self.pending.take() {
            self.chosen = Some((slot, param_slot));
        }
        match self.chosen {
            Some((slot, then)) if then == param_slot => {
                Some((self.key_sample.take().unwrap_or(0) as usize, slot))
            }
            _ => {
                self.chosen = None;
                None
            }
        }
    }
}
