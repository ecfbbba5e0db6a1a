//! Note cycles: a list of pitches a track's hits take in turn, for ever, the way Music Chronus's
//! own sequencer plays its note lists (a 3-note list over an 8-hit bar shifts every bar).
//!
//! A *played hit* is a hit of the pattern: a step that is on (or a Euclid pulse), whatever its
//! probability, counted once however many ratchets it has; ties are not hits. The hit a step
//! plays in the cycle is computed from its index in the song and the pattern alone — never
//! accumulated while playing — so seeks, loops and bounces give the same notes every time:
//! `entry = (hits of the pattern before step k − origin) mod length`.
//!
//! Playback directions: the hits counted are those of the pattern steps the track plays, in its
//! direction, on the song steps before `k` — forward, reverse and pendulum count exactly the
//! hits played (a closed form per pass or swing, never a walk through the song). A random
//! track has no such closed form, so it counts the hits a forward pass would have played
//! before `k`: the cycle then moves on at the pattern's own rate while the dice pick the
//! steps. Trig conditions and probability never change the count (they decide whether a hit
//! sounds, not which hit it is).

use super::direction::Direction;
use super::euclid::{euclid_hit, euclid_mask};
use super::pattern::{TrackPattern, MAX_STEPS};
use super::performance::TrackPerformance;

/// Longest note cycle.
pub const MAX_CYCLE: usize = 64;
/// Highest frequency a pitch may have, in Hz.
pub const MAX_HZ: f32 = 30_000.0;
/// Lowest frequency a pitch may have, in Hz.
pub const MIN_HZ: f32 = 1.0;

/// An exact frequency in Hz (a finite number in [`MIN_HZ`]…[`MAX_HZ`]), comparable and `Copy`
/// so it can travel in the audio thread's events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hz(u32);

impl Hz {
    /// `hz` if it is a usable frequency.
    pub fn new(hz: f32) -> Option<Hz> {
        (hz.is_finite() && (MIN_HZ..=MAX_HZ).contains(&hz)).then_some(Hz(hz.to_bits()))
    }

    /// The frequency.
    pub fn get(self) -> f32 {
        f32::from_bits(self.0)
    }

    /// The equal-tempered frequency of MIDI note `note` (A4 = 69 = 440 Hz).
    pub fn of_note(note: u8) -> Hz {
        let hz = 440.0 * 2f64.powf((f64::from(note.min(127)) - 69.0) / 12.0);
        Hz((hz as f32).to_bits())
    }

    /// The MIDI note nearest to this frequency, 0–127.
    pub fn nearest_note(self) -> u8 {
        let note = 69.0 + 12.0 * (f64::from(self.get()) / 440.0).log2();
        note.round().clamp(0.0, 127.0) as u8
    }
}

/// A track's note cycle. `Copy` and fixed-size: it lives in the pattern snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoteCycle {
    /// Number of pitches in use, 0 (no cycle) to [`MAX_CYCLE`].
    len: u8,
    /// The pitches; only the first `len` count.
    pitches: [Hz; MAX_CYCLE],
    /// The played-hit number (counted from the song start) that plays the first pitch.
    pub origin: i64,
}

impl NoteCycle {
    /// No cycle: hits play the step's or the track's pitch.
    pub const EMPTY: NoteCycle = NoteCycle {
        len: 0,
        pitches: [Hz(0); MAX_CYCLE],
        origin: 0,
    };

    /// A cycle over `pitches` (at most [`MAX_CYCLE`] are kept) whose first pitch plays on
    /// played hit `origin`.
    pub fn new(pitches: &[Hz], origin: i64) -> NoteCycle {
        let mut cycle = NoteCycle {
            origin,
            ..NoteCycle::EMPTY
        };
        let len = pitches.len().min(MAX_CYCLE);
        cycle.pitches[..len].copy_from_slice(&pitches[..len]);
        cycle.len = len as u8;
        cycle
    }

    /// The pitches in use.
    pub fn pitches(&self) -> &[Hz] {
        &self.pitches[..usize::from(self.len).min(MAX_CYCLE)]
    }

    /// Whether there is no cycle.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The pitch played hit number `hit` takes.
    pub fn pitch_of_hit(&self, hit: i64) -> Option<Hz> {
        let pitches = self.pitches();
        (!pitches.is_empty())
            .then(|| pitches[(hit - self.origin).rem_euclid(pitches.len() as i64) as usize])
    }
}

/// Which steps of `track` are hits of the pattern: the Euclid pulses for a Euclid track (from
/// `controls`), else the steps that are on.
#[derive(Clone, Copy, Debug)]
pub struct HitMask {
    mask: u64,
    length: usize,
    direction: Direction,
}

impl HitMask {
    /// The hits of `track` under the Euclid pulses and rotation of `controls`.
    pub fn of(track: &TrackPattern, controls: &TrackPerformance) -> HitMask {
        HitMask::with_euclid(track, (controls.euclid_pulses, controls.euclid_rotation))
    }

    /// The hits of `track` with Euclid `(pulses, rotation)`.
    pub fn with_euclid(track: &TrackPattern, (pulses, rotation): (u8, u8)) -> HitMask {
        let length = usize::from(track.length.clamp(1, MAX_STEPS as u8));
        let pulses = euclid_mask(pulses, length as u8, rotation);
        let mask = (0..length)
            .filter(|&at| match track.euclid {
                true => euclid_hit(pulses, at),
                false => track.steps[at].on,
            })
            .fold(0u64, |mask, at| mask | 1 << at);
        HitMask {
            mask,
            length,
            direction: track.direction,
        }
    }

    /// Hits among pattern steps `from..to` (clamped to the pattern).
    fn hits_among(&self, from: i64, to: i64) -> i64 {
        let to = to.clamp(0, self.length as i64) as u32;
        let from = from.clamp(0, i64::from(to)) as u32;
        let below = |n: u32| match n {
            0 => 0,
            64.. => self.mask,
            n => self.mask & (u64::MAX >> (64 - n)),
        };
        i64::from((below(to) & !below(from)).count_ones())
    }

    /// Played hits of the pattern on the song steps before step `index` (negative before the
    /// song start), in the track's direction (see the module documentation for random).
    pub fn hits_before(&self, index: i64) -> i64 {
        let length = self.length as i64;
        let per_pass = i64::from(self.mask.count_ones());
        match self.direction {
            Direction::Forward | Direction::Random => {
                let within = index.rem_euclid(length);
                index.div_euclid(length) * per_pass + self.hits_among(0, within)
            }
            Direction::Reverse => {
                let within = index.rem_euclid(length);
                index.div_euclid(length) * per_pass + self.hits_among(length - within, length)
            }
            Direction::Pendulum if length == 1 => index * per_pass,
            Direction::Pendulum => {
                // One swing plays steps 0..length, then length-2 down to 1.
                let period = 2 * length - 2;
                let per_swing = per_pass + self.hits_among(1, length - 1);
                let phase = index.rem_euclid(period);
                let prefix = if phase <= length {
                    self.hits_among(0, phase)
                } else {
                    per_pass + self.hits_among(period - phase + 1, length - 1)
                };
                index.div_euclid(period) * per_swing + prefix
            }
        }
    }
}

/// The first song step whose grid position is at or after song beat `beat` (0 for positions
/// before the song start or unusable ones).
pub fn next_step_index(track: &TrackPattern, beat: f64) -> i64 {
    if !beat.is_finite() || beat <= 0.0 {
        return 0;
    }
    let steps = (beat / track.rate.beats() - super::BEAT_TOLERANCE).ceil();
    steps.clamp(0.0, 1e12) as i64
}

/// The origin that makes the first played hit at or after song beat `beat` play entry `entry`.
pub fn origin_at(hits: &HitMask, track: &TrackPattern, beat: f64, entry: i64) -> i64 {
    hits.hits_before(next_step_index(track, beat)) - entry
}

/// What pitch a hit plays: its MIDI key and, when the pitch is an exact frequency (from a note
/// cycle or a track frequency), that frequency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HitPitch {
    /// MIDI note sent to the host.
    pub key: u8,
    /// Exact frequency, for OSC; `None` means the key's equal-tempered frequency.
    pub hz: Option<Hz>,
}

/// The pitch of a hit on song step `step_index` of `track`: the step's own note first, then
/// the note cycle, then the track's frequency, then the track's note.
pub fn hit_pitch(
    track: &TrackPattern,
    controls: &TrackPerformance,
    step_note: Option<u8>,
    step_index: i64,
) -> HitPitch {
    if let Some(note) = step_note {
        return HitPitch {
            key: note & 0x7f,
            hz: None,
        };
    }
    if !track.cycle.is_empty() {
        let hit = HitMask::of(track, controls).hits_before(step_index);
        if let Some(hz) = track.cycle.pitch_of_hit(hit) {
            return HitPitch {
                key: hz.nearest_note(),
                hz: Some(hz),
            };
        }
    }
    HitPitch {
        key: track.note & 0x7f,
        hz: track.freq,
    }
}

/// A frequency moved by the interval from MIDI note `from` to `to` (melodic transposition and
/// scale snapping keep an exact pitch's offset from its note); `None` stays `None`, and a result
/// outside the usable range falls back to the note's own frequency.
pub fn shift_hz(hz: Option<Hz>, from: u8, to: u8) -> Option<Hz> {
    let hz = hz?;
    if from == to {
        return Some(hz);
    }
    let ratio = 2f64.powf((f64::from(to) - f64::from(from)) / 12.0);
    Hz::new((f64::from(hz.get()) * ratio) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pattern::Step;

    fn hz(value: f32) -> Hz {
        Hz::new(value).unwrap()
    }

    fn track(text: &str) -> TrackPattern {
        let mut track = TrackPattern::empty(60);
        track.length = text.len() as u8;
        for (at, character) in text.chars().enumerate() {
            if character == 'x' {
                track.steps[at] = Step::hit(100);
            }
        }
        track
    }

    #[test]
    fn a_three_note_cycle_over_eight_hits_shifts_every_bar() {
        let mut track = track("x.x.x.x.x.x.x.x.");
        let notes = [hz(100.0), hz(200.0), hz(300.0)];
        track.cycle = NoteCycle::new(&notes, 0);
        let controls = TrackPerformance::default();
        let played: Vec<f32> = (0..32)
            .filter(|index| index % 2 == 0)
            .map(|index| hit_pitch(&track, &controls, None, index).hz.unwrap().get())
            .collect();
        let expected: Vec<f32> = (0..16).map(|hit| [100.0, 200.0, 300.0][hit % 3]).collect();
        assert_eq!(played, expected);
    }

    #[test]
    fn hits_before_counts_whole_passes_and_the_prefix() {
        let hits = HitMask::with_euclid(&track("x..x.x.."), (0, 0));
        assert_eq!(hits.hits_before(0), 0);
        assert_eq!(hits.hits_before(4), 2);
        assert_eq!(hits.hits_before(8), 3);
        assert_eq!(hits.hits_before(12), 5);
        assert_eq!(hits.hits_before(-8), -3);
        assert_eq!(hits.hits_before(-4), -1);
    }

    #[test]
    fn hits_before_counts_the_steps_played_in_the_tracks_direction() {
        for direction in [Direction::Forward, Direction::Reverse, Direction::Pendulum] {
            for text in ["x..x.x..", "x", "xx", ".x.", "x.xx..x.x..x"] {
                let mut pattern = track(text);
                pattern.direction = direction;
                let hits = HitMask::with_euclid(&pattern, (0, 0));
                let played = |index: i64| {
                    let at = direction.position(index, pattern.length, 0, 0);
                    i64::from(pattern.steps[at].on)
                };
                let mut counted = 0;
                for index in 0..60 {
                    assert_eq!(
                        hits.hits_before(index),
                        counted,
                        "{direction:?} {text} {index}"
                    );
                    counted += played(index);
                }
                let mut counted = 0;
                for index in (-60..0).rev() {
                    counted -= played(index);
                    assert_eq!(
                        hits.hits_before(index),
                        counted,
                        "{direction:?} {text} {index}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_shifted_exact_pitch_keeps_its_offset_from_its_note() {
        let shifted = shift_hz(Some(hz(450.0)), 69, 81).unwrap().get();
        assert!((shifted - 900.0).abs() < 0.01, "{shifted}");
        assert_eq!(shift_hz(None, 60, 62), None);
        assert_eq!(shift_hz(Some(hz(450.0)), 69, 69), Some(hz(450.0)));
    }

    #[test]
    fn euclid_pulses_are_the_hits() {
        let mut plain = track("........");
        plain.euclid = true;
        let hits = HitMask::with_euclid(&plain, (3, 0));
        assert_eq!(hits.hits_before(8), 3);
        assert_eq!(hits.hits_before(16), 6);
    }

    #[test]
    fn the_origin_makes_the_next_hit_play_the_wanted_entry() {
        let track = track("x.x.");
        let hits = HitMask::with_euclid(&track, (0, 0));
        // Sixteenths: beat 2.1 is inside step 8.4; the next step is 9, its next hit step 10.
        let origin = origin_at(&hits, &track, 2.1, 1);
        let cycle = NoteCycle::new(&[hz(1.0), hz(2.0), hz(3.0)], origin);
        assert_eq!(cycle.pitch_of_hit(hits.hits_before(10)), Some(hz(2.0)));
    }

    #[test]
    fn pitches_and_notes() {
        assert_eq!(Hz::of_note(69).get(), 440.0);
        assert_eq!(hz(150.0).nearest_note(), 50);
        assert_eq!(hz(261.63).nearest_note(), 60);
        assert_eq!(Hz::new(f32::NAN), None);
        assert_eq!(Hz::new(0.0), None);
        assert_eq!(Hz::new(40_000.0), None);
    }
}
