//! The real `ChronusSeq::process` under VST3 with transports shaped the way Ardour 7 and
//! nice-plug's VST3 wrapper make them: an exact sample position (`projectTimeSamples`) beside a
//! musical position and loop points rounded to 1/1920 of a quarter note, 512-sample cycles split
//! at the loop end (the cycle goes on at the loop start), and cycles split again by the framework
//! for sample-accurate automation (each piece's sample position moved on exactly, its beat moved
//! on from the rounded one). At 90, 120 and 137 BPM, from the start, from an odd sample, in a
//! one-bar loop and in odd loops, every note-on of a sixteenth-note track lands on the first
//! sample at or after its beat, and every event equals the one the same run with exact beats
//! plays. The same rounded run taken at face value puts notes off their samples, so the test
//! sees the difference.

mod support;

use chronus_seq::document::PatternDoc;
use chronus_seq::engine::pattern::{RateFeel, Step, StepRate};
use chronus_seq::ChronusSeq;
use nice_plug::prelude::*;
use support::{activate, TestProcessContext};

const RATE: f64 = 48_000.0;
const CYCLE: usize = 512;
/// Ardour's tick: 1/1920 of a quarter note.
const TICK: f64 = 1.0 / 1920.0;
/// Kick on every sixteenth (the one checked against the timing rule).
const KICK: u8 = 36;

/// One call of `process`: where the piece sits in the output and what the transport says.
#[derive(Debug, Clone, Copy)]
struct Piece {
    /// Output sample of the piece's first sample (counts every sample played, loops included).
    output: u64,
    /// Song position of the first sample, in samples (the host's exact clock).
    song: i64,
    /// Samples in the piece.
    len: usize,
    /// Offset of the piece in its host cycle.
    in_cycle: usize,
    /// Song position of the host call the piece is from (a cycle, or its rest after a wrap).
    part_song: i64,
    /// Offset of the piece in that host call (the framework's automation split).
    in_part: usize,
}

/// How the musical values reach the plugin.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// VST3 the Ardour way: beats and loop points rounded to the tick grid.
    ArdourVst3,
    /// The same rounded values taken at face value (a CLAP host passing them).
    RoundedAsClap,
    /// Exact beats and loop points (the reference).
    Exact,
}

/// A run of Ardour cycles.
#[derive(Debug, Clone, Copy)]
struct Scenario {
    tempo: f64,
    start: i64,
    /// Loop `[start, end)` in samples.
    loop_samples: Option<(i64, i64)>,
    cycles: usize,
    /// A change to another tempo at a sample (on a cycle boundary).
    change: Option<(i64, f64)>,
}

impl Scenario {
    /// The tempo in force at `sample`.
    fn tempo_at(&self, sample: i64) -> f64 {
        match self.change {
            Some((at, tempo)) if sample >= at => tempo,
            _ => self.tempo,
        }
    }

    /// The exact beat of `sample`.
    fn beat_at(&self, sample: i64) -> f64 {
        match self.change {
            Some((at, tempo)) if sample >= at => {
                at as f64 * beats_per_sample(self.tempo)
                    + (sample - at) as f64 * beats_per_sample(tempo)
            }
            _ => sample as f64 * beats_per_sample(self.tempo),
        }
    }

    /// The first sample at or after `beat`: `ceil((beat − 1e-9) · samples per beat)` from the
    /// start of the tempo in force there.
    fn sample_of(&self, beat: f64) -> i64 {
        let (from_sample, from_beat, tempo) = match self.change {
            Some((at, tempo)) if beat >= self.beat_at(at) => (at, self.beat_at(at), tempo),
            _ => (0, 0.0, self.tempo),
        };
        from_sample + ((beat - from_beat - 1e-9) / beats_per_sample(tempo)).ceil() as i64
    }
}

/// An output note event: output sample, key, note-on.
type Event = (u64, u8, bool);

fn beats_per_sample(tempo: f64) -> f64 {
    tempo / 60.0 / RATE
}

/// Ardour's musical position of a sample: the exact beat rounded to the nearest tick.
fn rounded(beat: f64) -> f64 {
    (beat / TICK).round() * TICK
}

/// The pieces Ardour and the framework make: cycles of 512 samples, split at the loop end (the
/// rest of the cycle starts at the loop start) and, in two of every three cycles, split once more
/// for an automation point somewhere inside.
fn pieces(scenario: &Scenario) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut song = scenario.start;
    let mut output = 0_u64;
    for cycle in 0..scenario.cycles {
        // Host parts of this cycle: (song start, length, offset in the cycle).
        let mut parts = Vec::new();
        let mut in_cycle = 0;
        while in_cycle < CYCLE {
            let mut len = CYCLE - in_cycle;
            if let Some((loop_start, loop_end)) = scenario.loop_samples {
                if song < loop_end && song + len as i64 > loop_end {
                    len = (loop_end - song) as usize;
                }
                parts.push((song, len, in_cycle));
                song += len as i64;
                if song == loop_end {
                    song = loop_start;
                }
            } else {
                parts.push((song, len, in_cycle));
                song += len as i64;
            }
            in_cycle += len;
        }
        let split = (cycle % 3 != 0).then_some((cycle * 37) % (CYCLE - 1) + 1);
        for (part_song, len, offset) in parts {
            let mut cuts = vec![0, len];
            if let Some(at) = split.filter(|at| *at > offset && *at < offset + len) {
                cuts.insert(1, at - offset);
            }
            for pair in cuts.windows(2) {
                pieces.push(Piece {
                    output: output + (offset + pair[0]) as u64,
                    song: part_song + pair[0] as i64,
                    len: pair[1] - pair[0],
                    in_cycle: offset + pair[0],
                    part_song,
                    in_part: pair[0],
                });
            }
        }
        output += CYCLE as u64;
    }
    pieces
}

/// Sixteenths on the kick with a half gate, triplet eighths on the snare, nudged hats.
fn pattern() -> PatternDoc {
    let mut doc = PatternDoc::empty();
    doc.tracks[0].pattern.note = KICK;
    doc.tracks[0].pattern.steps = [Step::hit(100); 64];
    doc.tracks[1].pattern.rate = StepRate {
        division: 8,
        feel: RateFeel::Triplet,
    };
    doc.tracks[1].pattern.length = 12;
    doc.tracks[1].pattern.steps = [Step::hit(90); 64];
    doc.tracks[2].pattern.steps = [Step {
        nudge: 13,
        ..Step::hit(80)
    }; 64];
    doc
}

/// Plays `scenario` through the real `process()` with the transport in `shape`.
fn play(scenario: &Scenario, shape: Shape) -> Vec<Event> {
    let mut plugin = ChronusSeq::default();
    assert!(activate(&mut plugin, RATE as f32, CYCLE as u32));
    let doc = pattern();
    plugin
        .pattern_store()
        .edit_slot(0, |slot| *slot = doc.clone());
    let mut left = vec![0.0f32; CYCLE];
    let mut right = vec![0.0f32; CYCLE];
    let mut aux = AuxiliaryBuffers {
        inputs: &mut [],
        outputs: &mut [],
    };
    let mut context = TestProcessContext::new(RATE as f32, 1024);
    context.api = match shape {
        Shape::ArdourVst3 => PluginApi::Vst3,
        Shape::RoundedAsClap | Shape::Exact => PluginApi::Clap,
    };
    let mut events = Vec::new();
    for piece in pieces(scenario) {
        // The host reports once per call, at the tempo of the call's first sample; the framework
        // moves a piece's beat on from it.
        let tempo = scenario.tempo_at(piece.part_song);
        let bps = beats_per_sample(tempo);
        let host_beat = match shape {
            Shape::Exact => scenario.beat_at(piece.song),
            Shape::ArdourVst3 | Shape::RoundedAsClap => {
                rounded(scenario.beat_at(piece.part_song)) + piece.in_part as f64 * bps
            }
        };
        let loop_beats = scenario.loop_samples.map(|(start, end)| {
            let (start, end) = (scenario.beat_at(start), scenario.beat_at(end));
            match shape {
                Shape::Exact => (start, end),
                _ => (rounded(start), rounded(end)),
            }
        });
        context.events.clear();
        context.transport = Transport::new(RATE as f32);
        context.transport.playing = true;
        context.transport.tempo = Some(tempo);
        context.transport.pos_samples = Some(piece.song);
        context.transport.pos_beats = Some(host_beat);
        context.transport.loop_range_beats = loop_beats;
        let range = piece.in_cycle..piece.in_cycle + piece.len;
        let mut buffer = Buffer::default();
        // SAFETY: both slices live until after `process` returns and have `piece.len` samples.
        unsafe {
            buffer.set_slices(piece.len, |slices| {
                slices.clear();
                slices.push(&mut left[range.clone()]);
                slices.push(&mut right[range.clone()]);
            });
        }
        plugin.process(&mut buffer, &mut aux, &mut context);
        for event in &context.events {
            let at = piece.output + u64::from(event.timing());
            match event {
                NoteEvent::NoteOn { key, .. } => events.push((at, key.number().unwrap(), true)),
                NoteEvent::NoteOff { key, .. } => events.push((at, key.number().unwrap(), false)),
                other => panic!("unexpected event {other:?}"),
            }
        }
    }
    events
}

/// The output samples the timing rule puts the kick's note-ons on: each sixteenth at beat `t`
/// lands on the first sample at or after it, `ceil((t − 1e-9) · samples per beat)`, in whichever
/// piece holds that song sample.
fn expected_kicks(scenario: &Scenario) -> Vec<u64> {
    let mut kicks = Vec::new();
    for piece in pieces(scenario) {
        let first = scenario.beat_at(piece.song);
        let mut step = (first / 0.25).floor() as i64 - 1;
        loop {
            let beat = step as f64 * 0.25;
            let sample = scenario.sample_of(beat);
            if sample >= piece.song + piece.len as i64 {
                break;
            }
            if sample >= piece.song && beat >= 0.0 {
                kicks.push(piece.output + (sample - piece.song) as u64);
            }
            step += 1;
        }
    }
    kicks
}

fn kicks(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .filter(|(_, key, on)| *key == KICK && *on)
        .map(|(at, _, _)| *at)
        .collect()
}

fn check(scenario: Scenario) {
    let ardour = play(&scenario, Shape::ArdourVst3);
    let expected = expected_kicks(&scenario);
    assert!(expected.len() > 50, "{scenario:?}: too few steps to check");
    assert_eq!(
        kicks(&ardour),
        expected,
        "{scenario:?}: kicks off their samples"
    );
    let exact = play(&scenario, Shape::Exact);
    assert_eq!(
        ardour, exact,
        "{scenario:?}: events differ from the exact run"
    );
    let ons = ardour.iter().filter(|(_, _, on)| *on).count();
    let offs = ardour.len() - ons;
    assert!(
        ons > 100 && offs + 16 >= ons,
        "{scenario:?}: {ons} ons, {offs} offs"
    );
    // The rounded values taken at face value miss samples: the comparison above can fail.
    let naive = play(&scenario, Shape::RoundedAsClap);
    assert_ne!(
        kicks(&naive),
        expected,
        "{scenario:?}: rounding should show"
    );
}

const TEMPOS: [f64; 3] = [90.0, 120.0, 137.0];

#[test]
fn from_the_song_start_every_note_is_on_its_sample() {
    for tempo in TEMPOS {
        check(Scenario {
            tempo,
            start: 0,
            loop_samples: None,
            cycles: 1_500,
            change: None,
        });
    }
}

#[test]
fn from_an_odd_sample_every_note_is_on_its_sample() {
    for tempo in TEMPOS {
        check(Scenario {
            tempo,
            start: 12_345,
            loop_samples: None,
            cycles: 1_500,
            change: None,
        });
    }
}

#[test]
fn a_one_bar_loop_plays_every_note_of_every_pass_on_its_sample() {
    for tempo in TEMPOS {
        let bar = (4.0 / beats_per_sample(tempo)).round() as i64;
        check(Scenario {
            tempo,
            start: 0,
            loop_samples: Some((0, bar)),
            cycles: 4 * bar as usize / CYCLE + 7,
            change: None,
        });
    }
}

#[test]
fn odd_loops_play_every_note_of_every_pass_on_its_sample() {
    for tempo in TEMPOS {
        for loop_samples in [(24_000, 61_500), (24_003, 61_507)] {
            check(Scenario {
                tempo,
                start: 0,
                loop_samples: Some(loop_samples),
                cycles: 1_200,
                change: None,
            });
        }
    }
}

/// After a tempo change the line through sample 0 no longer fits and the host's rounded beat
/// starts an estimated line: 120 BPM up to sample 390,144 (a cycle boundary, beat 16.256, 0.48
/// of a tick from the nearest tick, so the estimate starts 5 samples off at 137 BPM), then 137 or
/// 90 BPM. No kick is lost or doubled, every kick is within the host's rounding (half a tick) of
/// its sample, and once the estimate has converged (400 cycles) every kick is on its sample.
#[test]
fn after_a_tempo_change_notes_converge_on_their_samples() {
    for new_tempo in [137.0, 90.0] {
        let change = 390_144;
        let scenario = Scenario {
            tempo: 120.0,
            start: 0,
            loop_samples: None,
            cycles: 3_000,
            change: Some((change, new_tempo)),
        };
        let expected = expected_kicks(&scenario);
        let got = kicks(&play(&scenario, Shape::ArdourVst3));
        assert_eq!(
            got.len(),
            expected.len(),
            "{scenario:?}: kicks lost or doubled"
        );
        let half_tick = 0.5 * TICK / beats_per_sample(new_tempo);
        let converged_from = change as u64 + 400 * CYCLE as u64;
        for (got, expected) in got.iter().zip(&expected) {
            let error = *got as i64 - *expected as i64;
            if *expected < change as u64 {
                assert_eq!(error, 0, "{scenario:?}: before the change at {expected}");
            } else if *expected < converged_from {
                assert!(
                    error.abs() as f64 <= half_tick.ceil(),
                    "{scenario:?}: {error} at {expected}"
                );
            } else {
                assert_eq!(error, 0, "{scenario:?}: at {expected} after converging");
            }
        }
        assert!(
            got.iter().any(|kick| *kick >= converged_from),
            "{scenario:?}: too short"
        );
    }
}
