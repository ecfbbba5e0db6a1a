//! Time the OSC input takes to carry out a command on its own thread: argument checks, the
//! document edit with its undo record, and publishing the snapshot of all sixteen slots to the
//! audio thread (the socket round trip is not included).
//!
//! - one track's pattern (`/chronus/pattern 1 x.x.…`, 64 steps);
//! - sixteen tracks at once (`/chronus/replace`, 16 × 64 steps);
//! - a state query (`/chronus/query`: 17 reply messages).
//!
//! Run with `cargo bench -p chronus_seq --bench commands`.

use std::hint::black_box;

use chronus_seq::osc_in::CommandHandler;
use chronus_seq::ChronusSeq;
use criterion::{criterion_group, criterion_main, Criterion};
use rosc::{OscMessage, OscType};

fn message(address: &str, args: Vec<OscType>) -> OscMessage {
    OscMessage {
        addr: address.to_owned(),
        args,
    }
}

fn command_benches(c: &mut Criterion) {
    let plugin = ChronusSeq::default();
    let mut handler = plugin.command_handler();
    let patterns = ["x.x.X..x".repeat(8), "X...x...".repeat(8)];
    let mut round = 0usize;
    c.bench_function("/chronus/pattern: one track of 64 steps", |b| {
        b.iter(|| {
            round += 1;
            let args = vec![
                OscType::Int(1),
                OscType::String(patterns[round % 2].clone()),
            ];
            let replies = handler.handle(&message("/chronus/pattern", args));
            black_box(replies.expect("valid"))
        })
    });
    c.bench_function("/chronus/replace: 16 tracks of 64 steps", |b| {
        b.iter(|| {
            round += 1;
            let args = (1..=16)
                .flat_map(|track| {
                    [
                        OscType::Int(track),
                        OscType::String(patterns[(round + track as usize) % 2].clone()),
                    ]
                })
                .collect();
            let replies = handler.handle(&message("/chronus/replace", args));
            black_box(replies.expect("valid"))
        })
    });
    c.bench_function("/chronus/query: 17 replies", |b| {
        b.iter(|| {
            let replies = handler.handle(&message("/chronus/query", vec![]));
            black_box(replies.expect("valid"))
        })
    });
}

// The macros generate undocumented functions.
#[allow(missing_docs)]
mod harness {
    use super::*;
    criterion_group!(benches, command_benches);
}
criterion_main!(harness::benches);
