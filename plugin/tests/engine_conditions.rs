//! Property tests of trig conditions, Fill and playback directions in [`Engine`], against a
//! reference written straight from docs/TIMING.md ("Trig conditions", "Directions").
//!
//! The reference walks each track step by step from the song start the way a hardware sequencer
//! does: a play head that moves forward, backward or bounces, a pass counter, the outcome of the
//! latest conditioned step kept as state, and each track's outcomes kept for the track below it.
//! The engine instead decides every step from the song position alone; the two must agree.
//!
//! Each case plays from a start beat `S` (a whole beat), with or without a host loop `S..E`
//! (whole beats) that the engine wraps inside blocks, through random block sizes. Every run
//! (playback start and each loop pass) starts the first pass again; `pre` and `nei` look back
//! along the song. Probability is 0 or 100 % (other values need the engine's hash), the random
//! direction uses [`Direction::position`], which is its definition. Tempos are chosen so a beat
//! is a whole number of samples.
//!
//! `conditions_and_directions_match_the_reference` (400 cases, a few seconds in a debug build);
//! `a_slot_switch_starts_a_new_first_pass` checks the run start a slot switch makes.

use chronus_seq::engine::event::NoteKind;
use chronus_seq::engine::pattern::{
    Condition, Direction, PatternSnapshot, RateFeel, Step, StepRate, TrackPattern,
};
use chronus_seq::engine::performance::Performance;
use chronus_seq::engine::transport::BlockTransport;
use chronus_seq::engine::Engine;
use proptest::prelude::*;

const TOL: f64 = 1e-9;
const RATE: f64 = 48_000.0;
/// How far `pre` looks back, in song steps (docs/TIMING.md).
const PRE_LOOKBACK: i64 = 128;
/// Tracks used by a case (the others stay empty).
const TRACKS: usize = 4;

/// A note-on as compared: absolute sample, track, key, velocity.
type On = (u64, u8, u8, u8);

#[derive(Debug, Clone)]
struct Case {
    pattern: PatternSnapshot,
    performance: Performance,
    tempo: f64,
    start: f64,
    loop_end: Option<f64>,
    blocks: Vec<usize>,
}

fn run_engine(case: &Case) -> Vec<On> {
    let spb = 60.0 * RATE / case.tempo;
    let mut engine = Engine::new(RATE);
    let mut out = Vec::new();
    let mut sample: u64 = 0;
    // The host's position: a run starts at `start` on its first sample; a loop wraps at `end`.
    let mut run_first: u64 = 0;
    for &len in &case.blocks {
        let mut beat = case.start + (sample - run_first) as f64 / spb;
        if let Some(end) = case.loop_end {
            if beat >= end - TOL {
                run_first += ((end - TOL - case.start) * spb).ceil() as u64;
                beat = case.start + (sample - run_first) as f64 / spb;
            }
        }
        let transport = BlockTransport {
            playing: true,
            tempo: Some(case.tempo),
            pos_beats: Some(beat),
            loop_beats: case.loop_end.map(|end| (case.start, end)),
            bars: None,
        };
        engine.process(
            len,
            &transport,
            &case.pattern,
            &case.performance,
            &mut |event| {
                if let NoteKind::On { velocity } = event.kind {
                    out.push((
                        sample + u64::from(event.offset),
                        event.track,
                        event.key,
                        velocity,
                    ));
                }
            },
        );
        sample += len as u64;
    }
    out.sort_unstable();
    out
}

fn step_beats(rate: StepRate) -> f64 {
    let straight = 4.0 / f64::from(rate.division);
    match rate.feel {
        RateFeel::Straight => straight,
        RateFeel::Dotted => straight * 1.5,
        RateFeel::Triplet => straight * 2.0 / 3.0,
    }
}

/// The play head of a hardware sequencer: which step comes next, one step at a time.
struct Head {
    direction: Direction,
    length: usize,
    position: usize,
    upward: bool,
    song_step: i64,
    seed: u32,
    track: usize,
}

impl Head {
    fn next(&mut self) -> usize {
        let played = match self.direction {
            Direction::Random => {
                Direction::Random.position(self.song_step, self.length as u8, self.seed, self.track)
            }
            _ => self.position,
        };
        self.song_step += 1;
        let last = self.length - 1;
        self.position = match self.direction {
            Direction::Forward => (self.position + 1) % self.length,
            Direction::Reverse => (self.position + last) % self.length,
            Direction::Pendulum if last == 0 => 0,
            Direction::Pendulum => {
                if self.upward && self.position == last {
                    self.upward = false;
                } else if !self.upward && self.position == 0 {
                    self.upward = true;
                }
                if self.upward {
                    self.position + 1
                } else {
                    self.position - 1
                }
            }
            Direction::Random => 0,
        };
        played
    }
}

/// Which song steps `0..count` of `track` play, walking the track from the song start; `upper`
/// holds the track above's outcomes.
fn walk_track(
    case: &Case,
    track_index: usize,
    count: usize,
    upper: Option<(&[bool], f64)>,
) -> Vec<(bool, usize)> {
    let track = &case.pattern.tracks[track_index];
    let length = usize::from(track.length);
    let beats = step_beats(track.rate);
    let mut head = Head {
        direction: track.direction,
        length,
        position: if track.direction == Direction::Reverse {
            length - 1
        } else {
            0
        },
        upward: true,
        song_step: 0,
        seed: case.pattern.seed,
        track: track_index,
    };
    let first = (0..)
        .find(|k| *k as f64 * beats >= case.start - TOL)
        .unwrap_or(0);
    let mut pass = 0;
    let mut in_pass = 0;
    let mut latest: Option<(usize, bool)> = None;
    let mut out = Vec::with_capacity(count);
    for k in 0..count {
        let at = head.next();
        let step = &track.steps[at];
        let chance = step.probability >= 100;
        let own = match step.condition {
            Condition::Ratio { a, b } => pass % usize::from(b) == usize::from(a) - 1,
            Condition::First => (first..first + length).contains(&k),
            Condition::NotFirst => !(first..first + length).contains(&k),
            Condition::Fill => case.performance.fill,
            Condition::NotFill => !case.performance.fill,
            _ => true,
        };
        let holds = match step.condition {
            Condition::Previous | Condition::NotPrevious => {
                let previous = latest
                    .is_some_and(|(when, played)| (k - when) as i64 <= PRE_LOOKBACK && played);
                previous == (step.condition == Condition::Previous)
            }
            Condition::Neighbour | Condition::NotNeighbour => {
                let above = upper.is_some_and(|(played, upper_beats)| {
                    let at = (k as f64 * beats / upper_beats + TOL).floor() as usize;
                    // Steps past the end of the case are never emitted.
                    played.get(at).copied().unwrap_or(false)
                });
                above == (step.condition == Condition::Neighbour)
            }
            _ => own,
        };
        let conditioned = !matches!(
            step.condition,
            Condition::Always
                | Condition::Previous
                | Condition::NotPrevious
                | Condition::Neighbour
                | Condition::NotNeighbour
        ) || step.probability < 100;
        if step.on && conditioned {
            latest = Some((k, chance && own));
        }
        out.push((step.on && chance && holds, at));
        in_pass += 1;
        if in_pass == length {
            in_pass = 0;
            pass += 1;
        }
    }
    out
}

fn reference(case: &Case) -> Vec<On> {
    let spb = 60.0 * RATE / case.tempo;
    let total: u64 = case.blocks.iter().map(|len| *len as u64).sum();
    let last_beat = case.start + total as f64 / spb + 1.0;
    // Runs: (first sample, one past the last sample).
    let mut runs = Vec::new();
    let mut first: u64 = 0;
    while first < total {
        let end = match case.loop_end {
            Some(end) => (first + ((end - TOL - case.start) * spb).ceil() as u64).min(total),
            None => total,
        };
        runs.push((first, end));
        first = end;
    }
    let mut outcomes: Vec<(Vec<bool>, f64)> = Vec::new();
    let mut out = Vec::new();
    for track_index in 0..TRACKS {
        let track = &case.pattern.tracks[track_index];
        let beats = step_beats(track.rate);
        let count = ((last_beat + 8.0) / beats) as usize;
        let upper = outcomes
            .last()
            .map(|(played, upper_beats): &(Vec<bool>, f64)| (played.as_slice(), *upper_beats));
        let walked = walk_track(case, track_index, count, upper);
        let swing = (case.performance.swing - 0.5) * 2.0 * beats;
        for (k, (played, at)) in walked.iter().enumerate() {
            if !played {
                continue;
            }
            let beat = k as f64 * beats + if k % 2 == 1 { swing } else { 0.0 };
            // A run starts scanning one sample before its first sample (the engine's rule): a
            // hit within that sample plays on the first one.
            if beat <= case.start - 1.0 / spb + TOL {
                continue;
            }
            for &(run_first, run_end) in &runs {
                let sample = run_first + ((beat - case.start - TOL) * spb).ceil() as u64;
                if sample < run_end {
                    let step = &track.steps[*at];
                    let key = step.note.unwrap_or(track.note);
                    out.push((sample, track_index as u8, key, step.velocity));
                }
            }
        }
        outcomes.push((walked.iter().map(|(played, _)| *played).collect(), beats));
    }
    out.sort_unstable();
    out
}

fn condition() -> impl Strategy<Value = Condition> {
    prop_oneof![
        4 => Just(Condition::Always),
        2 => (1u8..=8).prop_flat_map(|b| (1..=b).prop_map(move |a| Condition::Ratio { a, b })),
        3 => proptest::sample::select(Condition::WORDS.to_vec()),
    ]
}

fn direction() -> impl Strategy<Value = Direction> {
    proptest::sample::select(Direction::ALL.to_vec())
}

fn rate() -> impl Strategy<Value = StepRate> {
    proptest::sample::select(vec![
        StepRate::SIXTEENTH,
        StepRate {
            division: 8,
            feel: RateFeel::Straight,
        },
        StepRate {
            division: 32,
            feel: RateFeel::Straight,
        },
        StepRate {
            division: 8,
            feel: RateFeel::Triplet,
        },
        StepRate {
            division: 16,
            feel: RateFeel::Dotted,
        },
    ])
}

fn track(index: usize) -> impl Strategy<Value = TrackPattern> {
    let step = (
        proptest::bool::weighted(0.7),
        1u8..=127,
        proptest::bool::weighted(0.85),
        condition(),
    );
    (
        1u8..=12,
        rate(),
        direction(),
        proptest::collection::vec(step, 12),
    )
        .prop_map(move |(length, rate, direction, steps)| {
            let mut track = TrackPattern::empty(36);
            track.length = length;
            track.rate = rate;
            track.direction = direction;
            for (at, (on, velocity, certain, condition)) in steps.into_iter().enumerate() {
                track.steps[at] = Step {
                    on,
                    velocity,
                    probability: if certain { 100 } else { 0 },
                    // Each track's keys are its own; the key tells which step played.
                    note: Some(20 + (index * 16 + at) as u8),
                    condition,
                    ..Step::REST
                };
            }
            track
        })
}

fn case() -> impl Strategy<Value = Case> {
    let tracks = [track(0), track(1), track(2), track(3)];
    (
        tracks,
        any::<u32>(),
        any::<bool>(),
        0.5f64..=0.75,
        proptest::sample::select(vec![100.0, 120.0, 150.0, 180.0]),
        0u32..4,
        proptest::option::of(1u32..6),
        proptest::collection::vec(1usize..6000, 20..90),
    )
        .prop_map(
            |(tracks, seed, fill, swing, tempo, start, loop_beats, blocks)| {
                let mut pattern = PatternSnapshot::default();
                for (index, track) in tracks.into_iter().enumerate() {
                    pattern.tracks[index] = track;
                }
                for track in &mut pattern.tracks[TRACKS..] {
                    track.length = 1;
                }
                pattern.seed = seed;
                Case {
                    pattern,
                    performance: Performance {
                        fill,
                        swing,
                        ..Performance::default()
                    },
                    tempo,
                    start: f64::from(start),
                    loop_end: loop_beats.map(|beats| f64::from(start + beats)),
                    blocks,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn conditions_and_directions_match_the_reference(case in case()) {
        let engine = run_engine(&case);
        let expected = reference(&case);
        prop_assert!(!expected.is_empty() || engine.is_empty());
        prop_assert_eq!(engine, expected);
    }
}

/// The reference itself, on a case worked out by hand: one bar of four sixteenths in pendulum,
/// `1:2` on step 1, `pre` on step 2, `!pre` on step 3, `fill` on step 4 with Fill on.
#[test]
fn the_reference_plays_a_case_worked_out_by_hand() {
    let mut pattern = PatternSnapshot::default();
    let track = &mut pattern.tracks[0];
    track.length = 4;
    track.direction = Direction::Pendulum;
    let conditions = [
        Condition::Ratio { a: 1, b: 2 },
        Condition::Previous,
        Condition::NotPrevious,
        Condition::Fill,
    ];
    for (at, condition) in conditions.into_iter().enumerate() {
        track.steps[at] = Step {
            note: Some(60 + at as u8),
            condition,
            ..Step::hit(100)
        };
    }
    for track in &mut pattern.tracks[1..] {
        track.length = 1;
    }
    let case = Case {
        pattern,
        performance: Performance {
            fill: true,
            ..Performance::default()
        },
        tempo: 120.0,
        start: 0.0,
        loop_end: None,
        blocks: vec![24_000 * 3],
    };
    // Pendulum plays 0 1 2 3 2 1 | 0 1 2 3 2 1; passes are four song steps, so step 0 plays at
    // song step 0 (pass 0) and not at 6 (pass 1). Song step by song step: 0 s0 yes; 1 s1 pre
    // (s0) yes; 2 s2 !pre no; 3 s3 fill yes (and conditioned); 4 s2 !pre (s3) no; 5 s1 pre yes;
    // 6 s0 no; 7 s1 pre (s0) no; 8 s2 !pre yes; 9 s3 fill yes; 10 s2 !pre no; 11 s1 pre yes.
    let keys: Vec<u8> = reference(&case).iter().map(|on| on.2 - 60).collect();
    assert_eq!(keys, [0, 1, 3, 1, 2, 3, 1]);
    assert_eq!(run_engine(&case), reference(&case));
}

/// Every condition and direction at once, Fill on, a loop wrapping inside blocks: the engine
/// never allocates (the allocation guard of nice-plug's `assert_process_allocs` is armed in this
/// test binary; `process_no_alloc.rs` proves it aborts).
#[test]
fn conditions_and_directions_never_allocate() {
    let mut pattern = PatternSnapshot::default();
    let mut conditions = vec![Condition::Always, Condition::Ratio { a: 3, b: 7 }];
    conditions.extend(Condition::WORDS);
    for (index, track) in pattern.tracks.iter_mut().enumerate() {
        track.length = 64;
        track.rate = StepRate {
            division: 64,
            feel: RateFeel::Straight,
        };
        track.direction = Direction::ALL[index % Direction::ALL.len()];
        for (at, step) in track.steps.iter_mut().enumerate() {
            *step = Step {
                condition: conditions[(at + index) % conditions.len()],
                probability: if at % 3 == 0 { 50 } else { 100 },
                ..Step::hit(100)
            };
        }
    }
    let performance = Performance {
        fill: true,
        ..Performance::default()
    };
    let mut engine = Engine::new(RATE);
    let mut note_ons = 0u64;
    let beats_per_block = 333.0 * 300.0 / 60.0 / RATE;
    nice_assert_no_alloc::assert_no_alloc(|| {
        for block in 0..2000 {
            let transport = BlockTransport {
                playing: true,
                tempo: Some(300.0),
                pos_beats: Some((f64::from(block) * beats_per_block) % 4.0),
                loop_beats: Some((0.0, 4.0)),
                bars: None,
            };
            engine.process(333, &transport, &pattern, &performance, &mut |event| {
                if matches!(event.kind, NoteKind::On { .. }) {
                    note_ons += 1;
                }
            });
        }
    });
    assert!(
        note_ons > 1000,
        "the pattern plays, got {note_ons} note-ons"
    );
}

/// `1st` starts over on a slot switch: the new slot's first pass plays its `1st` steps, counted
/// from the switch point (the next bar line after the request).
#[test]
fn a_slot_switch_starts_a_new_first_pass() {
    use chronus_seq::engine::pattern::SongSnapshot;
    let slot = |note: u8| {
        let mut pattern = PatternSnapshot::default();
        pattern.tracks[0].length = 4;
        pattern.tracks[0].steps[0] = Step {
            condition: Condition::First,
            note: Some(note),
            ..Step::hit(100)
        };
        pattern
    };
    let song = SongSnapshot::new([slot(60), slot(61)]);
    let mut engine = Engine::new(RATE);
    let mut ons = Vec::new();
    let block = 512u64;
    for index in 0..(240_000 / block) {
        let start = index * block;
        let performance = Performance {
            slot: u8::from(start >= 100_000),
            ..Performance::default()
        };
        let transport = BlockTransport {
            playing: true,
            tempo: Some(120.0),
            pos_beats: Some(start as f64 / 24_000.0),
            loop_beats: None,
            bars: None,
        };
        engine.process_song(
            block as usize,
            &transport,
            &song,
            &performance,
            &mut |event| {
                if matches!(event.kind, NoteKind::On { .. }) {
                    ons.push((start + u64::from(event.offset), event.key));
                }
            },
        );
    }
    // Slot 1 from sample 0; the switch waits for the bar line at beat 8 (sample 192000).
    assert_eq!(ons, [(0, 60), (192_000, 61)]);
}
