//! The pattern document: the editable, persisted truth behind what the audio thread plays.

pub mod history;
pub mod pattern_string;
pub mod song;
pub mod track_parts;

pub use song::SongDoc;

use crate::engine::pattern::{PatternSnapshot, Scale, TrackPattern, MAX_TRACKS};

/// One track as the musician edits it: its name and what it plays.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackDoc {
    /// Shown in the editor and saved with the project.
    pub name: String,
    /// Length, rate, MIDI destination and steps.
    pub pattern: TrackPattern,
}

/// Every track of the pattern plus its probability seed.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternDoc {
    /// Seed for step probability.
    pub seed: u32,
    /// All tracks.
    pub tracks: [TrackDoc; MAX_TRACKS],
    /// The scale the slot's melodic tracks snap to.
    pub scale: Scale,
}

impl PatternDoc {
    /// Sixteen empty tracks named `Track 1` … `Track 16` on a General MIDI drum kit, channel 1.
    pub fn empty() -> PatternDoc {
        let snapshot = PatternSnapshot::default();
        PatternDoc {
            seed: snapshot.seed,
            tracks: std::array::from_fn(|index| TrackDoc {
                name: crate::edit::values::default_track_name(index),
                pattern: snapshot.tracks[index],
            }),
            scale: snapshot.scale,
        }
    }

    /// Rolls new dice for step probability: a seed that differs from run to run.
    pub fn reseed(&mut self) {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        let seed = (nanos ^ (nanos >> 32)) as u32;
        self.seed = if seed == self.seed { seed ^ 1 } else { seed };
    }

    /// What the audio thread plays for this document.
    pub fn snapshot(&self) -> PatternSnapshot {
        PatternSnapshot {
            tracks: std::array::from_fn(|index| self.tracks[index].pattern),
            seed: self.seed,
            scale: self.scale,
        }
    }
}

impl Default for PatternDoc {
    /// A beat to start from: kick on the quarters, accented snare on 2 and 4, closed hats on
    /// the eighths (General MIDI drum notes 36, 38, 42).
    fn default() -> PatternDoc {
        let mut doc = PatternDoc::empty();
        let starters = [
            (0, "Kick", "x...x...x...x..."),
            (1, "Snare", "....X.......X..."),
            (2, "Hat", "x.x.x.x.x.x.x.x."),
        ];
        for (index, name, steps) in starters {
            let track = &mut doc.tracks[index];
            track.name = name.to_owned();
            let parsed = pattern_string::parse(steps).expect("the starter patterns are valid");
            track.pattern.steps[..parsed.len()].copy_from_slice(&parsed);
        }
        doc
    }
}
