//! The fixed-size pattern the audio thread plays: tracks, steps and step rates.
//!
//! Everything here is `Copy` and sized at compile time, so a whole pattern can be published to the
//! audio thread as one snapshot without any heap allocation.

pub use super::condition::Condition;
pub use super::direction::Direction;
pub use super::scale::{Scale, ScaleKind};
use super::slot_switch::SlotQuantize;
use super::whole_number::floor_to_int;

/// Number of tracks in every pattern.
pub const MAX_TRACKS: usize = 16;
/// Longest track, in steps.
pub const MAX_STEPS: usize = 64;
/// Most hits a single step can be split into.
pub const MAX_RATCHET: u8 = 8;
/// Largest micro-timing nudge, in percent of a step (either direction).
pub const MAX_NUDGE_PERCENT: i8 = 50;

/// The length of one step, as a note value. Beats are quarter notes, so `1/4` lasts one beat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StepRate {
    /// The denominator of the straight note value: 1, 2, 4, 8, 16, 32 or 64.
    pub division: u8,
    /// Straight, dotted (x1.5) or triplet (x2/3).
    pub feel: RateFeel,
}

/// How a note value is modified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateFeel {
    /// As written.
    Straight,
    /// One and a half times as long.
    Dotted,
    /// Two thirds as long.
    Triplet,
}

/// The straight note divisions a step can take.
pub const DIVISIONS: [u8; 7] = [1, 2, 4, 8, 16, 32, 64];

impl StepRate {
    /// A sixteenth note, the default step.
    pub const SIXTEENTH: StepRate = StepRate {
        division: 16,
        feel: RateFeel::Straight,
    };

    /// Step length in beats (quarter notes).
    pub fn beats(self) -> f64 {
        let straight = 4.0 / f64::from(self.division.max(1));
        match self.feel {
            RateFeel::Straight => straight,
            RateFeel::Dotted => straight * 1.5,
            RateFeel::Triplet => straight * 2.0 / 3.0,
        }
    }

    /// Steps per beat: `1 / beats()` to within a few units in the last place, without a
    /// division (for bounds that keep a margin, not for positions).
    pub(crate) fn steps_per_beat(self) -> f64 {
        let straight = f64::from(self.division.max(1)) * 0.25;
        match self.feel {
            RateFeel::Straight => straight,
            RateFeel::Dotted => straight * (2.0 / 3.0),
            RateFeel::Triplet => straight * 1.5,
        }
    }

    /// Parses `1/16`, `1/8d` (dotted) or `1/8t` (triplet). `None` for anything else.
    pub fn parse(text: &str) -> Option<StepRate> {
        let body = text.trim().strip_prefix("1/")?;
        let (digits, feel) = match body.as_bytes().last()? {
            b'd' => (&body[..body.len() - 1], RateFeel::Dotted),
            b't' => (&body[..body.len() - 1], RateFeel::Triplet),
            _ => (body, RateFeel::Straight),
        };
        let division: u8 = digits.parse().ok()?;
        DIVISIONS
            .contains(&division)
            .then_some(StepRate { division, feel })
    }

    /// The text form that [`StepRate::parse`] reads back.
    pub fn label(self) -> String {
        let suffix = match self.feel {
            RateFeel::Straight => "",
            RateFeel::Dotted => "d",
            RateFeel::Triplet => "t",
        };
        format!("1/{}{}", self.division, suffix)
    }
}

/// One step of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Whether the step plays.
    pub on: bool,
    /// MIDI velocity, 1–127.
    pub velocity: u8,
    /// Chance that the step plays, 0–100 %. Decided per song position, so a bounce equals playback.
    pub probability: u8,
    /// Number of evenly spaced hits inside the step, 1–8.
    pub ratchet: u8,
    /// Micro-timing offset in percent of a step, −50 to +50.
    pub nudge: i8,
    /// A tie: instead of playing, holds the previous step's note one step longer.
    pub tie: bool,
    /// MIDI note of this step, 0–127; `None` plays the track's note.
    pub note: Option<u8>,
    /// Trig condition: when the step plays, beyond its on/off and probability.
    pub condition: Condition,
}

impl Step {
    /// A silent step with neutral extras.
    pub const REST: Step = Step {
        on: false,
        velocity: 100,
        probability: 100,
        ratchet: 1,
        nudge: 0,
        tie: false,
        note: None,
        condition: Condition::Always,
    };

    /// A tie to the previous step.
    pub const TIE: Step = Step {
        tie: true,
        ..Step::REST
    };

    /// A playing step at `velocity` with neutral extras.
    pub const fn hit(velocity: u8) -> Step {
        Step {
            on: true,
            velocity,
            ..Step::REST
        }
    }
}

/// One track: its length, rate, MIDI destination and steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackPattern {
    /// Number of steps before the track repeats, 1–64.
    pub length: u8,
    /// Length of one step.
    pub rate: StepRate,
    /// MIDI channel, 0–15 (shown to people as 1–16).
    pub channel: u8,
    /// MIDI note number, 0–127.
    pub note: u8,
    /// The steps; only the first `length` play.
    pub steps: [Step; MAX_STEPS],
    /// Euclid mode: which steps play comes from the Euclid pulses and rotation (host
    /// parameters) spread over `length` steps, not from the steps' on/off and ties; each step's
    /// velocity, probability, ratchet and nudge still apply.
    pub euclid: bool,
    /// Modulation lanes (MIDI CC or pitch bend, and OSC through the output settings).
    pub lanes: [super::lanes::Lane; super::lanes::LANES],
    /// Pitches the hits take in turn, for ever (empty: no cycle).
    pub cycle: super::note_cycle::NoteCycle,
    /// The track's pitch as an exact frequency (`note` then holds the nearest MIDI note); `None`
    /// plays `note`'s equal-tempered frequency.
    pub freq: Option<super::note_cycle::Hz>,
    /// The order in which the track plays its steps.
    pub direction: Direction,
    /// A melodic track follows the MIDI input's transposition and snaps its notes to the slot's
    /// scale; drum tracks (the default) play their notes as written.
    pub melodic: bool,
}

impl TrackPattern {
    /// An empty 16-step track of sixteenths on `note`, channel 1.
    pub const fn empty(note: u8) -> TrackPattern {
        TrackPattern {
            length: 16,
            rate: StepRate::SIXTEENTH,
            channel: 0,
            note,
            steps: [Step::REST; MAX_STEPS],
            euclid: false,
            lanes: [super::lanes::Lane::EMPTY; super::lanes::LANES],
            cycle: super::note_cycle::NoteCycle::EMPTY,
            freq: None,
            direction: Direction::Forward,
            melodic: false,
        }
    }

    /// The step track `track` of a pattern with `seed` plays at song beat `beat` (its nominal
    /// grid, without swing or nudge; a random direction's step depends on the seed and the
    /// track), or `None` before the song start and for unusable positions.
    pub fn played_step_at(&self, beat: f64, seed: u32, track: usize) -> Option<usize> {
        if !beat.is_finite() || !(0.0..1e12).contains(&beat) {
            return None;
        }
        let index = floor_to_int(beat / self.rate.beats());
        Some(self.direction.position(index, self.length, seed, track))
    }
}

/// The complete pattern the audio thread plays. Published whole: the audio thread never sees a
/// half-applied edit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PatternSnapshot {
    /// All tracks, playing or not.
    pub tracks: [TrackPattern; MAX_TRACKS],
    /// Seed for step probability; the same seed and song position always give the same outcome.
    pub seed: u32,
    /// The scale melodic tracks snap to (chromatic: none).
    pub scale: Scale,
}

/// Default MIDI note of each track: a General MIDI drum kit (kick, snare, closed hat, open hat,
/// clap, rim, three toms, crash, ride, cowbell, tambourine, maracas, claves, wood block).
pub const DEFAULT_NOTES: [u8; MAX_TRACKS] = [
    36, 38, 42, 46, 39, 37, 41, 45, 48, 49, 51, 56, 54, 70, 75, 76,
];

impl Default for PatternSnapshot {
    fn default() -> Self {
        PatternSnapshot {
            tracks: DEFAULT_NOTES.map(TrackPattern::empty),
            seed: 0,
            scale: Scale::default(),
        }
    }
}

/// Number of pattern slots per instance.
pub const SLOT_COUNT: usize = 16;

/// Every pattern slot, published to the audio thread as one value. The slots live on the heap
/// (about 21 KB each), so building, cloning and dropping a snapshot happens on the publishing
/// thread only; the audio thread reads it by reference.
#[derive(Debug, Clone, PartialEq)]
pub struct SongSnapshot {
    /// Exactly [`SLOT_COUNT`] patterns.
    slots: Box<[PatternSnapshot]>,
    /// When the audio thread moves from the snapshot it plays to this one: at once, or on the
    /// next sixteenth or bar line (a quantized edit).
    lands: SlotQuantize,
}

impl SongSnapshot {
    /// A snapshot of `slots`, padded with empty patterns or cut to [`SLOT_COUNT`].
    pub fn new(slots: impl IntoIterator<Item = PatternSnapshot>) -> SongSnapshot {
        let mut slots: Vec<PatternSnapshot> = slots.into_iter().take(SLOT_COUNT).collect();
        slots.resize(SLOT_COUNT, PatternSnapshot::default());
        SongSnapshot {
            slots: slots.into_boxed_slice(),
            lands: SlotQuantize::Now,
        }
    }

    /// The same snapshot, played from the next `quantize` point on instead of at once.
    pub fn landing(self, quantize: SlotQuantize) -> SongSnapshot {
        SongSnapshot {
            lands: quantize,
            ..self
        }
    }

    /// When this snapshot takes over from the one playing.
    pub fn lands(&self) -> SlotQuantize {
        self.lands
    }

    /// Makes this snapshot a copy of `other` without allocating (both hold [`SLOT_COUNT`]
    /// slots). Audio thread: keeps the pattern that plays while a quantized edit waits.
    pub fn copy_from(&mut self, other: &SongSnapshot) {
        if self.slots.len() == other.slots.len() {
            self.slots.copy_from_slice(&other.slots);
        }
        self.lands = other.lands;
    }

    /// All slots, in order.
    pub fn slots(&self) -> &[PatternSnapshot] {
        &self.slots
    }
}

impl Default for SongSnapshot {
    fn default() -> Self {
        SongSnapshot::new([])
    }
}
