//! All pattern slots of an instance: the whole document the editor, OSC input and saved state
//! work on.

use std::sync::Arc;

use super::PatternDoc;
use crate::engine::pattern::{SongSnapshot, SLOT_COUNT};

/// Sixteen pattern slots. Slots are shared between versions of the document (undo history), so
/// an edit copies only the slot it changes.
#[derive(Debug, Clone, PartialEq)]
pub struct SongDoc {
    /// Exactly [`SLOT_COUNT`] patterns; slot 1 is index 0.
    slots: [Arc<PatternDoc>; SLOT_COUNT],
}

impl SongDoc {
    /// `first` in slot 1 and empty patterns in the other slots.
    pub fn new(first: PatternDoc) -> SongDoc {
        let empty = Arc::new(PatternDoc::empty());
        let mut slots: [Arc<PatternDoc>; SLOT_COUNT] = std::array::from_fn(|_| empty.clone());
        slots[0] = Arc::new(first);
        SongDoc { slots }
    }

    /// Slot `index` (0-based; indexes past the last slot give the last slot).
    pub fn slot(&self, index: usize) -> &PatternDoc {
        &self.slots[index.min(SLOT_COUNT - 1)]
    }

    /// Slot `index` for editing (0-based; indexes past the last slot give the last slot).
    pub fn slot_mut(&mut self, index: usize) -> &mut PatternDoc {
        Arc::make_mut(&mut self.slots[index.min(SLOT_COUNT - 1)])
    }

    /// Makes slot `to` a copy of slot `from` (0-based, clamped like [`SongDoc::slot`]). The two
    /// share their pattern until one of them is edited.
    pub fn copy_slot(&mut self, from: usize, to: usize) {
        let last = SLOT_COUNT - 1;
        self.slots[to.min(last)] = Arc::clone(&self.slots[from.min(last)]);
    }

    /// Every slot, slot 1 first.
    pub fn slots(&self) -> impl Iterator<Item = &PatternDoc> {
        self.slots.iter().map(|slot| &**slot)
    }

    /// Where `self` and `other` differ: each changed track as `(slot, Some(track))` and each
    /// slot whose own fields (the seed) changed as `(slot, None)`, 0-based, in order. Slots the
    /// two versions share are skipped without comparing them.
    pub fn changes(&self, other: &SongDoc) -> Vec<(usize, Option<usize>)> {
        let mut changes = Vec::new();
        for (slot, (mine, theirs)) in self.slots.iter().zip(&other.slots).enumerate() {
            if Arc::ptr_eq(mine, theirs) || mine == theirs {
                continue;
            }
            if mine.seed != theirs.seed {
                changes.push((slot, None));
            }
            for (track, (a, b)) in mine.tracks.iter().zip(&theirs.tracks).enumerate() {
                if a != b {
                    changes.push((slot, Some(track)));
                }
            }
        }
        changes
    }

    /// What the audio thread plays for this document.
    pub fn snapshot(&self) -> SongSnapshot {
        SongSnapshot::new(self.slots().map(PatternDoc::snapshot))
    }
}

impl Default for SongDoc {
    /// The starter beat in slot 1, the other slots empty.
    fn default() -> SongDoc {
        SongDoc::new(PatternDoc::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pattern::Step;

    #[test]
    fn an_edit_copies_only_its_slot() {
        let mut song = SongDoc::default();
        let before = song.clone();
        song.slot_mut(3).tracks[0].pattern.steps[0] = Step::hit(100);
        assert!(Arc::ptr_eq(&song.slots[2], &before.slots[2]));
        assert!(!Arc::ptr_eq(&song.slots[3], &before.slots[3]));
        assert_eq!(
            before.slot(3),
            &PatternDoc::empty(),
            "the old version is untouched"
        );
        assert!(song.snapshot().slots()[3].tracks[0].steps[0].on);
        assert_eq!(song.slot(99), song.slot(SLOT_COUNT - 1));

        song.copy_slot(3, 7);
        assert!(
            Arc::ptr_eq(&song.slots[3], &song.slots[7]),
            "shared until edited"
        );
        song.slot_mut(7).seed = 9;
        assert_eq!(
            song.slot(3).seed,
            before.slot(3).seed,
            "editing the copy leaves the original"
        );
    }
}
