//! What the audio thread is playing, published through atomics for the editor and OSC replies.
//! The audio thread stores plain values once per block and never waits. The playheads are read
//! as one set ([`LiveState::playheads`]: a sequence count around the block's stores tells a
//! reader to read again), so the editor never shows some tracks a step behind the others;
//! the other values may mix two neighbouring blocks, which only matters for display.

use std::sync::atomic::{fence, AtomicBool, AtomicI8, AtomicU64, AtomicU8, Ordering};

use crate::engine::pattern::{PatternSnapshot, MAX_TRACKS};

/// Tries [`LiveState::playheads`] spins while the audio thread stores the playheads, before it
/// gives its core up between tries.
const PLAYHEAD_SPINS: u32 = 64;
/// Tries after which [`LiveState::playheads`] sleeps between tries rather than yielding.
const PLAYHEAD_YIELDS: u32 = 1024;

/// Stored in a playhead when the track plays no step (transport stopped, pre-roll).
pub const NO_STEP: u8 = u8::MAX;

/// The host transport and the playheads as of the newest block.
#[derive(Debug)]
pub struct LiveState {
    /// Whether the host transport rolls. Written by audio, read by the editor and OSC-in.
    playing: AtomicBool,
    /// Tempo in BPM as `f64` bits, 0 when unknown. Written by audio, read by anyone.
    tempo_bits: AtomicU64,
    /// Song position at the end of the newest block in beats, as `f64` bits. Written by audio,
    /// read by anyone.
    position_bits: AtomicU64,
    /// Beats per bar as `f64` bits. Written by audio, read by anyone.
    bar_beats_bits: AtomicU64,
    /// Song beat of a bar line, as `f64` bits. Written by audio, read by anyone.
    bar_origin_bits: AtomicU64,
    /// Length of the newest block in seconds, as `f64` bits. Written by audio, read by anyone.
    block_seconds_bits: AtomicU64,
    /// The slot playing now, 0-based. Written by audio, read by anyone.
    playing_slot: AtomicU8,
    /// Step each track plays now, or [`NO_STEP`]. Written by audio, read by anyone.
    playheads: [AtomicU8; MAX_TRACKS],
    /// Counts the audio thread's stores of the playheads: odd while it stores them. Written by
    /// audio, read by anyone (to read the playheads as one set).
    playheads_sequence: AtomicU64,
    /// Transposition of the melodic tracks by the MIDI input, in semitones. Written by audio,
    /// read by the editor.
    transpose: AtomicI8,
}

impl Default for LiveState {
    fn default() -> Self {
        LiveState {
            playing: AtomicBool::new(false),
            tempo_bits: AtomicU64::new(0),
            position_bits: AtomicU64::new(0),
            bar_beats_bits: AtomicU64::new(4f64.to_bits()),
            bar_origin_bits: AtomicU64::new(0),
            block_seconds_bits: AtomicU64::new(0),
            playing_slot: AtomicU8::new(0),
            playheads: std::array::from_fn(|_| AtomicU8::new(NO_STEP)),
            playheads_sequence: AtomicU64::new(0),
            transpose: AtomicI8::new(0),
        }
    }
}

/// One block's worth of what is playing, as the audio thread hands it over.
#[derive(Debug, Clone, Copy)]
pub struct BlockView<'a> {
    /// Whether the transport rolls and the engine plays.
    pub playing: bool,
    /// Tempo in BPM, if known.
    pub tempo: Option<f64>,
    /// Song position at the end of the block, if known.
    pub position: Option<f64>,
    /// Beats per bar and a bar line.
    pub bar: (f64, f64),
    /// The slot playing and its pattern.
    pub slot: (usize, &'a PatternSnapshot),
    /// Length of the block in seconds.
    pub block_seconds: f64,
}

/// A reader's copy of the transport as of the newest block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransportView {
    /// Whether the host transport rolls.
    pub playing: bool,
    /// Tempo in BPM, if known.
    pub tempo: Option<f64>,
    /// Song position in beats.
    pub position: f64,
    /// Beats per bar.
    pub bar_beats: f64,
    /// Song beat of a bar line.
    pub bar_origin: f64,
    /// Length of the newest block in seconds (how often the position moves on).
    pub block_seconds: f64,
}

impl TransportView {
    /// Bar and beat as musicians count them, both from 1 (`(1, 1.0)` at the song start).
    pub fn bar_and_beat(&self) -> (i64, f64) {
        let since_origin = self.position - self.bar_origin;
        let bar = (since_origin / self.bar_beats).floor();
        let beat = since_origin - bar * self.bar_beats;
        let origin_bar = (self.bar_origin / self.bar_beats).round();
        ((origin_bar + bar) as i64 + 1, beat + 1.0)
    }
}

impl LiveState {
    /// Publishes a block. Called by the audio thread only; stores atomics, nothing else.
    pub fn publish(&self, view: BlockView) {
        let (slot, pattern) = view.slot;
        self.playing.store(view.playing, Ordering::Relaxed);
        let tempo = view.tempo.unwrap_or(0.0);
        self.tempo_bits.store(tempo.to_bits(), Ordering::Relaxed);
        if let Some(position) = view.position {
            self.position_bits
                .store(position.to_bits(), Ordering::Relaxed);
        }
        self.bar_beats_bits
            .store(view.bar.0.to_bits(), Ordering::Relaxed);
        self.bar_origin_bits
            .store(view.bar.1.to_bits(), Ordering::Relaxed);
        self.block_seconds_bits
            .store(view.block_seconds.to_bits(), Ordering::Relaxed);
        self.playing_slot.store(slot as u8, Ordering::Relaxed);
        let steps: [u8; MAX_TRACKS] = std::array::from_fn(|index| {
            view.position
                .filter(|_| view.playing)
                .and_then(|position| {
                    let track = &pattern.tracks[index];
                    track.played_step_at(position, pattern.seed, index)
                })
                .map_or(NO_STEP, |step| step as u8)
        });
        let sequence = self.playheads_sequence.load(Ordering::Relaxed);
        self.playheads_sequence
            .store(sequence.wrapping_add(1), Ordering::Relaxed);
        // The odd count is visible before any playhead changes.
        fence(Ordering::Release);
        for (playhead, step) in self.playheads.iter().zip(steps) {
            playhead.store(step, Ordering::Relaxed);
        }
        self.playheads_sequence
            .store(sequence.wrapping_add(2), Ordering::Release);
    }

    /// Publishes the MIDI input's transposition at the end of a block. Called by the audio
    /// thread only; stores an atomic, nothing else.
    pub fn publish_transpose(&self, semitones: i8) {
        self.transpose.store(semitones, Ordering::Relaxed);
    }

    /// The MIDI input's transposition of the melodic tracks, in semitones, as of the newest
    /// block.
    pub fn transpose(&self) -> i8 {
        self.transpose.load(Ordering::Relaxed)
    }

    /// The transport as of the newest block.
    pub fn transport(&self) -> TransportView {
        let tempo = f64::from_bits(self.tempo_bits.load(Ordering::Relaxed));
        TransportView {
            playing: self.playing.load(Ordering::Relaxed),
            tempo: (tempo > 0.0).then_some(tempo),
            position: f64::from_bits(self.position_bits.load(Ordering::Relaxed)),
            bar_beats: f64::from_bits(self.bar_beats_bits.load(Ordering::Relaxed)),
            bar_origin: f64::from_bits(self.bar_origin_bits.load(Ordering::Relaxed)),
            block_seconds: f64::from_bits(self.block_seconds_bits.load(Ordering::Relaxed)),
        }
    }

    /// The slot playing now, 0-based.
    pub fn playing_slot(&self) -> usize {
        usize::from(self.playing_slot.load(Ordering::Relaxed))
    }

    /// The step every track plays now, if any, all from the same block. Never blocks the audio
    /// thread: a reader that overlaps a block's stores reads again, spinning briefly, then
    /// giving its core up between tries (the audio thread may have been preempted in the middle
    /// of its sixteen stores, which it always finishes).
    pub fn playheads(&self) -> [Option<usize>; MAX_TRACKS] {
        let mut steps = [NO_STEP; MAX_TRACKS];
        let mut attempt = 0u32;
        loop {
            let before = self.playheads_sequence.load(Ordering::Acquire);
            for (step, playhead) in steps.iter_mut().zip(&self.playheads) {
                *step = playhead.load(Ordering::Relaxed);
            }
            // The playhead loads above happen before the second look at the count.
            fence(Ordering::Acquire);
            let after = self.playheads_sequence.load(Ordering::Relaxed);
            if before == after && before.is_multiple_of(2) {
                break;
            }
            attempt += 1;
            match attempt {
                0..=PLAYHEAD_SPINS => std::hint::spin_loop(),
                PLAYHEAD_YIELDS => std::thread::sleep(std::time::Duration::from_micros(50)),
                _ => std::thread::yield_now(),
            }
            attempt = attempt.min(PLAYHEAD_YIELDS);
        }
        steps.map(|step| (step != NO_STEP).then_some(usize::from(step)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playheads_follow_each_track_length_and_rate() {
        let live = LiveState::default();
        let mut pattern = PatternSnapshot::default();
        pattern.tracks[1].length = 3;
        pattern.tracks[2].rate = crate::engine::pattern::StepRate::parse("1/8").expect("rate");
        live.publish(BlockView {
            playing: true,
            tempo: Some(120.0),
            position: Some(5.3),
            bar: (4.0, 0.0),
            block_seconds: 0.01,
            slot: (2, &pattern),
        });
        assert_eq!(
            live.playheads()[0],
            Some(21 % 16),
            "1/16: step 21 of the song"
        );
        assert_eq!(live.playheads()[1], Some(0), "21 mod 3");
        assert_eq!(live.playheads()[2], Some(10), "1/8: step 10");
        assert_eq!(live.playing_slot(), 2);
        let transport = live.transport();
        assert_eq!(transport.tempo, Some(120.0));
        let (bar, beat) = transport.bar_and_beat();
        assert_eq!(bar, 2);
        assert!((beat - 2.3).abs() < 1e-9);

        live.publish(BlockView {
            playing: false,
            tempo: None,
            position: None,
            bar: (4.0, 0.0),
            block_seconds: 0.01,
            slot: (2, &pattern),
        });
        assert_eq!(live.playheads()[0], None);
        assert_eq!(live.transport().tempo, None);
    }

    #[test]
    fn the_playheads_are_read_as_one_set_while_blocks_are_published() {
        let live = std::sync::Arc::new(LiveState::default());
        let mut pattern = PatternSnapshot::default();
        for track in &mut pattern.tracks {
            track.length = 64;
        }
        let writer = {
            let live = std::sync::Arc::clone(&live);
            std::thread::spawn(move || {
                // Every block moves every track on by one step: a mixed read shows two steps.
                for block in 0..200_000u32 {
                    live.publish(BlockView {
                        playing: true,
                        tempo: Some(120.0),
                        position: Some(f64::from(block % 64) * 0.25 + 0.1),
                        bar: (4.0, 0.0),
                        block_seconds: 0.01,
                        slot: (0, &pattern),
                    });
                }
            })
        };
        let mut reads = 0u64;
        while !writer.is_finished() {
            let steps = live.playheads();
            assert!(
                steps.iter().all(|step| *step == steps[0]),
                "one set: {steps:?}"
            );
            reads += 1;
        }
        writer.join().expect("writer");
        assert!(reads > 0);
        assert_eq!(live.playheads(), [Some(63); MAX_TRACKS]);
    }
}
