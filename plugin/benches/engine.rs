//! Time the engine takes per block, in steady playback.
//!
//! - worst case: 16 tracks × 64 steps, every step on, 1/64 steps at 300 BPM, 48 kHz,
//!   64-sample blocks (a block's real-time budget is 1.333 ms);
//! - typical case: 16 tracks of 16 sixteenths, every other step on, 120 BPM, 48 kHz, 64 samples;
//! - the worst case with a trig condition on every step (every kind in turn: `A:B`, `1st`,
//!   `!1st`, `fill`, `!fill`, `pre`, `!pre`, `nei`, `!nei`) and a direction on every track
//!   (forward, reverse, pendulum, random in turn), Fill on;
//! - the worst case with `nei` on every step of every track (each hit asks the track above, up
//!   to the first track) and a random direction on every track.
//!
//! Run with `cargo bench -p chronus_seq --bench engine`.

use std::hint::black_box;

use chronus_seq::engine::pattern::{
    Condition, Direction, PatternSnapshot, RateFeel, SongSnapshot, Step, StepRate, MAX_STEPS,
    SLOT_COUNT,
};
use chronus_seq::engine::performance::Performance;
use chronus_seq::engine::transport::BlockTransport;
use chronus_seq::engine::Engine;
use criterion::{criterion_group, criterion_main, Criterion};

const RATE: f64 = 48_000.0;
const BLOCK: usize = 64;

fn worst_case() -> PatternSnapshot {
    let mut pattern = PatternSnapshot::default();
    for track in &mut pattern.tracks {
        track.length = MAX_STEPS as u8;
        track.rate = StepRate {
            division: 64,
            feel: RateFeel::Straight,
        };
        track.steps = [Step::hit(100); MAX_STEPS];
    }
    pattern
}

/// The worst case with every condition kind on the steps and every direction on the tracks.
fn conditions_case() -> PatternSnapshot {
    let mut pattern = worst_case();
    let mut kinds = vec![Condition::Ratio { a: 3, b: 7 }];
    kinds.extend(Condition::WORDS);
    for (index, track) in pattern.tracks.iter_mut().enumerate() {
        track.direction = Direction::ALL[index % Direction::ALL.len()];
        for (at, step) in track.steps.iter_mut().enumerate() {
            step.condition = kinds[(at + index) % kinds.len()];
        }
    }
    pattern
}

/// The worst case with `nei` on every step: each hit looks up the whole column of tracks.
fn neighbour_chain_case() -> PatternSnapshot {
    let mut pattern = worst_case();
    for track in &mut pattern.tracks {
        track.direction = Direction::Random;
        for step in &mut track.steps {
            step.condition = Condition::Neighbour;
        }
    }
    // The first track has no neighbour: `!nei` plays, so the chain below it plays too.
    for step in &mut pattern.tracks[0].steps {
        step.condition = Condition::NotNeighbour;
    }
    pattern
}

fn typical_case() -> PatternSnapshot {
    let mut pattern = PatternSnapshot::default();
    for track in &mut pattern.tracks {
        for step in track.steps.iter_mut().take(16).step_by(2) {
            *step = Step::hit(100);
        }
    }
    pattern
}

/// Measures one block at a time, the song position advancing block by block as in playback.
fn bench_playback(c: &mut Criterion, name: &str, pattern: PatternSnapshot, tempo: f64) {
    let performance = Performance {
        fill: true,
        ..Performance::default()
    };
    let song = SongSnapshot::new(std::iter::repeat_n(pattern, SLOT_COUNT));
    let mut engine = Engine::new(RATE);
    let beats_per_block = BLOCK as f64 * tempo / 60.0 / RATE;
    let mut block_index: u64 = 0;
    let mut events: u64 = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            let transport = BlockTransport {
                playing: true,
                tempo: Some(tempo),
                pos_beats: Some(block_index as f64 * beats_per_block),
                loop_beats: None,
                bars: None,
            };
            engine.process_song(
                BLOCK,
                black_box(&transport),
                black_box(&song),
                &performance,
                &mut |event| events += u64::from(black_box(event).offset < BLOCK as u32),
            );
            block_index += 1;
        })
    });
    // A case left out by a name filter plays no block.
    assert!(block_index == 0 || events > 0, "{name} produced no events");
}

fn engine_benches(c: &mut Criterion) {
    bench_playback(
        c,
        "worst case: 16 tracks x 1/64 all on, 300 BPM, 64-sample blocks",
        worst_case(),
        300.0,
    );
    bench_playback(
        c,
        "worst case with conditions and directions on every track",
        conditions_case(),
        300.0,
    );
    bench_playback(
        c,
        "worst case with nei on every step, random directions",
        neighbour_chain_case(),
        300.0,
    );
    bench_playback(
        c,
        "typical: 16 tracks of 16ths, 120 BPM, 64-sample blocks",
        typical_case(),
        120.0,
    );
}

// The macros generate undocumented functions.
#[allow(missing_docs)]
mod harness {
    use super::*;
    criterion_group!(benches, engine_benches);
}
criterion_main!(harness::benches);
