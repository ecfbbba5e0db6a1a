//! Every change a front-end can ask for, as data. The editor, the OSC commands (native and the
//! Music Chronus dialect) and state loading each translate their input into these; only
//! [`super::EditLayer::apply`] carries them out.

use super::values::{OscAddress, PatternSteps, TrackName, VoiceId};
use crate::document::{PatternDoc, TrackDoc};
use crate::engine::lanes::LaneMidi;
use crate::engine::midi_input::TransposeMode;
use crate::engine::pattern::{Condition, Direction, Scale, StepRate};
use crate::engine::slot_switch::SlotQuantize;
use crate::osc_out::{LaneTarget, VoiceProfile};

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
    /// The step's trig condition ([`Condition::Always`] clears it).
    Condition(Condition),
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
    /// The track's pitch as an exact frequency in Hz; its MIDI note becomes the nearest one. A
    /// later [`TrackChange::Note`] plays that note's own frequency again.
    Frequency(f32),
    /// The order in which the track plays its steps.
    Direction(Direction),
    /// Melodic: follows the MIDI input's transposition and the slot's scale.
    Melodic(bool),
}

/// One change to one modulation lane of a track.
#[derive(Debug, Clone, PartialEq)]
pub enum LaneChange {
    /// Its MIDI destination on the track's channel.
    Midi(LaneMidi),
    /// Steps before it repeats, 1–64.
    Length(u8),
    /// The value sent where playback (re)starts, 0–16383, or none.
    Base(Option<u16>),
    /// Step values from step `from` on (0-based), 0–16383, `None` leaving the destination alone.
    Values {
        /// First step written.
        from: usize,
        /// One per step.
        values: Vec<Option<u16>>,
    },
    /// Every value and the base removed (destination and length stay).
    Clear,
    /// Its OSC destination (an empty address sends nothing over OSC).
    Osc(LaneTarget),
}

/// One setting of the MIDI input: the host parameters that say which keys played into the
/// plugin transpose the melodic tracks and which select pattern slots. Channels count as
/// musicians count them, 1–16, with 0 for off (as the host shows them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MidiInputChange {
    /// Transpose Channel: whose keys transpose the melodic tracks (0 off).
    TransposeChannel(u8),
    /// Transpose Mode: the last key keeps transposing (latch) or only while held.
    TransposeMode(TransposeMode),
    /// Reference Key: the key that means no transposition, 0–127.
    ReferenceKey(u8),
    /// Slot Key Channel: whose keys in the slot range select slots (0 off).
    SlotChannel(u8),
    /// Slot Low Key: the key of slot 1; the next fifteen select slots 2–16.
    SlotLowKey(u8),
}

/// Where a new note cycle starts: the first played hit at or after `at_beat` (the song position
/// now) plays entry `entry` of the list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleStart {
    /// Song beat, as the transport stands.
    pub at_beat: f64,
    /// Entry of the list (0-based; taken modulo its length).
    pub entry: i64,
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
    /// The Fill parameter: steps with the `fill` condition play, `!fill` ones rest.
    Fill(bool),
    /// The slot's scale, which its melodic tracks snap to.
    Scale(Scale),
    /// One MIDI-input host parameter (transposition from keys, slot keys).
    MidiInput(MidiInputChange),
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
    /// One change to one modulation lane.
    Lane {
        /// The track.
        track: TrackRef,
        /// The lane, 0-based.
        lane: usize,
        /// The change.
        change: LaneChange,
    },
    /// The track's hits take these pitches (exact frequencies, Hz) in turn, for ever, counted
    /// over played hits (the Music Chronus note list); an empty list ends the cycle.
    PitchCycle {
        /// The track.
        track: TrackRef,
        /// Frequencies in Hz, at most 64.
        pitches: Vec<f32>,
        /// Which hit plays the first.
        start: CycleStart,
    },
    /// New hits as Music Chronus writes them (as [`Edit::MusicChronusPattern`]) with the note
    /// cycle continuing where it is: the next hit after `at_beat` plays the entry the old
    /// pattern's next hit would have played (`/seq/update/pattern`).
    PatternKeepingCycle {
        /// The track.
        track: TrackRef,
        /// The new steps.
        steps: PatternSteps,
        /// Song beat, as the transport stands.
        at_beat: f64,
    },
    /// The Music Chronus voice profile of a track's OSC output, or none.
    VoiceProfile {
        /// The track.
        track: TrackRef,
        /// The values, or `None` to stop sending them.
        profile: Option<VoiceProfile>,
    },
    /// How many voices the modular has (1–64): tracks addressing a voice beyond are marked.
    Voices(u8),
    /// Whether modular messages received on the OSC input are forwarded to the OSC target.
    ForwardModular(bool),
    /// Several edits as one: all checked and applied together, one undo step.
    Batch(Vec<Edit>),
}

impl Edit {
    /// Whether this edit only moves through the history.
    pub fn is_history(&self) -> bool {
        matches!(self, Edit::Undo | Edit::Redo)
    }
}
