//! Property tests of [`Engine`] over random host transport scripts, checked against an
//! independent reference written straight from the timing model (docs/TIMING.md).
//!
//! The reference (`Reference` below) knows nothing of the engine's internals: it enumerates the
//! steps of each track from beat arithmetic and places every event on the first sample of the
//! played sample sequence whose beat is at or after the event (less 1e-9 beats). The played
//! sequence is the host's: consecutive blocks continue it, a seek or a stop starts a new run, and
//! a loop wrap inside a block starts a new run at the wrap sample.
//!
//! The reference covers what the random scripts produce: in-range tempos and sample rates,
//! loops longer than 1e-6 beats, probability 0 or 100 (any other probability needs the engine's
//! hash), no mute or solo changes. Absurd input is only checked for panics, hangs and order.
//!
//! Properties and cases per property (about 25 s for the whole file in a debug build on 2 cores):
//! - `plain_steps_match_the_reference` (1 500 cases): plain steps (probability 100, ratchet 1,
//!   nudge 0). Note-ons and note-offs equal the reference's, per block, as multisets; every
//!   note-on is ended before its key starts again; nothing sounds after the final stop; events
//!   are sorted with offs first at equal offsets, all inside the block.
//! - `ratchets_and_nudges_match_the_reference` (800 cases): the same, with ratchets 1–8, nudges
//!   ±50 %, probability 0 or 100, ties, steps with their own notes, and Euclid tracks (a quarter
//!   of the tracks) whose pulses and rotation are random; the reference's Euclid rhythm is its own
//!   list-based Bjorklund.
//! - `absurd_input_never_panics` (800 cases, each with a 30 s deadline): NaN, infinite,
//!   negative and huge tempos, positions, loops and sample rates, blocks of 0–65 536 samples: no
//!   panic or hang, events sorted and inside the block, notes paired, nothing sounding after a
//!   valid stop.

use chronus_seq::engine::event::{NoteEvent, NoteKind};
use chronus_seq::engine::pattern::{
    PatternSnapshot, RateFeel, Step, StepRate, TrackPattern, MAX_STEPS, MAX_TRACKS,
};
use chronus_seq::engine::performance::Performance;
use chronus_seq::engine::transport::BlockTransport;
use chronus_seq::engine::Engine;
use proptest::prelude::*;

/// Float-noise tolerance on beat positions, from the timing model.
const TOL: f64 = 1e-9;
/// A block starting within this many seconds of the previous block's end continues it.
const CONTINUITY_SECONDS: f64 = 0.001;

// ---------------------------------------------------------------------------------------------
// Events as compared
// ---------------------------------------------------------------------------------------------

/// What an event does; `Off` sorts before `On`, as at equal offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Off,
    On(u8),
}

/// One event of a block, in a form that sorts by offset, then offs before ons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Ev {
    offset: u32,
    kind: Kind,
    track: u8,
    channel: u8,
    key: u8,
}

impl From<NoteEvent> for Ev {
    fn from(event: NoteEvent) -> Self {
        Ev {
            offset: event.offset,
            kind: match event.kind {
                NoteKind::On { velocity } => Kind::On(velocity),
                NoteKind::Off => Kind::Off,
                NoteKind::Lane { .. } | NoteKind::Pitch { .. } => {
                    panic!("these patterns have no lanes and no note cycles")
                }
            },
            track: event.track,
            channel: event.channel,
            key: event.key,
        }
    }
}

/// One host block: its length and the transport at its sample 0.
#[derive(Debug, Clone, Copy)]
struct Block {
    len: usize,
    transport: BlockTransport,
}

/// Runs the engine over `blocks`, returning each block's events in emitted order.
fn run_engine(
    sample_rate: f64,
    blocks: &[Block],
    pattern: &PatternSnapshot,
    performance: &Performance,
) -> Vec<Vec<Ev>> {
    let mut engine = Engine::new(sample_rate);
    let out: Vec<Vec<Ev>> = blocks
        .iter()
        .map(|block| {
            let mut events = Vec::new();
            engine.process(
                block.len,
                &block.transport,
                pattern,
                performance,
                &mut |event| events.push(Ev::from(event)),
            );
            events
        })
        .collect();
    if blocks
        .last()
        .is_some_and(|block| !block.transport.playing && block.len > 0)
    {
        assert_eq!(
            engine.sounding_notes(),
            0,
            "notes sounding after the final stop"
        );
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The reference
// ---------------------------------------------------------------------------------------------

/// Step length in beats (a quarter note is one beat).
fn step_beats(rate: StepRate) -> f64 {
    let straight = 4.0 / f64::from(rate.division);
    match rate.feel {
        RateFeel::Straight => straight,
        RateFeel::Dotted => straight * 3.0 / 2.0,
        RateFeel::Triplet => straight * 2.0 / 3.0,
    }
}

/// A hit of a step: note-on beat, note-off beat, velocity, MIDI key.
struct Hit {
    beat: f64,
    off_beat: f64,
    velocity: u8,
    key: u8,
}

/// Bjorklund's E(`pulses`, `steps`) turned left by `rotation`, written from Toussaint's
/// description with growing lists of steps: pair each leading group with a remainder group,
/// the unpaired groups become the remainder, until the remainder holds at most one group (one
/// pairing round always runs).
fn reference_euclid(pulses: u8, steps: u8, rotation: u8) -> Vec<bool> {
    let (pulses, steps) = (usize::from(pulses.min(steps)), usize::from(steps));
    let base: Vec<bool> = if pulses == 0 || pulses == steps {
        vec![pulses > 0; steps]
    } else {
        let mut lead: Vec<Vec<bool>> = vec![vec![true]; pulses];
        let mut rest: Vec<Vec<bool>> = vec![vec![false]; steps - pulses];
        loop {
            let paired = lead.len().min(rest.len());
            let joined: Vec<Vec<bool>> = lead[..paired]
                .iter()
                .zip(&rest[..paired])
                .map(|(a, b)| [a.as_slice(), b.as_slice()].concat())
                .collect();
            rest = if lead.len() > paired {
                lead[paired..].to_vec()
            } else {
                rest[paired..].to_vec()
            };
            lead = joined;
            if rest.len() <= 1 {
                break;
            }
        }
        lead.into_iter().chain(rest).flatten().collect()
    };
    (0..steps)
        .map(|i| base[(i + usize::from(rotation)) % steps])
        .collect()
}

/// Every hit of `track` whose beat `t` has `lo < t − TOL ≤ hi` and `t ≥ 0`. A Euclid track
/// takes its hits from `euclid` (pulses, rotation) and ignores ties.
fn track_hits(
    track: &TrackPattern,
    (swing, gate): (f64, f64),
    euclid: (u8, u8),
    lo: f64,
    hi: f64,
) -> Vec<Hit> {
    let step = step_beats(track.rate);
    let euclid = track
        .euclid
        .then(|| reference_euclid(euclid.0, track.length, euclid.1));
    let mut hits = Vec::new();
    // A step's hits lie in [k·L − L/2, k·L + 2L): swing and nudge up to half a step, ratchets
    // up to one step.
    let first = (lo / step).floor() as i64 - 2;
    let last = (hi / step).floor() as i64 + 2;
    for k in first..=last {
        let at = k.rem_euclid(i64::from(track.length)) as usize;
        let s = &track.steps[at];
        let plays = euclid.as_ref().map_or(s.on, |hits| hits[at]);
        if !plays || s.probability == 0 {
            continue;
        }
        let swing_delay = if k.rem_euclid(2) == 1 {
            (swing - 0.5) * 2.0 * step
        } else {
            0.0
        };
        let start = k as f64 * step + swing_delay + f64::from(s.nudge) / 100.0 * step;
        let spacing = step / f64::from(s.ratchet);
        // Tie steps right after this one (wrapping around the length) hold its last hit.
        let length = i64::from(track.length);
        let ties = if euclid.is_some() {
            0
        } else {
            (1..length)
                .take_while(|j| track.steps[(k + j).rem_euclid(length) as usize].tie)
                .count()
        };
        for r in 0..s.ratchet {
            let beat = start + f64::from(r) * spacing;
            let held = if r + 1 == s.ratchet {
                ties as f64 * step
            } else {
                0.0
            };
            if beat >= 0.0 && beat > lo + TOL && beat <= hi + TOL {
                hits.push(Hit {
                    beat,
                    off_beat: beat + gate * spacing + held,
                    velocity: s.velocity,
                    key: s.note.unwrap_or(track.note),
                });
            }
        }
    }
    hits
}

/// A note the reference holds.
struct RefNote {
    channel: u8,
    key: u8,
    track: u8,
    off_beat: f64,
}

impl RefNote {
    fn off(&self, offset: usize) -> Ev {
        Ev {
            offset: offset as u32,
            kind: Kind::Off,
            track: self.track,
            channel: self.channel,
            key: self.key,
        }
    }
}

/// Expected events of a whole script, block by block, from the timing model alone.
struct Reference<'a> {
    sample_rate: f64,
    pattern: &'a PatternSnapshot,
    performance: &'a Performance,
    /// Beat where the previous block ended, if it played.
    next_start: Option<f64>,
    /// Beat of the last sample played in the current run: events due by it are done.
    played_to: f64,
    sounding: Vec<RefNote>,
}

impl<'a> Reference<'a> {
    fn new(sample_rate: f64, pattern: &'a PatternSnapshot, performance: &'a Performance) -> Self {
        Reference {
            sample_rate,
            pattern,
            performance,
            next_start: None,
            played_to: f64::NEG_INFINITY,
            sounding: Vec::new(),
        }
    }

    fn release_all(&mut self, offset: usize, out: &mut Vec<Ev>) {
        out.extend(self.sounding.drain(..).map(|note| note.off(offset)));
    }

    fn process(&mut self, len: usize, transport: &BlockTransport) -> Vec<Ev> {
        let mut out = Vec::new();
        if len == 0 {
            return out;
        }
        let sample_rate_ok = (1_000.0..=1_536_000.0).contains(&self.sample_rate);
        let (Some(tempo), Some(b0)) = (transport.tempo, transport.pos_beats) else {
            self.release_all(0, &mut out);
            self.next_start = None;
            return out;
        };
        if !transport.playing || !sample_rate_ok || !(1.0..=2_000.0).contains(&tempo) {
            self.release_all(0, &mut out);
            self.next_start = None;
            return out;
        }
        let spb = 60.0 * self.sample_rate / tempo;
        let continuous = self
            .next_start
            .is_some_and(|end| (b0 - end).abs() <= CONTINUITY_SECONDS * tempo / 60.0);
        if !continuous {
            self.release_all(0, &mut out);
            // A new run: sample 0 takes everything due within one sample before it.
            self.played_to = b0 - 1.0 / spb;
        }
        // The scripts' loops are at least 1/4 beat long (the engine ignores those under 1e-6).
        let active_loop = transport.loop_beats.filter(|(ls, le)| le > ls);
        let (mut first, mut beat) = (0, b0);
        loop {
            if let Some((ls, le)) = active_loop {
                if beat < le - TOL {
                    let wrap = first + ((le - TOL - beat) * spb).ceil() as usize;
                    if wrap < len {
                        self.play_segment(first, beat, wrap, spb, &mut out);
                        self.release_all(wrap, &mut out);
                        first = wrap;
                        beat = ls;
                        self.played_to = ls - 1.0 / spb;
                        continue;
                    }
                }
            }
            self.play_segment(first, beat, len, spb, &mut out);
            break;
        }
        self.next_start = Some(beat + (len - first) as f64 / spb);
        out
    }

    /// Plays samples `first..end` of the block, `first` being at song beat `beat`.
    fn play_segment(&mut self, first: usize, beat: f64, end: usize, spb: f64, out: &mut Vec<Ev>) {
        let last_beat = beat + (end - 1 - first) as f64 / spb;
        let sample_of = |t: f64| -> usize {
            let relative = ((t - TOL - beat) * spb).ceil();
            first + relative.clamp(0.0, (end - 1 - first) as f64) as usize
        };
        // (sample, beat, track, off beat, velocity, key) of every note-on due in this segment.
        let mut ons = Vec::new();
        let any_solo = self.performance.tracks.iter().any(|t| t.solo);
        for (index, track) in self.pattern.tracks.iter().enumerate() {
            let controls = &self.performance.tracks[index];
            if controls.mute || (any_solo && !controls.solo) {
                continue;
            }
            let feel = (self.performance.swing, controls.gate);
            let euclid = (controls.euclid_pulses, controls.euclid_rotation);
            for hit in track_hits(track, feel, euclid, self.played_to, last_beat) {
                let sample = sample_of(hit.beat);
                let sample_beat = beat + (sample - first) as f64 / spb;
                let off_beat = hit.off_beat.max(sample_beat + 1.0 / spb);
                ons.push((
                    sample,
                    hit.beat,
                    index as u8,
                    off_beat,
                    hit.velocity,
                    hit.key,
                ));
            }
        }
        ons.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut ons = ons.into_iter().peekable();
        let mut started_here: Vec<(usize, u8, u8)> = Vec::new();
        loop {
            let due_off = self
                .sounding
                .iter()
                .enumerate()
                .filter(|(_, note)| note.off_beat - TOL <= last_beat)
                .map(|(i, note)| (sample_of(note.off_beat), i))
                .min();
            let next_on = ons.peek().copied();
            // At equal samples the note-off comes first.
            if let Some((off_sample, i)) = due_off {
                if next_on.is_none_or(|on| off_sample <= on.0) {
                    out.push(self.sounding.swap_remove(i).off(off_sample));
                    continue;
                }
            }
            let Some((sample, _, track_index, off_beat, velocity, key)) = ons.next() else {
                break;
            };
            let track = &self.pattern.tracks[usize::from(track_index)];
            // Hits of one key on one sample are one note, lasting as long as the longer.
            if started_here.contains(&(sample, track.channel, key)) {
                let note = self
                    .sounding
                    .iter_mut()
                    .find(|n| n.channel == track.channel && n.key == key)
                    .expect("a note started on this sample still sounds");
                note.off_beat = note.off_beat.max(off_beat);
                continue;
            }
            started_here.push((sample, track.channel, key));
            // A retrigger of a sounding key ends the older note first.
            if let Some(i) = self
                .sounding
                .iter()
                .position(|n| n.channel == track.channel && n.key == key)
            {
                out.push(self.sounding.swap_remove(i).off(sample));
            }
            self.sounding.push(RefNote {
                channel: track.channel,
                key,
                track: track_index,
                off_beat,
            });
            out.push(Ev {
                offset: sample as u32,
                kind: Kind::On(velocity),
                track: track_index,
                channel: track.channel,
                key,
            });
        }
        self.played_to = self.played_to.max(last_beat);
    }
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// Events sorted by offset, offs first at equal offsets, all inside the block.
fn check_block_order(block_index: usize, len: usize, events: &[Ev]) -> Result<(), String> {
    for event in events {
        if event.offset as usize >= len {
            return Err(format!(
                "block {block_index}: offset {} outside a block of {len}: {events:?}",
                event.offset
            ));
        }
    }
    for (i, pair) in events.windows(2).enumerate() {
        let (a, b) = (pair[0], pair[1]);
        let off_after_on =
            a.offset == b.offset && matches!(a.kind, Kind::On(_)) && b.kind == Kind::Off;
        if a.offset > b.offset || off_after_on {
            let around = &events[i.saturating_sub(4)..(i + 6).min(events.len())];
            return Err(format!(
                "block {block_index}: {a:?} emitted before {b:?}; around them: {around:?}"
            ));
        }
    }
    Ok(())
}

/// Every note-on is ended, at the same or a later sample, before its channel and key start
/// again; no note-off without a sounding note; nothing sounding after a stopped block.
fn check_pairing(blocks: &[Block], out: &[Vec<Ev>]) -> Result<(), String> {
    let mut sounding = std::collections::HashMap::new();
    for (index, (block, events)) in blocks.iter().zip(out).enumerate() {
        for event in events {
            let note = (event.channel, event.key);
            match event.kind {
                Kind::On(_) => {
                    if let Some(started) = sounding.insert(note, (index, event.offset)) {
                        return Err(format!(
                            "block {index}: {event:?} while the note started at {started:?} \
                             still sounds"
                        ));
                    }
                }
                Kind::Off => {
                    if sounding.remove(&note).is_none() {
                        return Err(format!("block {index}: {event:?} of a silent note"));
                    }
                }
            }
        }
        if !block.transport.playing && block.len > 0 && !sounding.is_empty() {
            return Err(format!(
                "block {index} is stopped but {sounding:?} still sound"
            ));
        }
    }
    Ok(())
}

/// Runs the engine and the reference over the same script and compares everything.
fn check_script(
    sample_rate: f64,
    blocks: &[Block],
    pattern: &PatternSnapshot,
    performance: &Performance,
) -> Result<(), String> {
    let actual = run_engine(sample_rate, blocks, pattern, performance);
    let mut reference = Reference::new(sample_rate, pattern, performance);
    for (index, (block, events)) in blocks.iter().zip(&actual).enumerate() {
        let mut expected = reference.process(block.len, &block.transport);
        let mut got = events.clone();
        expected.sort();
        got.sort();
        if got != expected {
            let missing: Vec<_> = expected.iter().filter(|e| !got.contains(e)).collect();
            let extra: Vec<_> = got.iter().filter(|e| !expected.contains(e)).collect();
            return Err(format!(
                "block {index} ({block:?}):\n  missing {missing:?}\n  extra   {extra:?}\n  \
                 engine    {events:?}\n  reference {expected:?}"
            ));
        }
        check_block_order(index, block.len, events)?;
    }
    check_pairing(blocks, &actual)
}

// ---------------------------------------------------------------------------------------------
// Random host scripts
// ---------------------------------------------------------------------------------------------

/// What the simulated host does for the next block.
#[derive(Debug, Clone)]
enum Action {
    /// Plays on; the reported position is off by `jitter_ms` (under the 1 ms continuity window).
    Play { len: usize, jitter_ms: f64 },
    /// Plays on at a new tempo.
    Tempo { len: usize, tempo: f64 },
    /// Jumps to `to` beats, at least 10 ms away from where play would have continued.
    Seek { len: usize, to: f64 },
    /// A block without play: 0 stopped, 1 no tempo, 2 no position.
    Stop { len: usize, how: u8 },
    /// Turns a loop on `start` beats from the current position, `length` beats long; the host
    /// either splits its blocks at the loop end or leaves the wrap to the plugin.
    Loop {
        len: usize,
        start: f64,
        length: f64,
        host_splits: bool,
    },
    /// Turns the loop off.
    LoopOff { len: usize },
}

/// The simulated host: keeps the true position and turns actions into blocks.
struct Host {
    sample_rate: f64,
    tempo: f64,
    pos: f64,
    looping: Option<(f64, f64, bool)>,
}

impl Host {
    fn samples_per_beat(&self) -> f64 {
        60.0 * self.sample_rate / self.tempo
    }

    /// A playing block of up to `len` samples from the current position, then advances.
    fn play(&mut self, len: usize, reported_pos: f64) -> Block {
        let spb = self.samples_per_beat();
        let mut len = len;
        let mut split_to = None;
        if let Some((ls, le, true)) = self.looping {
            if reported_pos < le - TOL {
                let wrap = ((le - TOL - reported_pos) * spb).ceil() as usize;
                if wrap < len {
                    len = wrap;
                    split_to = Some(ls);
                }
            }
        }
        let block = Block {
            len,
            transport: BlockTransport {
                playing: true,
                tempo: Some(self.tempo),
                pos_beats: Some(reported_pos),
                loop_beats: self.looping.map(|(ls, le, _)| (ls, le)),
                bars: None,
            },
        };
        self.pos = match split_to {
            Some(ls) => ls,
            None => {
                // The loop wraps inside the block, as the plugin must do it too.
                let (mut first, mut beat) = (0, reported_pos);
                if let Some((ls, le, _)) = self.looping {
                    while beat < le - TOL {
                        let wrap = first + ((le - TOL - beat) * spb).ceil() as usize;
                        if wrap >= len {
                            break;
                        }
                        first = wrap;
                        beat = ls;
                    }
                }
                beat + (len - first) as f64 / spb
            }
        };
        block
    }

    fn block(&mut self, action: &Action) -> Block {
        let beats_per_ms = self.tempo / 60_000.0;
        match *action {
            Action::Play { len, jitter_ms } => {
                let reported = self.pos + jitter_ms * beats_per_ms;
                self.play(len, reported)
            }
            Action::Tempo { len, tempo } => {
                self.tempo = tempo;
                self.play(len, self.pos)
            }
            Action::Seek { len, to } => {
                let far_enough = 10.0 * beats_per_ms;
                let to = if (to - self.pos).abs() < far_enough {
                    to + 1.0
                } else {
                    to
                };
                self.play(len, to)
            }
            Action::Stop { len, how } => {
                let block = Block {
                    len,
                    transport: BlockTransport {
                        playing: how != 0,
                        tempo: (how != 1).then_some(self.tempo),
                        pos_beats: (how != 2).then_some(self.pos),
                        loop_beats: self.looping.map(|(ls, le, _)| (ls, le)),
                        bars: None,
                    },
                };
                self.pos += len as f64 / self.samples_per_beat();
                block
            }
            Action::Loop {
                len,
                start,
                length,
                host_splits,
            } => {
                let ls = self.pos + start;
                self.looping = Some((ls, ls + length, host_splits));
                self.play(len, self.pos)
            }
            Action::LoopOff { len } => {
                self.looping = None;
                self.play(len, self.pos)
            }
        }
    }
}

/// Turns actions into blocks, ending with a stopped block.
fn host_script(sample_rate: f64, tempo: f64, start: f64, actions: &[Action]) -> Vec<Block> {
    let mut host = Host {
        sample_rate,
        tempo,
        pos: start,
        looping: None,
    };
    let mut blocks: Vec<Block> = actions.iter().map(|action| host.block(action)).collect();
    blocks.push(host.block(&Action::Stop { len: 64, how: 0 }));
    blocks
}

fn block_len() -> impl Strategy<Value = usize> {
    prop_oneof![1 => 1..=16usize, 1 => 17..=1024usize, 2 => 1025..=8192usize]
}

/// Beats, sometimes on a grid of sixteenths or sixteenth triplets so steps fall exactly on block
/// starts and loop points.
fn beats(range: std::ops::Range<f64>) -> impl Strategy<Value = f64> {
    (range, 0..3u8).prop_map(|(beats, grid)| match grid {
        0 => (beats * 4.0).round() / 4.0,
        1 => (beats * 6.0).round() / 6.0,
        _ => beats,
    })
}

fn tempo() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(120.0),
        (20..=999u32).prop_map(f64::from),
        20.0..999.0f64
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        6 => (block_len(), prop_oneof![Just(0.0), -0.5..0.5f64])
            .prop_map(|(len, jitter_ms)| Action::Play { len, jitter_ms }),
        1 => (block_len(), tempo()).prop_map(|(len, tempo)| Action::Tempo { len, tempo }),
        1 => (block_len(), beats(-4.0..64.0)).prop_map(|(len, to)| Action::Seek { len, to }),
        1 => (block_len(), 0..3u8).prop_map(|(len, how)| Action::Stop { len, how }),
        2 => (block_len(), beats(-1.0..0.25), beats(0.25..3.0), any::<bool>()).prop_map(
            |(len, start, length, host_splits)| Action::Loop {
                len,
                start,
                length: length.max(0.25),
                host_splits,
            }
        ),
        1 => block_len().prop_map(|len| Action::LoopOff { len }),
    ]
}

fn sample_rate() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(44_100.0),
        Just(48_000.0),
        Just(96_000.0),
        Just(22_050.0),
        Just(192_000.0),
        22_050.0..192_000.0f64
    ]
}

fn rate() -> impl Strategy<Value = StepRate> {
    let feel = prop_oneof![
        2 => Just(RateFeel::Straight),
        1 => Just(RateFeel::Dotted),
        1 => Just(RateFeel::Triplet)
    ];
    (prop::sample::select(vec![1u8, 2, 4, 8, 16, 32, 64]), feel)
        .prop_map(|(division, feel)| StepRate { division, feel })
}

/// Steps: plain ones, or with ratchets, nudges, probability 0 or 100, ties and their own notes.
fn step(extras: bool) -> BoxedStrategy<Step> {
    let on = prop::option::weighted(0.4, 1..=127u8);
    if extras {
        let tie = prop::bool::weighted(0.3);
        let note = prop::option::weighted(0.3, 36..40u8);
        (
            on,
            1..=8u8,
            -50..=50i8,
            prop::bool::weighted(0.9),
            tie,
            note,
        )
            .prop_map(
                |(velocity, ratchet, nudge, plays, tie, note)| match velocity {
                    Some(velocity) => Step {
                        ratchet,
                        nudge,
                        probability: if plays { 100 } else { 0 },
                        note,
                        ..Step::hit(velocity)
                    },
                    None if tie => Step::TIE,
                    None => Step { note, ..Step::REST },
                },
            )
            .boxed()
    } else {
        on.prop_map(|velocity| velocity.map_or(Step::REST, Step::hit))
            .boxed()
    }
}

fn track(extras: bool) -> impl Strategy<Value = TrackPattern> {
    (
        1..=MAX_STEPS as u8,
        rate(),
        0..3u8,
        36..40u8,
        prop::collection::vec(step(extras), MAX_STEPS),
        prop::bool::weighted(if extras { 0.25 } else { 0.0 }),
    )
        .prop_map(|(length, rate, channel, note, steps, euclid)| {
            let mut track = TrackPattern::empty(note);
            track.length = length;
            track.rate = rate;
            track.channel = channel;
            track.euclid = euclid;
            track.steps.copy_from_slice(&steps);
            track
        })
}

fn pattern(extras: bool) -> impl Strategy<Value = PatternSnapshot> {
    prop::collection::vec(track(extras), 1..=MAX_TRACKS).prop_map(|tracks| {
        let mut pattern = PatternSnapshot::default();
        pattern.tracks[..tracks.len()].copy_from_slice(&tracks);
        pattern
    })
}

fn performance() -> impl Strategy<Value = Performance> {
    let swing = prop_oneof![Just(0.5), Just(0.75), 0.5..=0.75f64];
    let gate = prop_oneof![Just(1.0), Just(0.01), 0.01..=1.0f64];
    let euclid = (0..=64u8, 0..64u8);
    let tracks = prop::collection::vec((gate, euclid), MAX_TRACKS);
    (swing, tracks).prop_map(|(swing, tracks)| {
        let mut performance = Performance {
            swing,
            ..Performance::default()
        };
        for (controls, (gate, (pulses, rotation))) in performance.tracks.iter_mut().zip(tracks) {
            controls.gate = gate;
            controls.euclid_pulses = pulses;
            controls.euclid_rotation = rotation;
        }
        performance
    })
}

/// One generated case. Its `Debug` shows only what plays, so shrunk failures stay readable.
struct Case {
    sample_rate: f64,
    pattern: PatternSnapshot,
    performance: Performance,
    blocks: Vec<Block>,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "sample rate {}, swing {}",
            self.sample_rate, self.performance.swing
        )?;
        for (index, track) in self.pattern.tracks.iter().enumerate() {
            let steps: Vec<String> = track.steps[..usize::from(track.length)]
                .iter()
                .enumerate()
                .filter(|(_, step)| step.on)
                .map(|(i, step)| {
                    format!(
                        "{i}:v{} p{} r{} n{}",
                        step.velocity, step.probability, step.ratchet, step.nudge
                    )
                })
                .collect();
            if !steps.is_empty() {
                writeln!(
                    f,
                    "track {index}: {} steps of {}, channel {} key {} gate {}: {}",
                    track.length,
                    track.rate.label(),
                    track.channel,
                    track.note,
                    self.performance.tracks[index].gate,
                    steps.join(", ")
                )?;
            }
        }
        for block in &self.blocks {
            let t = &block.transport;
            writeln!(
                f,
                "block {:5} playing {} tempo {:?} pos {:?} loop {:?}",
                block.len, t.playing, t.tempo, t.pos_beats, t.loop_beats
            )?;
        }
        Ok(())
    }
}

/// A whole case: sample rate, pattern, performance and the host's blocks.
fn scenario(extras: bool) -> impl Strategy<Value = Case> {
    (
        sample_rate(),
        tempo(),
        beats(-4.0..16.0),
        prop::collection::vec(action(), 1..40),
        pattern(extras),
        performance(),
    )
        .prop_map(
            |(sample_rate, tempo, start, actions, pattern, performance)| {
                let blocks = host_script(sample_rate, tempo, start, &actions);
                Case {
                    sample_rate,
                    pattern,
                    performance,
                    blocks,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn plain_steps_match_the_reference(case in scenario(false)) {
        check_script(case.sample_rate, &case.blocks, &case.pattern, &case.performance)
            .map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(800))]

    #[test]
    fn ratchets_and_nudges_match_the_reference(case in scenario(true)) {
        check_script(case.sample_rate, &case.blocks, &case.pattern, &case.performance)
            .map_err(TestCaseError::fail)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Absurd input
// ---------------------------------------------------------------------------------------------

fn absurd_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            -120.0,
            0.5,
            1.0,
            2_000.0,
            2_000.5,
            1e9,
            -1e9,
            1e12,
            -1e12 + 1.0,
            1e15,
            -1e15,
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            f64::MAX,
        ]),
        -100.0..2_500.0f64,
    ]
}

fn absurd_block() -> impl Strategy<Value = Block> {
    (
        prop_oneof![0..=16usize, 0..=65_536usize],
        any::<bool>(),
        prop::option::weighted(0.8, absurd_number()),
        prop::option::weighted(0.8, prop_oneof![absurd_number(), -1.0..1.0f64]),
        prop::option::weighted(
            0.5,
            prop_oneof![
                (absurd_number(), absurd_number()),
                (absurd_number(), -1.0..2.0f64)
            ],
        ),
    )
        .prop_map(|(len, playing, tempo, pos_beats, loop_beats)| Block {
            len,
            transport: BlockTransport {
                playing,
                tempo,
                pos_beats,
                loop_beats,
                bars: None,
            },
        })
}

fn absurd_case() -> impl Strategy<Value = Case> {
    let sample_rate = prop_oneof![
        prop::sample::select(vec![
            0.0,
            f64::NAN,
            1e9,
            -48_000.0,
            f64::INFINITY,
            999.0,
            1_000.0,
            1_536_000.0,
            1_536_001.0,
        ]),
        Just(48_000.0),
    ];
    (
        sample_rate,
        prop::collection::vec(absurd_block(), 1..12),
        pattern(true),
        performance(),
    )
        .prop_map(|(sample_rate, mut blocks, pattern, performance)| {
            // At most 32 beats a block: 65 536 samples at 1 kHz and 2 000 BPM are 2 184 beats,
            // half a minute of a debug build, and no more absurd than 32 beats.
            for block in &mut blocks {
                if let Some(tempo) = block.transport.tempo {
                    let beats = block.len as f64 * tempo / (60.0 * sample_rate);
                    if beats > 32.0 {
                        block.len = (32.0 * 60.0 * sample_rate / tempo) as usize;
                    }
                }
            }
            // A final valid stop: nothing may sound after it.
            blocks.push(Block {
                len: 1,
                transport: BlockTransport::default(),
            });
            Case {
                sample_rate,
                pattern,
                performance,
                blocks,
            }
        })
}

proptest! {
    // Each case runs in a child process with a deadline, so a hang fails instead of stalling.
    #![proptest_config(ProptestConfig {
        cases: 800,
        timeout: 30_000,
        max_shrink_time: 120_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn absurd_input_never_panics(case in absurd_case()) {
        let actual = run_engine(case.sample_rate, &case.blocks, &case.pattern, &case.performance);
        for (index, (block, events)) in case.blocks.iter().zip(&actual).enumerate() {
            check_block_order(index, block.len, events).map_err(TestCaseError::fail)?;
        }
        check_pairing(&case.blocks, &actual).map_err(TestCaseError::fail)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-written regressions
// ---------------------------------------------------------------------------------------------

fn on(offset: u32, track: u8, key: u8, velocity: u8) -> Ev {
    Ev {
        offset,
        kind: Kind::On(velocity),
        track,
        channel: 0,
        key,
    }
}

fn off(offset: u32, track: u8, key: u8) -> Ev {
    Ev {
        offset,
        kind: Kind::Off,
        track,
        channel: 0,
        key,
    }
}

fn playing(len: usize, tempo: f64, pos: f64, loop_beats: Option<(f64, f64)>) -> Block {
    Block {
        len,
        transport: BlockTransport {
            playing: true,
            tempo: Some(tempo),
            pos_beats: Some(pos),
            loop_beats,
            bars: None,
        },
    }
}

/// A pattern whose track 0 plays `steps` (velocity 100) of a 1/16 track `length` steps long on
/// key 60; all other tracks silent.
fn one_track(length: u8, steps: &[usize]) -> PatternSnapshot {
    let mut pattern = PatternSnapshot::default();
    pattern.tracks[0] = TrackPattern::empty(60);
    pattern.tracks[0].length = length;
    for &index in steps {
        pattern.tracks[0].steps[index] = Step::hit(100);
    }
    pattern
}

fn with_gate(gate: f64) -> Performance {
    let mut performance = Performance::default();
    for controls in &mut performance.tracks {
        controls.gate = gate;
    }
    performance
}

/// 44.1 kHz at 123 BPM: 21 512.195… samples per beat, so the loop end falls between samples.
/// Loop 0–1 beat, block from beat 0.5 of 20 000 samples: steps at 0.5 and 0.75, wrap at sample
/// ceil(0.5 · 21 512.195) = 10 757 where the gate-100 % note of beat 0.75 ends and beat 0 plays,
/// then beat 0.25 at 10 757 + ceil(0.25 · 21 512.195) = 10 757 + 5 379.
#[test]
fn loop_wraps_inside_the_block_at_a_non_integer_sample() {
    let pattern = one_track(4, &[0, 1, 2, 3]);
    let blocks = [playing(20_000, 123.0, 0.5, Some((0.0, 1.0)))];
    let out = run_engine(44_100.0, &blocks, &pattern, &with_gate(1.0));
    assert_eq!(
        out[0],
        vec![
            on(0, 0, 60, 100),
            off(5_379, 0, 60),
            on(5_379, 0, 60, 100),
            off(10_757, 0, 60),
            on(10_757, 0, 60, 100),
            off(16_136, 0, 60),
            on(16_136, 0, 60, 100),
        ]
    );
    check_script(44_100.0, &blocks, &pattern, &with_gate(1.0)).unwrap();
}

/// 48 kHz: 24 000 samples per beat at 120 BPM, 32 000 at 90. The first block plays 1 000
/// samples (1/24 beat); the second continues at 90 BPM, so the step at beat 0.25 lands at
/// ceil((0.25 − 1/24) · 32 000) = 6 667, and its half-step note ends at beat 0.375, sample
/// ceil((0.375 − 1/24) · 32 000) = 10 667.
#[test]
fn tempo_change_between_blocks_moves_later_steps() {
    let pattern = one_track(16, &[0, 1]);
    let performance = with_gate(0.5);
    let blocks = [
        playing(1_000, 120.0, 0.0, None),
        playing(12_000, 90.0, 1_000.0 / 24_000.0, None),
    ];
    let out = run_engine(48_000.0, &blocks, &pattern, &performance);
    assert_eq!(out[0], vec![on(0, 0, 60, 100)]);
    // Step 0's note ends at beat 0.125: ceil((0.125 − 1/24) · 32 000) = 2 667.
    assert_eq!(
        out[1],
        vec![off(2_667, 0, 60), on(6_667, 0, 60, 100), off(10_667, 0, 60)]
    );
    check_script(48_000.0, &blocks, &pattern, &performance).unwrap();
}

/// Gate 100 %: each note ends exactly where the next step of the same key starts; the off comes
/// first. A second track on the same key retriggers a long note: the long note ends there.
#[test]
fn retrigger_with_full_gate_sends_the_off_first() {
    let pattern = one_track(4, &[0, 1, 2, 3]);
    let blocks = [playing(24_000, 120.0, 0.0, None)];
    let out = run_engine(48_000.0, &blocks, &pattern, &with_gate(1.0));
    assert_eq!(
        out[0],
        vec![
            on(0, 0, 60, 100),
            off(6_000, 0, 60),
            on(6_000, 0, 60, 100),
            off(12_000, 0, 60),
            on(12_000, 0, 60, 100),
            off(18_000, 0, 60),
            on(18_000, 0, 60, 100),
        ]
    );

    // Track 0: quarter notes (one beat, gate 100 %); track 1: the second sixteenth, same key,
    // gate 50 %: it cuts track 0's note at 6 000 and ends at beat 0.375 = 9 000.
    let mut pattern = PatternSnapshot::default();
    pattern.tracks[0] = TrackPattern::empty(60);
    pattern.tracks[0].rate = StepRate::parse("1/4").unwrap();
    pattern.tracks[0].length = 1;
    pattern.tracks[0].steps[0] = Step::hit(90);
    pattern.tracks[1] = TrackPattern::empty(60);
    pattern.tracks[1].length = 4;
    pattern.tracks[1].steps[1] = Step::hit(80);
    let mut performance = with_gate(1.0);
    performance.tracks[1].gate = 0.5;
    let blocks = [playing(30_000, 120.0, 0.0, None)];
    let out = run_engine(48_000.0, &blocks, &pattern, &performance);
    assert_eq!(
        out[0],
        vec![
            on(0, 0, 60, 90),
            off(6_000, 0, 60),
            on(6_000, 1, 60, 80),
            off(9_000, 1, 60),
            on(24_000, 0, 60, 90),
        ]
    );
    check_script(48_000.0, &blocks, &pattern, &performance).unwrap();
}

/// 3 against 4: track A (key 36) is 3 sixteenths long with its first step on, track B (key 38)
/// 4 sixteenths with its first step on. Over 12 steps (3 beats) A plays steps 0, 3, 6, 9 and B
/// plays 0, 4, 8, whatever the block size; a seek into the middle keeps the phase of each track
/// from the song position.
#[test]
fn polymeter_three_against_four_follows_the_song_position() {
    let mut pattern = PatternSnapshot::default();
    pattern.tracks[0] = TrackPattern::empty(36);
    pattern.tracks[0].length = 3;
    pattern.tracks[0].steps[0] = Step::hit(100);
    pattern.tracks[1] = TrackPattern::empty(38);
    pattern.tracks[1].length = 4;
    pattern.tracks[1].steps[0] = Step::hit(100);
    let performance = Performance::default();
    let ons = |blocks: &[Block]| -> Vec<(u8, usize)> {
        let out = run_engine(48_000.0, blocks, &pattern, &performance);
        let mut start = 0;
        let mut ons = Vec::new();
        for (block, events) in blocks.iter().zip(out) {
            for event in events.iter().filter(|e| e.kind != Kind::Off) {
                ons.push((event.track, start + event.offset as usize));
            }
            start += block.len;
        }
        ons
    };
    // 3 beats = 72 000 samples at 120 BPM and 48 kHz; 6 000 samples a step.
    for len in [512, 1_000, 4_096, 6_000, 7_919, 8_192] {
        let blocks: Vec<Block> = (0..72_000usize.div_ceil(len))
            .map(|i| playing(len, 120.0, (i * len) as f64 / 24_000.0, None))
            .collect();
        let got = ons(&blocks);
        let got: Vec<_> = got.into_iter().filter(|&(_, at)| at < 72_000).collect();
        let expected = vec![
            (0, 0),
            (1, 0),
            (0, 18_000),
            (1, 24_000),
            (0, 36_000),
            (1, 48_000),
            (0, 54_000),
        ];
        assert_eq!(got, expected, "blocks of {len}");
        check_script(48_000.0, &blocks, &pattern, &performance).unwrap();
    }
    // Start at step 5 (beat 1.25): A next plays step 6 (beat 1.5), B step 8 (beat 2), A step 9.
    let blocks: Vec<Block> = (0..4)
        .map(|i| playing(8_000, 120.0, 1.25 + f64::from(i) / 3.0, None))
        .collect();
    assert_eq!(ons(&blocks), vec![(0, 6_000), (1, 18_000), (0, 24_000)]);
}

/// Pre-roll is silent; the step at beat 0 lands exactly one beat after a start at beat −1, and
/// a seek that lands exactly on a step plays it at offset 0.
#[test]
fn pre_roll_is_silent_and_a_seek_onto_a_step_plays_it_at_once() {
    let pattern = one_track(4, &[0, 1, 2, 3]);
    let performance = Performance::default();
    let blocks = [
        playing(8_192, 120.0, -1.0, None),
        playing(8_192, 120.0, -1.0 + 8_192.0 / 24_000.0, None),
        playing(8_192, 120.0, -1.0 + 16_384.0 / 24_000.0, None),
        playing(100, 120.0, 7.75, None),
    ];
    let out = run_engine(48_000.0, &blocks, &pattern, &performance);
    assert!(out[0].is_empty() && out[1].is_empty());
    assert_eq!(out[2], vec![on(24_000 - 16_384, 0, 60, 100)]);
    assert_eq!(out[3], vec![off(0, 0, 60), on(0, 0, 60, 100)]);
    check_script(48_000.0, &blocks, &pattern, &performance).unwrap();
}

/// Offs before ons also for retriggers: when a note-on retriggers a sounding key, its note-off
/// must not come after the ons of other keys on the same sample. At beat 0.25 (sample 6 000)
/// track 0 starts key 60 and track 2 retriggers key 62, held by track 1 since beat 0: the off of
/// key 62 comes before both ons.
#[test]
fn retrigger_offs_come_before_every_on_of_the_sample() {
    let mut pattern = one_track(4, &[1]);
    pattern.tracks[1] = TrackPattern::empty(62);
    pattern.tracks[1].rate = StepRate::parse("1/4").unwrap();
    pattern.tracks[1].length = 1;
    pattern.tracks[1].steps[0] = Step::hit(90);
    pattern.tracks[2] = TrackPattern::empty(62);
    pattern.tracks[2].length = 4;
    pattern.tracks[2].steps[1] = Step::hit(80);
    let blocks = [playing(7_000, 120.0, 0.0, None)];
    let out = run_engine(48_000.0, &blocks, &pattern, &with_gate(1.0));
    assert_eq!(
        out[0],
        vec![
            on(0, 1, 62, 90),
            off(6_000, 1, 62),
            on(6_000, 0, 60, 100),
            on(6_000, 2, 62, 80),
        ]
    );
}

/// Offs before ons also across the engine's scan slices: it scans a block 1/32 beat at a time,
/// and at 44.1 kHz and 120 BPM that is 689.0625 samples, so a slice can end inside a sample. Here
/// the block starts 688.03 samples before beat 0.25: track 0's note-on at beat 0.25 (688.03
/// samples in) falls in the first slice, which ends 688.0625 samples in, and track 1's note-off at
/// 688.5 samples in falls in the second. Both land on sample 689; the off comes first.
#[test]
fn offs_come_first_on_a_sample_split_between_scan_slices() {
    let b0 = 0.25 - 688.03 / 22_050.0;
    // Track 0: thirty-second notes (1/8 beat), step 2 at beat 0.25. Track 1: sixty-fourth
    // triplets (1/24 beat), step 5 nudged 30 % to beat 5.3/24, 45 samples into the block, its
    // gate reaching 688.5 samples into the block.
    let mut pattern = PatternSnapshot::default();
    pattern.tracks[0] = TrackPattern::empty(60);
    pattern.tracks[0].rate = StepRate::parse("1/32").unwrap();
    pattern.tracks[0].length = 4;
    pattern.tracks[0].steps[2] = Step::hit(100);
    pattern.tracks[1] = TrackPattern::empty(62);
    pattern.tracks[1].rate = StepRate::parse("1/64t").unwrap();
    pattern.tracks[1].length = 6;
    pattern.tracks[1].steps[5] = Step {
        nudge: 30,
        ..Step::hit(90)
    };
    let mut performance = Performance::default();
    performance.tracks[1].gate = (b0 + 688.5 / 22_050.0 - 5.3 / 24.0) * 24.0;
    let blocks = [playing(1_000, 120.0, b0, None)];
    let out = run_engine(44_100.0, &blocks, &pattern, &performance);
    assert_eq!(
        out[0],
        vec![on(45, 1, 62, 90), off(689, 1, 62), on(689, 0, 60, 100)]
    );
}

/// A loop whose start is far below the position (here −1e15 beats, where adjacent floats are
/// 1/8 beat apart) must not stop the 1/32-beat scan from advancing after the wrap, or `process`
/// never returns. The engine runs on a watchdog thread so the test fails instead of hanging.
#[test]
fn a_loop_start_far_below_the_position_does_not_hang() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let pattern = one_track(4, &[0, 1, 2, 3]);
        let mut engine = Engine::new(48_000.0);
        let transport = BlockTransport {
            playing: true,
            tempo: Some(120.0),
            pos_beats: Some(0.5),
            loop_beats: Some((-1e15, 1.0)),
            bars: None,
        };
        let mut events = Vec::new();
        let performance = Performance::default();
        engine.process(24_000, &transport, &pattern, &performance, &mut |e| {
            events.push(Ev::from(e))
        });
        let _ = done.send(events);
    });
    let events = finished
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("Engine::process did not return within 20 s");
    check_block_order(0, 24_000, &events).unwrap();
}

/// Two tracks on the same channel and key hit the same sample: MIDI can hold the key once, so
/// the hits make a single note (never On, Off, On at one offset, a zero-length note that a host
/// putting offs first would leave hanging).
#[test]
fn coincident_hits_of_one_key_make_one_note() {
    let mut pattern = one_track(4, &[0]);
    pattern.tracks[1] = pattern.tracks[0];
    let blocks = [playing(1_000, 120.0, 0.0, None)];
    let out = run_engine(48_000.0, &blocks, &pattern, &Performance::default());
    assert_eq!(
        out[0].iter().filter(|e| e.kind != Kind::Off).count(),
        1,
        "{:?}",
        out[0]
    );
    assert!(out[0].iter().all(|e| e.kind != Kind::Off), "{:?}", out[0]);
}

#[test]
fn a_step_with_its_own_note_plays_that_note() {
    // 120 BPM at 48 kHz: a sixteenth is 6,000 samples. Step 1 plays key 67 instead of 60, and
    // step 2 plays key 67 again with a full gate: the retrigger ends the first 67 first.
    let mut pattern = one_track(4, &[0, 1, 2]);
    pattern.tracks[0].steps[1].note = Some(67);
    pattern.tracks[0].steps[2].note = Some(67);
    let blocks = [playing(18_000, 120.0, 0.0, None)];
    let out = run_engine(48_000.0, &blocks, &pattern, &with_gate(1.0));
    assert_eq!(
        out[0],
        vec![
            on(0, 0, 60, 100),
            off(6_000, 0, 60),
            on(6_000, 0, 67, 100),
            off(12_000, 0, 67),
            on(12_000, 0, 67, 100),
        ]
    );
}
