//! A scripted host transport: plays the plugin through a timeline block by block, the way a
//! particular DAW would, and collects its notes at absolute sample positions.
//!
//! The song position is kept sample-exact: the driver counts samples as integers and derives
//! `beat = ref_beat + (sample − ref_sample) · tempo / (60 · sample_rate)` from the last reference
//! point (start, tempo change, stop, loop wrap), so the only rounding the plugin sees is the CLAP
//! fixed-point conversion of that beat.
//!
//! A "host block" (cycle) is `block_size` samples of host time. In [`SplitMode::ReaperSplit`] one
//! cycle can become two (or more) `process` calls, split at the loop end; the other modes always
//! make one call per cycle. Tempo changes, the stop and parameter changes are scheduled by cycle
//! index.
//!
//! [`Pacing`] says when the calls happen: [`Pacing::Offline`] (the default) makes them back to
//! back, as fast as the plugin returns, like an offline render; [`Pacing::WallClock`] makes the
//! first call of host block `k` no earlier than `k · block_size / sample_rate` after the first,
//! like a DAW's audio callback, so the plugin's OSC sidecar sends its gates while the run goes
//! on. Either way every call records the instant just before it ([`CallRecord::called_at`]).
//! Tests that pace by the wall clock should hold [`wall_clock_lock`] so they do not compete for
//! the CPU.

use crate::error::{HarnessError, Result};
use crate::events::{InEvent, NoteKind, OutNote};
use crate::host::PluginHost;
use crate::timing::SAMPLE_EPSILON;
use crate::transport::TransportInfo;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// When the driver makes its `process` calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pacing {
    /// Back to back, as fast as the plugin returns (an offline render).
    #[default]
    Offline,
    /// Host block `k` no earlier than `k` block periods after the first call; a late call is not
    /// made up for (the next one stays on the original grid), like a DAW's audio callback.
    WallClock,
}

/// Serializes the wall-clock-paced tests of one test binary (they share a small machine's
/// CPU with the plugin's threads). A test that panicked while holding it does not poison the
/// others.
pub fn wall_clock_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The number of whole blocks of `block_size` samples that covers `seconds` (rounded up).
pub fn blocks_for(sample_rate: f64, block_size: u32, seconds: f64) -> usize {
    (seconds * sample_rate / f64::from(block_size)).ceil() as usize
}

/// How the host reports a loop wrap that falls inside a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitMode {
    /// Reaper: the host splits the block exactly at the loop end, so the next `process` call
    /// starts exactly at the loop start.
    ReaperSplit,
    /// Bitwig: no split. `clap_process.transport` describes sample 0 and a
    /// `CLAP_EVENT_TRANSPORT` at the wrap sample carries the loop-start position.
    BitwigEvent,
    /// No split and no event: the block simply runs over the loop end and the plugin has to wrap
    /// by itself using the loop range in the block's transport.
    NoSplitNoEvent,
}

/// A parameter value change at a sample offset of a host block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScriptParamChange {
    /// Host block (cycle) index.
    pub block: usize,
    /// Sample offset inside the host block.
    pub offset: u32,
    /// CLAP parameter id.
    pub param_id: u32,
    /// CLAP plain value.
    pub value: f64,
}

/// A key played into the plugin at a sample offset of a host block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScriptNote {
    /// Host block (cycle) index.
    pub block: usize,
    /// Sample offset inside the host block.
    pub offset: u32,
    /// MIDI channel 0..=15.
    pub channel: u16,
    /// MIDI key 0..=127.
    pub key: u16,
    /// Pressed (note-on) or released (note-off).
    pub on: bool,
}

/// What the host does over time. Build with [`TransportScript::new`] and the `with_*` methods,
/// then [`TransportScript::run`].
#[derive(Debug, Clone, PartialEq)]
pub struct TransportScript {
    /// Sample rate in Hz (must match the plugin's activation).
    pub sample_rate: f64,
    /// Initial tempo in BPM.
    pub tempo: f64,
    /// Host block size in samples.
    pub block_size: u32,
    /// Song position at sample 0, in beats; negative = pre-roll.
    pub start_beat: f64,
    /// Active loop in beats, if any.
    pub loop_range: Option<(f64, f64)>,
    /// How loop wraps inside a block are reported.
    pub split_mode: SplitMode,
    /// (host block index, new tempo): the tempo changes at the start of that block.
    pub tempo_changes: Vec<(usize, f64)>,
    /// Host block index from which the transport is stopped (`IS_PLAYING` cleared, position
    /// frozen).
    pub stop_at_block: Option<usize>,
    /// Parameter changes sent as input events.
    pub param_changes: Vec<ScriptParamChange>,
    /// Keys played into the plugin, sent as input note events.
    pub notes: Vec<ScriptNote>,
    /// [`SplitMode::ReaperSplit`] only: whether the parts of a split block are consecutive
    /// slices of the host block's audio buffer (`true`, the default — the host splits a block
    /// it already holds) or each part's audio starts where [`PluginHost::process_block`] would
    /// put a whole block (`false`).
    pub split_parts_in_place: bool,
    /// When the calls are made.
    pub pacing: Pacing,
}

impl TransportScript {
    /// Playing from beat 0 at `tempo`, no loop, blocks of `block_size`.
    pub fn new(sample_rate: f64, tempo: f64, block_size: u32) -> Self {
        Self {
            sample_rate,
            tempo,
            block_size,
            start_beat: 0.0,
            loop_range: None,
            split_mode: SplitMode::ReaperSplit,
            tempo_changes: Vec::new(),
            stop_at_block: None,
            param_changes: Vec::new(),
            notes: Vec::new(),
            split_parts_in_place: true,
            pacing: Pacing::Offline,
        }
    }

    /// Sets [`Self::pacing`].
    pub fn with_pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// Sets [`Self::split_parts_in_place`].
    pub fn with_split_parts_in_place(mut self, in_place: bool) -> Self {
        self.split_parts_in_place = in_place;
        self
    }

    /// Starts at `beat` instead of 0 (negative = pre-roll: `IS_WITHIN_PRE_ROLL` while < 0).
    pub fn starting_at_beat(mut self, beat: f64) -> Self {
        self.start_beat = beat;
        self
    }

    /// Loops `[start, end)` beats, reporting wraps the `mode` way.
    pub fn with_loop(mut self, start: f64, end: f64, mode: SplitMode) -> Self {
        self.loop_range = Some((start, end));
        self.split_mode = mode;
        self
    }

    /// Changes the tempo to `tempo` at the start of host block `block`.
    pub fn with_tempo_change(mut self, block: usize, tempo: f64) -> Self {
        self.tempo_changes.push((block, tempo));
        self
    }

    /// Stops the transport from host block `block` on.
    pub fn with_stop_at_block(mut self, block: usize) -> Self {
        self.stop_at_block = Some(block);
        self
    }

    /// Sends a parameter value change at `offset` samples into host block `block`.
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

    /// Plays a key (`on`) or releases it at `offset` samples into host block `block`.
    pub fn with_note(
        mut self,
        block: usize,
        offset: u32,
        channel: u16,
        key: u16,
        on: bool,
    ) -> Self {
        self.notes.push(ScriptNote {
            block,
            offset,
            channel,
            key,
            on,
        });
        self
    }

    /// Runs `total_samples` samples (the last host block is shortened to fit) through `host`,
    /// which must be active at this script's sample rate with a max block ≥ `block_size`.
    pub fn run(&self, host: &mut PluginHost, total_samples: u64) -> Result<ScriptRun> {
        let config = host
            .active_config()
            .ok_or_else(|| HarnessError::new("TransportScript::run: the plugin is not active"))?;
        if config.sample_rate != self.sample_rate {
            return Err(HarnessError::new(format!(
                "TransportScript::run: script is at {} Hz, plugin activated at {} Hz",
                self.sample_rate, config.sample_rate
            )));
        }
        if self.block_size == 0 || self.block_size > config.max_frames {
            return Err(HarnessError::new(format!(
                "TransportScript::run: block size {} is outside 1..={}",
                self.block_size, config.max_frames
            )));
        }
        if let Some((start, end)) = self.loop_range {
            if end <= start {
                return Err(HarnessError::new(format!(
                    "TransportScript::run: empty loop {start}..{end}"
                )));
            }
        }

        let mut timeline = Timeline {
            sample_rate: self.sample_rate,
            tempo: self.tempo,
            ref_sample: 0,
            ref_beat: self.start_beat,
            playing: true,
            loop_range: self.loop_range,
            next_wrap: None,
        };
        timeline.update_next_wrap();

        let mut run = ScriptRun {
            sample_rate: self.sample_rate,
            max_frames: config.max_frames,
            ..ScriptRun::default()
        };
        let mut cycle_start = 0u64;
        let mut cycle = 0usize;
        let origin = Instant::now();
        while cycle_start < total_samples {
            let frames = (total_samples - cycle_start).min(u64::from(self.block_size));
            let cycle_end = cycle_start + frames;
            if self.pacing == Pacing::WallClock {
                let scheduled =
                    origin + Duration::from_secs_f64(cycle_start as f64 / self.sample_rate);
                let now = Instant::now();
                if scheduled > now {
                    std::thread::sleep(scheduled - now);
                }
            }

            for (_, tempo) in self.tempo_changes.iter().filter(|(b, _)| *b == cycle) {
                timeline.rebase(cycle_start);
                timeline.tempo = *tempo;
                timeline.update_next_wrap();
            }
            if self.stop_at_block == Some(cycle) {
                timeline.rebase(cycle_start);
                timeline.playing = false;
                timeline.update_next_wrap();
            }
            timeline.wrap_if_due(cycle_start);

            let mut params: Vec<(u64, InEvent)> = self
                .param_changes
                .iter()
                .filter(|c| c.block == cycle && u64::from(c.offset) < frames)
                .map(|c| {
                    let at = cycle_start + u64::from(c.offset);
                    let event = InEvent::ParamValue {
                        time: 0,
                        param_id: c.param_id,
                        value: c.value,
                    };
                    (at, event)
                })
                .collect();
            params.extend(
                self.notes
                    .iter()
                    .filter(|n| n.block == cycle && u64::from(n.offset) < frames)
                    .map(|n| {
                        let event = InEvent::Note {
                            time: 0,
                            channel: n.channel,
                            key: n.key,
                            on: n.on,
                        };
                        (cycle_start + u64::from(n.offset), event)
                    }),
            );
            params.sort_by_key(|(at, _)| *at);

            match self.split_mode {
                SplitMode::ReaperSplit => {
                    let block_audio_start = host.next_audio_start(frames as u32);
                    let mut call_start = cycle_start;
                    while call_start < cycle_end {
                        timeline.wrap_if_due(call_start);
                        let call_end = match timeline.next_wrap {
                            Some(wrap) if wrap > call_start && wrap < cycle_end => wrap,
                            _ => cycle_end,
                        };
                        let events = events_in(&params, call_start, call_end);
                        let transport = timeline.transport_at(call_start);
                        let audio_start = if self.split_parts_in_place {
                            block_audio_start + (call_start - cycle_start) as usize
                        } else {
                            host.next_audio_start((call_end - call_start) as u32)
                        };
                        let call = Call {
                            block: cycle,
                            start: call_start,
                            end: call_end,
                            audio_start,
                        };
                        run.process(host, call, transport, events)?;
                        call_start = call_end;
                    }
                }
                SplitMode::BitwigEvent | SplitMode::NoSplitNoEvent => {
                    let transport = timeline.transport_at(cycle_start);
                    let mut events = events_in(&params, cycle_start, cycle_end);
                    while let Some(wrap) = timeline.next_wrap.filter(|w| *w < cycle_end) {
                        timeline.wrap_if_due(wrap);
                        if self.split_mode == SplitMode::BitwigEvent {
                            events.push(InEvent::Transport {
                                time: (wrap - cycle_start) as u32,
                                info: timeline.transport_at(wrap),
                            });
                        }
                    }
                    let call = Call {
                        block: cycle,
                        start: cycle_start,
                        end: cycle_end,
                        audio_start: host.next_audio_start(frames as u32),
                    };
                    run.process(host, call, transport, events)?;
                }
            }

            cycle_start = cycle_end;
            cycle += 1;
        }
        Ok(run)
    }
}

/// One `process` call the driver is about to make.
#[derive(Debug, Clone, Copy)]
struct Call {
    block: usize,
    start: u64,
    end: u64,
    audio_start: usize,
}

/// Parameter events falling in `[start, end)`, re-timed relative to `start`.
fn events_in(params: &[(u64, InEvent)], start: u64, end: u64) -> Vec<InEvent> {
    params
        .iter()
        .filter(|(at, _)| *at >= start && *at < end)
        .map(|(at, event)| match *event {
            InEvent::ParamValue {
                param_id, value, ..
            } => InEvent::ParamValue {
                time: (at - start) as u32,
                param_id,
                value,
            },
            InEvent::Note {
                channel, key, on, ..
            } => InEvent::Note {
                time: (at - start) as u32,
                channel,
                key,
                on,
            },
            other => other,
        })
        .collect()
}

/// The host's song position as a function of the absolute sample.
#[derive(Debug, Clone, Copy)]
struct Timeline {
    sample_rate: f64,
    tempo: f64,
    ref_sample: u64,
    ref_beat: f64,
    playing: bool,
    loop_range: Option<(f64, f64)>,
    /// First sample at or after the loop end, if the playhead is before the loop end.
    next_wrap: Option<u64>,
}

impl Timeline {
    fn beat_at(&self, sample: u64) -> f64 {
        if self.playing {
            let delta = (sample - self.ref_sample) as f64;
            self.ref_beat + delta * self.tempo / (60.0 * self.sample_rate)
        } else {
            self.ref_beat
        }
    }

    /// Makes `sample` the reference point, keeping the position continuous.
    fn rebase(&mut self, sample: u64) {
        self.ref_beat = self.beat_at(sample);
        self.ref_sample = sample;
    }

    fn update_next_wrap(&mut self) {
        self.next_wrap = match self.loop_range {
            Some((_, end)) if self.playing && self.ref_beat < end => {
                let samples = (end - self.ref_beat) * 60.0 * self.sample_rate / self.tempo;
                Some(self.ref_sample + (samples - SAMPLE_EPSILON).ceil().max(0.0) as u64)
            }
            _ => None,
        };
    }

    /// Wraps to the loop start if the wrap sample is `sample` (or passed).
    fn wrap_if_due(&mut self, sample: u64) {
        while let (Some(wrap), Some((start, end))) = (self.next_wrap, self.loop_range) {
            if wrap > sample {
                break;
            }
            // The wrap sample's beat overshoots the loop end by less than one sample; carry the
            // overshoot so the position stays sample-exact (it is 0 for whole-sample loops).
            let overshoot = (self.beat_at(wrap) - end).max(0.0);
            self.ref_sample = wrap;
            self.ref_beat = start + overshoot;
            self.update_next_wrap();
        }
    }

    fn transport_at(&self, sample: u64) -> TransportInfo {
        let beat = self.beat_at(sample);
        let mut info = TransportInfo::playing_at(self.tempo, beat).with_pre_roll(beat < 0.0);
        info.playing = self.playing;
        info.loop_range_beats = self.loop_range;
        info
    }
}

/// A note from the plugin at its absolute sample position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AbsNote {
    /// Absolute sample: start sample of the `process` call + the event's time.
    pub sample: u64,
    /// Host block (cycle) index.
    pub block: usize,
    /// Index of the `process` call in [`ScriptRun::calls`].
    pub call: usize,
    /// The event as the plugin sent it.
    pub note: OutNote,
}

impl AbsNote {
    /// "host block N (call M: samples a..b, beat x, offset o)" for reports.
    pub fn describe_block(&self, run: &ScriptRun) -> String {
        match run.calls.get(self.call) {
            Some(call) => format!(
                "host block {} (call {}: samples {}..{}, starts at beat {:.6}, offset {})",
                self.block,
                self.call,
                call.start_sample,
                call.start_sample + u64::from(call.frames),
                call.transport.song_pos_beats,
                self.note.time
            ),
            None => format!("host block {}", self.block),
        }
    }
}

/// One `process` call the driver made.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// Host block (cycle) index.
    pub block: usize,
    /// Absolute sample of the call's first sample.
    pub start_sample: u64,
    /// Frames in the call.
    pub frames: u32,
    /// Where the call's audio started in the host's buffers.
    pub audio_start: usize,
    /// The transport passed in `clap_process.transport`.
    pub transport: TransportInfo,
    /// Input events passed (transport events at wraps, parameter changes).
    pub in_events: Vec<InEvent>,
    /// Number of non-note output events.
    pub other_out_events: usize,
    /// Whether the plugin's output note events were in non-decreasing time order and inside the
    /// block.
    pub out_events_ordered: bool,
    /// The instant read just before the call.
    pub called_at: Instant,
}

/// Everything a [`TransportScript::run`] produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptRun {
    /// Sample rate of the run.
    pub sample_rate: f64,
    /// The activation's max block size (the plugin's OSC gates are due one such buffer after
    /// the call).
    pub max_frames: u32,
    /// Every `process` call, in order.
    pub calls: Vec<CallRecord>,
    /// Every note event, in output order.
    pub notes: Vec<AbsNote>,
    /// Every MIDI event that is not a note (control changes, pitch bends), in output order:
    /// absolute sample and the three bytes.
    pub midi: Vec<(u64, [u8; 3])>,
}

impl ScriptRun {
    fn process(
        &mut self,
        host: &mut PluginHost,
        call: Call,
        transport: TransportInfo,
        in_events: Vec<InEvent>,
    ) -> Result<()> {
        let Call {
            block,
            start,
            end,
            audio_start,
        } = call;
        let frames = (end - start) as u32;
        let called_at = Instant::now();
        let output = host
            .process_block_at(audio_start, frames, Some(transport), &in_events)
            .map_err(|e| {
                HarnessError::new(format!(
                    "host block {block} (samples {start}..{end}, beat {}): {e}",
                    transport.song_pos_beats
                ))
            })?;
        let call_index = self.calls.len();
        let ordered = output.notes.windows(2).all(|w| w[0].time <= w[1].time)
            && output.notes.iter().all(|n| n.time < frames);
        self.midi.extend(
            output
                .midi
                .iter()
                .map(|midi| (start + u64::from(midi.time), midi.data)),
        );
        self.notes.extend(output.notes.iter().map(|note| AbsNote {
            sample: start + u64::from(note.time),
            block,
            call: call_index,
            note: *note,
        }));
        self.calls.push(CallRecord {
            block,
            start_sample: start,
            frames,
            audio_start,
            transport,
            in_events,
            other_out_events: output.other_events,
            out_events_ordered: ordered,
            called_at,
        });
        Ok(())
    }

    /// Note events of `kind`, counted.
    pub fn count(&self, kind: NoteKind) -> usize {
        self.notes.iter().filter(|n| n.note.kind == kind).count()
    }

    /// Note-ons only.
    pub fn note_ons(&self) -> impl Iterator<Item = &AbsNote> {
        self.notes.iter().filter(|n| n.note.kind == NoteKind::On)
    }

    /// Notes at absolute samples in `[start, end)`.
    pub fn notes_between(&self, start: u64, end: u64) -> impl Iterator<Item = &AbsNote> {
        self.notes
            .iter()
            .filter(move |n| n.sample >= start && n.sample < end)
    }

    /// (channel, key) → number of note-ons minus note-offs/chokes, for keys still sounding at the
    /// end of the run (a negative count means more offs than ons).
    pub fn sounding_at_end(&self) -> BTreeMap<(i16, i16), i64> {
        self.sounding_before(u64::MAX)
    }

    /// Like [`Self::sounding_at_end`], counting only events before absolute sample `sample`.
    pub fn sounding_before(&self, sample: u64) -> BTreeMap<(i16, i16), i64> {
        let mut counts: BTreeMap<(i16, i16), i64> = BTreeMap::new();
        for note in self.notes.iter().filter(|n| n.sample < sample) {
            let delta = match note.note.kind {
                NoteKind::On => 1,
                NoteKind::Off | NoteKind::Choke => -1,
                NoteKind::End => 0,
            };
            *counts
                .entry((note.note.channel, note.note.key))
                .or_default() += delta;
        }
        counts.retain(|_, count| *count != 0);
        counts
    }

    /// The first call whose output events were out of time order or outside the block, if any.
    pub fn first_unordered_call(&self) -> Option<&CallRecord> {
        self.calls.iter().find(|c| !c.out_events_ordered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(tempo: f64, start_beat: f64, loop_range: Option<(f64, f64)>) -> Timeline {
        let mut timeline = Timeline {
            sample_rate: 48_000.0,
            tempo,
            ref_sample: 0,
            ref_beat: start_beat,
            playing: true,
            loop_range,
            next_wrap: None,
        };
        timeline.update_next_wrap();
        timeline
    }

    #[test]
    fn whole_sample_loop_wraps_exactly_at_loop_start() {
        let mut t = timeline(120.0, 0.0, Some((0.0, 4.0)));
        assert_eq!(t.next_wrap, Some(96_000));
        assert_eq!(t.beat_at(95_999), 95_999.0 / 24_000.0);
        t.wrap_if_due(96_000);
        assert_eq!((t.ref_sample, t.ref_beat), (96_000, 0.0));
        assert_eq!(t.next_wrap, Some(192_000));
        assert_eq!(t.transport_at(96_000).song_pos_beats, 0.0);
    }

    #[test]
    fn fractional_loop_carries_the_overshoot_so_wraps_stay_sample_exact() {
        // 133 BPM at 48 kHz: one beat is 21654.135… samples.
        let samples_per_beat = 60.0 * 48_000.0 / 133.0;
        let mut t = timeline(133.0, 0.0, Some((0.0, 1.0)));
        for pass in 1..=50u64 {
            let exact = (pass as f64 * samples_per_beat - SAMPLE_EPSILON).ceil() as u64;
            assert_eq!(t.next_wrap, Some(exact), "wrap {pass}");
            t.wrap_if_due(exact);
            let overshoot = t.ref_beat;
            assert!((0.0..133.0 / 60.0 / 48_000.0).contains(&overshoot));
        }
    }

    #[test]
    fn no_wrap_when_stopped_or_past_the_loop_end() {
        let mut t = timeline(120.0, 5.0, Some((0.0, 4.0)));
        assert_eq!(t.next_wrap, None);
        t = timeline(120.0, 0.0, Some((0.0, 4.0)));
        t.rebase(1_000);
        t.playing = false;
        t.update_next_wrap();
        assert_eq!(t.next_wrap, None);
        assert_eq!(t.beat_at(50_000), 1_000.0 / 24_000.0);
    }

    #[test]
    fn tempo_change_keeps_the_position_continuous() {
        let mut t = timeline(120.0, 0.0, None);
        t.rebase(51_200);
        t.tempo = 90.0;
        assert!((t.beat_at(51_200) - 51_200.0 / 24_000.0).abs() < 1e-12);
        assert!((t.beat_at(51_200 + 32_000) - (51_200.0 / 24_000.0 + 1.0)).abs() < 1e-12);
    }

    #[test]
    fn pre_roll_flag_follows_the_sign_of_the_position() {
        let t = timeline(120.0, -2.0, None);
        assert!(t.transport_at(0).pre_roll);
        assert!(t.transport_at(47_999).pre_roll);
        assert!(!t.transport_at(48_000).pre_roll);
        assert_eq!(t.transport_at(0).bar_number, -1);
        assert_eq!(t.transport_at(0).bar_start_beats, -4.0);
    }
}
