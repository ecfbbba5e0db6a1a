//! The store's record of recent document changes, for clients that follow them (OSC
//! subscriptions): which change, who made it, and the tracks it changed as they became.

use std::collections::VecDeque;

use super::layer::Origin;
use crate::document::track_parts::changed_parts;
use crate::document::{SongDoc, TrackDoc};
use crate::engine::pattern::{Scale, SLOT_COUNT};
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

/// One track a change touched.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangedTrack {
    /// Slot, 0-based.
    pub slot: usize,
    /// Track, 0-based.
    pub track: usize,
    /// The track as it became.
    pub doc: TrackDoc,
    /// What changed, by name ([`crate::document::track_parts::PART_NAMES`]).
    pub parts: Vec<&'static str>,
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
    /// Each changed track as it became, with the names of its changed parts.
    pub tracks: Vec<ChangedTrack>,
    /// Each slot (0-based) whose probability seed changed, with the new seed.
    pub seeds: Vec<(usize, u32)>,
    /// Each slot (0-based) whose scale changed, with the new scale.
    pub scales: Vec<(usize, Scale)>,
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
            scales: Vec::new(),
        };
        for (slot, track) in before.changes(after) {
            let pattern = after.slot(slot);
            match track {
                Some(track) => change.tracks.push(ChangedTrack {
                    slot,
                    track,
                    doc: pattern.tracks[track].clone(),
                    parts: changed_parts(&before.slot(slot).tracks[track], &pattern.tracks[track]),
                }),
                None => change.seeds.push((slot, pattern.seed)),
            }
        }
        for slot in 0..SLOT_COUNT {
            let scale = after.slot(slot).scale;
            if before.slot(slot).scale != scale {
                change.scales.push((slot, scale));
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
