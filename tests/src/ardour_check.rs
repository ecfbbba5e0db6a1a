//! What the plugin should have played in Ardour, and the checks of what it did play.
//!
//! Ardour runs a track's plugins ahead of its transport by the route's latency `L` (logged by
//! `session.lua`): the plugin's position (VST3 `projectTimeSamples`, Ardour's "route position")
//! is the transport position plus `L`, mapped into the loop range while a loop plays, and during
//! the latency pre-roll after a start the transport stands still while the route already runs.
//! [`plugin_timeline`] rebuilds the plugin's position for every logged call: anchored on calls
//! where the transport runs normally (`route = transport + L`), carried to the other calls of the
//! same rolling stretch by contiguity (a call starts where the previous one ended, wrapping at the
//! loop end), and checked against every other such anchor.
//!
//! The expected notes then follow from the timing rule on the plugin's positions
//! ([`crate::timing`], via [`Stretch`]): in a [`Piece`] of contiguous positions, the event at
//! beat `t` lands on the first sample at or after it, and every note still sounding when a piece
//! ends (stop, loop wrap, seek) ends on the piece's last sample + 1.

use crate::ardour::{LoggedCase, LoggedMidi, CYCLE, SAMPLE_RATE};
use crate::events::NoteKind;
use crate::expect::{
    compare_note_lists, pattern_hits, ExpectedNote, Stretch, TrackSpec, DEFAULT_GATE_FRACTION,
    DEFAULT_STEP_BEATS,
};
use crate::timing::samples_per_beat;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Velocity of the note-offs Ardour itself sends at a stop for keys it saw start (the plugin's
/// note-offs have velocity 0).
pub const ARDOUR_STOP_NOTE_OFF_VELOCITY: u8 = 64;

/// How a [`Piece`] ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceEnd {
    /// The loop wrapped: the next piece starts at the loop start on the next sample.
    LoopWrap,
    /// The transport stopped: the next call is a stopped one.
    Stop,
    /// The next call plays from elsewhere.
    Seek,
    /// The log ended while rolling.
    EndOfLog,
}

/// A stretch of consecutive samples on which the plugin's position runs on without a jump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// Run sample (engine clock) of the first sample.
    pub run_start: u64,
    /// Plugin position of the first sample.
    pub position: i64,
    /// Length in samples.
    pub length: u64,
    /// What happens after it.
    pub end: PieceEnd,
}

impl Piece {
    /// One past the last run sample.
    pub fn run_end(&self) -> u64 {
        self.run_start + self.length
    }

    /// The run sample of plugin position `position` (inside the piece).
    pub fn run_at(&self, position: i64) -> u64 {
        (self.run_start as i64 + (position - self.position)) as u64
    }

    /// Whether plugin position `position` lies in the piece.
    pub fn contains(&self, position: i64) -> bool {
        position >= self.position && position < self.position + self.length as i64
    }
}

/// The plugin's positions in one logged case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The rolling stretches, in order.
    pub pieces: Vec<Piece>,
    /// Plugin position of every logged call's first sample (`None` for stopped calls).
    pub call_positions: Vec<Option<i64>>,
}

impl Timeline {
    /// Whether some call starts exactly at plugin position `position`: a cycle start as the
    /// plugin sees it (Lua processors are split only at the loop end, so outside a wrap every
    /// call of the logger is one of Ardour's cycles).
    pub fn is_call_start(&self, position: i64) -> bool {
        self.call_positions.contains(&Some(position))
    }
}

/// Rebuilds the plugin's position of every rolling call of `case` (see the module docs).
/// `loop_range` is the loop in plugin positions while the case plays a loop.
pub fn plugin_timeline(
    case: &LoggedCase,
    loop_range: Option<(i64, i64)>,
) -> Result<Timeline, String> {
    let calls = &case.cycles;
    let latency = case.latency;
    let map_loop = |position: i64| match loop_range {
        Some((start, end)) if position >= end => start + (position - start) % (end - start),
        _ => position,
    };
    let mut positions: Vec<Option<i64>> = vec![None; calls.len()];
    let mut index = 0;
    while index < calls.len() {
        if !calls[index].rolling {
            index += 1;
            continue;
        }
        let first = index;
        while index < calls.len() && calls[index].rolling {
            index += 1;
        }
        let segment = first..index;
        // An anchor: a whole cycle after which the transport moved on by exactly its length.
        let is_anchor = |i: usize| {
            calls[i].length == CYCLE
                && i + 1 < segment.end
                && calls[i + 1].transport == calls[i].transport + i64::from(CYCLE)
        };
        let Some(anchor) = segment.clone().find(|&i| is_anchor(i)) else {
            return Err(format!(
                "case {}: the rolling calls {first}..{index} have no cycle where the transport \
                 runs on normally",
                case.name
            ));
        };
        positions[anchor] = Some(map_loop(calls[anchor].transport + latency));
        for i in (first..anchor).rev() {
            positions[i] = positions[i + 1].map(|p| p - i64::from(calls[i].length));
        }
        for i in anchor + 1..index {
            let previous = positions[i - 1].unwrap_or_default() + i64::from(calls[i - 1].length);
            let position = match loop_range {
                Some((start, end)) if previous == end => start,
                Some((_, end)) if previous > end => {
                    return Err(format!(
                        "case {}: call {} runs over the loop end ({previous} > {end}) without \
                         a split",
                        case.name,
                        i - 1
                    ))
                }
                _ => previous,
            };
            positions[i] = Some(position);
        }
        for i in segment.clone().filter(|&i| is_anchor(i)) {
            let anchored = map_loop(calls[i].transport + latency);
            if positions[i] != Some(anchored) {
                return Err(format!(
                    "case {}: call {i} (transport {}) should be at plugin position {anchored} \
                     (latency {latency}), the calls before it put it at {:?}",
                    case.name, calls[i].transport, positions[i]
                ));
            }
        }
    }

    let mut pieces: Vec<Piece> = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        let Some(position) = positions[i] else {
            continue;
        };
        let continues = pieces.last().is_some_and(|piece| {
            piece.run_end() == call.run_sample && piece.position + piece.length as i64 == position
        });
        if continues {
            if let Some(piece) = pieces.last_mut() {
                piece.length += u64::from(call.length);
            }
        } else {
            pieces.push(Piece {
                run_start: call.run_sample,
                position,
                length: u64::from(call.length),
                end: PieceEnd::EndOfLog,
            });
        }
        let next = calls.get(i + 1);
        let end = match next {
            None => Some(PieceEnd::EndOfLog),
            Some(next) if !next.rolling => Some(PieceEnd::Stop),
            Some(_) => match positions[i + 1] {
                Some(next_position) if next_position == position + i64::from(call.length) => None,
                Some(next_position)
                    if loop_range.is_some_and(|(start, end)| {
                        next_position == start && position + i64::from(call.length) == end
                    }) =>
                {
                    Some(PieceEnd::LoopWrap)
                }
                _ => Some(PieceEnd::Seek),
            },
        };
        if let (Some(end), Some(piece)) = (end, pieces.last_mut()) {
            piece.end = end;
        }
    }
    // A piece is closed by its end; an open one (None above) continues into the next call.
    Ok(Timeline {
        pieces,
        call_positions: positions,
    })
}

/// Discrete automation of a toggle, in plugin positions: the value of the last point at or
/// before a position (off before the first point).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Toggle {
    /// (plugin position, on), sorted by position.
    pub points: Vec<(i64, bool)>,
}

impl Toggle {
    /// Always off.
    pub fn off() -> Self {
        Self::default()
    }

    /// Always on.
    pub fn on() -> Self {
        Self {
            points: vec![(i64::MIN, true)],
        }
    }

    /// The value at `position`.
    pub fn at(&self, position: i64) -> bool {
        self.points
            .iter()
            .rev()
            .find(|(p, _)| *p <= position)
            .is_some_and(|(_, on)| *on)
    }

    /// The first position in `(after, before)` where the value turns on, if any.
    pub fn first_on_between(&self, after: i64, before: i64) -> Option<i64> {
        self.points
            .iter()
            .find(|(p, on)| *on && *p > after && *p < before)
            .map(|(p, _)| *p)
    }
}

/// What plays in a case: the pattern, the tempo and each track's mute.
#[derive(Debug, Clone, PartialEq)]
pub struct Music<'a> {
    /// The pattern's tracks.
    pub tracks: &'a [TrackSpec],
    /// Tempo in BPM (constant from position 0).
    pub tempo: f64,
    /// Mute of each track (missing = never muted).
    pub mutes: Vec<Toggle>,
}

impl Music<'_> {
    fn muted(&self, track: usize) -> &Toggle {
        static OFF: Toggle = Toggle { points: Vec::new() };
        self.mutes.get(track).unwrap_or(&OFF)
    }
}

/// The notes the plugin should play on `timeline`, in run samples: the timing rule in every
/// piece, muted tracks silent (a track muted while its note sounds ends it on the mute's first
/// sample), and every note still sounding at the end of a piece ended on the sample after it.
/// Pre-roll (negative positions) is silent.
pub fn expected_notes(timeline: &Timeline, music: &Music) -> Vec<ExpectedNote> {
    let spb = samples_per_beat(music.tempo, SAMPLE_RATE);
    let gate_beats = DEFAULT_STEP_BEATS * DEFAULT_GATE_FRACTION;
    let mut notes = Vec::new();
    for piece in &timeline.pieces {
        let piece_end = piece.position + piece.length as i64;
        let stretch = Stretch {
            sample_rate: SAMPLE_RATE,
            tempo: music.tempo,
            ref_sample: piece.run_start,
            ref_beat: piece.position as f64 / spb,
            from_beat: (piece.position as f64 / spb).max(0.0),
            to_beat: piece_end as f64 / spb,
        };
        let hits = pattern_hits(
            music.tracks,
            DEFAULT_STEP_BEATS,
            stretch.from_beat,
            stretch.to_beat,
        );
        for hit in hits {
            let track = music
                .tracks
                .iter()
                .position(|t| t.key == hit.key && t.channel == hit.channel)
                .unwrap_or(0);
            let on = stretch.sample_at(hit.beat);
            let on_position = piece.position + (on - piece.run_start) as i64;
            if music.muted(track).at(on_position) {
                continue;
            }
            notes.push(ExpectedNote {
                sample: on,
                kind: NoteKind::On,
                channel: hit.channel,
                key: hit.key,
                velocity: Some(hit.velocity),
            });
            let natural_off = hit.beat + gate_beats;
            let mut off = if natural_off < stretch.to_beat {
                stretch.sample_at(natural_off)
            } else {
                piece.run_end()
            };
            let off_position = piece.position + (off - piece.run_start) as i64;
            if let Some(mute) = music
                .muted(track)
                .first_on_between(on_position, off_position)
            {
                off = piece.run_at(mute);
            }
            notes.push(ExpectedNote {
                sample: off,
                kind: NoteKind::Off,
                channel: hit.channel,
                key: hit.key,
                velocity: None,
            });
        }
    }
    notes
}

/// The plugin's note events of a case (Ardour's own velocity-64 note-offs at a stop left out),
/// each with a description of its call for reports.
pub fn plugin_notes(case: &LoggedCase) -> Vec<(ExpectedNote, String)> {
    case.midi
        .iter()
        .filter(|event| !is_ardour_stop_note_off(case, event))
        .filter_map(|event| {
            let kind = if event.is_note_on() {
                NoteKind::On
            } else if event.is_note_off() {
                NoteKind::Off
            } else {
                return None;
            };
            let call = &case.cycles[event.cycle];
            Some((
                ExpectedNote {
                    sample: case.run_sample(event),
                    kind,
                    channel: i16::from(event.channel()),
                    key: i16::from(event.data1),
                    velocity: (kind == NoteKind::On).then_some(event.data2),
                },
                format!(
                    "call {} (transport {}, {} samples, {}), offset {}",
                    event.cycle,
                    call.transport,
                    call.length,
                    if call.rolling { "rolling" } else { "stopped" },
                    event.offset
                ),
            ))
        })
        .collect()
}

/// Whether `event` is one of Ardour's own note-offs at a stop: velocity 64, on the first sample
/// of a stopped call.
pub fn is_ardour_stop_note_off(case: &LoggedCase, event: &LoggedMidi) -> bool {
    event.status & 0xf0 == 0x80
        && event.data2 == ARDOUR_STOP_NOTE_OFF_VELOCITY
        && event.offset == 0
        && !case.cycles[event.cycle].rolling
}

/// How far the plugin's notes are from the expected ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Accuracy {
    /// Expected note events (ons and offs).
    pub expected: usize,
    /// Note events the plugin sent.
    pub actual: usize,
    /// Expected events paired with a sent one of the same kind, channel, key and velocity.
    pub paired: usize,
    /// Largest |sent − expected| over the pairs, in samples.
    pub max_error: u64,
    /// Sum of |sent − expected| over the pairs.
    pub total_error: u64,
}

impl Accuracy {
    /// Expected events with no sent partner, plus sent events with no expected one.
    pub fn unpaired(&self) -> usize {
        (self.expected - self.paired) + (self.actual - self.paired)
    }

    /// One line for reports.
    pub fn summary(&self) -> String {
        format!(
            "{} note events ({} expected), largest error {} samples, mean |error| {:.2}, {} unpaired",
            self.actual,
            self.expected,
            self.max_error,
            if self.paired == 0 {
                0.0
            } else {
                self.total_error as f64 / self.paired as f64
            },
            self.unpaired()
        )
    }
}

/// Pairs each expected event with the nearest sent event of the same kind, channel, key and
/// velocity (in order: the i-th expected with the i-th sent when both lists have the same
/// length, else greedily by distance) and measures the errors.
pub fn accuracy(expected: &[ExpectedNote], actual: &[(ExpectedNote, String)]) -> Accuracy {
    type Key = (NoteKind, i16, i16, Option<u8>);
    let mut wanted: BTreeMap<Key, Vec<u64>> = BTreeMap::new();
    let mut sent: BTreeMap<Key, Vec<u64>> = BTreeMap::new();
    for note in expected {
        wanted
            .entry((note.kind, note.channel, note.key, note.velocity))
            .or_default()
            .push(note.sample);
    }
    for (note, _) in actual {
        sent.entry((note.kind, note.channel, note.key, note.velocity))
            .or_default()
            .push(note.sample);
    }
    let mut result = Accuracy {
        expected: expected.len(),
        actual: actual.len(),
        ..Accuracy::default()
    };
    for (key, mut want) in wanted {
        let Some(mut got) = sent.remove(&key) else {
            continue;
        };
        want.sort_unstable();
        got.sort_unstable();
        let pairs: Vec<(u64, u64)> = if want.len() == got.len() {
            want.iter().copied().zip(got.iter().copied()).collect()
        } else {
            let mut pairs = Vec::new();
            for w in want {
                if let Some((index, _)) = got.iter().enumerate().min_by_key(|(_, g)| g.abs_diff(w))
                {
                    pairs.push((w, got.remove(index)));
                }
            }
            pairs
        };
        for (w, g) in pairs {
            result.paired += 1;
            let error = w.abs_diff(g);
            result.max_error = result.max_error.max(error);
            result.total_error += error;
        }
    }
    result
}

/// Checks that no note of the plugin is left sounding after a stop: after the events of the first
/// stopped call, every key the plugin started has had a note-off from the plugin itself (Ardour's
/// velocity-64 note-offs do not count). Also checks that Ardour's own note-offs come only at
/// stops, for keys that sounded, and that no key is started twice without a note-off between.
/// Returns the number of stops seen and of Ardour's note-offs.
pub fn check_no_hanging_notes(case: &LoggedCase) -> Result<(usize, usize), String> {
    let mut sounding: BTreeMap<(u8, u8), u32> = BTreeMap::new();
    let mut heard_by_ardour: BTreeMap<(u8, u8), u32> = BTreeMap::new();
    let mut problems = String::new();
    let mut stops = 0;
    let mut ardour_offs = 0;
    let mut events = case.midi.iter().peekable();
    for (index, call) in case.cycles.iter().enumerate() {
        while let Some(event) = events.next_if(|e| e.cycle == index) {
            let key = (event.channel(), event.data1);
            if is_ardour_stop_note_off(case, event) {
                ardour_offs += 1;
                if heard_by_ardour.get(&key).copied().unwrap_or(0) == 0 {
                    let _ = writeln!(
                        problems,
                        "  Ardour's note-off for key {} at run sample {} follows no note-on",
                        event.data1,
                        case.run_sample(event)
                    );
                }
            } else if event.is_note_on() {
                let count = sounding.entry(key).or_default();
                if *count > 0 {
                    let _ = writeln!(
                        problems,
                        "  key {} started again at run sample {} while sounding",
                        event.data1,
                        case.run_sample(event)
                    );
                }
                *count += 1;
                *heard_by_ardour.entry(key).or_default() += 1;
            } else if event.is_note_off() {
                let count = sounding.entry(key).or_default();
                if *count == 0 {
                    let _ = writeln!(
                        problems,
                        "  note-off for key {} at run sample {} follows no note-on",
                        event.data1,
                        case.run_sample(event)
                    );
                }
                *count = count.saturating_sub(1);
            } else if event.status & 0xf0 == 0x80 {
                let _ = writeln!(
                    problems,
                    "  a note-off with velocity {} for key {} at run sample {} (the plugin sends \
                     0, Ardour 64 at a stop)",
                    event.data2,
                    event.data1,
                    case.run_sample(event)
                );
            }
        }
        let first_stopped = !call.rolling && index > 0 && case.cycles[index - 1].rolling;
        if first_stopped {
            stops += 1;
            sounding.retain(|_, count| *count > 0);
            if !sounding.is_empty() {
                let _ = writeln!(
                    problems,
                    "  after the stop at run sample {}: still sounding (channel, key → count) {:?}",
                    call.run_sample, sounding
                );
            }
            sounding.clear();
            heard_by_ardour.clear();
        }
    }
    if problems.is_empty() {
        Ok((stops, ardour_offs))
    } else {
        Err(format!("case {}:\n{problems}", case.name))
    }
}

/// The keys sounding (plugin events only) just before the first stopped call of `case`: the
/// notes a stop cut short.
pub fn sounding_at_stop(case: &LoggedCase) -> Vec<u8> {
    let Some(stop) = case
        .cycles
        .iter()
        .enumerate()
        .position(|(i, c)| !c.rolling && i > 0 && case.cycles[i - 1].rolling)
    else {
        return Vec::new();
    };
    let mut sounding: BTreeMap<u8, i32> = BTreeMap::new();
    for event in case.midi.iter().filter(|e| e.cycle < stop) {
        if event.is_note_on() {
            *sounding.entry(event.data1).or_default() += 1;
        } else if event.is_note_off() {
            *sounding.entry(event.data1).or_default() -= 1;
        }
    }
    sounding
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(key, _)| key)
        .collect()
}

/// The whole check of one case: timeline, expected notes, exact comparison, hanging notes.
/// Returns the accuracy (also on failure, inside the error text) for the report.
pub fn check_case(
    case: &LoggedCase,
    loop_range: Option<(i64, i64)>,
    music: &Music,
) -> (Option<Accuracy>, Result<(), String>) {
    let timeline = match plugin_timeline(case, loop_range) {
        Ok(timeline) => timeline,
        Err(e) => return (None, Err(e)),
    };
    let expected = expected_notes(&timeline, music);
    let actual = plugin_notes(case);
    let measured = accuracy(&expected, &actual);
    let mut problems = String::new();
    if let Err(report) = compare_note_lists(&expected, &actual) {
        let _ = writeln!(problems, "notes not on their exact samples: {report}");
    }
    if let Err(report) = check_no_hanging_notes(case) {
        let _ = writeln!(problems, "{report}");
    }
    if expected.is_empty() {
        let _ = writeln!(
            problems,
            "nothing was expected to play: the case tests nothing"
        );
    }
    let result = if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Ardour case {} ({}): {}\n{problems}",
            case.name,
            measured.summary(),
            describe_pieces(&timeline)
        ))
    };
    (Some(measured), result)
}

fn describe_pieces(timeline: &Timeline) -> String {
    let parts: Vec<String> = timeline
        .pieces
        .iter()
        .map(|p| {
            format!(
                "run {}..{} = plugin {}..{} then {:?}",
                p.run_start,
                p.run_end(),
                p.position,
                p.position + p.length as i64,
                p.end
            )
        })
        .collect();
    format!("played {}", parts.join("; "))
}
