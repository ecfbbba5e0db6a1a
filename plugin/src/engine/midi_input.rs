//! MIDI notes played into the plugin: transposition of the melodic tracks and pattern slot
//! triggers. The audio thread feeds each block's notes in with their sample offsets; a
//! transposition counts from its note's sample, so the first step at or after that sample plays
//! it. Everything is fixed-size: nothing here allocates.

/// Most transposition changes remembered within one block; later ones in the same block
/// overwrite the last.
const CHANGES_PER_BLOCK: usize = 32;
/// Most keys remembered as held for the "while held" mode.
const HELD_KEYS: usize = 16;

/// How a played key transposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransposeMode {
    /// The last key played keeps transposing after it is released.
    #[default]
    Latch,
    /// Transposes while a key is held; the last key still held counts, none held is no
    /// transposition.
    Hold,
}

/// What the MIDI input listens for (host parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MidiInputSettings {
    /// Channel (0–15) whose keys transpose; `None` is off.
    pub transpose_channel: Option<u8>,
    /// Latch or while held.
    pub mode: TransposeMode,
    /// The key that means "no transposition" (C3 = 48 by default).
    pub reference_key: u8,
    /// Channel (0–15) whose keys in the slot range select slots; `None` is off.
    pub slot_channel: Option<u8>,
    /// The key that selects slot 1; the next fifteen keys select slots 2–16. Keys in this range
    /// on the slot channel never transpose.
    pub slot_low_key: u8,
}

impl Default for MidiInputSettings {
    fn default() -> Self {
        MidiInputSettings {
            transpose_channel: Some(0),
            mode: TransposeMode::Latch,
            reference_key: 48,
            slot_channel: Some(0),
            slot_low_key: 24,
        }
    }
}

/// A note played into the plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoteInput {
    /// Sample offset in the block.
    pub offset: u32,
    /// MIDI channel, 0–15.
    pub channel: u8,
    /// MIDI key, 0–127.
    pub key: u8,
    /// Pressed (true) or released.
    pub on: bool,
}

/// The transposition and slot requests played so far. Lives on the audio thread.
#[derive(Debug, Clone)]
pub struct MidiInput {
    /// Transposition in semitones in force at the start of the block.
    at_block_start: i8,
    /// Changes within the block, in time order: (sample offset, semitones from there).
    changes: [(u32, i8); CHANGES_PER_BLOCK],
    /// Number of `changes` in use.
    change_count: usize,
    /// Keys held on the transpose channel, oldest first (the "while held" mode).
    held: [u8; HELD_KEYS],
    /// Number of `held` in use.
    held_count: usize,
    /// The slot (0-based) the latest slot key asked for, with the sample offset of that key in
    /// the block it came in.
    slot_request: Option<(u32, u8)>,
}

impl Default for MidiInput {
    fn default() -> Self {
        MidiInput {
            at_block_start: 0,
            changes: [(0, 0); CHANGES_PER_BLOCK],
            change_count: 0,
            held: [0; HELD_KEYS],
            held_count: 0,
            slot_request: None,
        }
    }
}

impl MidiInput {
    /// Starts a block: the transposition reached at the end of the last block holds from its
    /// first sample, and no slot key has been played in it yet.
    pub fn begin_block(&mut self) {
        self.at_block_start = self.transpose_at(u32::MAX);
        self.change_count = 0;
        self.slot_request = None;
    }

    /// Takes one note of the block (in time order).
    pub fn note(&mut self, settings: &MidiInputSettings, note: NoteInput) {
        let key = note.key & 0x7f;
        let channel = note.channel & 0x0f;
        if settings.slot_channel == Some(channel) {
            let slot = i32::from(key) - i32::from(settings.slot_low_key);
            if (0..crate::engine::pattern::SLOT_COUNT as i32).contains(&slot) {
                if note.on {
                    self.slot_request = Some((note.offset, slot as u8));
                }
                return;
            }
        }
        if settings.transpose_channel != Some(channel) {
            return;
        }
        let semitones =
            |key: u8| (i32::from(key) - i32::from(settings.reference_key)).clamp(-127, 127) as i8;
        match (settings.mode, note.on) {
            (TransposeMode::Latch, true) => self.change(note.offset, semitones(key)),
            (TransposeMode::Latch, false) => {}
            (TransposeMode::Hold, true) => {
                self.release(key);
                if self.held_count == HELD_KEYS {
                    self.held.copy_within(1.., 0);
                    self.held_count -= 1;
                }
                self.held[self.held_count] = key;
                self.held_count += 1;
                self.change(note.offset, semitones(key));
            }
            (TransposeMode::Hold, false) => {
                self.release(key);
                let now = match self.held_count {
                    0 => 0,
                    count => semitones(self.held[count - 1]),
                };
                self.change(note.offset, now);
            }
        }
    }

    /// Forgets every held key and goes back to no transposition (mode changes, reset).
    pub fn clear(&mut self) {
        self.held_count = 0;
        self.change(0, 0);
    }

    /// The transposition in semitones for a step starting on sample `offset` of the block.
    pub fn transpose_at(&self, offset: u32) -> i8 {
        self.changes[..self.change_count]
            .iter()
            .rev()
            .find(|(at, _)| *at <= offset)
            .map_or(self.at_block_start, |(_, semitones)| *semitones)
    }

    /// The slot asked for by the latest slot key of this block and that key's sample offset.
    pub fn slot_request(&self) -> Option<(u32, u8)> {
        self.slot_request
    }

    fn change(&mut self, offset: u32, semitones: i8) {
        if self.change_count == CHANGES_PER_BLOCK {
            self.change_count -= 1;
        }
        self.changes[self.change_count] = (offset, semitones);
        self.change_count += 1;
    }

    fn release(&mut self, key: u8) {
        if let Some(at) = self.held[..self.held_count].iter().position(|k| *k == key) {
            self.held.copy_within(at + 1..self.held_count, at);
            self.held_count -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(offset: u32, key: u8) -> NoteInput {
        NoteInput {
            offset,
            channel: 0,
            key,
            on: true,
        }
    }

    fn off(offset: u32, key: u8) -> NoteInput {
        NoteInput {
            on: false,
            ..on(offset, key)
        }
    }

    #[test]
    fn latch_keeps_the_last_key_from_its_sample_on() {
        let settings = MidiInputSettings::default();
        let mut input = MidiInput::default();
        input.begin_block();
        input.note(&settings, on(100, 51));
        input.note(&settings, off(150, 51));
        input.note(&settings, on(300, 45));
        assert_eq!(input.transpose_at(99), 0);
        assert_eq!(input.transpose_at(100), 3);
        assert_eq!(input.transpose_at(299), 3);
        assert_eq!(input.transpose_at(300), -3);
        input.begin_block();
        assert_eq!(input.transpose_at(0), -3, "it holds into the next block");
    }

    #[test]
    fn hold_transposes_while_a_key_is_down_last_held_key_first() {
        let settings = MidiInputSettings {
            mode: TransposeMode::Hold,
            ..MidiInputSettings::default()
        };
        let mut input = MidiInput::default();
        input.begin_block();
        input.note(&settings, on(10, 50));
        input.note(&settings, on(20, 55));
        input.note(&settings, off(30, 55));
        input.note(&settings, off(40, 50));
        let seen: Vec<i8> = [10, 20, 30, 40].map(|at| input.transpose_at(at)).to_vec();
        assert_eq!(seen, [2, 7, 2, 0]);
    }

    #[test]
    fn slot_keys_select_slots_and_never_transpose_other_channels_are_ignored() {
        let settings = MidiInputSettings::default();
        let mut input = MidiInput::default();
        input.begin_block();
        input.note(&settings, on(5, 24 + 3));
        input.note(&settings, off(6, 24 + 3));
        assert_eq!(input.slot_request(), Some((5, 3)));
        assert_eq!(input.transpose_at(10), 0);
        input.note(
            &settings,
            NoteInput {
                channel: 5,
                ..on(20, 60)
            },
        );
        assert_eq!(input.transpose_at(30), 0, "another channel");
        input.begin_block();
        assert_eq!(input.slot_request(), None);
    }

    #[test]
    fn a_flood_of_keys_in_one_block_keeps_the_latest() {
        let settings = MidiInputSettings::default();
        let mut input = MidiInput::default();
        input.begin_block();
        for offset in 0..100 {
            input.note(&settings, on(offset, 48 + (offset % 12) as u8));
        }
        assert_eq!(input.transpose_at(99), (99 % 12) as i8);
    }
}
