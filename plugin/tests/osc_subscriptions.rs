//! Subscriptions end to end: the real plugin, activated, with its OSC input on loopback; a UDP
//! client subscribes and receives the pushed messages for an editor-side edit (through the edit
//! layer), an undo sent over OSC, the transport starting and a bar line, all made by the feed
//! thread from what the store records and the audio thread publishes.

mod support;

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::Ordering;
use std::time::Duration;

use chronus_seq::edit::values::PatternSteps;
use chronus_seq::edit::{Edit, Origin, TrackRef};
use chronus_seq::ChronusSeq;
use nice_plug::prelude::*;
use rosc::{OscMessage, OscPacket, OscType};
use support::{activate, TestProcessContext};

const RATE: f32 = 48_000.0;
const BLOCK: usize = 512;

struct Client {
    socket: UdpSocket,
    plugin: SocketAddr,
}

impl Client {
    fn new(plugin: &ChronusSeq) -> Client {
        let port = plugin.osc_in_status().bound_port.load(Ordering::Acquire);
        assert_ne!(port, 0, "the OSC input listens");
        let socket = UdpSocket::bind("127.0.0.1:0").expect("client socket");
        // Only so a broken build cannot hang the test run; nothing is timed.
        socket
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        Client {
            socket,
            plugin: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    fn send(&self, address: &str, args: Vec<OscType>) {
        let packet = OscPacket::Message(OscMessage {
            addr: address.to_owned(),
            args,
        });
        let bytes = rosc::encoder::encode(&packet).expect("encode");
        self.socket.send_to(&bytes, self.plugin).expect("send");
    }

    /// Reads messages until one at `address` for which `wanted` holds; returns it.
    fn wait_for(&self, address: &str, wanted: impl Fn(&[OscType]) -> bool) -> Vec<OscType> {
        let mut buffer = [0u8; 65_536];
        loop {
            let (length, _) = self
                .socket
                .recv_from(&mut buffer)
                .expect("a message arrives");
            let (_, packet) = rosc::decoder::decode_udp(&buffer[..length]).expect("decode");
            if let OscPacket::Message(message) = packet {
                if message.addr == address && wanted(&message.args) {
                    return message.args;
                }
            }
        }
    }
}

fn s(text: &str) -> OscType {
    OscType::String(text.to_owned())
}

fn play(plugin: &mut ChronusSeq, blocks: usize, from_beat: f64) {
    let mut context = TestProcessContext::new(RATE, 1024);
    let mut left = vec![0.0f32; BLOCK];
    let mut right = vec![0.0f32; BLOCK];
    let beats_per_block = BLOCK as f64 * 2.0 / f64::from(RATE);
    for block in 0..blocks {
        context.events.clear();
        context.transport = Transport::new(RATE);
        context.transport.playing = true;
        context.transport.tempo = Some(120.0);
        context.transport.pos_beats = Some(from_beat + block as f64 * beats_per_block);
        let mut buffer = Buffer::default();
        // SAFETY: both slices live until after `process` returns and have `BLOCK` samples.
        unsafe {
            buffer.set_slices(BLOCK, |slices| {
                slices.clear();
                slices.push(&mut left[..]);
                slices.push(&mut right[..]);
            });
        }
        let mut aux = AuxiliaryBuffers {
            inputs: &mut [],
            outputs: &mut [],
        };
        plugin.process(&mut buffer, &mut aux, &mut context);
    }
}

#[test]
fn a_subscriber_hears_editor_edits_undo_transport_and_bars() {
    let mut plugin = ChronusSeq::default();
    assert!(activate(&mut plugin, RATE, BLOCK as u32));
    let client = Client::new(&plugin);

    client.send("/chronus/subscribe", vec![]);
    let reply = client.wait_for("/chronus/subscribed", |_| true);
    assert_eq!(reply[0], OscType::Int(60));
    assert_eq!(reply[1..].len(), 4, "every topic: {reply:?}");

    // An edit in the editor, through the edit layer.
    let steps = PatternSteps::parse("x.x.X").expect("steps");
    plugin
        .edits()
        .apply(
            Origin::Editor,
            0,
            Edit::WriteSteps {
                track: TrackRef::Index(3),
                steps,
            },
        )
        .expect("edit");
    let changed = client.wait_for("/chronus/changed", |_| true);
    assert_eq!(changed[1], s("editor"));
    assert_eq!(changed[2], OscType::Int(1), "one track changed");
    assert_eq!(changed[3], s("now"));
    let serial = changed[0].clone();
    let track = client.wait_for("/chronus/changed/track", |_| true);
    assert_eq!(
        track[..5],
        [
            serial,
            OscType::Int(1),
            OscType::Int(4),
            s("Track 4"),
            s("x.x.X")
        ]
    );
    assert_eq!(track[5], s("length,steps"), "the changed parts");

    // An undo over OSC: the track goes back.
    client.send("/chronus/undo", vec![]);
    let changed = client.wait_for("/chronus/changed", |args| args[1] == s("undo"));
    assert_eq!(changed[2], OscType::Int(1));
    let track = client.wait_for("/chronus/changed/track", |_| true);
    assert_eq!(track[2], OscType::Int(4));
    assert_ne!(
        track[4],
        s("x.x.X"),
        "the pattern before the edit: {track:?}"
    );

    // The transport starts and plays into the second bar (4/4 from the song start).
    play(&mut plugin, 200, 0.0);
    let transport = client.wait_for("/chronus/transport", |_| true);
    assert_eq!(transport[0], OscType::Int(1));
    assert_eq!(transport[1], OscType::Float(120.0));
    client.wait_for("/chronus/bar", |args| args[0] == OscType::Long(2));

    client.send("/chronus/unsubscribe", vec![]);
    client.wait_for("/chronus/ok", |args| args[0] == s("/chronus/unsubscribe"));
}

#[test]
fn subscribing_is_checked() {
    let mut plugin = ChronusSeq::default();
    assert!(activate(&mut plugin, RATE, BLOCK as u32));
    let client = Client::new(&plugin);
    client.send("/chronus/subscribe", vec![s("gossip")]);
    let error = client.wait_for("/seq/error", |_| true);
    assert_eq!(error[0], s("/chronus/subscribe"));
    client.send("/chronus/subscribe", vec![s("bars")]);
    let reply = client.wait_for("/chronus/subscribed", |_| true);
    assert_eq!(reply[1..], [s("bars")]);
}

/// Changes the pattern string does not show are pushed with the parts they changed: a lane, a
/// trig condition, a direction (`/chronus/changed/track`), a scale (`/chronus/changed/scale`) and
/// a lane's OSC destination, which is an OSC output setting (`/chronus/changed/osc`).
#[test]
fn a_subscriber_sees_lane_condition_direction_scale_and_setting_changes() {
    let mut plugin = ChronusSeq::default();
    assert!(activate(&mut plugin, RATE, BLOCK as u32));
    let client = Client::new(&plugin);
    client.send("/chronus/subscribe", vec![s("changes")]);
    client.wait_for("/chronus/subscribed", |_| true);

    let i = OscType::Int;
    client.send(
        "/chronus/lane/step",
        vec![i(2), i(3), i(5), OscType::Float(0.75)],
    );
    let changed = client.wait_for("/chronus/changed", |_| true);
    assert_eq!(changed[2], i(1), "one track changed");
    let track = client.wait_for("/chronus/changed/track", |_| true);
    assert_eq!(track[2], i(2));
    assert_eq!(track[4], s("....X.......X..."), "the pattern string stays");
    assert_eq!(track[5], s("lane3"));

    client.send("/chronus/step/condition", vec![i(1), i(1), s("1:2")]);
    let track = client.wait_for("/chronus/changed/track", |_| true);
    assert_eq!(
        (track[2].clone(), track[5].clone()),
        (i(1), s("conditions"))
    );

    client.send("/chronus/track/direction", vec![i(3), s("random")]);
    let track = client.wait_for("/chronus/changed/track", |_| true);
    assert_eq!((track[2].clone(), track[5].clone()), (i(3), s("direction")));

    client.send("/chronus/scale", vec![s("F#"), s("blues")]);
    let changed = client.wait_for("/chronus/changed", |_| true);
    assert_eq!(changed[2], i(0), "no track changed");
    let scale = client.wait_for("/chronus/changed/scale", |_| true);
    assert_eq!(scale[0], changed[0], "the same serial");
    assert_eq!(scale[1..], [i(1), s("F#"), s("blues")]);

    client.send(
        "/chronus/lane/osc",
        vec![i(4), i(1), s("/mod/voice4/filter/freq")],
    );
    let setting = client.wait_for("/chronus/changed/osc", |_| true);
    assert_eq!(setting, [i(4), s("lane1")]);
    client.send("/chronus/track/voice", vec![i(4)]);
    let setting = client.wait_for("/chronus/changed/osc", |_| true);
    assert_eq!(setting, [i(4), s("voice_profile")]);
    client.send("/chronus/voices", vec![i(8)]);
    let setting = client.wait_for("/chronus/changed/osc", |_| true);
    assert_eq!(setting, [i(0), s("voices")]);
}
