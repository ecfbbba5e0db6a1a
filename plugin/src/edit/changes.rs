//! The store's record of recent document changes, for clients that follow them (OSC
//! subscriptions): which change, who made it, and the tracks it changed as they became.

use std::collections::VecDeque;

use super::layer::Origin;
use crate::document::{SongDoc, TrackDoc};
use crate::engine::slot_switch::SlotQuantize;

/// Most changes kept; a follower that falls further behind learns that it missed some.
pub const JOURNAL_LIMIT: usize = 64;

/// Where a document change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeSource {
    /// The editor.
    Editor,
    /// An OSC command.
    Osc,
    /// A state load (project, preset, pattern file): the whole document replaced.
    StateLoad,
    /// An undo, whoever asked for it.
    Undo,
    /// A redo, whoever asked for it.
    Redo,
}

impl ChangeSource {
    /// The source's name in OSC messages: `editor`, `osc`, `state_load`, `undo`, `redo`.
    pub fn name(self) -> &'static str {
        match self {
            ChangeSource::Editor => "editor",
            ChangeSource::Osc => "osc",
            ChangeSource::StateLoad => "state_load",
            ChangeSource::Undo => "undo",
            ChangeSource::Redo => "redo",
        }
    }
}

impl From<Origin> for ChangeSource {
    fn from(origin: Origin) -> ChangeSource {
        match origin {
            Origin::Editor => ChangeSource::Editor,
            Origin::Osc => ChangeSource::Osc,
        }
    }
}

/// One published change of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The store's publish count after this change ([`super::PatternStore::edit_count`]).
    pub serial: u64,
    /// Who made it.
    pub source: ChangeSource,
    /// When the audio thread plays it.
    pub lands: SlotQuantize,
    /// Each changed track (slot and track, 0-based) as it became.
    pub tracks: Vec<(usize, usize, TrackDoc)>,
    /// Each slot (0-based) whose probability seed changed, with the new seed.
    pub seeds: Vec<(usize, u32)>,
}

/// The last [`JOURNAL_LIMIT`] changes. Under the store's lock.
#[derive(Debug, Default)]
pub struct Journal {
    /// Oldest first.
    entries: VecDeque<Change>,
}

impl Journal {
    /// Records the change from `before` to `after`.
    pub fn record(
        &mut self,
        serial: u64,
        source: ChangeSource,
        lands: SlotQuantize,
        before: &SongDoc,
        after: &SongDoc,
    ) {
        let mut change = Change {
            serial,
            source,
            lands,
            tracks: Vec::new(),
            seeds: Vec::new(),
        };
        for (slot, track) in before.changes(after) {
            let pattern = after.slot(slot);
            match track {
                Some(track) => change
                    .tracks
                    .push((slot, track, pattern.tracks[track].clone())),
                None => change.seeds.push((slot, pattern.seed)),
            }
        }
        if self.entries.len() == JOURNAL_LIMIT {
            self.entries.pop_front();
        }
        self.entries.push_back(change);
    }

    /// The changes after serial `seen`, oldest first.
    pub fn since(&self, seen: u64) -> Vec<Change> {
        self.entries
            .iter()
            .filter(|change| change.serial > seen)
            .cloned()
            .collect()
    }
}
