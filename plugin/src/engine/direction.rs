//! Playback directions: which pattern step a track plays at each step of the song.
//!
//! A track's steps are numbered from the song start (`index` = song beat / step length, floored),
//! so the step played is a function of the song position alone: loops, seeks and bounces all
//! play the same steps at the same places.

use super::pattern::MAX_STEPS;

/// The order in which a track plays its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// First to last, then again from the first.
    #[default]
    Forward,
    /// Last to first, then again from the last.
    Reverse,
    /// First to last and back, without playing the end steps twice: with 4 steps,
    /// 1 2 3 4 3 2 1 2 3 4 …
    Pendulum,
    /// A step chosen at random for every step of the song, from the pattern's seed and the song
    /// position, so the same place always plays the same step.
    Random,
}

impl Direction {
    /// Every direction, in the order the editor lists them.
    pub const ALL: [Direction; 4] = [
        Direction::Forward,
        Direction::Reverse,
        Direction::Pendulum,
        Direction::Random,
    ];

    /// The name used by OSC, the saved state and the editor.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Forward => "forward",
            Direction::Reverse => "reverse",
            Direction::Pendulum => "pendulum",
            Direction::Random => "random",
        }
    }

    /// The direction called `name` (see [`Direction::name`]), if any.
    pub fn parse(name: &str) -> Option<Direction> {
        Direction::ALL
            .into_iter()
            .find(|direction| direction.name() == name)
    }

    /// The pattern step (0-based, below the track's length) played at song step `index` of
    /// track `track` with `length` steps, in a pattern with `seed`. Never allocates.
    pub fn position(self, index: i64, length: u8, seed: u32, track: usize) -> usize {
        self.at_song_step(index, seed, track).position(length)
    }

    /// Song step `index` of track `track` in a pattern with `seed`, ready to give the position
    /// played there for several lengths (a track's and its lanes') with the dice rolled once.
    pub(crate) fn at_song_step(self, index: i64, seed: u32, track: usize) -> SongStep {
        SongStep {
            direction: self,
            index,
            bits: self.dice(index, seed, track),
        }
    }
}

/// One song step of one track, in its direction: see [`Direction::at_song_step`]. `Copy`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SongStep {
    direction: Direction,
    /// The song step, counted from beat 0.
    index: i64,
    /// The random direction's dice at this step (0 for the other directions).
    bits: u64,
}

impl SongStep {
    /// The pattern step (0-based, below `length` clamped to 1–[`MAX_STEPS`]) played here by a
    /// sequence of `length` steps.
    pub(crate) fn position(&self, length: u8) -> usize {
        let length = i64::from(length.clamp(1, MAX_STEPS as u8));
        let period = self.direction.period(length);
        let phase = match self.direction {
            // The dice alone decide; no remainder needed.
            Direction::Random => 0,
            _ => self.index.rem_euclid(period),
        };
        self.direction
            .step_at_phase(length, period, phase, self.bits)
    }
}

impl Direction {
    /// Song steps before the order repeats for `length` steps (1–[`MAX_STEPS`]): the length, or
    /// a pendulum's round trip.
    fn period(self, length: i64) -> i64 {
        match self {
            Direction::Pendulum => (2 * length - 2).max(1),
            _ => length,
        }
    }

    /// The random direction's dice at song step `index` of track `track` (0 for the other
    /// directions, which need none).
    fn dice(self, index: i64, seed: u32, track: usize) -> u64 {
        match self {
            Direction::Random => random_bits(seed, track, index),
            _ => 0,
        }
    }

    /// The pattern step played at `phase` (the song step modulo [`Direction::period`]) by a
    /// sequence of `length` steps; the random direction takes its step from `bits`, its dice at
    /// that song step.
    fn step_at_phase(self, length: i64, period: i64, phase: i64, bits: u64) -> usize {
        let position = match self {
            Direction::Forward => phase,
            Direction::Reverse => length - 1 - phase,
            Direction::Pendulum if phase < length => phase,
            Direction::Pendulum => period - phase,
            Direction::Random => (bits % length as u64) as i64,
        };
        position as usize
    }
}

/// The pattern steps a track plays at consecutive song steps, found without a division per
/// step: [`Direction::walk`] starts it, [`Walk::position`] is the step at the current song step
/// (always equal to [`Direction::position`] there) and [`Walk::advance`] moves one song step on.
/// `Copy`, never allocates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Walk {
    direction: Direction,
    /// The track's length, 1–[`MAX_STEPS`].
    length: i64,
    /// Song steps before the order repeats (the length; a pendulum's round trip).
    period: i64,
    /// The current song step modulo `period`.
    phase: i64,
    /// The current song step.
    index: i64,
    seed: u32,
    track: usize,
}

impl Direction {
    /// A [`Walk`] from song step `index` of track `track` with `length` steps, in a pattern with
    /// `seed`.
    pub(crate) fn walk(self, index: i64, length: u8, seed: u32, track: usize) -> Walk {
        let length = i64::from(length.clamp(1, MAX_STEPS as u8));
        let period = self.period(length);
        Walk {
            direction: self,
            length,
            period,
            phase: index.rem_euclid(period),
            index,
            seed,
            track,
        }
    }
}

impl Walk {
    /// The pattern step played at the current song step.
    pub(crate) fn position(&self) -> usize {
        let bits = self.direction.dice(self.index, self.seed, self.track);
        self.direction
            .step_at_phase(self.length, self.period, self.phase, bits)
    }

    /// Moves to the next song step.
    pub(crate) fn advance(&mut self) {
        self.index = self.index.wrapping_add(1);
        self.phase += 1;
        if self.phase == self.period {
            self.phase = 0;
        }
    }
}

/// Bits of the random direction at song step `index` of `track`, independent of the bits that
/// decide probability at the same place.
fn random_bits(seed: u32, track: usize, index: i64) -> u64 {
    const DIRECTION_SALT: u64 = 0x5eed_d1ec_7104_0000;
    super::schedule::splitmix64(
        (u64::from(seed) ^ DIRECTION_SALT)
            ^ ((track as u64) << 56)
            ^ (index as u64).rotate_left(17),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(direction: Direction, length: u8, indexes: std::ops::Range<i64>) -> Vec<usize> {
        indexes
            .map(|index| direction.position(index, length, 9, 2))
            .collect()
    }

    #[test]
    fn forward_and_reverse_cycle_through_the_steps() {
        assert_eq!(walk(Direction::Forward, 3, 0..7), [0, 1, 2, 0, 1, 2, 0]);
        assert_eq!(walk(Direction::Reverse, 3, 0..7), [2, 1, 0, 2, 1, 0, 2]);
        assert_eq!(walk(Direction::Forward, 3, -2..0), [1, 2]);
    }

    #[test]
    fn pendulum_never_repeats_an_end_step() {
        assert_eq!(
            walk(Direction::Pendulum, 4, 0..13),
            [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0]
        );
        assert_eq!(walk(Direction::Pendulum, 2, 0..5), [0, 1, 0, 1, 0]);
        assert_eq!(walk(Direction::Pendulum, 1, 0..3), [0, 0, 0]);
    }

    #[test]
    fn random_is_a_function_of_seed_and_position_and_covers_the_steps() {
        let first = walk(Direction::Random, 16, 0..2000);
        assert_eq!(first, walk(Direction::Random, 16, 0..2000));
        assert!(first.iter().all(|&step| step < 16));
        let mut seen = [0usize; 16];
        first.iter().for_each(|&step| seen[step] += 1);
        assert!(
            seen.iter().all(|&count| (60..190).contains(&count)),
            "{seen:?}"
        );
        let other_seed: Vec<usize> = (0..2000)
            .map(|index| Direction::Random.position(index, 16, 10, 2))
            .collect();
        assert_ne!(first, other_seed);
    }

    #[test]
    fn a_walk_plays_the_positions_of_every_direction_and_length() {
        for direction in Direction::ALL {
            for length in [0, 1, 2, 3, 7, 16, 64, 200] {
                for from in [-300_i64, -65, -1, 0, 5, 1_000_003] {
                    let mut walk = direction.walk(from, length, 9, 2);
                    for index in from..from + 300 {
                        assert_eq!(
                            walk.position(),
                            direction.position(index, length, 9, 2),
                            "{direction:?}, length {length}, song step {index}"
                        );
                        walk.advance();
                    }
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for direction in Direction::ALL {
            assert_eq!(Direction::parse(direction.name()), Some(direction));
        }
        assert_eq!(Direction::parse("sideways"), None);
    }
}
