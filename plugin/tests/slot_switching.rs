//! Pattern slot switching in the engine: quantized to now, the next sixteenth or the next bar;
//! the old slot's notes end on the switch sample and the new slot's step on it plays once.
//! 48 kHz at 120 BPM: 24,000 samples per beat, blocks of 512 samples, so switch points fall in
//! the middle of blocks (beat 4 is sample 96,000 = block 187, offset 256).

use chronus_seq::engine::event::{NoteEvent, NoteKind};
use chronus_seq::engine::pattern::{PatternSnapshot, SongSnapshot, Step, TrackPattern};
use chronus_seq::engine::performance::Performance;
use chronus_seq::engine::slot_switch::{BarGrid, SlotQuantize};
use chronus_seq::engine::transport::BlockTransport;
use chronus_seq::engine::Engine;

const RATE: f64 = 48_000.0;
const BLOCK: usize = 512;
const SAMPLES_PER_BEAT: u64 = 24_000;

/// A note event at an absolute sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct At {
    sample: u64,
    key: u8,
    on: bool,
}

/// Slot 1: key 36 on every step with a full gate (so a note always sounds). Slot 2: key 60 on
/// steps 0, 4 and 12 of 16 (beats 0, 1 and 3 of every four). Other slots empty.
fn song() -> SongSnapshot {
    let mut first = PatternSnapshot::default();
    first.tracks[0] = TrackPattern {
        note: 36,
        ..TrackPattern::empty(36)
    };
    first.tracks[0].steps = [Step::hit(100); 64];
    let mut second = PatternSnapshot::default();
    second.tracks[1] = TrackPattern::empty(60);
    second.tracks[1].steps[0] = Step::hit(90);
    second.tracks[1].steps[4] = Step::hit(90);
    second.tracks[1].steps[12] = Step::hit(90);
    SongSnapshot::new([first, second])
}

fn performance(slot: u8, slot_quantize: SlotQuantize) -> Performance {
    let mut performance = Performance {
        slot,
        slot_quantize,
        ..Performance::default()
    };
    performance.tracks[0].gate = 1.0;
    performance
}

fn transport(sample: u64, bars: Option<BarGrid>) -> BlockTransport {
    BlockTransport {
        playing: true,
        tempo: Some(120.0),
        pos_beats: Some(sample as f64 / SAMPLES_PER_BEAT as f64),
        loop_beats: None,
        bars,
    }
}

/// Plays blocks from sample 0; from block `ask_at` on, slot 2 is asked for with `quantize`.
fn play(blocks: usize, ask_at: usize, quantize: SlotQuantize, bars: Option<BarGrid>) -> Vec<At> {
    let song = song();
    let mut engine = Engine::new(RATE);
    let mut events = Vec::new();
    for block in 0..blocks {
        let start = (block * BLOCK) as u64;
        let slot = u8::from(block >= ask_at);
        engine.process_song(
            BLOCK,
            &transport(start, bars),
            &song,
            &performance(slot, quantize),
            &mut |event: NoteEvent| {
                events.push(At {
                    sample: start + u64::from(event.offset),
                    key: event.key,
                    on: matches!(event.kind, NoteKind::On { .. }),
                })
            },
        );
    }
    events
}

fn last_of(events: &[At], key: u8) -> Option<At> {
    events.iter().rev().find(|e| e.key == key).copied()
}

fn ons(events: &[At], key: u8) -> Vec<u64> {
    events
        .iter()
        .filter(|e| e.key == key && e.on)
        .map(|e| e.sample)
        .collect()
}

#[test]
fn next_bar_waits_for_the_bar_line_and_plays_its_first_step_once() {
    // Asked for at beat 1.3 (block 60 starts at sample 30,720 = beat 1.28).
    let events = play(260, 60, SlotQuantize::NextBar, None);
    let switch = 4 * SAMPLES_PER_BEAT;
    let old_ons = ons(&events, 36);
    assert_eq!(
        old_ons.last(),
        Some(&(switch - 6_000)),
        "slot 1 plays to the bar"
    );
    assert_eq!(
        last_of(&events, 36),
        Some(At {
            sample: switch,
            key: 36,
            on: false
        }),
        "the old slot's note ends on the switch sample"
    );
    assert_eq!(ons(&events, 60), vec![switch, switch + SAMPLES_PER_BEAT]);
}

#[test]
fn next_step_switches_on_the_next_sixteenth() {
    // Block 60 starts at beat 1.28: the next sixteenth is beat 1.5 (sample 36,000).
    let events = play(260, 60, SlotQuantize::NextStep, None);
    let switch = 36_000;
    assert_eq!(ons(&events, 36).last(), Some(&(switch - 6_000)));
    assert_eq!(
        last_of(&events, 36).map(|e| (e.sample, e.on)),
        Some((switch, false))
    );
    assert_eq!(
        ons(&events, 60),
        vec![72_000, 96_000, 120_000],
        "beats 3, 4 and 5"
    );
}

#[test]
fn now_switches_on_the_first_sample_of_the_block_that_asks() {
    let events = play(260, 60, SlotQuantize::Now, None);
    let block_start = 60 * BLOCK as u64;
    assert_eq!(
        last_of(&events, 36).map(|e| (e.sample, e.on)),
        Some((block_start, false))
    );
    assert!(ons(&events, 36).iter().all(|&sample| sample < block_start));
    assert_eq!(ons(&events, 60), vec![72_000, 96_000, 120_000]);
}

#[test]
fn a_request_on_a_bar_line_plays_that_bar_from_the_new_slot() {
    // A block that starts exactly on beat 4: nothing of it has been played, so it switches there.
    let ask_at = (4 * SAMPLES_PER_BEAT) as usize / BLOCK;
    assert_eq!(ask_at * BLOCK, 96_000 - 256, "the block holding beat 4");
    let events = play(260, ask_at, SlotQuantize::NextBar, None);
    assert_eq!(ons(&events, 60), vec![96_000, 120_000]);
    assert!(
        !ons(&events, 36).contains(&96_000),
        "slot 1's step 16 does not play"
    );
}

#[test]
fn bars_follow_the_host_time_signature() {
    // 3/4 from the song start: the bar after beat 1.28 is beat 3, where slot 2 has a hit.
    let three_four = Some(BarGrid {
        origin_beat: 0.0,
        length_beats: 3.0,
    });
    let events = play(200, 60, SlotQuantize::NextBar, three_four);
    let switch = 3 * SAMPLES_PER_BEAT;
    assert_eq!(
        last_of(&events, 36).map(|e| (e.sample, e.on)),
        Some((switch, false))
    );
    assert_eq!(ons(&events, 60)[0], switch);
}

#[test]
fn with_the_transport_stopped_a_switch_happens_at_once() {
    let song = song();
    let mut engine = Engine::new(RATE);
    let stopped = BlockTransport {
        playing: false,
        ..transport(0, None)
    };
    let performance = performance(1, SlotQuantize::NextBar);
    engine.process_song(BLOCK, &stopped, &song, &performance, &mut |_| {});
    assert_eq!(engine.playing_slot(), 1);
    let mut events = Vec::new();
    engine.process_song(BLOCK, &transport(0, None), &song, &performance, &mut |e| {
        events.push(e)
    });
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].offset, events[0].key), (0, 60));
}

#[test]
fn a_loop_wrap_counts_as_a_bar_line() {
    // Loop from beat 1 to beat 3: bar line 4 is never reached, so the switch happens at the wrap.
    let song = song();
    let mut engine = Engine::new(RATE);
    let mut events = Vec::new();
    let mut position = SAMPLES_PER_BEAT; // beat 1
    for block in 0..200 {
        let pos_beats = position as f64 / SAMPLES_PER_BEAT as f64;
        let transport = BlockTransport {
            loop_beats: Some((1.0, 3.0)),
            ..transport(position, None)
        };
        let slot = u8::from(block >= 10);
        let performance = performance(slot, SlotQuantize::NextBar);
        engine.process_song(
            BLOCK,
            &transport,
            &song,
            &performance,
            &mut |e: NoteEvent| {
                events.push((
                    pos_beats,
                    e.offset,
                    e.key,
                    matches!(e.kind, NoteKind::On { .. }),
                ))
            },
        );
        position += BLOCK as u64;
        if position >= 3 * SAMPLES_PER_BEAT {
            position -= 2 * SAMPLES_PER_BEAT;
        }
    }
    let first_new = events.iter().position(|e| e.2 == 60).expect("slot 2 plays");
    // Slot 2 has a hit at beat 1 (step 4): the first thing after the wrap to beat 1.
    let (pos, offset, _, on) = events[first_new];
    assert!(on);
    let sample_in_song = pos * SAMPLES_PER_BEAT as f64 + f64::from(offset);
    assert!(
        (sample_in_song - 3.0 * SAMPLES_PER_BEAT as f64).abs() < 1.0,
        "the wrap sample, where the loop end (beat 3) would be: {sample_in_song}"
    );
    assert!(
        events[first_new..].iter().all(|e| e.2 != 36),
        "slot 1 is silent after the wrap"
    );
}

#[test]
fn slots_past_the_last_one_play_the_last_one() {
    let mut slots = vec![PatternSnapshot::default(); 16];
    slots[15].tracks[2].steps[0] = Step::hit(70);
    let song = SongSnapshot::new(slots);
    let mut engine = Engine::new(RATE);
    let mut keys = Vec::new();
    let performance = performance(200, SlotQuantize::Now);
    engine.process_song(BLOCK, &transport(0, None), &song, &performance, &mut |e| {
        keys.push(e.key)
    });
    assert_eq!(engine.playing_slot(), 15);
    assert_eq!(keys, vec![PatternSnapshot::default().tracks[2].note]);
}

#[test]
fn a_slot_switch_sends_the_new_slots_lane_bases_on_the_switch_sample_before_its_notes() {
    use chronus_seq::engine::lanes::{Lane, LaneMidi, LaneValue};
    let mut song_slots: Vec<PatternSnapshot> = song().slots().to_vec();
    song_slots[1].tracks[1].lanes[2] = Lane {
        midi: LaneMidi::Cc(74),
        base: LaneValue::new(1_000).unwrap(),
        ..Lane::EMPTY
    };
    let song = SongSnapshot::new(song_slots);
    let mut engine = Engine::new(RATE);
    let mut events = Vec::new();
    for block in 0..200 {
        let start = (block * BLOCK) as u64;
        engine.process_song(
            BLOCK,
            &transport(start, None),
            &song,
            &performance(u8::from(block >= 60), SlotQuantize::NextBar),
            &mut |event: NoteEvent| events.push((start + u64::from(event.offset), event.kind)),
        );
    }
    let switch = 4 * SAMPLES_PER_BEAT;
    let bases: Vec<_> = events
        .iter()
        .filter(|(_, kind)| matches!(kind, NoteKind::Lane { .. }))
        .collect();
    assert_eq!(
        bases,
        [&(
            switch,
            NoteKind::Lane {
                lane: 2,
                midi: LaneMidi::Cc(74),
                value: 1_000
            }
        )],
        "slot 1 has no lanes; slot 2's base goes out once, where it starts"
    );
    let base_at = events
        .iter()
        .position(|(_, kind)| matches!(kind, NoteKind::Lane { .. }));
    let first_new_on = events
        .iter()
        .position(|(sample, kind)| *sample == switch && matches!(kind, NoteKind::On { .. }));
    assert!(base_at < first_new_on, "{events:?}");
}
