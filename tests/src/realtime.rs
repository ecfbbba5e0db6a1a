//! A real-time host loop: each `process` call happens at its wall-clock time, the way a DAW's
//! audio thread calls a plugin once per buffer period, so the plugin's OSC gates (whose due
//! times count from the wall time of the call) can be checked against a receiver's clock.
//!
//! The driver records the [`Instant`] just before each call. The plugin reads its own clock a
//! few microseconds later inside the call, so gate due times computed from the recorded instant
//! ([`RealtimeRun::due`]) are at most that much early.
//!
//! Unlike [`crate::TransportScript`] there are no loops or tempo changes: the transport plays
//! from beat 0 at a fixed tempo and may stop at a given block; parameter changes arrive as
//! events at sample offsets. Real-time tests in one binary should hold [`realtime_lock`] so
//! they do not compete for the CPU.

use crate::driver::ScriptParamChange;
use crate::error::{HarnessError, Result};
use crate::events::{InEvent, NoteKind, OutNote};
use crate::host::PluginHost;
use crate::transport::TransportInfo;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Serializes real-time tests within one test binary (they measure wall-clock timing on a small
/// machine). A test that panicked while holding it does not poison the others.
pub fn realtime_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the host does, block by block, at real-time pace.
#[derive(Debug, Clone, PartialEq)]
pub struct RealtimeScript {
    /// Sample rate in Hz (must match the activation).
    pub sample_rate: f64,
    /// Tempo in BPM.
    pub tempo: f64,
    /// Samples per block (every block has this size).
    pub block_size: u32,
    /// Number of blocks to process.
    pub blocks: usize,
    /// From this block on the transport is stopped (position frozen).
    pub stop_at_block: Option<usize>,
    /// Parameter changes.
    pub param_changes: Vec<ScriptParamChange>,
}

impl RealtimeScript {
    /// Playing from beat 0 at `tempo` for `blocks` blocks of `block_size` samples.
    pub fn new(sample_rate: f64, tempo: f64, block_size: u32, blocks: usize) -> Self {
        Self {
            sample_rate,
            tempo,
            block_size,
            blocks,
            stop_at_block: None,
            param_changes: Vec::new(),
        }
    }

    /// The number of blocks that covers `seconds` of audio (rounded up).
    pub fn blocks_for(sample_rate: f64, block_size: u32, seconds: f64) -> usize {
        (seconds * sample_rate / f64::from(block_size)).ceil() as usize
    }

    /// Stops the transport from block `block` on.
    pub fn with_stop_at_block(mut self, block: usize) -> Self {
        self.stop_at_block = Some(block);
        self
    }

    /// Sends a parameter change at `offset` samples into block `block`.
    pub fn with_param_change(
        mut self,
        block: usize,
        offset: u32,
        param_id: u32,
        value: f64,
    ) -> Self {
        self.param_changes.push(ScriptParamChange {
            block,
            offset,
            param_id,
            value,
        });
        self
    }

    /// Plays the script through `host` (active at this script's rate, max block ≥ the block
    /// size), calling `process` for block `i` no earlier than `i · block_size / sample_rate`
    /// after the first call. A late call is not made up for: the next one is scheduled on the
    /// original grid, like a DAW's audio callback.
    pub fn run(&self, host: &mut PluginHost) -> Result<RealtimeRun> {
        let config = host
            .active_config()
            .ok_or_else(|| HarnessError::new("RealtimeScript::run: the plugin is not active"))?;
        if config.sample_rate != self.sample_rate {
            return Err(HarnessError::new(format!(
                "RealtimeScript::run: script at {} Hz, plugin activated at {} Hz",
                self.sample_rate, config.sample_rate
            )));
        }
        let period = Duration::from_secs_f64(f64::from(self.block_size) / self.sample_rate);
        let mut run = RealtimeRun {
            sample_rate: self.sample_rate,
            max_buffer: config.max_frames,
            blocks: Vec::with_capacity(self.blocks),
        };
        let mut stopped_beat = None;
        let origin = Instant::now();
        for index in 0..self.blocks {
            let start_sample = index as u64 * u64::from(self.block_size);
            let beat = start_sample as f64 * self.tempo / (60.0 * self.sample_rate);
            let mut transport = TransportInfo::playing_at(self.tempo, beat);
            if self.stop_at_block.is_some_and(|stop| index >= stop) {
                let frozen = *stopped_beat.get_or_insert(beat);
                transport = TransportInfo::playing_at(self.tempo, frozen).stopped();
            }
            let events: Vec<InEvent> = self
                .param_changes
                .iter()
                .filter(|change| change.block == index && change.offset < self.block_size)
                .map(|change| InEvent::ParamValue {
                    time: change.offset,
                    param_id: change.param_id,
                    value: change.value,
                })
                .collect();

            let scheduled = origin + period * index as u32;
            let now = Instant::now();
            if scheduled > now {
                std::thread::sleep(scheduled - now);
            }
            let called_at = Instant::now();
            let output = host
                .process_block(self.block_size, Some(transport), &events)
                .map_err(|e| HarnessError::new(format!("real-time block {index}: {e}")))?;
            run.blocks.push(RealtimeBlock {
                index,
                start_sample,
                frames: self.block_size,
                called_at,
                scheduled,
                transport,
                notes: output.notes,
            });
        }
        Ok(run)
    }
}

/// One `process` call made at real-time pace.
#[derive(Debug, Clone, PartialEq)]
pub struct RealtimeBlock {
    /// Block index.
    pub index: usize,
    /// Absolute sample of the block's first sample.
    pub start_sample: u64,
    /// Frames in the block.
    pub frames: u32,
    /// Wall-clock instant read just before the `process` call.
    pub called_at: Instant,
    /// When the call was scheduled.
    pub scheduled: Instant,
    /// The transport passed.
    pub transport: TransportInfo,
    /// The plugin's note events, in output order.
    pub notes: Vec<OutNote>,
}

/// A note event of a real-time run with the block it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedNote {
    /// Block index.
    pub block: usize,
    /// Absolute sample.
    pub sample: u64,
    /// Wall-clock instant of the block's `process` call.
    pub called_at: Instant,
    /// The event.
    pub note: OutNote,
}

/// Everything a [`RealtimeScript::run`] produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RealtimeRun {
    /// Sample rate of the run.
    pub sample_rate: f64,
    /// The activation's max block size (the plugin's gate lead is one such buffer).
    pub max_buffer: u32,
    /// Every call, in order.
    pub blocks: Vec<RealtimeBlock>,
}

impl RealtimeRun {
    /// Every note event, in output order.
    pub fn notes(&self) -> impl Iterator<Item = TimedNote> + '_ {
        self.blocks.iter().flat_map(|block| {
            block.notes.iter().map(move |note| TimedNote {
                block: block.index,
                sample: block.start_sample + u64::from(note.time),
                called_at: block.called_at,
                note: *note,
            })
        })
    }

    /// Note-ons and note-offs (chokes count as offs) per kind.
    pub fn count(&self, kind: NoteKind) -> usize {
        self.notes().filter(|n| n.note.kind == kind).count()
    }

    /// When the plugin should send the OSC gate of a note event at `offset` samples into a
    /// block called at `called_at`: `called_at + offset / rate + max_buffer / rate + delay`
    /// (docs/OSC.md, plugin `gate_clock.rs`).
    pub fn due(&self, called_at: Instant, offset: u32, delay: Duration) -> Instant {
        called_at
            + Duration::from_secs_f64(
                (f64::from(offset) + f64::from(self.max_buffer)) / self.sample_rate,
            )
            + delay
    }

    /// The due instant of `note` (see [`Self::due`]).
    pub fn note_due(&self, note: &TimedNote, delay: Duration) -> Instant {
        self.due(note.called_at, note.note.time, delay)
    }

    /// The call instant of block `index`.
    pub fn called_at(&self, index: usize) -> Instant {
        self.blocks[index].called_at
    }

    /// How late the calls were against their schedule: (median, max).
    pub fn call_lateness(&self) -> (Duration, Duration) {
        let mut late: Vec<Duration> = self
            .blocks
            .iter()
            .map(|b| b.called_at.saturating_duration_since(b.scheduled))
            .collect();
        late.sort();
        let median = late.get(late.len() / 2).copied().unwrap_or_default();
        let max = late.last().copied().unwrap_or_default();
        (median, max)
    }
}
