//! Property tests of modulation lanes and note cycles in [`Engine`], against a reference written
//! from the documented rules (docs/OSC.md, "Modulation lanes" and "Note cycles"):
//!
//! - a lane value of song step `k` goes out at the step's start as played
//!   (`k·L + swing delay + nudge`), on the first sample at or after it (less 1e-9 beats), before
//!   the step's note-on, with the value `values[k mod lane length]`; a lane's base value goes out
//!   on the first sample of every run (start, seek);
//! - the pitch of a hit is the note cycle's entry for the hit, counted the way Music Chronus's
//!   own sequencer counts: an index that advances by one on every hit of the pattern from the
//!   song start (here accumulated by walking the song from step 0), shifted by the origin.
//!
//! Random patterns (one track: length, rate, hits, nudges, up to four lanes of their own length
//! with random values and bases, a note cycle of random exact frequencies and origin), random
//! tempo and swing, random block sizes, and a seek in the middle. 400 cases.

use chronus_seq::engine::event::{NoteEvent, NoteKind};
use chronus_seq::engine::lanes::{LaneMidi, LaneValue, LANES};
use chronus_seq::engine::note_cycle::{Hz, NoteCycle};
use chronus_seq::engine::pattern::{
    Direction, PatternSnapshot, RateFeel, Step, StepRate, TrackPattern,
};
use chronus_seq::engine::performance::Performance;
use chronus_seq::engine::transport::BlockTransport;
use chronus_seq::engine::Engine;
use proptest::prelude::*;

const TOL: f64 = 1e-9;
const RATE: f64 = 48_000.0;

/// What the engine sent, per block: (block, offset, what).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
enum Sent {
    /// Lane `lane` set to `value`.
    Lane(u8, u16),
    /// A note-on whose exact pitch is this frequency.
    Pitch(f32),
}

#[derive(Debug, Clone)]
struct Case {
    track: TrackPattern,
    swing: f64,
    tempo: f64,
    start: f64,
    seek_to: f64,
    blocks: Vec<usize>,
    seek_after: usize,
}

fn case() -> impl Strategy<Value = Case> {
    let rate = prop_oneof![
        Just(StepRate::SIXTEENTH),
        Just(StepRate {
            division: 8,
            feel: RateFeel::Triplet
        }),
        Just(StepRate {
            division: 32,
            feel: RateFeel::Dotted
        }),
    ];
    let steps = proptest::collection::vec((any::<bool>(), -50i8..=50), 1..=16);
    let lane = (
        0u8..3,
        1u8..=12,
        proptest::option::of(0u16..=16_383),
        proptest::collection::vec(proptest::option::of(0u16..=16_383), 12),
    );
    let lanes = proptest::collection::vec(lane, LANES);
    let cycle = (proptest::collection::vec(20.0f32..2000.0, 0..=5), -7i64..7);
    (
        (rate, steps, lanes, cycle, 0usize..4),
        0.5f64..0.75,
        60.0f64..200.0,
        0.0f64..6.0,
        0.0f64..20.0,
        proptest::collection::vec(1usize..3000, 2..40),
    )
        .prop_map(
            |((rate, steps, lanes, cycle, direction), swing, tempo, start, seek_to, blocks)| {
                let mut track = TrackPattern::empty(60);
                track.rate = rate;
                track.direction = Direction::ALL[direction];
                track.length = steps.len() as u8;
                for (at, (on, nudge)) in steps.into_iter().enumerate() {
                    track.steps[at] = Step {
                        on,
                        nudge,
                        ..Step::REST
                    };
                }
                for (index, (midi, length, base, values)) in lanes.into_iter().enumerate() {
                    let lane = &mut track.lanes[index];
                    lane.midi =
                        [LaneMidi::Off, LaneMidi::Cc(74), LaneMidi::PitchBend][midi as usize];
                    lane.length = length;
                    lane.base =
                        base.map_or(LaneValue::NONE, |value| LaneValue::new(value).unwrap());
                    for (at, value) in values.into_iter().enumerate() {
                        lane.values[at] =
                            value.map_or(LaneValue::NONE, |value| LaneValue::new(value).unwrap());
                    }
                }
                let pitches: Vec<Hz> = cycle.0.iter().map(|hz| Hz::new(*hz).unwrap()).collect();
                track.cycle = NoteCycle::new(&pitches, cycle.1);
                let seek_after = blocks.len() / 2;
                Case {
                    track,
                    swing,
                    tempo,
                    start,
                    seek_to,
                    blocks,
                    seek_after,
                }
            },
        )
}

/// Block `index`'s start beat and length, for every block of the case.
fn block_starts(case: &Case) -> Vec<(f64, usize, bool)> {
    let spb = RATE * 60.0 / case.tempo;
    let mut beat = case.start;
    let mut starts = Vec::new();
    for (index, &len) in case.blocks.iter().enumerate() {
        // A seek closer than the engine's continuity tolerance continues the run.
        let continuity = chronus_seq::engine::CONTINUITY_SECONDS * case.tempo / 60.0;
        let seeks = index == case.seek_after && (case.seek_to - beat).abs() > continuity;
        let new_run = index == 0 || seeks;
        if index == case.seek_after {
            beat = case.seek_to;
        }
        starts.push((beat, len, new_run));
        beat += len as f64 / spb;
    }
    starts
}

fn run_engine(case: &Case) -> Vec<(usize, u32, Sent)> {
    let mut engine = Engine::new(RATE);
    let mut pattern = PatternSnapshot::default();
    pattern.tracks[0] = case.track;
    let performance = Performance {
        swing: case.swing,
        ..Performance::default()
    };
    let mut sent = Vec::new();
    for (index, (beat, len, _)) in block_starts(case).into_iter().enumerate() {
        let transport = BlockTransport {
            playing: true,
            tempo: Some(case.tempo),
            pos_beats: Some(beat),
            loop_beats: None,
            bars: None,
        };
        let mut previous: Option<NoteEvent> = None;
        engine.process(len, &transport, &pattern, &performance, &mut |event| {
            match event.kind {
                NoteKind::Lane { lane, value, midi } => {
                    assert_eq!(midi, case.track.lanes[usize::from(lane)].midi);
                    sent.push((index, event.offset, Sent::Lane(lane, value)));
                }
                NoteKind::On { .. } if event.track == 0 && !case.track.cycle.is_empty() => {
                    let Some(NoteEvent {
                        kind: NoteKind::Pitch { hz },
                        offset,
                        key,
                        ..
                    }) = previous
                    else {
                        panic!("a note-on of a cycle without its pitch before it");
                    };
                    assert_eq!((offset, key), (event.offset, event.key));
                    assert_eq!(key, hz.nearest_note());
                    sent.push((index, event.offset, Sent::Pitch(hz.get())));
                }
                _ => {}
            }
            previous = Some(event);
        });
    }
    sent
}

/// The reference: walks the song's steps from 0, counting hits like Music Chronus's
/// `note_index`, and places each step's values and pitch in the block whose scanned window
/// holds its start. The step played, its nudge and each lane's step follow the track's
/// direction; a random track counts the hits of a forward pass (docs/OSC.md).
fn reference(case: &Case) -> Vec<(usize, u32, Sent)> {
    let track = &case.track;
    let spb = RATE * 60.0 / case.tempo;
    let step_beats = track.rate.beats();
    let length = i64::from(track.length);
    let pitches = track.cycle.pitches();
    let mut expected = Vec::new();
    let starts = block_starts(case);
    let last_beat = starts
        .iter()
        .map(|(beat, len, _)| beat + *len as f64 / spb)
        .fold(0.0, f64::max);
    // Hits counted from the song start; hit `origin` plays the cycle's first entry.
    let mut hits = 0i64;
    let last_step = (last_beat / step_beats).ceil() as i64 + 2;
    let played = |k: i64, length: u8| track.direction.position(k, length, 0, 0);
    for k in 0..=last_step {
        let step = &track.steps[played(k, track.length)];
        let counted = match track.direction {
            Direction::Random => track.steps[(k % length) as usize].on,
            _ => step.on,
        };
        let swing = if k % 2 == 1 {
            (case.swing - 0.5) * 2.0 * step_beats
        } else {
            0.0
        };
        let start = k as f64 * step_beats + swing + f64::from(step.nudge) / 100.0 * step_beats;
        let pitch = (step.on && !pitches.is_empty()).then(|| {
            pitches[(hits - track.cycle.origin).rem_euclid(pitches.len() as i64) as usize]
        });
        hits += i64::from(counted);
        if start < 0.0 {
            continue;
        }
        for (index, &(beat, len, new_run)) in starts.iter().enumerate() {
            let after = if new_run {
                beat - 1.0 / spb
            } else {
                let (previous, previous_len, _) = starts[index - 1];
                previous + (previous_len - 1) as f64 / spb
            };
            let up_to = beat + (len - 1) as f64 / spb;
            if start > after + TOL && start <= up_to + TOL {
                let offset = ((start - TOL - beat) * spb)
                    .ceil()
                    .clamp(0.0, (len - 1) as f64);
                for (lane_index, lane) in track.lanes.iter().enumerate() {
                    let value = lane.values[played(k, lane.length)];
                    if let Some(value) = value.get() {
                        expected.push((index, offset as u32, Sent::Lane(lane_index as u8, value)));
                    }
                }
                if let Some(hz) = pitch {
                    expected.push((index, offset as u32, Sent::Pitch(hz.get())));
                }
            }
        }
    }
    for (index, &(_, _, new_run)) in starts.iter().enumerate() {
        if new_run {
            for (lane_index, lane) in track.lanes.iter().enumerate() {
                if let Some(value) = lane.base.get() {
                    expected.push((index, 0, Sent::Lane(lane_index as u8, value)));
                }
            }
        }
    }
    expected
}

fn sorted(mut events: Vec<(usize, u32, Sent)>) -> Vec<(usize, u32, Sent)> {
    events.sort_by(|a, b| a.partial_cmp(b).unwrap());
    events
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn lanes_and_note_cycles_match_the_reference(case in case()) {
        let sent = run_engine(&case);
        // In time order, lane values before the note-on of their sample.
        for pair in sent.windows(2) {
            prop_assert!((pair[0].0, pair[0].1) <= (pair[1].0, pair[1].1), "out of order: {pair:?}");
        }
        prop_assert_eq!(sorted(sent), sorted(reference(&case)));
    }
}
