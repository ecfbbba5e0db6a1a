//! Undo and redo of document edits, with a bounded history. Versions share the slots they have
//! in common, so each remembered edit costs about one slot.

use std::collections::VecDeque;

use super::SongDoc;

/// Most edits that can be undone; older ones are forgotten.
pub const HISTORY_LIMIT: usize = 100;

/// Earlier and undone versions of the document.
#[derive(Debug, Default)]
pub struct History {
    /// Versions before each edit, oldest first; at most [`HISTORY_LIMIT`].
    undo: VecDeque<SongDoc>,
    /// Versions undone, most recently undone last.
    redo: Vec<SongDoc>,
}

impl History {
    /// Remembers `before`, the version an edit just replaced; an edit makes redo impossible.
    pub fn record(&mut self, before: SongDoc) {
        if self.undo.len() == HISTORY_LIMIT {
            self.undo.pop_front();
        }
        self.undo.push_back(before);
        self.redo.clear();
    }

    /// Steps `doc` back one edit. Returns whether there was one.
    pub fn undo(&mut self, doc: &mut SongDoc) -> bool {
        let Some(before) = self.undo.pop_back() else {
            return false;
        };
        self.redo.push(std::mem::replace(doc, before));
        true
    }

    /// Re-applies the edit undone last. Returns whether there was one.
    pub fn redo(&mut self, doc: &mut SongDoc) -> bool {
        let Some(after) = self.redo.pop() else {
            return false;
        };
        self.undo.push_back(std::mem::replace(doc, after));
        true
    }

    /// The version an undo would go back to.
    pub fn peek_undo(&self) -> Option<&SongDoc> {
        self.undo.back()
    }

    /// The version a redo would bring back.
    pub fn peek_redo(&self) -> Option<&SongDoc> {
        self.redo.last()
    }

    /// Forgets everything (after loading a whole new document).
    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
    }

    /// Number of edits that can be undone and redone.
    pub fn depth(&self) -> (usize, usize) {
        (self.undo.len(), self.redo.len())
    }
}
