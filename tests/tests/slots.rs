//! Pattern slots through the real bundle (clack-host): the `slot` parameter automated mid-bar,
//! switching at the quantize point of `slot_quantize` (Now / Next Step / Next Bar), a loop wrap
//! as a bar line, version-1 state migrating into slot 1, version-2 state saving as the current version and
//! round-tripping, and OSC gates closing at the switch.
//!
//! The rule under test (docs/TIMING.md, engine `process_song`): at the switch sample every
//! sounding note of the old slot ends (note-off on that very sample), and the new slot plays from
//! that sample, so a step of the new slot exactly on the switch point plays once.
//!
//! 44.1 kHz at 123 BPM, blocks of 441 samples: a beat is 21,512.195… samples, so grid lines fall
//! between samples and inside blocks. The automation point is sample 70,760 (block 160,
//! offset 200; beat 3.2893). From it, Now switches on sample 70,760 itself, Next Step on beat 3.5
//! = sample 75,293 (block 170, offset 323), Next Bar on beat 4 = sample 86,049 (block 195,
//! offset 54).
//!
//! Every test holds [`wall_clock_lock`]: the OSC test is paced by the wall clock, and on a small
//! machine the other tests would compete with it for the CPU.

use chronus_seq_host_tests::osc::{
    expected_gates, flatten, song_osc_state_bytes, OscOutConfig, OscReceiver, ReceivedMessage,
};
use chronus_seq_host_tests::{
    active_plugin, assert_notes_eq, blocks_for, pattern_notes, pattern_state_bytes,
    saved_pattern_document, song_state_bytes, wall_clock_lock, ExpectedNote, NoteKind, Pacing,
    PluginHost, ScriptRun, SplitMode, Stretch, TrackSpec, TransportScript,
};
use std::collections::BTreeMap;
use std::time::Duration;

const SAMPLE_RATE: f64 = 44_100.0;
const TEMPO: f64 = 123.0;
/// Not a power of two; bar lines and sixteenths fall inside blocks.
const BLOCK: u32 = 441;
/// A 1/16 step, in beats.
const SIXTEENTH: f64 = 0.25;

/// Host block and offset of the slot automation point: sample 160 · 441 + 200 = 70,760.
const AUTOMATION_BLOCK: usize = 160;
const AUTOMATION_OFFSET: u32 = 200;
const AUTOMATION_SAMPLE: u64 = 70_760;
/// The first sample of beat 3.5 (75,292.68 → 75,293) and of beat 4 (86,048.78 → 86,049).
const NEXT_STEP_SAMPLE: u64 = 75_293;
const BAR_LINE_SAMPLE: u64 = 86_049;

// Slot 1, MIDI channel 1. Two notes are held over every switch point by ties: key 48 from beat 3
// to 4.125 (half a sixteenth plus four tied sixteenths, the last tie wrapping to step 1) and key
// 55 from beat 2 to 4.5 (quarter steps: half a quarter plus two tied quarters). Hats on the
// eighths have ended before each switch point.
const HOLD_48: TrackSpec = TrackSpec {
    key: 48,
    channel: 0,
    steps: "_...........x___",
};
const HOLD_55: TrackSpec = TrackSpec {
    key: 55,
    channel: 0,
    steps: "_.x_",
};
const HAT: TrackSpec = TrackSpec {
    key: 42,
    channel: 0,
    steps: "x.x.x.x.x.x.x.x.",
};
/// Where the held notes start, in beats.
const HOLD_48_ON: f64 = 3.0;
const HOLD_55_ON: f64 = 2.0;

// Slot 2, MIDI channel 2, other keys: an accented lead on the bar line and an off-beat arp.
const LEAD: TrackSpec = TrackSpec {
    key: 60,
    channel: 1,
    steps: "X...x...x...x...",
};
const ARP: TrackSpec = TrackSpec {
    key: 64,
    channel: 1,
    steps: "..x...x...x...x.",
};

/// Slot 1 and slot 2 as state tracks.
fn song_tracks() -> (Vec<String>, Vec<String>) {
    (
        vec![
            HOLD_48.state_json("Hold 48", "1/16"),
            HOLD_55.state_json("Hold 55", "1/4"),
            HAT.state_json("Hat", "1/16"),
        ],
        vec![
            LEAD.state_json("Lead", "1/16"),
            ARP.state_json("Arp", "1/16"),
        ],
    )
}

/// The version-2 state with slot 1 and slot 2 of [`song_tracks`].
fn two_slot_state() -> Vec<u8> {
    let (first, second) = song_tracks();
    let first: Vec<&str> = first.iter().map(String::as_str).collect();
    let second: Vec<&str> = second.iter().map(String::as_str).collect();
    song_state_bytes(&[(1, &first), (2, &second)])
}

/// Beats to samples for the whole run (beat 0 at sample 0).
fn song_stretch() -> Stretch {
    Stretch::new(SAMPLE_RATE, TEMPO, 0, 0.0, 8.0)
}

/// Sets `slot_quantize` to `quantize` on the first sample, switches `slot` to 2 at the automation
/// point, and plays two bars of the two-slot song at 441-sample blocks.
fn play_switch(quantize: &str) -> ScriptRun {
    let mut host = active_plugin(SAMPLE_RATE, BLOCK);
    host.load_state(&two_slot_state())
        .expect("loading the two-slot state");
    let (quantize_id, quantize_value) = host
        .param_value_for_text("slot_quantize", quantize)
        .expect("the Slot Quantize value");
    let (slot_id, slot_2) = host
        .param_value_for_text("slot", "2")
        .expect("the Pattern Slot value for slot 2");
    let total = song_stretch().sample_at(8.0);
    TransportScript::new(SAMPLE_RATE, TEMPO, BLOCK)
        .with_param_change(0, 0, quantize_id, quantize_value)
        .with_param_change(AUTOMATION_BLOCK, AUTOMATION_OFFSET, slot_id, slot_2)
        .run(&mut host, total)
        .unwrap_or_else(|e| panic!("playing a switch with quantize {quantize}: {e}"))
}

/// Every note event of the two bars when slot 1 plays before `switch_beat` and slot 2 from it,
/// the switch landing on `switch_sample`: slot 1's hats and held notes that start before the
/// switch (held notes end on the switch sample), then slot 2's steps from the switch beat on
/// (one exactly on it included).
fn expected_switch(switch_beat: f64, switch_sample: u64) -> Vec<ExpectedNote> {
    let stretch = song_stretch();
    let mut expected = pattern_notes(&[HAT], SIXTEENTH, stretch.between(0.0, switch_beat));
    for (on_beat, track) in [(HOLD_55_ON, HOLD_55), (HOLD_48_ON, HOLD_48)] {
        if on_beat < switch_beat {
            expected.push(stretch.note_on(on_beat, track.channel, track.key, 76));
            let mut off = stretch.note_off(on_beat, track.channel, track.key);
            off.sample = switch_sample;
            expected.push(off);
        }
    }
    expected.extend(pattern_notes(
        &[LEAD, ARP],
        SIXTEENTH,
        stretch.between(switch_beat, 8.0),
    ));
    expected
}

/// Checks what happens on the switch sample: every slot-1 note sounding just before it ends on
/// it, nothing of slot 1 starts on or after it, and its note-offs come before its note-ons.
fn assert_clean_switch(run: &ScriptRun, switch_sample: u64, label: &str) {
    let sounding = run.sounding_before(switch_sample);
    let held: BTreeMap<(i16, i16), i64> = [((0, 48), 1), ((0, 55), 1)].into_iter().collect();
    assert_eq!(
        sounding, held,
        "{label}: slot 1 notes sounding just before the switch sample {switch_sample}"
    );
    let at_switch: Vec<(NoteKind, i16, i16)> = run
        .notes
        .iter()
        .filter(|n| n.sample == switch_sample)
        .map(|n| (n.note.kind, n.note.channel, n.note.key))
        .collect();
    let offs: Vec<(i16, i16)> = at_switch
        .iter()
        .filter(|(kind, _, _)| *kind == NoteKind::Off)
        .map(|(_, channel, key)| (*channel, *key))
        .collect();
    let mut sorted_offs = offs.clone();
    sorted_offs.sort();
    assert_eq!(
        sorted_offs,
        vec![(0, 48), (0, 55)],
        "{label}: note-offs on the switch sample {switch_sample}: {at_switch:?}"
    );
    if let Some(first_on) = at_switch
        .iter()
        .position(|(kind, _, _)| *kind == NoteKind::On)
    {
        assert!(
            at_switch[first_on..]
                .iter()
                .all(|(kind, _, _)| *kind == NoteKind::On),
            "{label}: on the switch sample the old slot's note-offs come first: {at_switch:?}"
        );
    }
    let late_slot_1: Vec<_> = run
        .note_ons()
        .filter(|n| n.sample >= switch_sample && n.note.channel == 0)
        .collect();
    assert!(
        late_slot_1.is_empty(),
        "{label}: slot 1 starts notes on or after the switch: {late_slot_1:?}"
    );
    assert!(
        run.sounding_at_end().is_empty(),
        "{label}: still sounding at the end: {:?}",
        run.sounding_at_end()
    );
    if let Some(call) = run.first_unordered_call() {
        panic!("{label}: output events out of order or outside the block in {call:?}");
    }
}

/// (a) Next Bar: slot 2 is asked for at sample 70,760, mid-bar; slot 1 plays on to the bar line
/// (its hat at beat 3.5 = sample 75,293 included), both held notes end on the bar-line sample
/// 86,049 (block 195, offset 54) instead of at beats 4.125 and 4.5, and slot 2's accented
/// bar-line step (key 60, velocity 127) starts on that same sample, once.
#[test]
fn next_bar_switches_on_the_bar_line_sample() {
    let _serial = wall_clock_lock();
    let stretch = song_stretch();
    assert_eq!(stretch.sample_at(4.0), BAR_LINE_SAMPLE, "sanity: beat 4");
    assert_eq!(
        BAR_LINE_SAMPLE,
        195 * u64::from(BLOCK) + 54,
        "sanity: the bar line lies inside a block"
    );
    let run = play_switch("Next Bar");
    assert_notes_eq(
        &expected_switch(4.0, BAR_LINE_SAMPLE),
        &run,
        "Next Bar, slot 2 asked for at sample 70760",
    );
    assert_clean_switch(&run, BAR_LINE_SAMPLE, "Next Bar");

    let hat_before_bar: Vec<u64> = run
        .note_ons()
        .filter(|n| n.note.key == 42 && n.sample > AUTOMATION_SAMPLE)
        .map(|n| n.sample)
        .collect();
    assert_eq!(
        hat_before_bar,
        vec![NEXT_STEP_SAMPLE],
        "slot 1 plays on after the automation point until the bar line"
    );
    let bar_line_ons: Vec<(i16, i16, u8)> = run
        .note_ons()
        .filter(|n| n.sample == BAR_LINE_SAMPLE)
        .map(|n| (n.note.channel, n.note.key, n.note.midi_velocity()))
        .collect();
    assert_eq!(
        bar_line_ons,
        vec![(1, 60, 127)],
        "slot 2's bar-line step, exactly once, on sample {BAR_LINE_SAMPLE}"
    );
}

/// (b) Now: the switch happens on the automation point's own sample 70,760 (the framework splits
/// the block there): both held notes end on it; slot 2 goes on from there (its first step after
/// it is the arp at beat 3.5 = sample 75,293).
#[test]
fn now_switches_on_the_automation_sample() {
    let _serial = wall_clock_lock();
    assert_eq!(
        AUTOMATION_SAMPLE,
        AUTOMATION_BLOCK as u64 * u64::from(BLOCK) + u64::from(AUTOMATION_OFFSET)
    );
    let switch_beat = AUTOMATION_SAMPLE as f64 * TEMPO / (60.0 * SAMPLE_RATE);
    assert!(
        (switch_beat - 3.2893).abs() < 1e-4,
        "sanity: beat {switch_beat}"
    );
    let run = play_switch("Now");
    assert_notes_eq(
        &expected_switch(switch_beat, AUTOMATION_SAMPLE),
        &run,
        "Now, slot 2 asked for at sample 70760",
    );
    assert_clean_switch(&run, AUTOMATION_SAMPLE, "Now");
    let first_new = run
        .note_ons()
        .find(|n| n.note.channel == 1)
        .map(|n| n.sample);
    assert_eq!(
        first_new,
        Some(NEXT_STEP_SAMPLE),
        "slot 2's first note after the switch: the arp at beat 3.5"
    );
}

/// (c) Next Step: the switch waits for the next sixteenth, beat 3.5 = sample 75,293 (block 170,
/// offset 323): the held notes end there, slot 1's hat on that sixteenth does not play, and
/// slot 2's arp on it does, once.
#[test]
fn next_step_switches_on_the_next_sixteenth() {
    let _serial = wall_clock_lock();
    assert_eq!(song_stretch().sample_at(3.5), NEXT_STEP_SAMPLE, "sanity");
    let run = play_switch("Next Step");
    assert_notes_eq(
        &expected_switch(3.5, NEXT_STEP_SAMPLE),
        &run,
        "Next Step, slot 2 asked for at sample 70760",
    );
    assert_clean_switch(&run, NEXT_STEP_SAMPLE, "Next Step");
    let on_switch: Vec<(i16, i16)> = run
        .note_ons()
        .filter(|n| n.sample == NEXT_STEP_SAMPLE)
        .map(|n| (n.note.channel, n.note.key))
        .collect();
    assert_eq!(
        on_switch,
        vec![(1, 64)],
        "on the switch sixteenth: slot 2's arp once, not slot 1's hat"
    );
}

/// A loop wrap counts as a bar line: playing a loop from beat 1 to beat 3 (48 kHz, 120 BPM, so the
/// wrap positions are whole samples), the bar line at beat 4 is never reached, so slot 2 (asked
/// for at sample 30,000 = beat 2.25, quantize Next Bar) starts at the first wrap, sample 48,000
/// (block 108, offset 372), playing from the loop start: its step at beat 1 (key 60) on the wrap
/// sample. Slot 1's key 55 (on at beat 2) ends there. For each way a host reports the wrap:
/// Bitwig sends a transport event, others just run over the loop end, Reaper splits the block at
/// the loop end.
#[test]
fn a_loop_wrap_is_a_bar_line_for_every_host_style() {
    let _serial = wall_clock_lock();
    const RATE: f64 = 48_000.0;
    let first_wrap = Stretch::new(RATE, 120.0, 0, 1.0, 3.0).sample_at(3.0);
    assert_eq!(first_wrap, 48_000);
    let mut failures = Vec::new();
    for mode in [
        SplitMode::BitwigEvent,
        SplitMode::NoSplitNoEvent,
        SplitMode::ReaperSplit,
    ] {
        let mut host = active_plugin(RATE, BLOCK);
        host.load_state(&two_slot_state()).expect("loading");
        let (slot_id, slot_2) = host.param_value_for_text("slot", "2").expect("slot 2");
        // Sample 30,000 is block 68, offset 12. Three passes of the loop.
        let run = TransportScript::new(RATE, 120.0, BLOCK)
            .starting_at_beat(1.0)
            .with_loop(1.0, 3.0, mode)
            .with_param_change(68, 12, slot_id, slot_2)
            .run(&mut host, 3 * first_wrap)
            .unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        let at_wrap: Vec<(NoteKind, i16, i16)> = run
            .notes
            .iter()
            .filter(|n| n.sample == first_wrap)
            .map(|n| (n.note.kind, n.note.channel, n.note.key))
            .collect();
        let slot_1_after: Vec<u64> = run
            .note_ons()
            .filter(|n| n.sample >= first_wrap && n.note.channel == 0)
            .map(|n| n.sample)
            .collect();
        let want = vec![(NoteKind::Off, 0, 55), (NoteKind::On, 1, 60)];
        if at_wrap != want || !slot_1_after.is_empty() {
            failures.push(format!(
                "{mode:?}: on the wrap sample {first_wrap}: {at_wrap:?} (want {want:?}); slot 1 \
                 note-ons on or after it at samples {slot_1_after:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "a loop wrap must count as a bar line:\n{}",
        failures.join("\n")
    );
}

/// (d) A version-1 state (one pattern) loads into slot 1 through the state extension and plays
/// one bar exactly; the next save writes the current version holding that pattern as slot 1 only.
#[test]
fn version_1_state_loads_into_slot_1_and_saves_as_the_current_version() {
    let _serial = wall_clock_lock();
    let lead = LEAD.state_json("Lead", "1/16");
    let arp = ARP.state_json("Arp", "1/16");
    let mut host = active_plugin(SAMPLE_RATE, BLOCK);
    host.load_state(&pattern_state_bytes(&[&lead, &arp]))
        .expect("loading a version-1 state");
    let stretch = song_stretch().between(0.0, 4.0);
    let run = TransportScript::new(SAMPLE_RATE, TEMPO, BLOCK)
        .run(&mut host, stretch.sample_at(4.0))
        .expect("playing one bar");
    assert_notes_eq(
        &pattern_notes(&[LEAD, ARP], SIXTEENTH, stretch),
        &run,
        "version-1 pattern in slot 1",
    );

    let saved = host.save_state().expect("saving");
    let doc = saved_pattern_document(&saved).expect("the saved pattern document");
    assert_eq!(doc["format"], "chronus-seq/pattern");
    assert_eq!(doc["version"], 4, "saved as the current version 4: {doc}");
    let slots = doc["slots"].as_array().expect("a slots array");
    assert_eq!(slots.len(), 1, "only slot 1 holds a pattern: {doc}");
    assert_eq!(slots[0]["slot"], 1);
    assert_eq!(slots[0]["seed"], 0);
    for (index, track) in [&lead, &arp].into_iter().enumerate() {
        let want: serde_json::Value = serde_json::from_str(track).expect("track JSON");
        assert_eq!(
            slots[0]["tracks"][index],
            want,
            "track {} of slot 1",
            index + 1
        );
    }
}

/// (d) A version-2 state, saved again as the current version (versions 3 and 4 add fields only,
/// so the tracks read the same), loads back byte-identical: into a fresh instance and
/// into the same one. The state holds three slots (one with every optional column) and
/// non-default `slot` / `slot_quantize` values set by automation.
#[test]
fn version_2_state_round_trips_byte_identical() {
    let _serial = wall_clock_lock();
    let (first, second) = song_tracks();
    let rich = r#"{"name":"Bass","length":5,"rate":"1/8t","channel":2,"note":40,"steps":"1_X.x","velocity":[1,100,127,100,76],"probability":[100,100,35,100,100],"ratchet":[1,1,8,1,1],"nudge":[0,0,-50,0,50],"notes":[null,null,43,null,47]}"#;
    let euclid = r#"{"name":"E","length":8,"rate":"1/16","channel":3,"note":50,"steps":"x.......","euclid":true}"#;
    let first: Vec<&str> = first.iter().map(String::as_str).collect();
    let second: Vec<&str> = second.iter().map(String::as_str).collect();
    let input: [(u8, &[&str]); 3] = [(1, &first), (2, &second), (16, &[rich, euclid])];

    let mut host = active_plugin(SAMPLE_RATE, BLOCK);
    host.load_state(&song_state_bytes(&input))
        .expect("loading a version-2 state");
    let (slot_id, slot_16) = host.param_value_for_text("slot", "16").expect("slot 16");
    let (quantize_id, now) = host
        .param_value_for_text("slot_quantize", "Now")
        .expect("Now");
    TransportScript::new(SAMPLE_RATE, TEMPO, BLOCK)
        .with_param_change(0, 0, slot_id, slot_16)
        .with_param_change(0, 0, quantize_id, now)
        .run(&mut host, u64::from(BLOCK) * 4)
        .expect("applying the parameters");
    let saved = host.save_state().expect("saving");

    let doc = saved_pattern_document(&saved).expect("the saved pattern document");
    assert_eq!(doc["version"], 4, "saved as the current version");
    let slots = doc["slots"].as_array().expect("slots");
    let numbers: Vec<u64> = slots.iter().filter_map(|s| s["slot"].as_u64()).collect();
    assert_eq!(numbers, vec![1, 2, 16], "the non-empty slots, in order");
    for ((_, tracks), saved_slot) in input.iter().zip(slots) {
        for (index, track) in tracks.iter().enumerate() {
            let want: serde_json::Value = serde_json::from_str(track).expect("track JSON");
            assert_eq!(
                saved_slot["tracks"][index], want,
                "slot {}",
                saved_slot["slot"]
            );
        }
    }

    let mut fresh = PluginHost::load_default().expect("a second instance");
    fresh.load_state(&saved).expect("loading the saved state");
    assert_eq!(fresh.param_value(slot_id).expect("slot"), slot_16);
    assert_eq!(fresh.param_value(quantize_id).expect("quantize"), now);
    let again = fresh.save_state().expect("saving the second instance");
    assert!(
        again == saved,
        "a fresh instance saves different bytes after loading the saved state:\nfirst:  {}\n\
         second: {}",
        String::from_utf8_lossy(&saved),
        String::from_utf8_lossy(&again)
    );
    host.load_state(&saved)
        .expect("loading into the same instance");
    assert!(
        host.save_state().expect("saving again") == saved,
        "the same instance saves different bytes after loading its own state"
    );
}

/// (e) OSC gates at a Next Bar switch, real-time pace, 48 kHz, 240 BPM, 256-sample blocks (the bar
/// line, beat 4, is sample 48,000 = block 187, offset 128). Slot 1 holds `/gate/voice1` (key 36,
/// beats 2–4.5) and `/gate/voice2` (key 38, beats 3–4.125) open over the bar line; slot 2 opens
/// `/gate/voice1` again (key 60) on the bar line. Each gate closes on the switch, voice 1 closes
/// before it reopens, every open gets exactly one close, and none is left high.
#[test]
fn osc_gates_open_in_slot_1_close_at_the_switch() {
    let _serial = wall_clock_lock();
    const RATE: f64 = 48_000.0;
    const RT_BLOCK: u32 = 256;
    const SWITCH: u64 = 48_000;
    let receiver = OscReceiver::start().expect("starting the OSC receiver");
    let osc = OscOutConfig::to_port(receiver.port());
    let hold_36 = r#"{"name":"A","length":4,"rate":"1/4","channel":1,"note":36,"steps":"_.x_"}"#;
    let hold_38 = r#"{"name":"B","length":16,"rate":"1/16","channel":1,"note":38,"steps":"_...........x___"}"#;
    let hat = HAT.state_json("Hat", "1/16");
    let quarter_60 = r#"{"name":"C","length":4,"rate":"1/4","channel":2,"note":60,"steps":"x..."}"#;
    let empty = r#"{"name":"D","length":1,"rate":"1/4","channel":2,"note":61,"steps":"."}"#;
    let arp = ARP.state_json("Arp", "1/16");
    let slots: [(u8, &[&str]); 2] = [
        (1, &[hold_36, hold_38, &hat]),
        (2, &[quarter_60, empty, &arp]),
    ];
    let state = song_osc_state_bytes(&slots, &osc);
    let mut host = PluginHost::load_default().expect("loading the bundle");
    host.load_state(&state)
        .expect("loading slots and OSC settings");
    host.activate(RATE, RT_BLOCK).expect("activating");
    let (slot_id, slot_2) = host.param_value_for_text("slot", "2").expect("slot 2");

    let play = blocks_for(RATE, RT_BLOCK, 1.5);
    let switch_block = (SWITCH / u64::from(RT_BLOCK)) as usize;
    let switch_offset = (SWITCH % u64::from(RT_BLOCK)) as u32;
    let run = TransportScript::new(RATE, 240.0, RT_BLOCK)
        .with_pacing(Pacing::WallClock)
        .with_param_change(60, 17, slot_id, slot_2)
        .with_stop_at_block(play)
        .run(&mut host, (play as u64 + 10) * u64::from(RT_BLOCK))
        .expect("playing 1.5 s in real time");
    drop(host);
    let messages = flatten(
        &receiver
            .finish(Duration::from_millis(150))
            .expect("receiving"),
    );

    // The host side: both held notes end on the switch sample, before slot 2's note starts.
    let mut at_switch: Vec<(NoteKind, i16)> = run
        .notes
        .iter()
        .filter(|n| n.sample == SWITCH)
        .map(|n| (n.note.kind, n.note.key))
        .collect();
    assert_eq!(
        at_switch.last(),
        Some(&(NoteKind::On, 60)),
        "slot 2's note starts last on the switch sample {SWITCH} (block {switch_block}, offset \
         {switch_offset}): {at_switch:?}"
    );
    at_switch.sort();
    assert_eq!(
        at_switch,
        vec![(NoteKind::On, 60), (NoteKind::Off, 36), (NoteKind::Off, 38)],
        "note events on the switch sample {SWITCH}"
    );

    // The OSC side follows the note events one for one.
    let track_of_key = |key: u8| match key {
        36 | 60 => Some(1),
        38 => Some(2),
        42 | 64 => Some(3),
        _ => None,
    };
    let expected = expected_gates(&run, track_of_key).expect("expected gates");
    for message in &messages {
        assert!(
            ["/gate/voice1", "/gate/voice2", "/gate/voice3"].contains(&message.addr.as_str()),
            "unexpected OSC message {} {:?}",
            message.addr,
            message.args
        );
    }
    for track in 1..=3usize {
        let address = format!("/gate/voice{track}");
        let got: Vec<&ReceivedMessage> = messages.iter().filter(|m| m.addr == address).collect();
        let values: Vec<Option<i32>> = got.iter().map(|m| m.single_int()).collect();
        let want: Vec<_> = expected.iter().filter(|g| g.track == track).collect();
        let want_values: Vec<Option<i32>> = want.iter().map(|g| Some(i32::from(g.open))).collect();
        assert_eq!(
            values, want_values,
            "{address}: gate values received vs the plugin's note events"
        );
        let opens = values.iter().filter(|v| **v == Some(1)).count();
        let closes = values.iter().filter(|v| **v == Some(0)).count();
        assert!(
            opens > 0 && opens == closes && values.last() == Some(&Some(0)),
            "{address}: {opens} opens, {closes} closes, last {:?}: every open needs exactly one \
             close and none may stay high",
            values.last()
        );
        for (index, value) in values.iter().enumerate() {
            assert_eq!(
                *value,
                Some(i32::from(index % 2 == 0)),
                "{address} does not alternate 1, 0: {values:?}"
            );
        }
    }

    // The switch itself: voice 2's only close and voice 1's close and reopen are the note
    // events on the switch sample.
    let mut switch_gates: Vec<(usize, bool)> = expected
        .iter()
        .filter(|g| g.sample == SWITCH)
        .map(|g| (g.track, g.open))
        .collect();
    assert_eq!(
        switch_gates.last(),
        Some(&(1, true)),
        "voice 1 reopens after the closes on the switch sample: {switch_gates:?}"
    );
    switch_gates.sort();
    assert_eq!(
        switch_gates,
        vec![(1, false), (1, true), (2, false)],
        "gates due on the switch sample"
    );
    let voice_2: Vec<i32> = messages
        .iter()
        .filter(|m| m.addr == "/gate/voice2")
        .filter_map(ReceivedMessage::single_int)
        .collect();
    assert_eq!(
        voice_2,
        vec![1, 0],
        "voice 2: opened at beat 3 in slot 1, closed at the switch"
    );
}
