//! The OSC input end to end: a real plugin instance, activated, its server on a real loopback
//! port, commands sent from a UDP socket as a collaborator would, replies read back, and the
//! result checked in the document, the host parameters and the notes the real `process()` plays.

mod support;

use std::net::UdpSocket;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chronus_seq::document::PatternDoc;
use chronus_seq::engine::lanes::LaneMidi;
use chronus_seq::engine::note_cycle::Hz;
use chronus_seq::engine::pattern::{Condition, Direction, Scale, ScaleKind, Step};
use chronus_seq::osc_out::Curve;
use chronus_seq::params::{QuantizeChoice, TransposeChoice};
use chronus_seq::ChronusSeq;
use rosc::{OscMessage, OscPacket, OscType};
use support::{activate, play_block, play_block_with_input, BLOCK, RATE};

/// A plugin with its OSC input running, and a client socket talking to it.
struct Session {
    plugin: ChronusSeq,
    client: UdpSocket,
    port: u16,
}

impl Session {
    fn start() -> Session {
        let mut plugin = ChronusSeq::default();
        assert!(activate(&mut plugin, RATE, BLOCK as u32));
        let port = plugin
            .osc_in_status()
            .bound_port()
            .expect("the OSC input runs after activation");
        let client = UdpSocket::bind("127.0.0.1:0").expect("client socket");
        client
            .set_read_timeout(Some(Duration::from_secs(2)))
            .expect("timeout");
        Session {
            plugin,
            client,
            port,
        }
    }

    fn send_bytes(&self, bytes: &[u8]) {
        self.client
            .send_to(bytes, ("127.0.0.1", self.port))
            .expect("send");
    }

    /// Sends one message and returns the replies, which end with `/chronus/ok`, `/seq/error`,
    /// or, for a query, `/chronus/state/end`.
    fn send(&self, address: &str, args: Vec<OscType>) -> Vec<OscMessage> {
        let packet = OscPacket::Message(OscMessage {
            addr: address.to_owned(),
            args,
        });
        self.send_bytes(&rosc::encoder::encode(&packet).expect("encodes"));
        let mut replies = Vec::new();
        loop {
            let reply = self.receive();
            let last = reply.addr == "/chronus/ok"
                || reply.addr == "/seq/error"
                || reply.addr.starts_with("/pattern/list")
                || reply.addr == "/seq/status"
                || reply.addr == "/chronus/pong"
                || reply.addr == "/chronus/state/end"
                || reply.addr == "/chronus/check"
                || reply.addr == "/chronus/midi";
            replies.push(reply);
            if last {
                return replies;
            }
        }
    }

    fn receive(&self) -> OscMessage {
        let mut buffer = [0u8; 65_536];
        let (size, _) = self.client.recv_from(&mut buffer).expect("a reply");
        match rosc::decoder::decode_udp(&buffer[..size])
            .expect("a valid reply")
            .1
        {
            OscPacket::Message(message) => message,
            OscPacket::Bundle(bundle) => panic!("unexpected bundle {bundle:?}"),
        }
    }

    /// Sends a command that must work.
    fn ok(&self, address: &str, args: Vec<OscType>) {
        let replies = self.send(address, args);
        assert_eq!(
            replies.last().map(|r| r.addr.as_str()),
            Some("/chronus/ok"),
            "{address}: {replies:?}"
        );
    }

    /// Sends a command that must be refused, leaving the document as it was, and returns the
    /// reason.
    fn refused(&self, address: &str, args: Vec<OscType>) -> String {
        let before = self.plugin.pattern_store().doc();
        let replies = self.send(address, args);
        assert_eq!(replies.len(), 1, "{address}: {replies:?}");
        let reply = &replies[0];
        assert_eq!(reply.addr, "/seq/error");
        assert_eq!(reply.args[0], OscType::String(address.to_owned()));
        assert_eq!(
            self.plugin.pattern_store().doc(),
            before,
            "{address} changed the document"
        );
        match &reply.args[1] {
            OscType::String(reason) => reason.clone(),
            other => panic!("reason {other:?}"),
        }
    }

    fn slot(&self) -> PatternDoc {
        self.plugin.pattern_store().slot(0)
    }
}

fn s(text: &str) -> OscType {
    OscType::String(text.to_owned())
}

fn i(value: i32) -> OscType {
    OscType::Int(value)
}

fn f(value: f32) -> OscType {
    OscType::Float(value)
}

#[test]
fn a_pattern_sent_over_osc_plays_on_its_samples() {
    let mut session = Session::start();
    session.ok("/chronus/clear", vec![]);
    session.ok("/chronus/pattern", vec![i(6), s("..X. x...")]);
    let track = &session.slot().tracks[5].pattern;
    assert_eq!(track.length, 8);
    assert_eq!(track.steps[2], Step::hit(127));
    assert_eq!(track.steps[4], Step::hit(76));
    // Step 2 is beat 0.5 = sample 12,000 at 120 BPM and 48 kHz: block 23, offset 224.
    let beat = 23.0 * BLOCK as f64 / 24_000.0;
    assert_eq!(play_block(&mut session.plugin, beat), vec![(224, 37)]);
}

#[test]
fn step_and_track_commands_change_exactly_what_they_name() {
    let session = Session::start();
    session.ok("/chronus/pattern", vec![i(1), s("x.x.x.x.")]);
    session.ok("/chronus/step/velocity", vec![i(1), i(3), i(99)]);
    session.ok("/chronus/step/probability", vec![i(1), i(5), i(40)]);
    session.ok("/chronus/step/ratchet", vec![i(1), i(7), f(3.0)]);
    session.ok("/chronus/step/nudge", vec![i(1), i(1), i(-25)]);
    session.ok("/chronus/step/note", vec![i(1), i(3), i(64)]);
    session.ok("/chronus/step/on", vec![i(1), i(2), i(1)]);
    session.ok("/chronus/track/rate", vec![i(1), s("1/8t")]);
    session.ok("/chronus/track/note", vec![i(1), i(40)]);
    session.ok("/chronus/track/channel", vec![i(1), i(10)]);
    session.ok("/chronus/track/name", vec![i(1), s("Bass drum")]);
    session.ok("/chronus/track/length", vec![i(1), i(6)]);
    let track = &session.slot().tracks[0];
    let steps = &track.pattern.steps;
    assert_eq!(steps[2].velocity, 99);
    assert_eq!(steps[2].note, Some(64));
    assert_eq!(steps[4].probability, 40);
    assert_eq!(steps[6].ratchet, 3);
    assert_eq!(steps[0].nudge, -25);
    assert!(steps[1].on);
    assert_eq!(track.pattern.rate.label(), "1/8t");
    assert_eq!(
        (
            track.pattern.note,
            track.pattern.channel,
            track.pattern.length
        ),
        (40, 9, 6)
    );
    assert_eq!(track.name, "Bass drum");
    assert_eq!(session.slot().tracks[1], PatternDoc::default().tracks[1]);
}

#[test]
fn bad_commands_get_a_reason_and_change_nothing() {
    let session = Session::start();
    let reason = session.refused("/chronus/pattern", vec![i(17), s("x...")]);
    assert!(
        reason.contains("argument 1 (track) is 17; it must be 1–16"),
        "{reason}"
    );
    let reason = session.refused("/chronus/pattern", vec![i(1), s("x.?.")]);
    assert!(reason.contains("'?' at position 2"), "{reason}");
    let reason = session.refused("/chronus/pattern", vec![i(1), i(5)]);
    assert!(reason.contains("must be a string, not an int"), "{reason}");
    let reason = session.refused("/chronus/step/velocity", vec![i(1), i(2), i(0)]);
    assert!(reason.contains("it must be 1–127"), "{reason}");
    let reason = session.refused("/chronus/step/velocity", vec![i(1), i(2)]);
    assert!(reason.contains("missing argument 3 (velocity)"), "{reason}");
    let reason = session.refused("/chronus/track/length", vec![i(1), i(4), i(9)]);
    assert!(reason.contains("3 arguments given"), "{reason}");
    let reason = session.refused("/chronus/nonsense", vec![]);
    assert!(reason.contains("unknown address"), "{reason}");
    let long = "x".repeat(2_000);
    let reason = session.refused("/chronus/pattern", vec![i(1), s(&long)]);
    assert!(reason.contains("2000 bytes long"), "{reason}");
    let reason = session.refused("/chronus/euclid", vec![i(1), i(9), i(8), i(0)]);
    assert!(
        reason.contains("9 pulses do not fit in 8 steps"),
        "{reason}"
    );
    let reason = session.refused("/chronus/track/rate", vec![i(1), s("1/3")]);
    assert!(reason.contains("unknown rate"), "{reason}");

    // Not OSC at all: an error reply with an empty address, and the server keeps working.
    session.send_bytes(b"\x00\x01garbage");
    let reply = session.receive();
    assert_eq!(reply.addr, "/seq/error");
    assert_eq!(reply.args[0], s(""));
    let pong = session.send("/chronus/ping", vec![]);
    assert_eq!(pong[0].addr, "/chronus/pong");
    let status = session.plugin.osc_in_status();
    assert!(
        status
            .handler_errors
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 10
    );
    assert!(
        status
            .decode_errors
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1
    );
}

#[test]
fn a_multi_track_replace_is_all_or_nothing() {
    let session = Session::start();
    let before = session.slot();
    let reason = session.refused(
        "/chronus/replace",
        vec![i(1), s("xxxx"), i(2), s("x.x."), i(3), s("x.?.")],
    );
    assert!(reason.contains("position 2"), "{reason}");
    assert_eq!(session.slot(), before);
    session.refused("/chronus/replace", vec![i(1), s("xxxx"), i(1), s("x...")]);
    session.refused("/chronus/replace", vec![i(1), s("xxxx"), i(2)]);

    session.ok(
        "/chronus/replace",
        vec![i(1), s("X..."), i(2), s("..x."), i(16), s("x")],
    );
    let after = session.slot();
    assert_eq!(after.tracks[0].pattern.length, 4);
    assert!(after.tracks[1].pattern.steps[2].on);
    assert_eq!(after.tracks[15].pattern.length, 1);
    assert_eq!(
        session.plugin.pattern_store().history_depth().0,
        1,
        "one edit, one undo step"
    );
    session.ok("/chronus/undo", vec![]);
    assert_eq!(session.slot(), before);
    session.ok("/chronus/redo", vec![]);
    assert_eq!(session.slot(), after);
    let reason = session.refused("/chronus/redo", vec![]);
    assert!(reason.contains("nothing to redo"));
}

#[test]
fn performance_commands_set_the_host_parameters() {
    let session = Session::start();
    let params = session.plugin.seq_params();
    session.ok("/chronus/mute", vec![i(3), i(1)]);
    session.ok("/chronus/solo", vec![i(4), OscType::Bool(true)]);
    session.ok("/chronus/gate", vec![i(5), f(80.0)]);
    session.ok("/chronus/swing", vec![f(62.5)]);
    session.ok("/chronus/slot", vec![i(7)]);
    session.ok("/chronus/quantize", vec![s("step")]);
    session.ok("/chronus/euclid", vec![i(2), i(3), i(8), i(1)]);
    assert!(params.tracks[2].mute.value());
    assert!(params.tracks[3].solo.value());
    assert_eq!(params.tracks[4].gate.value(), 80.0);
    assert_eq!(params.swing.value(), 62.5);
    assert_eq!(params.slot.value(), 7);
    assert_eq!(params.slot_quantize.value(), QuantizeChoice::NextStep);
    assert_eq!(params.tracks[1].euclid_pulses.value(), 3);
    assert_eq!(params.tracks[1].euclid_rotation.value(), 1);
    // Slot 7 is selected, so the Euclid mode and length went to slot 7.
    let slot7 = session.plugin.pattern_store().slot(6);
    assert!(slot7.tracks[1].pattern.euclid);
    assert_eq!(slot7.tracks[1].pattern.length, 8);
    session.refused("/chronus/quantize", vec![s("later")]);
    session.refused("/chronus/swing", vec![f(80.0)]);
}

/// Absolute samples of the note-ons of the first beat, played in blocks from beat 0.
fn first_beat_note_ons(plugin: &mut ChronusSeq) -> Vec<usize> {
    let mut samples = Vec::new();
    for block in 0..24_000 / BLOCK + 1 {
        let beat = (block * BLOCK) as f64 / 24_000.0;
        let ons = play_block(plugin, beat);
        samples.extend(
            ons.iter()
                .map(|(offset, _)| block * BLOCK + *offset as usize),
        );
    }
    samples.retain(|sample| *sample < 24_000);
    samples
}

#[test]
fn conditions_directions_and_fill_over_osc_change_what_plays() {
    let mut session = Session::start();
    session.ok("/chronus/clear", vec![]);
    session.ok("/chronus/pattern", vec![i(1), s("xxxx")]);
    session.ok("/chronus/step/condition", vec![i(1), i(2), s("fill")]);
    session.ok("/chronus/step/condition", vec![i(1), i(4), s("1:2")]);
    session.ok("/chronus/step/condition", vec![i(1), i(4), s("")]);
    session.ok("/chronus/track/direction", vec![i(1), s("reverse")]);
    let track = &session.slot().tracks[0].pattern;
    assert_eq!(track.steps[1].condition, Condition::Fill);
    assert_eq!(
        track.steps[3].condition,
        Condition::Always,
        "an empty string clears"
    );
    assert_eq!(track.direction, Direction::Reverse);
    // Reverse plays steps 4 3 2 1 on samples 0, 6000, 12000, 18000 (sixteenths at 120 BPM);
    // step 2, third, waits for Fill.
    assert_eq!(first_beat_note_ons(&mut session.plugin), [0, 6_000, 18_000]);
    session.ok("/chronus/fill", vec![i(1)]);
    assert!(session.plugin.seq_params().fill.value());
    assert_eq!(
        first_beat_note_ons(&mut session.plugin),
        [0, 6_000, 12_000, 18_000]
    );
    session.ok("/chronus/fill", vec![i(0)]);
    assert!(!session.plugin.seq_params().fill.value());

    let reason = session.refused("/chronus/step/condition", vec![i(1), i(1), s("3:2")]);
    assert!(reason.contains("1 <= A <= B <= 8"), "{reason}");
    let reason = session.refused("/chronus/step/condition", vec![i(1), i(1), s("sometimes")]);
    assert!(reason.contains("not a condition"), "{reason}");
    let reason = session.refused("/chronus/track/direction", vec![i(1), s("sideways")]);
    assert!(
        reason.contains("forward, reverse, pendulum, random"),
        "{reason}"
    );
    let reason = session.refused("/chronus/fill", vec![]);
    assert!(reason.contains("missing argument 1 (fill)"), "{reason}");
}

#[test]
fn scale_and_melodic_tracks_over_osc_snap_what_plays() {
    let mut session = Session::start();
    session.ok("/chronus/clear", vec![]);
    // D#4 (63) lies between D (62) and E (64) of D major: a tie, which goes down.
    session.ok("/chronus/pattern", vec![i(1), s("xxxx")]);
    session.ok("/chronus/track/note", vec![i(1), i(63)]);
    session.ok("/chronus/scale", vec![s("D"), s("major")]);
    assert_eq!(
        session.slot().scale,
        Scale {
            root: 2,
            kind: ScaleKind::Major
        }
    );
    // A drum track plays its note as written.
    assert_eq!(play_block(&mut session.plugin, 0.0), vec![(0, 63)]);
    session.ok("/chronus/track/melodic", vec![i(1), i(1)]);
    assert!(session.slot().tracks[0].pattern.melodic);
    assert_eq!(play_block(&mut session.plugin, 0.0), vec![(0, 62)]);
    session.ok("/chronus/scale", vec![i(0), s("off")]);
    assert_eq!(session.slot().scale, Scale::default());
    assert_eq!(play_block(&mut session.plugin, 0.0), vec![(0, 63)]);

    let reason = session.refused("/chronus/scale", vec![s("H"), s("major")]);
    assert!(reason.contains("`H` is not a root"), "{reason}");
    let reason = session.refused("/chronus/scale", vec![s("C"), s("bebop")]);
    assert!(
        reason.contains("`bebop` is not a scale; use chromatic, major"),
        "{reason}"
    );
    let reason = session.refused("/chronus/scale", vec![i(12), s("major")]);
    assert!(reason.contains("not a root"), "{reason}");
}

/// A key pressed (`on`) or released on `channel` (0-based) at sample 0 of a block.
fn key_event(channel: u8, key: u8, on: bool) -> nice_plug::prelude::NoteEvent<()> {
    use nice_plug::midi::{Channel, Key, NoteEvent, VoiceID};
    let (channel, key, voice_id) = (
        Channel::Number(channel),
        Key::Number(key),
        VoiceID::Wildcard,
    );
    if on {
        NoteEvent::NoteOn {
            timing: 0,
            voice_id,
            channel,
            key,
            velocity: 0.8,
        }
    } else {
        NoteEvent::NoteOff {
            timing: 0,
            voice_id,
            channel,
            key,
            velocity: 0.0,
        }
    }
}

#[test]
fn midi_input_settings_over_osc_set_the_host_parameters_and_what_keys_do() {
    let mut session = Session::start();
    session.ok("/chronus/clear", vec![]);
    session.ok("/chronus/pattern", vec![i(1), s("xxxx")]);
    session.ok("/chronus/track/note", vec![i(1), s("C4")]);
    session.ok("/chronus/track/melodic", vec![i(1), i(1)]);
    session.ok("/chronus/midi/transpose_channel", vec![i(3)]);
    session.ok("/chronus/midi/transpose_mode", vec![s("hold")]);
    session.ok("/chronus/midi/reference_key", vec![s("C4")]);
    session.ok("/chronus/midi/slot_channel", vec![i(0)]);
    session.ok("/chronus/midi/slot_low_key", vec![i(36)]);
    let params = session.plugin.seq_params();
    assert_eq!(params.transpose_channel.value(), 3);
    assert_eq!(params.transpose_mode.value(), TransposeChoice::Hold);
    assert_eq!(params.reference_key.value(), 60);
    assert_eq!(params.slot_key_channel.value(), 0);
    assert_eq!(params.slot_low_key.value(), 36);

    // E4 held on channel 3 transposes the melodic track up four semitones from its sample.
    let held = play_block_with_input(&mut session.plugin, 0.0, vec![key_event(2, 64, true)]);
    assert_eq!(held, [(0, 64)]);
    let state = session.send("/chronus/midi", vec![]);
    assert_eq!(
        state[0].args,
        [i(3), s("hold"), i(60), i(0), i(36), i(51), i(4)],
        "settings, slot keys C2–D#3 and the transposition played in now"
    );
    // Released: hold mode goes back to no transposition.
    let released = play_block_with_input(&mut session.plugin, 0.25, vec![key_event(2, 64, false)]);
    assert_eq!(released, [(0, 60)]);
    // Channel 1 neither transposes nor (slot keys off) selects a slot.
    let other = play_block_with_input(&mut session.plugin, 0.5, vec![key_event(0, 38, true)]);
    assert_eq!(other, [(0, 60)]);
    assert_eq!(session.plugin.live_state().playing_slot(), 0);

    // Refusals name the argument and keep the parameter.
    let reason = session.refused("/chronus/midi/transpose_channel", vec![i(17)]);
    assert!(reason.contains("transpose channel"), "{reason}");
    let reason = session.refused("/chronus/midi/reference_key", vec![s("H2")]);
    assert!(reason.contains("is not a note name"), "{reason}");
    let reason = session.refused("/chronus/midi/slot_low_key", vec![s("F8")]);
    assert!(
        reason.contains("slot low key F8 · 113 is outside"),
        "{reason}"
    );
    let reason = session.refused("/chronus/midi/transpose_mode", vec![s("toggle")]);
    assert!(reason.contains("use latch or hold"), "{reason}");
    assert_eq!(params.transpose_channel.value(), 3);
    assert_eq!(params.reference_key.value(), 60);
    assert_eq!(params.slot_low_key.value(), 36);
    assert_eq!(params.transpose_mode.value(), TransposeChoice::Hold);
}

#[test]
fn the_query_replies_with_the_state_as_pattern_strings() {
    let session = Session::start();
    session.ok("/chronus/mute", vec![i(2), i(1)]);
    let replies = session.send("/chronus/query", vec![]);
    // The slot; per track the track, its step details and four lanes; the end.
    let mut addresses = vec!["/chronus/state/slot"];
    for _ in 0..16 {
        addresses.push("/chronus/state/track");
        addresses.push("/chronus/state/steps");
        addresses.extend(["/chronus/state/lane"; 4]);
    }
    addresses.push("/chronus/state/end");
    let got: Vec<&str> = replies.iter().map(|reply| reply.addr.as_str()).collect();
    assert_eq!(got, addresses);
    assert_eq!(replies[0].args[0], i(1));
    assert_eq!(replies.last().expect("the end").args, [i(1)]);
    let tracks: Vec<&OscMessage> = replies
        .iter()
        .filter(|reply| reply.addr == "/chronus/state/track")
        .collect();
    let kick = tracks[0];
    assert_eq!(kick.args[0], i(1));
    assert_eq!(kick.args[1], s("Kick"));
    assert_eq!(kick.args[2], s("x...x...x...x..."));
    assert_eq!(kick.args[3], s("1/16"));
    assert_eq!(kick.args[4], i(36));
    assert_eq!(tracks[1].args[2], s("....X.......X..."));
    assert_eq!(tracks[1].args[9], i(1), "track 2 muted");
    assert_eq!(kick.args[12], s("/gate/voice1"));
}

#[test]
fn music_chronus_sequencer_commands_drive_the_tracks() {
    let session = Session::start();
    let params = session.plugin.seq_params();
    session.ok("/seq/clear", vec![]);
    let reason = session.refused("/seq/bpm", vec![f(120.0)]);
    assert!(reason.contains("the DAW owns the transport"), "{reason}");
    // Stop silences the OSC output (the DAW keeps the transport), start ends the silence.
    let status = session.plugin.osc_status();
    session.ok("/seq/stop", vec![]);
    assert!(status.silenced.load(Ordering::Relaxed));
    session.ok("/seq/start", vec![]);
    assert!(!status.silenced.load(Ordering::Relaxed));
    session.ok(
        "/seq/add",
        vec![
            s("kick"),
            s("voice1"),
            s("X...X...X...X..."),
            f(60.0),
            f(200.0),
        ],
    );
    session.ok(
        "/seq/add",
        vec![
            s("bass"),
            s("voice2"),
            s("x.x.....x.x....."),
            f(110.0),
            f(800.0),
            s("36,36,41,43"),
        ],
    );
    session.ok(
        "/seq/update/pattern",
        vec![s("kick"), s("X.X.X.X.X.X.X.X.")],
    );
    session.ok("/seq/update/notes", vec![s("bass"), s("C2,D#2,G2")]);
    session.ok("/seq/swing", vec![f(0.4)]);
    let doc = session.slot();
    // "Kick" is track 1's name; "kick" is a new name, so it takes the first unused track (4).
    let kick = doc
        .tracks
        .iter()
        .position(|t| t.name == "kick")
        .expect("kick");
    let bass = doc
        .tracks
        .iter()
        .position(|t| t.name == "bass")
        .expect("bass");
    assert_eq!((kick, bass), (3, 4));
    assert_eq!(doc.tracks[kick].pattern.steps[2], Step::hit(127));
    assert_eq!(
        doc.tracks[kick].pattern.note, 35,
        "60 Hz is nearest MIDI 35"
    );
    assert_eq!(
        doc.tracks[kick].pattern.freq.map(Hz::get),
        Some(60.0),
        "and plays 60 Hz exactly"
    );
    // The notes cycle over the hits (not written into the steps), as exact frequencies.
    assert!(doc.tracks[bass]
        .pattern
        .steps
        .iter()
        .all(|step| step.note.is_none()));
    let cycle: Vec<f32> = doc.tracks[bass]
        .pattern
        .cycle
        .pitches()
        .iter()
        .map(|hz| hz.get())
        .collect();
    assert_eq!(cycle, [36, 39, 43].map(|note| Hz::of_note(note).get()));
    let targets = session.plugin.seq_params().osc_out.0.get();
    assert_eq!(targets.tracks[kick].address, "/gate/voice1");
    assert_eq!(targets.tracks[bass].address, "/gate/voice2");
    let profile = targets.tracks[bass]
        .voice_profile
        .expect("the voice profile");
    assert_eq!((profile.filter_freq, profile.base_amp), (800.0, 0.3));
    assert_eq!(params.swing.value(), 60.0);

    session.ok("/pattern/save", vec![i(2)]);
    let reason = session.refused("/pattern/save", vec![i(40)]);
    assert!(reason.contains("16 pattern slots"), "{reason}");
    let listed = session.send("/pattern/list", vec![]);
    assert_eq!(listed[0].args, vec![i(1), i(2)]);
    session.ok("/pattern/load", vec![i(2)]);
    assert_eq!(params.slot.value(), 2);
    // Edits follow the Pattern Slot parameter, now slot 2.
    session.ok("/seq/remove", vec![s("bass")]);
    let slot2 = session.plugin.pattern_store().slot(1);
    assert_eq!(slot2.tracks[bass].name, "Track 5");
    assert_eq!(session.slot().tracks[bass].name, "bass", "slot 1 keeps it");
    let reason = session.refused("/seq/update/pattern", vec![s("bass"), s("x")]);
    assert!(reason.contains("no track \"bass\""), "{reason}");
    let status = session.send("/seq/status", vec![]);
    assert_eq!(status[0].addr, "/seq/status");
}

#[test]
fn a_bar_aligned_load_switches_on_the_next_bar() {
    let mut session = Session::start();
    session.ok("/chronus/clear", vec![]);
    session.ok("/chronus/edit_slot", vec![i(2)]);
    session.ok("/chronus/pattern", vec![i(1), s("X")]);
    session.ok("/chronus/quantize", vec![s("now")]);
    // Play from beat 1 (block 46 starts at beat 0.98) with slot 1 (empty), then load slot 2.
    let beat_of = |block: usize| (block * BLOCK) as f64 / 24_000.0;
    assert!(play_block(&mut session.plugin, beat_of(46)).is_empty());
    session.ok("/pattern/load", vec![i(2)]);
    let mut heard = Vec::new();
    for block in 47..200 {
        for (offset, key) in play_block(&mut session.plugin, beat_of(block)) {
            heard.push(block * BLOCK + offset as usize);
            assert_eq!(key, 36);
        }
    }
    // Slot 2's one-step track repeats every sixteenth from the switch on: bar 2 (beat 4) first,
    // although the instance quantize is "now".
    assert_eq!(heard.first(), Some(&96_000));
    assert_eq!(heard[1], 102_000);
}

#[test]
fn lanes_cycles_voice_profile_and_voices_over_osc() {
    let session = Session::start();
    session.ok("/chronus/lane/cc", vec![i(1), i(1), i(74)]);
    session.ok("/chronus/lane/length", vec![i(1), i(1), i(3)]);
    session.ok("/chronus/lane/step", vec![i(1), i(1), i(2), f(0.5)]);
    session.ok("/chronus/lane/base", vec![i(1), i(1), f(0.0)]);
    session.ok(
        "/chronus/lane/values",
        vec![i(1), i(2), f(0.0), f(1.0), f(-1.0), f(0.25)],
    );
    session.ok("/chronus/lane/bend", vec![i(1), i(2)]);
    session.ok(
        "/chronus/lane/osc",
        vec![
            i(1),
            i(1),
            s("/mod/voice1/filter/freq"),
            f(20.0),
            f(8000.0),
            s("exp"),
        ],
    );
    session.refused("/chronus/lane/cc", vec![i(1), i(5), i(74)]);
    session.refused("/chronus/lane/step", vec![i(1), i(1), i(65), f(0.5)]);
    session.refused("/chronus/lane/step", vec![i(1), i(1), i(1), f(1.5)]);
    let reason = session.refused(
        "/chronus/lane/osc",
        vec![i(1), i(1), s("/mod/voice1/amp"), f(0.0), f(1.0), s("exp")],
    );
    assert!(reason.contains("same sign"), "{reason}");
    session.ok("/chronus/track/freq", vec![i(2), f(150.0)]);
    session.ok("/chronus/track/cycle", vec![i(3), s("C4, 150.0"), i(2)]);
    session.ok(
        "/chronus/track/voice",
        vec![i(3), s("base_amp=0.5"), s("reverb_send=0.2")],
    );
    session.refused("/chronus/track/voice", vec![i(3), s("base_amp=2")]);

    let doc = session.slot();
    let lane = &doc.tracks[0].pattern.lanes[0];
    assert_eq!(lane.midi, LaneMidi::Cc(74));
    assert_eq!(lane.length, 3);
    assert_eq!(lane.values[1].get(), Some(8192));
    assert_eq!(lane.base.get(), Some(0));
    let bend = &doc.tracks[0].pattern.lanes[1];
    assert_eq!(bend.midi, LaneMidi::PitchBend);
    let values: Vec<Option<u16>> = bend.values[..4].iter().map(|v| v.get()).collect();
    assert_eq!(values, [Some(0), Some(16_383), None, Some(4096)]);
    assert_eq!(doc.tracks[1].pattern.freq.map(Hz::get), Some(150.0));
    assert_eq!(doc.tracks[1].pattern.note, 50);
    let cycle: Vec<f32> = doc.tracks[2]
        .pattern
        .cycle
        .pitches()
        .iter()
        .map(|hz| hz.get())
        .collect();
    assert_eq!(cycle, [Hz::of_note(60).get(), 150.0]);
    let settings = session.plugin.seq_params().osc_out.0.get();
    assert_eq!(
        settings.tracks[0].lanes[0].address,
        "/mod/voice1/filter/freq"
    );
    assert_eq!(settings.tracks[0].lanes[0].curve, Curve::Exponential);
    let profile = settings.tracks[2].voice_profile.expect("a profile");
    assert_eq!(
        (profile.base_amp, profile.reverb_send, profile.filter_freq),
        (0.5, 0.2, 1000.0)
    );

    // The voice count marks what the modular does not have.
    session.ok("/chronus/voices", vec![i(2)]);
    let replies = session.send("/seq/add", vec![s("lead"), s("voice3"), s("x...")]);
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert_eq!(replies[0].addr, "/chronus/warning");
    assert!(
        matches!(&replies[0].args[0], OscType::String(text) if text.contains("voice3")),
        "{replies:?}"
    );
    assert!(session.plugin.seq_params().osc_out.0.get().beyond_voices(3));
    session.refused("/chronus/voices", vec![i(0)]);
}

#[test]
fn modular_messages_are_forwarded_in_order_until_switched_off() {
    let session = Session::start();
    let modular = UdpSocket::bind("127.0.0.1:0").expect("modular socket");
    modular
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    let port = modular.local_addr().expect("address").port();
    session
        .plugin
        .seq_params()
        .osc_out
        .0
        .update(|settings| settings.port = port);
    let sent = [
        ("/mod/voice1/filter/q", vec![f(2.5)]),
        ("/engine/status", vec![]),
        ("/gate/voice2", vec![i(1)]),
        ("/mod/voice1/osc/type", vec![i(2)]),
    ];
    for (address, args) in &sent {
        let packet = OscPacket::Message(OscMessage {
            addr: (*address).to_owned(),
            args: args.clone(),
        });
        session.send_bytes(&rosc::encoder::encode(&packet).expect("encodes"));
    }
    let mut buffer = [0u8; 2048];
    for (address, args) in &sent {
        let (size, _) = modular.recv_from(&mut buffer).expect("a forwarded message");
        let (_, packet) = rosc::decoder::decode_udp(&buffer[..size]).expect("valid OSC");
        assert_eq!(
            packet,
            OscPacket::Message(OscMessage {
                addr: (*address).to_owned(),
                args: args.clone()
            })
        );
    }
    // Forwarded messages get no reply: the next reply the client sees is the ok of this.
    session.ok("/chronus/forward", vec![i(0)]);
    // Commands run in arrival order: the four were counted before this one's reply.
    assert_eq!(
        session
            .plugin
            .osc_status()
            .forwarded
            .load(Ordering::Relaxed),
        4
    );
    let reason = session.refused("/mod/voice1/amp", vec![f(0.1)]);
    assert!(
        reason.contains("forwarding of modular messages is off"),
        "{reason}"
    );
}

/// The query's messages, by address, for track `track` (from 1).
fn track_rows<'a>(replies: &'a [OscMessage], address: &str, track: i32) -> Vec<&'a OscMessage> {
    replies
        .iter()
        .filter(|reply| reply.addr == address && reply.args[0] == i(track))
        .collect()
}

fn float(arg: &OscType) -> f32 {
    match arg {
        OscType::Float(value) => *value,
        other => panic!("not a float: {other:?}"),
    }
}

#[test]
fn the_query_reports_lanes_cycles_conditions_direction_voice_scale_and_fill() {
    let session = Session::start();
    // Track 2 gets a lane on CC 74 and an OSC address, a pitch-bend lane, step extras, a
    // direction, a frequency, a note cycle and a voice profile; the slot a scale; Fill is on.
    session.ok("/chronus/lane/cc", vec![i(2), i(1), i(74)]);
    session.ok(
        "/chronus/lane/osc",
        vec![
            i(2),
            i(1),
            s("/mod/voice2/filter/freq"),
            f(20.0),
            f(8000.0),
            s("exp"),
        ],
    );
    session.ok("/chronus/lane/length", vec![i(2), i(1), i(3)]);
    session.ok("/chronus/lane/base", vec![i(2), i(1), f(0.5)]);
    session.ok(
        "/chronus/lane/values",
        vec![i(2), i(1), f(0.0), f(1.0), f(-1.0)],
    );
    session.ok("/chronus/lane/bend", vec![i(2), i(2)]);
    session.ok("/chronus/step/condition", vec![i(2), i(5), s("1:2")]);
    session.ok("/chronus/step/probability", vec![i(2), i(3), i(50)]);
    session.ok("/chronus/step/note", vec![i(2), i(13), s("C4")]);
    session.ok("/chronus/track/direction", vec![i(2), s("pendulum")]);
    session.ok("/chronus/track/melodic", vec![i(2), i(1)]);
    session.ok("/chronus/track/freq", vec![i(2), f(110.0)]);
    session.ok("/chronus/track/cycle", vec![i(2), s("C4,D4")]);
    session.ok(
        "/chronus/track/voice",
        vec![i(2), s("base_amp=0.5"), s("filter_freq=800")],
    );
    session.ok("/chronus/scale", vec![s("D"), s("dorian")]);
    session.ok("/chronus/fill", vec![i(1)]);

    let replies = session.send("/chronus/query", vec![]);
    let slot = &replies[0];
    assert_eq!(slot.args[6..], [s("D"), s("dorian"), i(1)], "{slot:?}");

    let track = track_rows(&replies, "/chronus/state/track", 2)[0];
    assert_eq!(track.args.len(), 24, "{track:?}");
    assert_eq!(track.args[13], s("pendulum"));
    assert_eq!(track.args[14], i(1), "melodic");
    assert_eq!(track.args[15], f(110.0));
    let cycle = format!("{:?},{:?}", Hz::of_note(60).get(), Hz::of_note(62).get());
    assert_eq!(track.args[16], s(&cycle));
    assert_eq!(
        track.args[17..23],
        [i(1), f(0.5), f(800.0), f(1500.0), f(0.0), f(0.0)]
    );
    let plain = track_rows(&replies, "/chronus/state/track", 1)[0];
    assert_eq!(
        plain.args[13..23],
        [
            s("forward"),
            i(0),
            f(-1.0),
            s(""),
            i(0),
            f(0.3),
            f(1000.0),
            f(1500.0),
            f(0.0),
            f(0.0)
        ]
    );

    let steps = track_rows(&replies, "/chronus/state/steps", 2)[0];
    assert_eq!(
        steps.args,
        [i(2), s("3.probability=50 5.condition=1:2 13.note=60")]
    );
    assert_eq!(
        track_rows(&replies, "/chronus/state/steps", 1)[0].args,
        [i(1), s("")]
    );

    let lanes = track_rows(&replies, "/chronus/state/lane", 2);
    assert_eq!(lanes.len(), 4);
    let first = &lanes[0].args;
    assert_eq!(
        first[..9],
        [
            i(2),
            i(1),
            s("cc"),
            i(74),
            s("/mod/voice2/filter/freq"),
            f(20.0),
            f(8000.0),
            s("exp"),
            i(3)
        ]
    );
    assert!((float(&first[9]) - 0.5).abs() < 1e-4, "base {first:?}");
    assert_eq!(
        first[10..],
        [f(0.0), f(1.0), f(-1.0)],
        "one value per step of the lane"
    );
    assert_eq!(lanes[1].args[2..4], [s("bend"), i(-1)]);
    let empty = &lanes[3].args;
    assert_eq!(
        empty[2..10],
        [
            s("off"),
            i(-1),
            s(""),
            f(0.0),
            f(1.0),
            s("lin"),
            i(16),
            f(-1.0)
        ]
    );
    assert_eq!(empty.len(), 10 + 16, "sixteen values, none set");

    // The digest moves with a lane value of track 2 alone.
    let digest = |replies: &[OscMessage], track: i32| {
        track_rows(replies, "/chronus/state/track", track)[0].args[23].clone()
    };
    session.ok("/chronus/lane/step", vec![i(2), i(1), i(3), f(0.25)]);
    let again = session.send("/chronus/query", vec![]);
    assert_ne!(digest(&again, 2), digest(&replies, 2));
    assert_eq!(digest(&again, 1), digest(&replies, 1));
    // So does an OSC lane destination, which is a setting, not part of the slot.
    session.ok("/chronus/lane/osc", vec![i(1), i(4), s("/mod/voice1/amp")]);
    let third = session.send("/chronus/query", vec![]);
    assert_ne!(digest(&third, 1), digest(&again, 1));
}

/// A dry run names what changed, also where the pattern string stays the same.
#[test]
fn check_names_lane_condition_direction_and_scale_changes() {
    let session = Session::start();
    let check = |args: Vec<OscType>| -> serde_json::Value {
        let replies = session.send("/chronus/check", args);
        assert_eq!(replies.len(), 1, "{replies:?}");
        let OscType::String(json) = &replies[0].args[1] else {
            panic!("{replies:?}")
        };
        serde_json::from_str(json).expect("JSON")
    };
    let lane = check(vec![s("/chronus/lane/step"), i(3), i(2), i(5), f(1.0)]);
    assert_eq!(lane["changed"], true);
    assert_eq!(lane["tracks"][0]["parts"], serde_json::json!(["lane2"]));
    assert_eq!(lane["tracks"][0]["after"]["lanes"][1]["values"][4], 1.0);
    assert_eq!(lane["tracks"][0]["before"]["lanes"][1]["values"][4], -1.0);

    let condition = check(vec![s("/chronus/step/condition"), i(1), i(1), s("fill")]);
    assert_eq!(
        condition["tracks"][0]["parts"],
        serde_json::json!(["conditions"])
    );
    assert_eq!(condition["tracks"][0]["after"]["steps"], "1.condition=fill");

    let direction = check(vec![s("/chronus/track/direction"), i(1), s("reverse")]);
    assert_eq!(
        direction["tracks"][0]["parts"],
        serde_json::json!(["direction"])
    );
    assert_eq!(direction["tracks"][0]["after"]["direction"], "reverse");

    let scale = check(vec![s("/chronus/scale"), s("E"), s("minor")]);
    assert_eq!(scale["changed"], true);
    assert_eq!(
        scale["slots"],
        serde_json::json!([{ "slot": 1, "scale": [["C", "chromatic"], ["E", "minor"]] }])
    );
    assert_eq!(
        session.slot(),
        PatternDoc::default(),
        "a dry run changes nothing"
    );
}

/// Every string at its longest, every step and lane full: each message of the query still fits
/// in what common OSC receivers read at once.
#[test]
fn a_slot_filled_to_the_brim_replies_in_bounded_messages() {
    let session = Session::start();
    session.ok("/chronus/track/name", vec![i(16), s(&"n".repeat(64))]);
    session.ok("/chronus/pattern", vec![i(16), s(&"X".repeat(64))]);
    for step in 1..=64 {
        session.ok("/chronus/step/probability", vec![i(16), i(step), i(99)]);
        session.ok("/chronus/step/ratchet", vec![i(16), i(step), i(8)]);
        session.ok("/chronus/step/nudge", vec![i(16), i(step), i(-50)]);
        session.ok("/chronus/step/note", vec![i(16), i(step), i(127)]);
        session.ok("/chronus/step/condition", vec![i(16), i(step), s("!fill")]);
    }
    let address = format!("/{}", "a".repeat(1_023));
    for lane in 1..=4 {
        session.ok("/chronus/lane/length", vec![i(16), i(lane), i(64)]);
        session.ok(
            "/chronus/lane/values",
            (0..64)
                .map(|_| f(0.333))
                .fold(vec![i(16), i(lane)], |mut args, value| {
                    args.push(value);
                    args
                }),
        );
        session.ok(
            "/chronus/lane/osc",
            vec![i(16), i(lane), s(&address), f(-12345.678), f(12345.678)],
        );
    }
    let cycle = vec!["12345.679"; 64].join(",");
    session.ok("/chronus/track/cycle", vec![i(16), s(&cycle)]);
    session.ok("/chronus/track/voice", vec![i(16)]);

    let replies = session.send("/chronus/query", vec![]);
    assert_eq!(replies.len(), 98);
    let track = track_rows(&replies, "/chronus/state/track", 16)[0];
    assert_eq!(track.args[16], s(&vec!["12345.679"; 64].join(",")));
    for reply in &replies {
        let bytes = rosc::encoder::encode(&OscPacket::Message(reply.clone())).expect("encodes");
        assert!(
            bytes.len() <= chronus_seq::MAX_STATE_MESSAGE_BYTES,
            "{} is {} bytes",
            reply.addr,
            bytes.len()
        );
    }
}
