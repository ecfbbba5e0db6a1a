//! Cost of the pass-through guard (`audio_guard::flush_to_normal`), which turns every input
//! sample that is not a normal number into zero, per stereo block:
//! - the guard alone on 64-, 512- and 4096-sample stereo blocks of ordinary audio, and on a
//!   512-sample block where every sample is subnormal, NaN or infinite, copied in before each
//!   pass (the copy is measured alone too; the guard has no branch per sample, so its share
//!   should be the same as on ordinary audio);
//! - the plugin's whole `process` call for a 64- and a 512-sample block in steady playback of the
//!   default pattern (OSC output on, sidecar running), which includes the guard.
//!
//! Run with `cargo bench -p chronus_seq --bench audio_guard`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;

use chronus_seq::audio_guard::flush_to_normal;
use chronus_seq::ChronusSeq;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use nice_plug::prelude::*;
use support::{activate, TestProcessContext};

const RATE: f32 = 48_000.0;

/// Ordinary audio: a quiet sine on both channels.
fn signal(len: usize) -> (Vec<f32>, Vec<f32>) {
    let left: Vec<f32> = (0..len).map(|i| (i as f32 * 0.031).sin() * 0.3).collect();
    let right = left.iter().map(|sample| -sample).collect();
    (left, right)
}

fn bench_guard(c: &mut Criterion) {
    let mut group = c.benchmark_group("flush_to_normal");
    for len in [64usize, 512, 4096] {
        let (mut left, mut right) = signal(len);
        group.bench_with_input(BenchmarkId::new("stereo, ordinary", len), &len, |b, _| {
            b.iter(|| {
                flush_to_normal(black_box(&mut [&mut left[..], &mut right[..]]));
            });
        });
    }
    // Every sample subnormal, NaN or infinite: copied in before each pass (the copy alone is
    // measured too, to subtract it).
    let specials = [1e-40f32, f32::NAN, f32::INFINITY, -1e-42];
    let bad_left: Vec<f32> = (0..512).map(|i| specials[i % 4]).collect();
    let bad_right: Vec<f32> = (0..512).map(|i| specials[(i + 1) % 4]).collect();
    let mut left = vec![0.0f32; 512];
    let mut right = vec![0.0f32; 512];
    group.bench_function("stereo, 512, copy of a bad block only", |b| {
        b.iter(|| {
            left.copy_from_slice(black_box(&bad_left));
            right.copy_from_slice(black_box(&bad_right));
            black_box((&mut left, &mut right));
        });
    });
    group.bench_function("stereo, 512, copy of a bad block and guard", |b| {
        b.iter(|| {
            left.copy_from_slice(black_box(&bad_left));
            right.copy_from_slice(black_box(&bad_right));
            flush_to_normal(black_box(&mut [&mut left[..], &mut right[..]]));
        });
    });
    group.finish();
}

fn bench_process(c: &mut Criterion) {
    let mut group = c.benchmark_group("process");
    for len in [64usize, 512] {
        let mut plugin = ChronusSeq::default();
        assert!(activate(&mut plugin, RATE, 4096));
        let (mut left, mut right) = signal(len);
        let mut context = TestProcessContext::new(RATE, 4096);
        let mut aux = AuxiliaryBuffers {
            inputs: &mut [],
            outputs: &mut [],
        };
        let beats_per_block = len as f64 * 120.0 / 60.0 / f64::from(RATE);
        let mut block: u64 = 0;
        group.bench_with_input(BenchmarkId::new("playing, stereo", len), &len, |b, _| {
            b.iter(|| {
                context.events.clear();
                context.transport = Transport::new(RATE);
                context.transport.playing = true;
                context.transport.tempo = Some(120.0);
                context.transport.pos_beats = Some(block as f64 * beats_per_block);
                block += 1;
                let mut buffer = Buffer::default();
                // SAFETY: both slices outlive `process` and have `len` samples.
                unsafe {
                    buffer.set_slices(len, |slices| {
                        slices.clear();
                        slices.push(&mut left[..]);
                        slices.push(&mut right[..]);
                    });
                }
                black_box(plugin.process(&mut buffer, &mut aux, &mut context));
            });
        });
    }
    group.finish();
}

// The macros generate undocumented functions.
#[allow(missing_docs)]
mod harness {
    use super::*;
    criterion_group!(benches, bench_guard, bench_process);
}
criterion_main!(harness::benches);
