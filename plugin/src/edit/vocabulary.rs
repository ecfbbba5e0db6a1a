//! Every change a front-end can ask for, as data. The editor, the OSC commands (native and the
//! Music Chronus dialect) and state loading each translate their input into these; only
//! [`super::EditLayer::apply`] carries them out.

use super::values::{OscAddress, PatternSteps, TrackName, VoiceId};
use crate::document::{PatternDoc, TrackDoc};
use crate::engine::pattern::StepRate;
use crate::engine::slot_switch::SlotQuantize;

/// A track an edit is about: by index (0-based) or by name, looked up in the slot being edited
/// under the same lock as the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackRef {
    /// Track `0 … 15`.
    Index(usize),
    /// The track with this name.
    Named(String),
}

impl From<usize> for TrackRef {
    fn from(index: usize) -> TrackRef {
        TrackRef::Index(index)
    }
}

/// One value of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepChange {
    /// Plays or not; a step switched on is no longer a tie.
    On(bool),
    /// MIDI velocity 1–127.
    Velocity(u8),
    /// Chance to play, 0–100 %.
    Probability(u8),
    /// Hits the step is split into, 1–8.
    Ratchet(u8),
    /// Micro-timing in percent of a step, −50–50.
    Nudge(i8),
    /// The step's own MIDI note, or `None` for the track's.
    Note(Option<u8>),
    /// Holds the previous step's note one step longer (and does not play a note of its own).
    Tie(bool),
    /// Back to a rest with full probability, one hit, on the grid, the track's note.
    Reset,
}

/// One setting of one track.
#[derive(Debug, Clone, PartialEq)]
pub enum TrackChange {
    /// The name shown and used by the Music Chronus dialect as the track id.
    Name(TrackName),
    /// Steps that play, 1–64.
    Length(u8),
    /// Length of one step.
    Rate(StepRate),
    /// MIDI note, 0–127.
    Note(u8),
    /// MIDI channel, 0-based (0–15).
    Channel(u8),
    /// Euclid mode on or off (pulses and rotation are host parameters).
    EuclidMode(bool),
}

/// A cell of the grid: track and step, 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CellRef {
    /// Track, 0-based.
    pub track: usize,
    /// Step, 0-based.
    pub step: usize,
}

/// One change, whoever asks for it.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Typed or sent steps over a track: its length becomes theirs and Euclid mode ends. A step
    /// whose character stays the same (compared as the track played it) keeps everything it
    /// had; a changed step takes the new hit, rest or tie and velocity and keeps its
    /// probability, ratchets, nudge and note.
    WriteSteps {
        /// The track written.
        track: TrackRef,
        /// What it plays from now.
        steps: PatternSteps,
    },
    /// Several tracks written at once (all checked before any changes).
    WriteTracks(Vec<(usize, PatternSteps)>),
    /// One value of one step.
    SetStep {
        /// The step's track.
        track: TrackRef,
        /// The step, 0-based.
        step: usize,
        /// The new value.
        change: StepChange,
    },
    /// Cells switched on or off (a click or a painting drag). A Euclid track is first written
    /// into plain steps holding the rhythm it played, so only the touched cells change.
    Paint {
        /// Whether the cells play afterwards.
        on: bool,
        /// The cells.
        cells: Vec<CellRef>,
    },
    /// Velocities of cells (a velocity drag or drawing); a cell drawn on that did not play
    /// starts playing.
    Velocities(Vec<(CellRef, u8)>),
    /// One setting of one track.
    SetTrack {
        /// The track.
        track: TrackRef,
        /// The new value.
        change: TrackChange,
    },
    /// Euclid mode on with `pulses` hits over `steps` steps, turned left by `rotation` (pulses
    /// and rotation go to the host parameters first).
    Euclid {
        /// The track.
        track: usize,
        /// Hits, at most `steps`.
        pulses: u8,
        /// The track's length from now.
        steps: u8,
        /// Left turn in steps, below 64.
        rotation: u8,
    },
    /// A Euclid rhythm written into the steps as plain hits: the track's length becomes `steps`
    /// and Euclid mode ends.
    StampEuclid {
        /// The track.
        track: usize,
        /// Hits, at most `steps`.
        pulses: u8,
        /// The track's length from now.
        steps: u8,
        /// Left turn in steps, below 64.
        rotation: u8,
    },
    /// Every step of a track (or of every track) becomes a rest and Euclid mode ends; names,
    /// notes and rates stay.
    ClearSteps(Option<TrackRef>),
    /// A track copied over another in the same slot.
    CopyTrack {
        /// Source track.
        from: usize,
        /// Destination track.
        to: usize,
    },
    /// A whole track (name and pattern) put over track `to` (a paste).
    PutTrack {
        /// Destination track.
        to: usize,
        /// What it becomes.
        track: Box<TrackDoc>,
    },
    /// A whole slot replaced (a pasted or generated pattern).
    PutSlot {
        /// The slot, 0-based.
        slot: usize,
        /// What it becomes.
        pattern: Box<PatternDoc>,
    },
    /// A slot copied over another.
    CopySlot {
        /// Source slot, 0-based.
        from: usize,
        /// Destination slot, 0-based.
        to: usize,
    },
    /// New dice for step probability: this seed, or one from the clock.
    Reseed(Option<u32>),
    /// The last change undone.
    Undo,
    /// The last undone change made again.
    Redo,
    /// Track Mute parameter.
    Mute {
        /// The track.
        track: usize,
        /// Muted or not.
        on: bool,
    },
    /// Track Solo parameter.
    Solo {
        /// The track.
        track: usize,
        /// Soloed or not.
        on: bool,
    },
    /// Track Gate parameter, percent of a step.
    Gate {
        /// The track.
        track: TrackRef,
        /// 1–100.
        percent: f32,
    },
    /// Swing parameter, percent.
    Swing(f32),
    /// The Pattern Slot parameter; with a quantize, that one applies to this change only.
    PlaySlot {
        /// Slot, 0-based.
        slot: usize,
        /// When it takes effect, if not as the Slot Quantize parameter says.
        quantize: Option<SlotQuantize>,
    },
    /// The Slot Quantize parameter.
    SlotQuantize(SlotQuantize),
    /// Where a track's OSC gates go.
    OscAddress {
        /// The track.
        track: TrackRef,
        /// The address; empty sends nothing.
        address: OscAddress,
    },
    /// Where the OSC output sends: the receiver's host and UDP port.
    OscTarget {
        /// Host name or IP address.
        host: String,
        /// UDP port, 1–65535.
        port: u16,
    },
    /// A track's gates go to a Music Chronus module, with its frequency and level.
    MusicChronusVoice {
        /// The track.
        track: TrackRef,
        /// The module, such as `voice1`.
        voice: VoiceId,
    },
    /// The track named so, or else the first unused track (default name, no hits), takes the
    /// name and is cleared (the Music Chronus `/seq/add`). Refused when every track is in use.
    ClaimTrack(TrackName),
    /// A named track goes back to an unused one: default name, no hits, Euclid off.
    ReleaseTrack(TrackRef),
    /// The hits of a track take the notes in turn, from the first hit.
    NoteCycle {
        /// The track.
        track: TrackRef,
        /// MIDI notes, at least one.
        notes: Vec<u8>,
    },
    /// New hits as Music Chronus writes them, the track's note cycle carried over to them.
    MusicChronusPattern {
        /// The track.
        track: TrackRef,
        /// The new steps.
        steps: PatternSteps,
    },
    /// Several edits as one: all checked and applied together, one undo step.
    Batch(Vec<Edit>),
}

impl Edit {
    /// Whether this edit only moves through the history.
    pub fn is_history(&self) -> bool {
        matches!(self, Edit::Undo | Edit::Redo)
    }
}
