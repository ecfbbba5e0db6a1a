//! The shared home of the pattern document, and the wait-free path from it to the audio thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use nice_plug::params::persist::PersistentField;
use triple_buffer::{triple_buffer, Input, Output};

use super::changes::{Change, ChangeSource, Journal};
use crate::document::history::History;
use crate::document::{PatternDoc, SongDoc};
use crate::engine::pattern::SongSnapshot;
use crate::engine::slot_switch::SlotQuantize;

struct Shared {
    /// The editable document. Touched by the GUI, OSC-in and host state threads, never by audio.
    doc: SongDoc,
    /// Publishes a complete snapshot after every edit. Written under the same lock as `doc`.
    publisher: Input<SongSnapshot>,
    /// Versions for undo and redo. Under the same lock as `doc`.
    history: History,
    /// Snapshots published so far. Written under the lock, read without it by anyone.
    published: Arc<AtomicU64>,
    /// The recent changes, for followers. Under the same lock as `doc`.
    journal: Journal,
}

impl Shared {
    /// Publishes the document, to be played from the next `lands` point on, and records the
    /// change from `before` made by `source`.
    fn publish_landing(&mut self, lands: SlotQuantize, source: ChangeSource, before: &SongDoc) {
        let snapshot = self.doc.snapshot().landing(lands);
        self.publisher.write(snapshot);
        let serial = self.published.fetch_add(1, Ordering::Release) + 1;
        self.journal
            .record(serial, source, lands, before, &self.doc);
    }
}

/// Handle to the pattern document. Cloning shares the same document. Every edit publishes a
/// complete snapshot that the audio thread picks up at its next block, so it never sees half an
/// edit and never waits.
#[derive(Clone)]
pub struct PatternStore {
    /// Locked only by non-real-time threads.
    shared: Arc<Mutex<Shared>>,
    /// Snapshots published so far (edits, undo, redo, loads). Read by anyone without the lock.
    published: Arc<AtomicU64>,
}

impl PatternStore {
    /// A store holding `doc`, and the reader the audio thread keeps.
    pub fn new(doc: SongDoc) -> (PatternStore, Output<SongSnapshot>) {
        let (publisher, reader) = triple_buffer(&doc.snapshot());
        let published = Arc::new(AtomicU64::new(0));
        let store = PatternStore {
            shared: Arc::new(Mutex::new(Shared {
                doc,
                publisher,
                history: History::default(),
                published: Arc::clone(&published),
                journal: Journal::default(),
            })),
            published,
        };
        (store, reader)
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic while editing cannot leave the document half-written: edits replace whole
        // values, so the data behind a poisoned lock is still consistent.
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    #[cfg(test)]
    /// Runs `change` on the document as one transaction: if it returns `Ok` and changed
    /// anything, the change is published and becomes one undo step; if it returns `Err`, the
    /// document is left exactly as it was. May allocate; never call it from the audio thread.
    pub(super) fn transact<R, E>(
        &self,
        change: impl FnOnce(&mut SongDoc) -> Result<R, E>,
    ) -> Result<R, E> {
        self.transact_landing(SlotQuantize::Now, ChangeSource::Osc, change)
    }

    /// Like [`Self::transact`], the change played from the next `lands` point on (the audio
    /// thread keeps playing the document before it until then).
    pub(super) fn transact_landing<R, E>(
        &self,
        lands: SlotQuantize,
        source: ChangeSource,
        change: impl FnOnce(&mut SongDoc) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut shared = self.lock();
        let before = shared.doc.clone();
        match change(&mut shared.doc) {
            Ok(result) => {
                if shared.doc != before {
                    shared.publish_landing(lands, source, &before);
                    shared.history.record(before);
                }
                Ok(result)
            }
            Err(error) => {
                shared.doc = before;
                Err(error)
            }
        }
    }

    /// Replaces the whole document (a project or preset load): published, history cleared.
    pub(super) fn replace(&self, doc: SongDoc) {
        let mut shared = self.lock();
        let before = std::mem::replace(&mut shared.doc, doc);
        shared.history.clear();
        shared.publish_landing(SlotQuantize::Now, ChangeSource::StateLoad, &before);
    }

    #[cfg(test)]
    /// Undoes the last edit and publishes the result. Returns whether there was one.
    pub(super) fn undo(&self) -> bool {
        self.step_history(false, SlotQuantize::Now)
    }

    #[cfg(test)]
    /// Redoes the last undone edit and publishes the result. Returns whether there was one.
    pub(super) fn redo(&self) -> bool {
        self.step_history(true, SlotQuantize::Now)
    }

    /// Undoes (`redo` false) or redoes one edit, the result played from the next `lands`
    /// point on. Returns whether there was one.
    pub(super) fn step_history(&self, redo: bool, lands: SlotQuantize) -> bool {
        let mut shared = self.lock();
        let before = shared.doc.clone();
        let Shared { doc, history, .. } = &mut *shared;
        let stepped = if redo {
            history.redo(doc)
        } else {
            history.undo(doc)
        };
        if stepped {
            let source = if redo {
                ChangeSource::Redo
            } else {
                ChangeSource::Undo
            };
            shared.publish_landing(lands, source, &before);
        }
        stepped
    }

    /// The document an undo (`redo` false) or a redo would make, without making it.
    pub fn history_preview(&self, redo: bool) -> Option<SongDoc> {
        let shared = self.lock();
        let version = if redo {
            shared.history.peek_redo()
        } else {
            shared.history.peek_undo()
        };
        version.cloned()
    }

    /// The recorded changes after serial `seen` (an [`Self::edit_count`] value), oldest first;
    /// at most [`super::changes::JOURNAL_LIMIT`] of the newest.
    pub fn changes_since(&self, seen: u64) -> Vec<Change> {
        self.lock().journal.since(seen)
    }

    /// How many times the document changed (edits, undo, redo, loads): a cheap way to notice
    /// a change without the lock.
    pub fn edit_count(&self) -> u64 {
        self.published.load(Ordering::Acquire)
    }

    /// Number of edits that can be undone and redone.
    pub fn history_depth(&self) -> (usize, usize) {
        self.lock().history.depth()
    }

    /// A copy of the document (cheap: slots are shared until edited).
    pub fn doc(&self) -> SongDoc {
        self.lock().doc.clone()
    }

    /// A copy of slot `slot` (0-based).
    pub fn slot(&self, slot: usize) -> PatternDoc {
        self.lock().doc.slot(slot).clone()
    }
}

/// The pattern document as a persisted field: a state load is the one edit that replaces the
/// whole document (published at once, history cleared).
impl<'a> PersistentField<'a, SongDoc> for PatternStore {
    fn set(&self, new_value: SongDoc) {
        self.replace(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&SongDoc) -> R,
    {
        f(&self.lock().doc)
    }
}

impl std::fmt::Debug for PatternStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatternStore").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl PatternStore {
        /// Test shorthand: one infallible change of slot `slot`.
        fn edit_slot(&self, slot: usize, change: impl FnOnce(&mut PatternDoc)) {
            self.transact(|song| {
                change(song.slot_mut(slot));
                Ok::<(), ()>(())
            })
            .expect("infallible");
        }
    }
    use crate::document::history::HISTORY_LIMIT;
    use crate::engine::pattern::Step;

    #[test]
    fn undo_and_redo_walk_the_edits_and_publish_them() {
        let (store, mut reader) = PatternStore::new(SongDoc::new(PatternDoc::empty()));
        store.edit_slot(0, |doc| doc.tracks[0].pattern.steps[0] = Step::hit(90));
        store.edit_slot(0, |doc| doc.tracks[0].pattern.steps[1] = Step::hit(91));
        store.edit_slot(0, |_| ());
        assert_eq!(
            store.transact(|song| {
                song.slot_mut(0).seed = 77;
                Err::<(), _>("refused")
            }),
            Err("refused")
        );
        assert_eq!(
            store.slot(0).seed,
            PatternDoc::empty().seed,
            "a refused change leaves nothing"
        );
        assert_eq!(
            store.history_depth(),
            (2, 0),
            "an edit that changes nothing is no step"
        );

        assert!(store.undo());
        assert!(!reader.read().slots()[0].tracks[0].steps[1].on);
        assert!(reader.read().slots()[0].tracks[0].steps[0].on);
        assert!(store.undo());
        assert!(!reader.read().slots()[0].tracks[0].steps[0].on);
        assert!(!store.undo(), "nothing left to undo");
        assert!(store.redo());
        assert!(reader.read().slots()[0].tracks[0].steps[0].on);

        store.edit_slot(0, |doc| doc.tracks[2].pattern.length = 5);
        assert!(!store.redo(), "a new edit ends redo");
        assert_eq!(store.history_depth(), (2, 0));
    }

    #[test]
    fn history_is_bounded_and_cleared_by_a_load() {
        let (store, _reader) = PatternStore::new(SongDoc::new(PatternDoc::empty()));
        for round in 0..HISTORY_LIMIT + 20 {
            store.edit_slot(0, |doc| doc.seed = round as u32 + 1);
        }
        assert_eq!(store.history_depth(), (HISTORY_LIMIT, 0));
        while store.undo() {}
        assert_eq!(store.slot(0).seed, 20, "the oldest 20 edits were forgotten");
        store.replace(SongDoc::default());
        assert_eq!(store.history_depth(), (0, 0));
    }

    #[test]
    fn an_edit_is_visible_to_the_reader_whole() {
        let (store, mut reader) = PatternStore::new(SongDoc::new(PatternDoc::empty()));
        assert!(!reader.read().slots()[0].tracks[5].steps[3].on);
        store.edit_slot(0, |doc| {
            doc.tracks[5].pattern.steps[3] = Step::hit(99);
            doc.tracks[5].pattern.length = 7;
        });
        let seen = &reader.read().slots()[0];
        assert_eq!(seen.tracks[5].steps[3], Step::hit(99));
        assert_eq!(seen.tracks[5].length, 7);
    }
}
