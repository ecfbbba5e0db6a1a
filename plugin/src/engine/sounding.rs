//! Bookkeeping of sounding notes: which keys are held, by which track, until which beat.
//!
//! MIDI has one note per channel and key, so a retrigger of a sounding key must end the old note
//! first; every note is ended exactly once, by its own note-off, a retrigger, a seek or a stop.

/// Number of distinct (channel, key) pairs: the most notes that can sound at once.
pub(crate) const NOTE_SLOTS: usize = 16 * 128;
const NONE: u16 = u16::MAX;

/// A note that is sounding now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SoundingNote {
    /// MIDI channel, 0–15.
    pub channel: u8,
    /// MIDI key, 0–127.
    pub key: u8,
    /// Track that started it.
    pub track: u8,
    /// Song beat at which its note-off is due.
    pub off_beat: f64,
}

/// All sounding notes, in a list that never grows past [`NOTE_SLOTS`] (reserved up front, so no
/// method here allocates).
pub(crate) struct SoundingNotes {
    notes: Vec<SoundingNote>,
    index_of: Box<[u16; NOTE_SLOTS]>,
}

fn slot(channel: u8, key: u8) -> usize {
    usize::from(channel & 0x0f) * 128 + usize::from(key & 0x7f)
}

impl SoundingNotes {
    /// Allocates room for every possible note.
    pub fn new() -> Self {
        SoundingNotes {
            notes: Vec::with_capacity(NOTE_SLOTS),
            index_of: Box::new([NONE; NOTE_SLOTS]),
        }
    }

    /// Number of sounding notes.
    pub fn len(&self) -> usize {
        self.notes.len()
    }

    /// Starts `note`. If its key was already sounding, that older note is removed and returned so
    /// the caller can send its note-off first.
    pub fn start(&mut self, note: SoundingNote) -> Option<SoundingNote> {
        let at = slot(note.channel, note.key);
        match self.index_of[at] {
            NONE => {
                self.index_of[at] = self.notes.len() as u16;
                self.notes.push(note);
                None
            }
            index => Some(std::mem::replace(&mut self.notes[usize::from(index)], note)),
        }
    }

    /// The note whose note-off is due first, if any.
    pub fn earliest(&self) -> Option<SoundingNote> {
        self.notes
            .iter()
            .copied()
            .min_by(|a, b| a.off_beat.total_cmp(&b.off_beat))
    }

    /// Ends the note on `channel`/`key`, if it sounds.
    pub fn end(&mut self, channel: u8, key: u8) -> Option<SoundingNote> {
        let at = slot(channel, key);
        let index = self.index_of[at];
        if index == NONE {
            return None;
        }
        self.index_of[at] = NONE;
        let removed = self.notes.swap_remove(usize::from(index));
        if let Some(moved) = self.notes.get(usize::from(index)) {
            self.index_of[slot(moved.channel, moved.key)] = index;
        }
        Some(removed)
    }

    /// Ends every note for which `selected` holds, in the order they were started, handing each
    /// to `ended`.
    pub fn end_where(
        &mut self,
        selected: impl Fn(&SoundingNote) -> bool,
        mut ended: impl FnMut(SoundingNote),
    ) {
        let mut index = 0;
        while index < self.notes.len() {
            let note = self.notes[index];
            if selected(&note) {
                self.end(note.channel, note.key);
                ended(note);
            } else {
                index += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(channel: u8, key: u8, off_beat: f64) -> SoundingNote {
        SoundingNote {
            channel,
            key,
            track: 0,
            off_beat,
        }
    }

    #[test]
    fn retrigger_hands_back_the_older_note() {
        let mut notes = SoundingNotes::new();
        assert_eq!(notes.start(note(0, 60, 1.0)), None);
        assert_eq!(notes.start(note(0, 60, 2.0)), Some(note(0, 60, 1.0)));
        assert_eq!(notes.len(), 1);
        assert_eq!(notes.earliest(), Some(note(0, 60, 2.0)));
    }

    #[test]
    fn ending_keeps_the_index_consistent() {
        let mut notes = SoundingNotes::new();
        notes.start(note(0, 1, 3.0));
        notes.start(note(1, 1, 1.0));
        notes.start(note(15, 127, 2.0));
        assert_eq!(notes.end(0, 1), Some(note(0, 1, 3.0)));
        assert_eq!(notes.end(0, 1), None);
        assert_eq!(notes.end(15, 127), Some(note(15, 127, 2.0)));
        assert_eq!(notes.earliest(), Some(note(1, 1, 1.0)));
        let mut ended = Vec::new();
        notes.end_where(|_| true, |n| ended.push(n));
        assert_eq!(ended, vec![note(1, 1, 1.0)]);
        assert_eq!(notes.len(), 0);
    }
}
