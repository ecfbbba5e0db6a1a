//! Host adaptation in one place: turns each `process` call into one [`Piece`], the description
//! that the engine's transport and the OSC gate clock both read.
//!
//! - [`buffer`]: which host buffer the piece is from and where in it (nice-plug splits host
//!   buffers at parameter changes; hosts split their own cycle at the loop end);
//! - the wall time of the host buffer's call, read through the injected [`Clock`];
//! - [`transport`]: the position, tempo, loop and bars as the engine takes them, every host
//!   value checked, the position taken from the source that is exact for the plugin API:
//!   [`clap_position`] repairs CLAP positions after mid-buffer transport events, and
//!   [`sample_clock`] derives VST3 positions from the exact sample clock.

pub mod buffer;
pub mod clap_position;
pub mod sample_clock;
pub mod transport;

use std::sync::Arc;
use std::time::Instant;

use nice_plug::prelude::{Buffer, PluginApi, Transport};

use crate::clock::{self, Clock};
use crate::engine::transport::{BlockTransport, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};
use buffer::BufferLocator;
use transport::Positions;

/// Sample rate assumed before activation.
const DEFAULT_SAMPLE_RATE: f64 = 44_100.0;

/// One `process` call as the rest of the plugin sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Piece {
    /// Which host buffer the piece is from: the same for every piece of one host buffer.
    pub buffer: u64,
    /// Offset of the piece's first sample in its host buffer.
    pub offset: usize,
    /// Samples in the piece.
    pub len: usize,
    /// When the host buffer's first piece was processed.
    pub buffer_call: Instant,
    /// Samples per second (from the activation, checked).
    pub sample_rate: f64,
    /// The transport at the piece's first sample, as the engine takes it.
    pub transport: BlockTransport,
}

impl Piece {
    /// Song position of the sample after the piece, when the transport has one.
    pub fn end_beat(&self) -> Option<f64> {
        let transport = &self.transport;
        let (position, tempo) = transport.pos_beats.zip(transport.tempo)?;
        Some(position + self.len as f64 * tempo / 60.0 / self.sample_rate)
    }
}

/// The host adapter of one plugin instance. Audio thread only, except `new` and `activate`
/// (main thread, while not processing).
pub struct HostAdapter {
    /// The wall time of each call. Read by the audio thread once per call.
    clock: Arc<dyn Clock>,
    /// Host buffer identity and offsets.
    buffer: BufferLocator,
    /// Position sources with state.
    positions: Positions,
    /// Samples per second, from the activation.
    sample_rate: f64,
    /// When the next call's host buffer is due, if the host named it ([`HostAdapter::schedule`]).
    /// Audio thread only.
    scheduled: Option<Instant>,
}

impl Default for HostAdapter {
    fn default() -> Self {
        HostAdapter::with_clock(clock::system())
    }
}

impl std::fmt::Debug for HostAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostAdapter")
            .field("buffer", &self.buffer)
            .field("positions", &self.positions)
            .field("sample_rate", &self.sample_rate)
            .finish_non_exhaustive()
    }
}

impl HostAdapter {
    /// An adapter that reads the wall time from `clock`.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        HostAdapter {
            clock,
            buffer: BufferLocator::new(0, DEFAULT_SAMPLE_RATE),
            positions: Positions::default(),
            sample_rate: DEFAULT_SAMPLE_RATE,
            scheduled: None,
        }
    }

    /// Prepares for host buffers of at most `max_buffer` samples at `sample_rate` (which must
    /// lie in the engine's range; activation refuses others). Forgets everything learnt.
    pub fn activate(&mut self, sample_rate: f64, max_buffer: usize) {
        let usable = (MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate);
        self.sample_rate = if usable {
            sample_rate
        } else {
            DEFAULT_SAMPLE_RATE
        };
        self.buffer = BufferLocator::new(max_buffer, self.sample_rate);
        self.positions.forget();
        self.scheduled = None;
    }

    /// Takes `due` as the wall time of the next call instead of reading the clock, for a host
    /// that processes each buffer on a schedule of its own (the standalone's headless driver):
    /// the gates are then timed from when the buffer was due, so a late call does not move them.
    /// Applies to the next call only.
    pub fn schedule(&mut self, due: Instant) {
        self.scheduled = Some(due);
    }

    /// Forgets the host buffer in progress and every position learnt (after a reset).
    pub fn forget(&mut self) {
        self.buffer.forget();
        self.positions.forget();
    }

    /// The description of a `process` call on `buffer` under `api` with `transport`.
    pub fn piece(&mut self, api: PluginApi, transport: &Transport, buffer: &Buffer) -> Piece {
        self.piece_at(
            api,
            transport,
            first_channel_address(buffer),
            buffer.samples(),
        )
    }

    /// The description of a `process` call on `len` samples whose first channel starts at
    /// `address`.
    pub fn piece_at(
        &mut self,
        api: PluginApi,
        transport: &Transport,
        address: usize,
        len: usize,
    ) -> Piece {
        let now = self.scheduled.take().unwrap_or_else(|| self.clock.now());
        let place = self.buffer.locate(address, len, now);
        let transport =
            self.positions
                .transport(api, transport, place.offset, len, self.sample_rate);
        Piece {
            buffer: place.buffer,
            offset: place.offset,
            len,
            buffer_call: place.buffer_call,
            sample_rate: self.sample_rate,
            transport,
        }
    }
}

/// Where the first audio channel of `buffer` lives: identifies the host buffer a piece is from.
fn first_channel_address(buffer: &Buffer) -> usize {
    buffer
        .as_slice_immutable()
        .first()
        .map_or(0, |channel| channel.as_ptr() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::time::Duration;

    const RATE: f64 = 48_000.0;
    const BASE: usize = 1 << 20;

    /// The address of sample `offset` of a host buffer at `BASE`.
    fn at(offset: usize) -> usize {
        BASE + offset * std::mem::size_of::<f32>()
    }

    fn adapter(clock: &ManualClock) -> HostAdapter {
        let mut adapter = HostAdapter::with_clock(Arc::new(clock.clone()));
        adapter.activate(RATE, 512);
        adapter
    }

    fn transport(tempo: f64, beat: f64, samples: Option<i64>) -> Transport {
        let mut transport = Transport::new(RATE as f32);
        transport.playing = true;
        transport.tempo = Some(tempo);
        transport.pos_beats = Some(beat);
        transport.pos_samples = samples;
        transport
    }

    #[test]
    fn the_pieces_of_one_host_buffer_share_its_identity_and_call_time() {
        let clock = ManualClock::new();
        let mut host = adapter(&clock);
        let call = clock.now();
        let first = host.piece_at(PluginApi::Vst3, &transport(120.0, 0.0, Some(0)), at(0), 100);
        clock.advance(Duration::from_micros(40));
        let second = host.piece_at(
            PluginApi::Vst3,
            &transport(120.0, 100.0 / 24_000.0, Some(100)),
            at(100),
            412,
        );
        assert_eq!(
            (first.buffer, first.offset, first.buffer_call),
            (1, 0, call)
        );
        assert_eq!(
            (second.buffer, second.offset, second.buffer_call),
            (1, 100, call)
        );
        assert_eq!(second.len, 412);
        assert_eq!(first.end_beat(), second.transport.pos_beats);
        // The next cycle, a period later in the same memory.
        clock.advance(Duration::from_millis(10));
        let next = host.piece_at(
            PluginApi::Vst3,
            &transport(120.0, 512.0 / 24_000.0, Some(512)),
            at(0),
            512,
        );
        assert_eq!(
            (next.buffer, next.offset, next.buffer_call),
            (2, 0, clock.now())
        );
    }

    #[test]
    fn a_scheduled_call_is_timed_from_its_due_instant_not_from_when_it_runs() {
        let clock = ManualClock::new();
        let mut host = adapter(&clock);
        let due = clock.now() + Duration::from_millis(10);
        // The call runs 7 ms after its block was due.
        clock.advance(Duration::from_millis(17));
        host.schedule(due);
        let late = host.piece_at(PluginApi::Clap, &transport(120.0, 0.0, Some(0)), at(0), 512);
        assert_eq!(late.buffer_call, due);
        // Only that call: the next one, not scheduled, reads the clock again.
        clock.advance(Duration::from_millis(10));
        let next = host.piece_at(
            PluginApi::Clap,
            &transport(120.0, 0.0, Some(512)),
            at(0),
            512,
        );
        assert_eq!((next.buffer, next.buffer_call), (2, clock.now()));
    }

    #[test]
    fn ardour_shaped_vst3_cycles_come_out_on_the_sample_clock() {
        // 137 BPM from an odd start, cycles split for automation: the beat moves on from the
        // rounded one in the second piece, as nice-plug does.
        let clock = ManualClock::new();
        let mut host = adapter(&clock);
        let bps = 137.0 / 60.0 / RATE;
        let tick = 1.0 / 1920.0;
        for cycle in 0..200_i64 {
            let samples = 777 + cycle * 512;
            let rounded = (samples as f64 * bps / tick).round() * tick;
            let split = 1 + (cycle as usize * 53) % 511;
            let first = host.piece_at(
                PluginApi::Vst3,
                &transport(137.0, rounded, Some(samples)),
                at(0),
                split,
            );
            let second = host.piece_at(
                PluginApi::Vst3,
                &transport(
                    137.0,
                    rounded + split as f64 * bps,
                    Some(samples + split as i64),
                ),
                at(split),
                512 - split,
            );
            for (piece, start) in [(first, samples), (second, samples + split as i64)] {
                let beat = piece.transport.pos_beats.expect("a position");
                assert!((beat - start as f64 * bps).abs() < 1e-9, "cycle {cycle}");
            }
            clock.advance(Duration::from_micros(10_667));
        }
    }

    #[test]
    fn a_clap_transport_event_at_a_loop_wrap_is_repaired_with_the_buffer_offsets() {
        // A 512-sample CLAP buffer at beat 3.99 whose loop (0..4) wraps at sample 240 with a
        // transport event; nice-plug reports the wrapped piece 240 samples ahead.
        let clock = ManualClock::new();
        let mut host = adapter(&clock);
        let bps = 120.0 / 60.0 / RATE;
        let looped = |beat: f64| {
            let mut transport = transport(120.0, beat, None);
            transport.loop_range_beats = Some((0.0, 4.0));
            transport
        };
        host.piece_at(PluginApi::Clap, &looped(3.99), at(0), 240);
        let wrapped = host.piece_at(PluginApi::Clap, &looped(240.0 * bps), at(240), 100);
        assert_eq!(wrapped.transport.pos_beats, Some(0.0));
        let later = host.piece_at(PluginApi::Clap, &looped(340.0 * bps), at(340), 172);
        let beat = later.transport.pos_beats.expect("a position");
        assert!((beat - 100.0 * bps).abs() < 1e-12);
        assert_eq!(later.offset, 340);
    }

    #[test]
    fn activation_checks_the_rate_and_forgetting_starts_a_new_buffer() {
        let clock = ManualClock::new();
        let mut host = adapter(&clock);
        host.activate(f64::NAN, 512);
        let piece = host.piece_at(PluginApi::Clap, &transport(120.0, 1.0, None), at(0), 64);
        assert_eq!(piece.sample_rate, DEFAULT_SAMPLE_RATE);
        host.forget();
        let after = host.piece_at(PluginApi::Clap, &transport(120.0, 1.0, None), at(64), 64);
        assert_eq!(after.offset, 0);
    }
}
