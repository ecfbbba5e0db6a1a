//! The shared home of the pattern document, and the wait-free path from it to the audio thread.

use std::sync::{Arc, Mutex, MutexGuard};

use nice_plug::params::persist::PersistentField;
use triple_buffer::{triple_buffer, Input, Output};

use super::PatternDoc;
use crate::engine::pattern::PatternSnapshot;

struct Shared {
    /// The editable document. Touched by the GUI, OSC-in and host state threads, never by audio.
    doc: PatternDoc,
    /// Publishes a complete snapshot after every edit. Written under the same lock as `doc`.
    publisher: Input<PatternSnapshot>,
}

/// Handle to the pattern document. Cloning shares the same document. Every edit publishes a
/// complete snapshot that the audio thread picks up at its next block, so it never sees half an
/// edit and never waits.
#[derive(Clone)]
pub struct PatternStore {
    /// Locked only by non-real-time threads.
    shared: Arc<Mutex<Shared>>,
}

impl PatternStore {
    /// A store holding `doc`, and the reader the audio thread keeps.
    pub fn new(doc: PatternDoc) -> (PatternStore, Output<PatternSnapshot>) {
        let (publisher, reader) = triple_buffer(&doc.snapshot());
        let store = PatternStore {
            shared: Arc::new(Mutex::new(Shared { doc, publisher })),
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

    /// Applies `edit` to the document and publishes the result. May allocate; never call it from
    /// the audio thread.
    pub fn edit<R>(&self, edit: impl FnOnce(&mut PatternDoc) -> R) -> R {
        let mut shared = self.lock();
        let result = edit(&mut shared.doc);
        let snapshot = shared.doc.snapshot();
        shared.publisher.write(snapshot);
        result
    }

    /// A copy of the document.
    pub fn doc(&self) -> PatternDoc {
        self.lock().doc.clone()
    }
}

impl<'a> PersistentField<'a, PatternDoc> for PatternStore {
    fn set(&self, new_value: PatternDoc) {
        self.edit(|doc| *doc = new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&PatternDoc) -> R,
    {
        f(&self.lock().doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pattern::Step;

    #[test]
    fn an_edit_is_visible_to_the_reader_whole() {
        let (store, mut reader) = PatternStore::new(PatternDoc::empty());
        assert!(!reader.read().tracks[5].steps[3].on);
        store.edit(|doc| {
            doc.tracks[5].pattern.steps[3] = Step::hit(99);
            doc.tracks[5].pattern.length = 7;
        });
        let seen = reader.read();
        assert_eq!(seen.tracks[5].steps[3], Step::hit(99));
        assert_eq!(seen.tracks[5].length, 7);
    }
}
