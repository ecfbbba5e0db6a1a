//! The sequencing engine: turns the host transport, a pattern snapshot and the performance
//! controls into note events on exact samples. Free of plugin-framework types; everything it
//! owns is sized in [`Engine::new`], and [`Engine::process`] never allocates.
//!
//! Timing rule: an event at song beat `t` lands on the first sample whose position is at or after
//! `t` (less a 1e-9 beat tolerance for float noise): `offset = ceil((t − b0 − 1e-9) · 60·S / T)` in
//! a block that starts at beat `b0`. Blocks are half-open, so each event belongs to exactly one.

pub mod condition;
pub mod direction;
pub mod euclid;
pub mod event;
pub mod lanes;
pub mod midi_input;
pub mod note_cycle;
pub mod pattern;
pub mod performance;
pub mod scale;
mod schedule;
pub mod slot_switch;
mod sounding;
mod step_time;
pub mod transport;
mod whole_number;

use condition::Occasion;
use event::{NoteEvent, NoteKind};
use midi_input::MidiInput;
use pattern::{PatternSnapshot, SongSnapshot, TrackPattern, MAX_RATCHET, MAX_TRACKS};
use performance::Performance;
use schedule::hits_in_window;
use slot_switch::{switch_beat, BarGrid, SlotQuantize};
use sounding::{SoundingNote, SoundingNotes};
use transport::{BlockTransport, PlayableBlock};
use whole_number::ceil_to_int;

/// Float-noise tolerance on beat positions.
pub const BEAT_TOLERANCE: f64 = 1e-9;
/// A block that starts within this many seconds of where the previous one ended continues it;
/// further away is a seek. Absorbs hosts that round loop points or drift during tempo ramps.
pub const CONTINUITY_SECONDS: f64 = 0.001;
/// Longest stretch scanned at once, in beats. Bounds the hits gathered per pass.
const CHUNK_BEATS: f64 = 1.0 / 32.0;
/// Room for hits gathered in one chunk: every track, a handful of steps, every ratchet.
const HIT_CAPACITY: usize = MAX_TRACKS * 8 * MAX_RATCHET as usize;
/// Room for lane values gathered in one chunk: every lane of every track, a handful of steps.
const LANE_CAPACITY: usize = MAX_TRACKS * lanes::LANES * 8;

/// A note-on waiting to be placed in time order within a chunk.
#[derive(Debug, Clone, Copy)]
struct PendingOn {
    offset: u32,
    track: u8,
    beat: f64,
    off_beat: f64,
    velocity: u8,
    /// MIDI note: the step's own, else the note cycle's, else the track's.
    key: u8,
    /// Exact frequency of the note, when it has one (note cycle or track frequency).
    hz: Option<note_cycle::Hz>,
}

/// A lane value waiting to be placed in time order within a chunk.
#[derive(Debug, Clone, Copy)]
struct PendingLane {
    offset: u32,
    beat: f64,
    track: u8,
    lane: u8,
    value: u16,
}

/// The performance controls and patterns of the block being played.
struct Playing<'a> {
    performance: &'a Performance,
    /// Tracks not silenced by mute or solo.
    audible: [bool; MAX_TRACKS],
    /// Every pattern slot.
    slots: &'a [PatternSnapshot],
    /// The slot asked for; the engine moves to it at the quantize point.
    requested_slot: usize,
    /// The host's bar lines, for [`SlotQuantize::NextBar`].
    bars: BarGrid,
    /// While a quantized edit waits: the slots that play until it lands, and where it lands.
    waiting: Option<(&'a [PatternSnapshot], SlotQuantize)>,
}

impl Playing<'_> {
    /// The pattern of slot `slot` as it plays now: from the slots before the edit while one
    /// waits (`waiting` true), else from the newest.
    fn pattern(&self, slot: usize, waiting: bool) -> &PatternSnapshot {
        match self.waiting {
            Some((before, _)) if waiting => &before[slot.min(before.len() - 1)],
            _ => &self.slots[slot],
        }
    }
}

/// Where the previous block left off.
#[derive(Debug, Clone, Copy)]
struct Continuation {
    /// Song beat the next block should start at to continue this one.
    next_start: f64,
    /// Everything up to this beat (less the tolerance) has been scanned.
    scanned_to: f64,
}

/// Maps song beats to samples for one stretch of a block that has no loop wrap in it.
#[derive(Debug, Clone, Copy)]
struct Segment {
    /// First sample of the stretch within the block.
    first_sample: usize,
    /// Song beat of `first_sample`.
    first_beat: f64,
    /// Samples per beat.
    samples_per_beat: f64,
    /// One past the last sample of the block.
    block_len: usize,
}

impl Segment {
    /// The sample an event at `beat` lands on, kept inside this stretch.
    fn offset_of(&self, beat: f64) -> u32 {
        let exact = ceil_to_int((beat - BEAT_TOLERANCE - self.first_beat) * self.samples_per_beat);
        let relative = exact.clamp(0, (self.block_len - 1 - self.first_sample) as i64);
        (self.first_sample + relative as usize) as u32
    }

    /// Song beat of `sample`: events due up to here (less the tolerance) land at or before it.
    fn edge_at(&self, sample: usize) -> f64 {
        self.first_beat + (sample - self.first_sample) as f64 / self.samples_per_beat
    }
}

/// The step sequencer for one plugin instance.
pub struct Engine {
    sample_rate: f64,
    sounding: SoundingNotes,
    pending_ons: Vec<PendingOn>,
    pending_lanes: Vec<PendingLane>,
    continuation: Option<Continuation>,
    release_all_requested: bool,
    /// The slot whose pattern plays now.
    playing_slot: usize,
    /// Whether a quantized edit waits for its point (within one call of
    /// [`Engine::process_song_waiting`]).
    edit_waiting: bool,
    /// Song beat where the current run started (playback start, seek, loop wrap, slot switch):
    /// the `1st` trig condition holds for the first pass from here.
    run_start: f64,
    /// Transposition and slot keys played into the plugin.
    midi: MidiInput,
    /// A slot change asked for in this block waits for this sample (the slot key's).
    slot_request_sample: usize,
}

impl Engine {
    /// Creates an engine for `sample_rate`; allocates everything it will ever need.
    pub fn new(sample_rate: f64) -> Self {
        Engine {
            sample_rate,
            sounding: SoundingNotes::new(),
            pending_ons: Vec::with_capacity(HIT_CAPACITY),
            pending_lanes: Vec::with_capacity(LANE_CAPACITY),
            continuation: None,
            release_all_requested: false,
            playing_slot: 0,
            edit_waiting: false,
            run_start: 0.0,
            midi: MidiInput::default(),
            slot_request_sample: 0,
        }
    }

    /// Asks the next [`Engine::process`] call to end every sounding note at its first sample and
    /// to resynchronise from the host position. Used on reset and when bypass ends.
    pub fn request_release_all(&mut self) {
        self.release_all_requested = true;
    }

    /// The MIDI input: feed each block's notes in (after [`MidiInput::begin_block`]) before
    /// processing it; melodic tracks take its transposition from each note's sample on.
    pub fn midi_input(&mut self) -> &mut MidiInput {
        &mut self.midi
    }

    /// A slot change asked for by the next block waits for its sample `sample` (the sample of
    /// the slot key that asked for it), then for the quantize point as usual. Holds for one
    /// block.
    pub fn slot_request_from(&mut self, sample: usize) {
        self.slot_request_sample = sample;
    }

    /// Number of notes sounding now.
    pub fn sounding_notes(&self) -> usize {
        self.sounding.len()
    }

    /// The pattern slot playing now (0-based).
    pub fn playing_slot(&self) -> usize {
        self.playing_slot
    }

    /// Plays one block of `block_len` samples of a single pattern whose sample 0 is described by
    /// `transport`. Events go to `emit` in time order, with offsets inside `0..block_len`; at
    /// equal offsets note-offs come first. Never allocates.
    pub fn process(
        &mut self,
        block_len: usize,
        transport: &BlockTransport,
        pattern: &PatternSnapshot,
        performance: &Performance,
        emit: &mut impl FnMut(NoteEvent),
    ) {
        let slots = std::slice::from_ref(pattern);
        self.play(block_len, transport, slots, None, performance, emit);
    }

    /// Like [`Engine::process`], playing the slot of `song` that `performance.slot` asks for.
    /// A change of slot waits for `performance.slot_quantize`; at that sample every sounding
    /// note of the old slot ends and the new slot plays from there, so a step of the new slot on
    /// the switch point plays once. A loop wrap counts as a bar line (a switch still waiting
    /// happens there), and with the transport stopped a change happens at once.
    pub fn process_song(
        &mut self,
        block_len: usize,
        transport: &BlockTransport,
        song: &SongSnapshot,
        performance: &Performance,
        emit: &mut impl FnMut(NoteEvent),
    ) {
        self.play(block_len, transport, song.slots(), None, performance, emit);
    }

    /// Like [`Engine::process_song`], while a quantized edit may wait: with `waiting` =
    /// `Some((before, quantize))`, `before` plays until the `quantize` point (the next sixteenth
    /// or bar line, found as for a slot switch; a loop wrap and a stopped transport count as
    /// one), and `song` from that sample on. Notes already sounding end as they would have.
    /// Returns whether the edit still waits after this block. Never allocates.
    pub fn process_song_waiting(
        &mut self,
        block_len: usize,
        transport: &BlockTransport,
        song: &SongSnapshot,
        waiting: Option<(&SongSnapshot, SlotQuantize)>,
        performance: &Performance,
        emit: &mut impl FnMut(NoteEvent),
    ) -> bool {
        let waiting = waiting.map(|(before, quantize)| (before.slots(), quantize));
        self.play(
            block_len,
            transport,
            song.slots(),
            waiting,
            performance,
            emit,
        );
        std::mem::take(&mut self.edit_waiting)
    }

    fn play(
        &mut self,
        block_len: usize,
        transport: &BlockTransport,
        slots: &[PatternSnapshot],
        waiting: Option<(&[PatternSnapshot], SlotQuantize)>,
        performance: &Performance,
        emit: &mut impl FnMut(NoteEvent),
    ) {
        self.edit_waiting = waiting.is_some_and(|(before, _)| !before.is_empty());
        let requested_slot = performance.slot_index(slots.len());
        if block_len == 0 || slots.is_empty() {
            return;
        }
        self.playing_slot = self.playing_slot.min(slots.len() - 1);
        if std::mem::take(&mut self.release_all_requested) {
            self.release(0, |_| true, emit);
            self.continuation = None;
        }
        let audible = performance.audible_tracks();
        if self.sounding.len() > 0 && audible.contains(&false) {
            self.release(0, |note| !audible[usize::from(note.track)], emit);
        }
        let Some(block) = transport.playable(self.sample_rate) else {
            self.release(0, |_| true, emit);
            self.continuation = None;
            self.playing_slot = requested_slot;
            self.edit_waiting = false;
            return;
        };

        let playing = Playing {
            performance,
            audible,
            slots,
            requested_slot,
            bars: block.bars,
            waiting,
        };
        let spb = block.samples_per_beat;
        let continuity = CONTINUITY_SECONDS * block.tempo / 60.0;
        let mut scanned_to = match self.continuation {
            Some(previous) if (previous.next_start - block.start_beat).abs() <= continuity => {
                previous.scanned_to
            }
            previous => {
                self.release(0, |_| true, emit);
                if host_wrapped(previous, &block, continuity) {
                    // The host split its buffer at the loop end (or marked the wrap with a
                    // transport event): a loop wrap, which counts as a bar line.
                    self.playing_slot = playing.requested_slot;
                    self.edit_waiting = false;
                }
                self.run_start = block.start_beat;
                let pattern = playing.pattern(self.playing_slot, self.edit_waiting);
                send_lane_bases(0, pattern, &playing.audible, emit);
                block.start_beat - 1.0 / spb
            }
        };
        let mut segment = Segment {
            first_sample: 0,
            first_beat: block.start_beat,
            samples_per_beat: spb,
            block_len,
        };
        while let Some((wrap_sample, loop_start)) = next_wrap(&segment, &block) {
            if wrap_sample > segment.first_sample {
                self.play_stretch(&segment, scanned_to, wrap_sample - 1, &playing, emit);
            }
            self.release(wrap_sample as u32, |_| true, emit);
            // The loop start counts as a bar line: a switch still waiting happens here.
            self.playing_slot = playing.requested_slot;
            self.edit_waiting = false;
            self.run_start = loop_start;
            let pattern = playing.pattern(self.playing_slot, self.edit_waiting);
            send_lane_bases(wrap_sample as u32, pattern, &playing.audible, emit);
            segment.first_sample = wrap_sample;
            segment.first_beat = loop_start;
            scanned_to = loop_start - 1.0 / spb;
        }
        let last = segment.edge_at(block_len - 1);
        self.play_stretch(&segment, scanned_to, block_len - 1, &playing, emit);
        self.slot_request_sample = 0;
        self.continuation = Some(Continuation {
            next_start: segment.edge_at(block_len),
            scanned_to: scanned_to.max(last),
        });
    }

    /// Plays the segment from its first sample to `last_sample`, everything after beat `after`
    /// not played yet, switching slots and landing a waiting edit on the way where they fall
    /// due in it.
    fn play_stretch(
        &mut self,
        segment: &Segment,
        mut after: f64,
        last_sample: usize,
        playing: &Playing,
        emit: &mut impl FnMut(NoteEvent),
    ) {
        let mut first = segment.first_sample;
        // Each pass makes at least one switch, so there are at most three.
        loop {
            let slot_quantize = playing.performance.slot_quantize;
            // A slot asked for by a key waits from the key's sample on; a key after this
            // stretch leaves the switch for a later one.
            let slot_from = if self.slot_request_sample > first {
                (self.slot_request_sample <= last_sample).then(|| {
                    after.max(segment.edge_at(self.slot_request_sample) - 2.0 * BEAT_TOLERANCE)
                })
            } else {
                Some(after)
            };
            let slot_due = slot_from
                .filter(|_| playing.requested_slot != self.playing_slot)
                .map(|from| switch_beat(slot_quantize, from, playing.bars));
            let edit_due = playing
                .waiting
                .filter(|_| self.edit_waiting)
                .map(|(_, quantize)| (switch_beat(quantize, after, playing.bars), quantize));
            let due = match (slot_due, edit_due) {
                (Some(slot), Some((edit, _))) => Some(slot.min(edit)),
                (slot, edit) => slot.or(edit.map(|(beat, _)| beat)),
            };
            let Some(due) = due.filter(|due| *due <= segment.edge_at(last_sample) + BEAT_TOLERANCE)
            else {
                let pattern = playing.pattern(self.playing_slot, self.edit_waiting);
                self.scan(segment, (first, last_sample), after, pattern, playing, emit);
                return;
            };
            let switch_sample = (segment.offset_of(due) as usize).max(first);
            let slot_switches = slot_due.is_some_and(|beat| beat <= due);
            let edit_lands = edit_due.is_some_and(|(beat, _)| beat <= due);
            let quantize = if slot_switches {
                slot_quantize
            } else {
                edit_due.map_or(SlotQuantize::Now, |(_, quantize)| quantize)
            };
            if switch_sample > first {
                let old = playing.pattern(self.playing_slot, self.edit_waiting);
                self.scan(
                    segment,
                    (first, switch_sample - 1),
                    after,
                    old,
                    playing,
                    emit,
                );
                after = segment.edge_at(switch_sample - 1);
            } else if quantize != SlotQuantize::Now {
                // Hits of the old pattern between blocks and the switch point would end on the
                // sample they start on: they do not play.
                after = after.max(due - 2.0 * BEAT_TOLERANCE);
            }
            if slot_switches {
                self.release(switch_sample as u32, |_| true, emit);
                self.playing_slot = playing.requested_slot;
                self.run_start = due;
                // The new slot's lanes start from their bases, as at any (re)start.
                let pattern = playing.pattern(self.playing_slot, self.edit_waiting && !edit_lands);
                send_lane_bases(switch_sample as u32, pattern, &playing.audible, emit);
            }
            if edit_lands {
                self.edit_waiting = false;
            }
            first = switch_sample;
        }
    }

    /// Emits, in time order, every hit and due note-off after beat `after` on the samples
    /// `first_sample..=last_sample` of the segment, chunk by chunk. Chunks end on whole samples, so the events
    /// of one sample are always ordered together, and the loop advances by whole samples, so it
    /// ends whatever the float precision of the positions.
    fn scan(
        &mut self,
        segment: &Segment,
        (first_sample, last_sample): (usize, usize),
        after: f64,
        pattern: &PatternSnapshot,
        playing: &Playing,
        emit: &mut impl FnMut(NoteEvent),
    ) {
        let samples_per_chunk = ((CHUNK_BEATS * segment.samples_per_beat) as usize).max(1);
        let mut chunk_start = after;
        let mut first = first_sample;
        loop {
            let chunk_last = (first + samples_per_chunk - 1).min(last_sample);
            let chunk_end = segment.edge_at(chunk_last);
            if chunk_end > chunk_start {
                let samples = (first as u32, chunk_last as u32);
                let window = (chunk_start, chunk_end);
                self.scan_chunk(segment, samples, window, pattern, playing, emit);
                chunk_start = chunk_end;
            }
            if chunk_last >= last_sample {
                break;
            }
            first = chunk_last + 1;
        }
    }

    /// Emits the events of beats `(after, up_to]`, which fall on the samples `first..=last`.
    /// Every event is placed inside that range, so the events of one sample are always ordered
    /// in the same pass even where float noise puts a beat on a neighbouring sample.
    fn scan_chunk(
        &mut self,
        segment: &Segment,
        (first, last): (u32, u32),
        (after, up_to): (f64, f64),
        pattern: &PatternSnapshot,
        playing: &Playing,
        emit: &mut impl FnMut(NoteEvent),
    ) {
        let place = |beat: f64| segment.offset_of(beat).clamp(first, last);
        self.pending_ons.clear();
        self.pending_lanes.clear();
        let occasion = Occasion::new(pattern, playing.performance, self.run_start);
        for (track_index, track) in pattern.tracks.iter().enumerate() {
            if !playing.audible[track_index] {
                continue;
            }
            let controls = &playing.performance.tracks[track_index];
            let pending = &mut self.pending_ons;
            let midi = &self.midi;
            let lanes = &mut self.pending_lanes;
            let on_lane = |value: lanes::LaneHit| {
                // Like the hits: a value beyond the capacity (never expected) is left out.
                if lanes.len() < lanes.capacity() {
                    lanes.push(PendingLane {
                        offset: place(value.beat),
                        beat: value.beat,
                        track: track_index as u8,
                        lane: value.lane,
                        value: value.value,
                    });
                }
            };
            hits_in_window(
                track_index,
                track,
                playing.performance,
                &occasion,
                (after + BEAT_TOLERANCE, up_to + BEAT_TOLERANCE),
                on_lane,
                |hit| {
                    // The capacity holds the densest pattern's hits of one pass; a hit beyond it
                    // (never expected) is left out rather than allocating.
                    if pending.len() < pending.capacity() {
                        let offset = place(hit.beat);
                        // A note lasts at least one sample from the sample it starts on (a hit
                        // in a gap between blocks starts late, on the block's first sample).
                        let one_sample_on =
                            segment.edge_at(offset as usize) + 1.0 / segment.samples_per_beat;
                        let pitch =
                            note_cycle::hit_pitch(track, controls, hit.note, hit.step_index);
                        let (key, hz) = if track.melodic {
                            let transposed =
                                i32::from(pitch.key) + i32::from(midi.transpose_at(offset));
                            let key = pattern.scale.snap(transposed);
                            (key, note_cycle::shift_hz(pitch.hz, pitch.key, key))
                        } else {
                            (pitch.key, pitch.hz)
                        };
                        pending.push(PendingOn {
                            offset,
                            track: track_index as u8,
                            beat: hit.beat,
                            off_beat: hit.off_beat.max(one_sample_on),
                            velocity: hit.velocity,
                            key,
                            hz,
                        });
                    }
                },
            );
        }
        self.pending_ons
            .sort_unstable_by(|a, b| a.beat.total_cmp(&b.beat).then(a.track.cmp(&b.track)));
        self.pending_lanes.sort_unstable_by(|a, b| {
            (a.beat.total_cmp(&b.beat))
                .then(a.track.cmp(&b.track))
                .then(a.lane.cmp(&b.lane))
        });

        // At one sample: note-offs, then lane values, then note-ons.
        let mut next_on = 0;
        let mut next_lane = 0;
        loop {
            let due_off = self
                .sounding
                .earliest()
                .filter(|note| note.off_beat - BEAT_TOLERANCE <= up_to);
            let off_at = due_off.map(|off| place(off.off_beat));
            let lane = self.pending_lanes.get(next_lane).copied();
            let lane_at = lane.map(|lane| lane.offset);
            let on_at = self.pending_ons.get(next_on).map(|on| on.offset);
            let not_after = |at: u32, other: Option<u32>| other.is_none_or(|other| at <= other);
            match (due_off, off_at, lane) {
                (Some(off), Some(at), _) if not_after(at, on_at) && not_after(at, lane_at) => {
                    self.sounding.end(off.channel, off.key);
                    emit(note_off(at, &off));
                }
                (_, _, Some(lane)) if not_after(lane.offset, on_at) => {
                    next_lane += 1;
                    emit(lane_event(lane.offset, &pattern.tracks, lane));
                }
                _ if on_at.is_some() => {
                    next_on = self.start_notes_at(next_on, pattern, emit);
                }
                _ => break,
            }
        }
    }

    /// Starts the pending note-ons from `first` that share its offset: first the note-offs of
    /// every key they retrigger, then the note-ons. Returns the index after the group.
    fn start_notes_at(
        &mut self,
        first: usize,
        pattern: &PatternSnapshot,
        emit: &mut impl FnMut(NoteEvent),
    ) -> usize {
        let offset = self.pending_ons[first].offset;
        let end = first
            + self.pending_ons[first..]
                .iter()
                .take_while(|on| on.offset == offset)
                .count();
        for index in first..end {
            let on = self.pending_ons[index];
            let track = &pattern.tracks[usize::from(on.track)];
            if let Some(ended) = self.sounding.end(track.channel & 0x0f, on.key) {
                emit(note_off(offset, &ended));
            }
        }
        for index in first..end {
            self.start_note(self.pending_ons[index], pattern, emit);
        }
        end
    }

    /// Starts one note. A key already started on this same sample (two tracks on one key, or
    /// dense ratchets at a low sample rate) is not started twice: the hits merge into one note
    /// that lasts as long as the longer of them.
    fn start_note(
        &mut self,
        on: PendingOn,
        pattern: &PatternSnapshot,
        emit: &mut impl FnMut(NoteEvent),
    ) {
        let track = &pattern.tracks[usize::from(on.track)];
        let note = SoundingNote {
            channel: track.channel & 0x0f,
            key: on.key,
            track: on.track,
            off_beat: on.off_beat,
        };
        if let Some(same_sample) = self.sounding.start(note) {
            self.sounding.start(SoundingNote {
                off_beat: same_sample.off_beat.max(note.off_beat),
                ..same_sample
            });
            return;
        }
        if let Some(hz) = on.hz {
            emit(NoteEvent {
                offset: on.offset,
                track: on.track,
                channel: note.channel,
                key: note.key,
                kind: NoteKind::Pitch { hz },
            });
        }
        emit(NoteEvent {
            offset: on.offset,
            track: on.track,
            channel: note.channel,
            key: note.key,
            kind: NoteKind::On {
                velocity: on.velocity,
            },
        });
    }

    /// Ends, at `offset`, every sounding note for which `selected` holds.
    fn release(
        &mut self,
        offset: u32,
        selected: impl Fn(&SoundingNote) -> bool,
        emit: &mut impl FnMut(NoteEvent),
    ) {
        self.sounding
            .end_where(selected, |note| emit(note_off(offset, &note)));
    }
}

/// The event of a lane value, on its track's channel.
fn lane_event(offset: u32, tracks: &[TrackPattern; MAX_TRACKS], lane: PendingLane) -> NoteEvent {
    let track = &tracks[usize::from(lane.track)];
    NoteEvent {
        offset,
        track: lane.track,
        channel: track.channel & 0x0f,
        key: 0,
        kind: NoteKind::Lane {
            lane: lane.lane,
            midi: track.lanes[usize::from(lane.lane)].midi,
            value: lane.value,
        },
    }
}

/// Sends, at `offset`, the base value of every lane of the audible tracks that has one: where
/// playback (re)starts or a pattern slot switch lands, the destinations start from the lanes'
/// bases.
fn send_lane_bases(
    offset: u32,
    pattern: &PatternSnapshot,
    audible: &[bool; MAX_TRACKS],
    emit: &mut impl FnMut(NoteEvent),
) {
    for (index, track) in pattern.tracks.iter().enumerate() {
        if !audible[index] {
            continue;
        }
        for (lane_index, lane) in track.lanes.iter().enumerate() {
            if let Some(value) = lane.base.get() {
                let pending = PendingLane {
                    offset,
                    beat: 0.0,
                    track: index as u8,
                    lane: lane_index as u8,
                    value,
                };
                emit(lane_event(offset, &pattern.tracks, pending));
            }
        }
    }
}

fn note_off(offset: u32, note: &SoundingNote) -> NoteEvent {
    NoteEvent {
        offset,
        track: note.track,
        channel: note.channel,
        key: note.key,
        kind: NoteKind::Off,
    }
}

/// Whether a block that does not continue the previous one is the host's own loop wrap: the
/// previous block ended at the active loop's end and this one starts at its start.
fn host_wrapped(previous: Option<Continuation>, block: &PlayableBlock, continuity: f64) -> bool {
    match (previous, block.loop_beats) {
        (Some(previous), Some((loop_start, loop_end))) => {
            (previous.next_start - loop_end).abs() <= continuity
                && (block.start_beat - loop_start).abs() <= continuity
        }
        _ => false,
    }
}

/// The first sample at or after the loop end inside this stretch, and the loop start it jumps
/// to, when the active loop wraps before the block ends.
fn next_wrap(segment: &Segment, block: &PlayableBlock) -> Option<(usize, f64)> {
    let (loop_start, loop_end) = block.loop_beats?;
    if segment.first_beat >= loop_end - BEAT_TOLERANCE {
        return None;
    }
    let samples_to_end =
        ((loop_end - BEAT_TOLERANCE - segment.first_beat) * segment.samples_per_beat).ceil();
    let wrap_sample = segment.first_sample as f64 + samples_to_end.max(1.0);
    (wrap_sample < segment.block_len as f64).then_some((wrap_sample as usize, loop_start))
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}
