//! The OSC-out sidecar end to end: real UDP on loopback, decoded with rosc by a receiver thread
//! in this test. No mocks. Content and order are checked on the system clock; time (due
//! instants, lateness, timetags, the rate cap, idle wake-ups) is checked exactly on a
//! [`ManualClock`] that only the test moves. No test asserts a wall-clock window: the latency
//! figures come from `cargo xtask osc-latency`. Tests run one at a time.

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use chronus_seq::clock::{Clock, ManualClock, MANUAL_WALL_START_UNIX_SECS};
use chronus_seq::engine::note_cycle::Hz;
use chronus_seq::osc_out::{
    self, Curve, GateEvent, GateKind, GateSender, LaneTarget, OscOutSettings, OscOutStatus,
    Profile, SettingsCell, Sidecar, TimingMode, VoiceProfile,
};
use rosc::{OscPacket, OscTime, OscType};
use std::time::SystemTime;

/// Tests share two cores with the machine: run them one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

fn ms(milliseconds: u64) -> Duration {
    Duration::from_millis(milliseconds)
}

/// One received OSC message.
#[derive(Clone, Debug)]
struct Msg {
    /// Index of its datagram.
    packet: usize,
    /// The enclosing bundle's timetag, if it came in a bundle.
    timetag: Option<OscTime>,
    addr: String,
    args: Vec<OscType>,
}

impl Msg {
    fn int(&self) -> i32 {
        match self.args.as_slice() {
            [OscType::Int(value)] => *value,
            other => panic!("{}: expected one int, got {other:?}", self.addr),
        }
    }

    fn float(&self) -> f32 {
        match self.args.as_slice() {
            [OscType::Float(value)] => *value,
            other => panic!("{}: expected one float, got {other:?}", self.addr),
        }
    }
}

/// Datagrams in arrival order.
type Datagrams = Arc<Mutex<Vec<Vec<u8>>>>;

/// A UDP receiver on 127.0.0.1 that keeps every datagram.
struct Receiver {
    port: u16,
    datagrams: Datagrams,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    fn new() -> Receiver {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(ms(5))).unwrap();
        let port = socket.local_addr().unwrap().port();
        let datagrams: Datagrams = Arc::new(Mutex::new(Vec::with_capacity(32_768)));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let datagrams = Arc::clone(&datagrams);
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let mut buffer = [0u8; 2048];
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(length) = socket.recv(&mut buffer) {
                        datagrams.lock().unwrap().push(buffer[..length].to_vec());
                    }
                }
            })
        };
        Receiver {
            port,
            datagrams,
            stop,
            thread: Some(thread),
        }
    }

    /// Every message so far, bundles flattened in order.
    fn messages(&self) -> Vec<Msg> {
        let datagrams = self.datagrams.lock().unwrap().clone();
        let mut messages = Vec::new();
        for (packet, bytes) in datagrams.iter().enumerate() {
            let (rest, decoded) = rosc::decoder::decode_udp(bytes).expect("valid OSC");
            assert!(rest.is_empty(), "trailing bytes");
            flatten(&decoded, packet, None, &mut messages);
        }
        messages
    }

    /// Every datagram so far, decoded.
    fn packets(&self) -> Vec<OscPacket> {
        let datagrams = self.datagrams.lock().unwrap().clone();
        datagrams
            .iter()
            .map(|bytes| rosc::decoder::decode_udp(bytes).expect("valid OSC").1)
            .collect()
    }

    /// Waits (up to 10 s) until `done` holds for the messages so far; returns them.
    fn wait_until(&self, done: impl Fn(&[Msg]) -> bool) -> Vec<Msg> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let messages = self.messages();
            if done(&messages) || Instant::now() > deadline {
                return messages;
            }
            thread::sleep(ms(2));
        }
    }

    /// Waits until no message has arrived for 100 ms.
    fn wait_until_quiet(&self) -> Vec<Msg> {
        let mut seen = usize::MAX;
        loop {
            let messages = self.wait_until(|_| true);
            if messages.len() == seen {
                return messages;
            }
            seen = messages.len();
            thread::sleep(ms(100));
        }
    }

    /// How many datagrams arrived so far.
    fn datagram_count(&self) -> usize {
        self.datagrams.lock().unwrap().len()
    }

    /// Waits until at least `count` messages arrived.
    fn wait_for(&self, count: usize) -> Vec<Msg> {
        self.wait_until(|messages| messages.len() >= count)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

fn flatten(packet: &OscPacket, index: usize, tag: Option<OscTime>, out: &mut Vec<Msg>) {
    match packet {
        OscPacket::Message(message) => out.push(Msg {
            packet: index,
            timetag: tag,
            addr: message.addr.clone(),
            args: message.args.clone(),
        }),
        OscPacket::Bundle(bundle) => {
            for inner in &bundle.content {
                flatten(inner, index, Some(bundle.timetag), out);
            }
        }
    }
}

/// Default settings aimed at `port` on loopback.
fn settings_for(port: u16) -> OscOutSettings {
    OscOutSettings {
        port,
        ..OscOutSettings::default()
    }
}

/// A running sidecar and what it shares.
struct Rig {
    cell: Arc<SettingsCell>,
    status: Arc<OscOutStatus>,
    sender: GateSender,
    sidecar: Sidecar,
}

fn rig(settings: OscOutSettings, capacity: usize) -> Rig {
    let cell = Arc::new(SettingsCell::new(settings));
    let status = Arc::new(OscOutStatus::new());
    let (sender, sidecar) =
        osc_out::start(Arc::clone(&cell), Arc::clone(&status), capacity).unwrap();
    Rig {
        cell,
        status,
        sender,
        sidecar,
    }
}

/// A running sidecar on a manual clock, and the clock.
fn manual_rig(settings: OscOutSettings, capacity: usize) -> (Rig, ManualClock) {
    let clock = ManualClock::new();
    let cell = Arc::new(SettingsCell::new(settings));
    let status = Arc::new(OscOutStatus::new());
    let (sender, sidecar) = osc_out::start_with_clock(
        Arc::clone(&cell),
        Arc::clone(&status),
        capacity,
        Arc::new(clock.clone()),
    )
    .unwrap();
    let rig = Rig {
        cell,
        status,
        sender,
        sidecar,
    };
    (rig, clock)
}

/// Waits (up to 10 s of real time, a guard against a hang, not a measurement) until `done`.
fn wait_until(done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() && Instant::now() < deadline {
        thread::sleep(Duration::from_micros(200));
    }
}

fn counter(value: &std::sync::atomic::AtomicU64) -> u64 {
    value.load(Ordering::Relaxed)
}

/// The gate values (1/0) received per address, in order.
fn gate_values(messages: &[Msg]) -> BTreeMap<String, Vec<i32>> {
    let mut values: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for message in messages.iter().filter(|m| m.addr.starts_with("/gate/")) {
        values
            .entry(message.addr.clone())
            .or_default()
            .push(message.int());
    }
    values
}

/// Asserts every address alternates 1, 0, 1, 0 … and ends closed.
fn assert_paired(messages: &[Msg]) {
    for (address, values) in gate_values(messages) {
        for (index, value) in values.iter().enumerate() {
            let expected = if index.is_multiple_of(2) { 1 } else { 0 };
            assert_eq!(*value, expected, "{address}: values {values:?}");
        }
        assert_eq!(values.len() % 2, 0, "{address} left open: {values:?}");
    }
}

/// The timetag a manual clock's instant `at` + `latency` must get: the clock's wall time at
/// `at` plus the latency, converted by rosc.
fn manual_timetag(clock: &ManualClock, at: Instant, latency: Duration) -> OscTime {
    let wall = SystemTime::UNIX_EPOCH
        + Duration::from_secs(MANUAL_WALL_START_UNIX_SECS)
        + (at - clock.start())
        + latency;
    OscTime::try_from(wall).unwrap()
}

#[test]
fn music_chronus_gates_freq_amp_first_and_paired() {
    let _serial = serial();
    let receiver = Receiver::new();
    let mut settings = settings_for(receiver.port);
    settings.tracks[0].send_freq = true;
    settings.tracks[0].send_amp = true;
    let mut rig = rig(settings, 64);
    let start = Instant::now() + ms(20);
    for hit in 0..4u32 {
        let due = start + ms(10) * hit;
        rig.sender
            .push(GateEvent::open(0, 127, 69 + hit as u8 * 12, due));
        rig.sender.push(GateEvent::open(1, 64, 60, due));
        rig.sender.push(GateEvent::close(0, due + ms(5)));
        rig.sender.push(GateEvent::close(1, due + ms(5)));
    }
    let messages = receiver.wait_for(4 * 6);
    rig.sidecar.stop();
    assert_eq!(receiver.messages().len(), 4 * 6, "stop closes nothing more");
    assert_paired(&messages);

    // Track 1: plain messages. Track 0: an "immediately" bundle of freq, amp, gate.
    let packets = receiver.packets();
    let plain = packets
        .iter()
        .filter(|p| matches!(p, OscPacket::Message(m) if m.addr == "/gate/voice2"))
        .count();
    assert_eq!(plain, 8);
    let opens: Vec<&Msg> = messages
        .iter()
        .filter(|m| m.addr == "/gate/voice1" && m.int() == 1)
        .collect();
    assert_eq!(opens.len(), 4);
    for (hit, open) in opens.iter().enumerate() {
        let same_packet: Vec<&Msg> = messages
            .iter()
            .filter(|m| m.packet == open.packet)
            .collect();
        let addresses: Vec<&str> = same_packet.iter().map(|m| m.addr.as_str()).collect();
        assert_eq!(
            addresses,
            ["/mod/voice1/freq", "/mod/voice1/amp", "/gate/voice1"]
        );
        assert_eq!(
            open.timetag,
            Some(OscTime {
                seconds: 0,
                fractional: 1
            })
        );
        assert_eq!(same_packet[0].float(), 440.0 * 2f32.powi(hit as i32));
        assert_eq!(same_packet[1].float(), 1.0);
    }
    let amp_of_track_two = messages.iter().any(|m| m.addr.starts_with("/mod/voice2"));
    assert!(!amp_of_track_two, "track 2 has freq/amp off");
    assert_eq!(counter(&rig.status.sent), 4 * 6);
    assert_eq!(counter(&rig.status.send_errors), 0);
}

#[test]
fn generic_profile_sends_track_velocity_note() {
    let _serial = serial();
    let receiver = Receiver::new();
    let mut settings = OscOutSettings {
        profile: Profile::Generic,
        ..settings_for(receiver.port)
    };
    settings.tracks[4].address = "/chronus/gate".into();
    settings.tracks[4].send_freq = true;
    let mut rig = rig(settings, 64);
    let due = Instant::now() + ms(10);
    rig.sender.push(GateEvent::open(4, 127, 36, due));
    rig.sender.push(GateEvent::close(4, due + ms(5)));
    let messages = receiver.wait_for(2);
    rig.sidecar.stop();
    let seen: Vec<(String, Vec<OscType>)> = messages
        .iter()
        .map(|m| (m.addr.clone(), m.args.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "/chronus/gate".to_owned(),
                vec![OscType::Int(5), OscType::Float(1.0), OscType::Int(36)]
            ),
            (
                "/chronus/gate".to_owned(),
                vec![OscType::Int(5), OscType::Float(0.0), OscType::Int(36)]
            ),
        ]
    );
}

#[test]
fn stop_closes_each_open_gate_once_in_track_order() {
    let _serial = serial();
    let receiver = Receiver::new();
    let mut rig = rig(settings_for(receiver.port), 64);
    let due = Instant::now() + ms(5);
    for track in [9, 1, 5] {
        rig.sender.push(GateEvent::open(track, 100, 60, due));
    }
    // A close for a track that never opened is skipped.
    rig.sender.push(GateEvent::close(3, due));
    receiver.wait_for(3);
    rig.sidecar.stop();
    let messages = receiver.wait_for(6);
    thread::sleep(ms(20));
    let messages_after = receiver.messages();
    assert_eq!(messages_after.len(), messages.len());
    let closes: Vec<&str> = messages
        .iter()
        .filter(|m| m.int() == 0)
        .map(|m| m.addr.as_str())
        .collect();
    assert_eq!(closes, ["/gate/voice2", "/gate/voice6", "/gate/voice10"]);
    assert_paired(&messages);
}

#[test]
fn close_all_event_closes_in_track_order_then_stop_adds_nothing() {
    let _serial = serial();
    let receiver = Receiver::new();
    let mut rig = rig(settings_for(receiver.port), 64);
    let due = Instant::now() + ms(5);
    for track in [15, 0, 7] {
        rig.sender.push(GateEvent::open(track, 100, 60, due));
    }
    rig.sender.push(GateEvent::close_all(due + ms(5)));
    let messages = receiver.wait_for(6);
    rig.sidecar.stop();
    thread::sleep(ms(20));
    assert_eq!(receiver.messages().len(), 6);
    let closes: Vec<&str> = messages[3..].iter().map(|m| m.addr.as_str()).collect();
    assert_eq!(closes, ["/gate/voice1", "/gate/voice8", "/gate/voice16"]);
    assert_paired(&messages);
}

#[test]
fn bundle_mode_timetags_are_due_plus_latency_exactly_and_sent_at_once() {
    let _serial = serial();
    let receiver = Receiver::new();
    let mut settings = OscOutSettings {
        mode: TimingMode::Bundle,
        bundle_latency_ms: 20.0,
        ..settings_for(receiver.port)
    };
    settings.tracks[2].send_freq = true;
    settings.tracks[2].send_amp = true;
    let (mut rig, clock) = manual_rig(settings, 64);
    clock.advance(ms(3));
    let pushed = clock.now();
    let dues: Vec<Instant> = (0..10u32)
        .map(|i| pushed + ms(200) + Duration::from_micros(7_013) * i)
        .collect();
    for (i, &due) in dues.iter().enumerate() {
        if i.is_multiple_of(2) {
            rig.sender.push(GateEvent::open(2, 127, 57, due));
        } else {
            rig.sender.push(GateEvent::close(2, due));
        }
    }
    // The clock does not move: everything leaves at once, ahead of its due instant.
    let messages = receiver.wait_for(5 * 3 + 5);
    rig.sidecar.stop();
    let gates: Vec<&Msg> = messages
        .iter()
        .filter(|m| m.addr == "/gate/voice3")
        .collect();
    assert_eq!(gates.len(), 10);
    for (gate, &due) in gates.iter().zip(&dues) {
        assert_eq!(
            gate.timetag,
            Some(manual_timetag(&clock, due, ms(20))),
            "timetag = wall time of the due instant + 20 ms"
        );
    }
    // freq and amp precede each open inside its bundle.
    for open in gates.iter().filter(|m| m.int() == 1) {
        let addresses: Vec<&str> = messages
            .iter()
            .filter(|m| m.packet == open.packet)
            .map(|m| m.addr.as_str())
            .collect();
        assert_eq!(
            addresses,
            ["/mod/voice3/freq", "/mod/voice3/amp", "/gate/voice3"]
        );
    }
    let freq = messages
        .iter()
        .find(|m| m.addr == "/mod/voice3/freq")
        .unwrap();
    assert_eq!(freq.float(), 220.0);
    assert_paired(&messages);
    // Bundle mode counts lateness from when the sidecar took the event: none, time stood still.
    let lateness = rig.status.lateness_summary();
    assert_eq!((lateness.count, lateness.max_ms), (10, 0.0));
}

#[test]
fn timed_mode_sends_each_event_at_its_due_instant_in_due_order() {
    let _serial = serial();
    let receiver = Receiver::new();
    let (mut rig, clock) = manual_rig(settings_for(receiver.port), 1024);
    let start = clock.now() + ms(30);
    let count = 300usize;
    // Pushed out of order in pairs (each close before its open in the queue): the sidecar sends
    // by due instant.
    let dues: Vec<Instant> = (0..count as u32)
        .map(|i| start + Duration::from_micros(2_300) * i)
        .collect();
    for pair in dues.chunks(2).enumerate() {
        let (index, pair) = pair;
        let track = (index % 16) as u8;
        rig.sender.push(GateEvent::close(track, pair[1]));
        rig.sender.push(GateEvent::open(track, 100, 60, pair[0]));
    }
    for (sent, &due) in dues.iter().enumerate() {
        // Nothing leaves before its due instant: with the clock on the previous one, exactly
        // the earlier events have gone.
        assert_eq!(counter(&rig.status.sent), sent as u64);
        clock.advance_to(due);
        wait_until(|| counter(&rig.status.sent) > sent as u64);
        assert_eq!(
            counter(&rig.status.sent),
            sent as u64 + 1,
            "one per due instant"
        );
    }
    let messages = receiver.wait_for(count);
    rig.sidecar.stop();
    assert_eq!(messages.len(), count);
    let expected: Vec<(String, i32)> = (0..count)
        .map(|i| {
            (
                format!("/gate/voice{}", i / 2 % 16 + 1),
                i32::from(i % 2 == 0),
            )
        })
        .collect();
    let got: Vec<(String, i32)> = messages.iter().map(|m| (m.addr.clone(), m.int())).collect();
    assert_eq!(got, expected);
    let summary = rig.status.lateness_summary();
    assert_eq!((summary.count, summary.max_ms), (count as u64, 0.0));
}

#[test]
fn lateness_is_counted_from_the_due_instant_exactly() {
    let _serial = serial();
    let receiver = Receiver::new();
    let (mut rig, clock) = manual_rig(settings_for(receiver.port), 64);
    let due = clock.now() + ms(10);
    rig.sender.push(GateEvent::open(0, 100, 60, due));
    rig.sender.push(GateEvent::close(0, due + ms(1)));
    // The sidecar is woken 3.25 ms after the open was due: both leave then, in due order.
    clock.advance_to(due + Duration::from_micros(3_250));
    let messages = receiver.wait_for(2);
    rig.sidecar.stop();
    assert_eq!(gate_values(&messages)["/gate/voice1"], [1, 0]);
    let summary = rig.status.lateness_summary();
    assert_eq!(summary.count, 2);
    assert_eq!(summary.max_ms, 3.25);
    // The close was 2.25 ms late: the median is the upper edge of its 10 µs bin.
    assert!((summary.p50_ms - 2.26).abs() < 1e-9, "{summary:?}");
}

#[test]
fn events_due_together_keep_their_push_order() {
    let _serial = serial();
    let receiver = Receiver::new();
    let (mut rig, clock) = manual_rig(settings_for(receiver.port), 64);
    let due = clock.now() + ms(5);
    for track in [7, 2, 11, 0] {
        rig.sender.push(GateEvent::open(track, 100, 60, due));
    }
    clock.advance_to(due);
    let messages = receiver.wait_for(4);
    let order: Vec<&str> = messages.iter().map(|m| m.addr.as_str()).collect();
    assert_eq!(
        order,
        [
            "/gate/voice8",
            "/gate/voice3",
            "/gate/voice12",
            "/gate/voice1"
        ]
    );
    rig.sidecar.stop();
}

#[test]
fn an_idle_sidecar_sleeps_until_pushed_or_its_idle_wake() {
    let _serial = serial();
    let receiver = Receiver::new();
    let (mut rig, clock) = manual_rig(settings_for(receiver.port), 64);
    wait_until(|| clock.waits() >= 1);
    // With the clock standing still and nothing queued, the sidecar stays asleep: a polling
    // sidecar would wake again here.
    thread::sleep(ms(50));
    assert_eq!(clock.waits(), 1);
    // Time passing less than the idle wake-up wakes it to look (every move does), and it goes
    // back to sleep until its idle deadline.
    clock.advance(osc_out::IDLE_WAKE);
    wait_until(|| clock.waits() >= 2);
    thread::sleep(ms(20));
    assert_eq!(clock.waits(), 2);
    // A push wakes it at once; it sleeps until the event is due (less its spin window).
    let due = clock.now() + ms(10);
    rig.sender.push(GateEvent::open(0, 100, 60, due));
    wait_until(|| clock.waits() >= 3);
    assert_eq!(counter(&rig.status.sent), 0);
    clock.advance_to(due);
    receiver.wait_for(1);
    rig.sidecar.stop();
    assert_eq!(receiver.wait_for(2).len(), 2);
}

#[test]
fn flood_of_ten_thousand_per_second_without_drops() {
    let _serial = serial();
    let receiver = Receiver::new();
    let (
        Rig {
            status,
            mut sender,
            sidecar,
            ..
        },
        clock,
    ) = manual_rig(settings_for(receiver.port), 16_384);
    // An audio-like producer on the manual clock: every millisecond, the next millisecond's ten
    // events, due 5 ms on. The clock moves one millisecond at a time once the events due by then
    // have arrived, so the count and order are checked, not the machine's speed.
    let due_at = |event: u32| clock.at(ms(5) + Duration::from_micros(100) * event);
    let mut index = 0u32;
    for block in 0..1_005u32 {
        if block < 1_000 {
            for _ in 0..10u32 {
                let track = (index / 2 % 16) as u8;
                let due = due_at(index);
                if index.is_multiple_of(2) {
                    sender.push(GateEvent::open(track, 100, 60, due));
                } else {
                    sender.push(GateEvent::close(track, due));
                }
                index += 1;
            }
        }
        clock.advance(ms(1));
        let now = clock.start() + clock.elapsed();
        let due_by_now = (0..index).filter(|event| due_at(*event) <= now).count();
        wait_until(|| receiver.datagram_count() >= due_by_now);
        assert_eq!(
            receiver.datagram_count(),
            due_by_now,
            "at {:?}",
            clock.elapsed()
        );
    }
    sidecar.stop();
    let messages = receiver.messages();
    assert_eq!(counter(&status.dropped_queue_full), 0);
    assert_eq!(counter(&status.rate_limited), 0);
    assert_eq!(counter(&status.send_errors), 0);
    assert_eq!(counter(&status.sent), 10_000);
    assert_eq!(messages.len(), 10_000, "every datagram arrived");
    assert_paired(&messages);
}

#[test]
fn rate_cap_drops_opens_never_closes() {
    let _serial = serial();
    let receiver = Receiver::new();
    let settings = OscOutSettings {
        max_messages_per_second: 100,
        ..settings_for(receiver.port)
    };
    let (mut rig, clock) = manual_rig(settings, 1024);
    let due = clock.now() + ms(5);
    for _ in 0..200 {
        rig.sender.push(GateEvent::open(0, 100, 60, due));
        rig.sender.push(GateEvent::close(0, due));
    }
    clock.advance_to(due);
    // A bucket of ten messages (a tenth of a second at 100 a second) and no time to refill it:
    // five opens and their five closes go, the other 195 opens are dropped and counted, and
    // their closes are skipped (nothing open).
    let opens = |messages: &[Msg]| messages.iter().filter(|m| m.int() == 1).count() as u64;
    wait_until(|| opens(&receiver.messages()) + counter(&rig.status.rate_limited) == 200);
    let messages = receiver.wait_for(10);
    assert_eq!(counter(&rig.status.rate_limited), 195);
    assert_eq!(opens(&messages), 5);
    assert_paired(&messages);

    // A tenth of a second later the bucket is full again: ten more messages, five pairs.
    let later = due + ms(100);
    for _ in 0..10 {
        rig.sender.push(GateEvent::open(1, 100, 60, later));
        rig.sender.push(GateEvent::close(1, later));
    }
    clock.advance_to(later);
    wait_until(|| counter(&rig.status.rate_limited) == 200);
    let messages = receiver.wait_for(20);
    rig.sidecar.stop();
    assert_eq!(
        gate_values(&messages)["/gate/voice2"],
        [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]
    );
    assert_eq!(counter(&rig.status.rate_limited), 200);
}

#[test]
fn queue_overflow_leaves_no_gate_open() {
    let _serial = serial();
    let receiver = Receiver::new();
    let mut rig = rig(settings_for(receiver.port), 1);
    // Bursts far faster than the sidecar sends, until the one-event queue has overflowed a few
    // dozen times (a push that wakes a parked sidecar is slow, so one burst alone may not
    // overflow it). The flood stops there, so the sidecar sends few enough datagrams for the
    // receiver to take every one even on a loaded machine (a loopback socket's buffer holds a
    // few hundred: a lost close would look like a gate left open).
    let mut pushed = 0u32;
    while counter(&rig.status.dropped_queue_full) < 40 && pushed < 5_000_000 {
        let track = (pushed % 16) as u8;
        rig.sender
            .push(GateEvent::open(track, 100, 60, Instant::now()));
        rig.sender.push(GateEvent::close(track, Instant::now()));
        pushed += 1;
    }
    assert!(counter(&rig.status.dropped_queue_full) > 0);
    // Before stop, once the sidecar has sent everything it took: every gate the receiver saw
    // open has been closed again.
    wait_until(|| receiver.messages().len() as u64 == counter(&rig.status.sent));
    let messages = receiver.wait_until_quiet();
    let before_stop = messages.len();
    assert_eq!(
        before_stop as u64,
        counter(&rig.status.sent),
        "every message arrived"
    );
    assert_paired(&messages);
    rig.sidecar.stop();
    thread::sleep(ms(20));
    assert_eq!(
        receiver.messages().len(),
        before_stop,
        "nothing left to close"
    );
}

#[test]
fn no_listener_counts_errors_and_keeps_running() {
    let _serial = serial();
    let dead_port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut rig = rig(settings_for(dead_port), 256);
    let start = Instant::now() + ms(5);
    for i in 0..40u32 {
        rig.sender
            .push(GateEvent::open(0, 100, 60, start + ms(2) * i));
        rig.sender
            .push(GateEvent::close(0, start + ms(2) * i + ms(1)));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while counter(&rig.status.send_errors) == 0 && Instant::now() < deadline {
        thread::sleep(ms(5));
    }
    assert!(counter(&rig.status.send_errors) > 0);
    let error = rig.status.last_error().expect("error text");
    assert!(error.contains("refused"), "{error}");
    assert!(rig.sidecar.is_running());
    // Every one of the 80 messages has been tried (sent, failed, or its gate refused by the
    // rate cap, which also drops its close) before the target changes, so none of them reaches
    // the listener below.
    let tried = |status: &OscOutStatus| {
        counter(&status.sent) + counter(&status.send_errors) + 2 * counter(&status.rate_limited)
    };
    wait_until(|| tried(&rig.status) >= 80);

    // Still alive: point it at a listener and it delivers.
    let receiver = Receiver::new();
    rig.cell.set(settings_for(receiver.port));
    thread::sleep(ms(20));
    let due = Instant::now() + ms(5);
    rig.sender.push(GateEvent::open(3, 100, 60, due));
    rig.sender.push(GateEvent::close(3, due + ms(1)));
    let messages = receiver.wait_until(|messages| {
        gate_values(messages)
            .get("/gate/voice4")
            .is_some_and(|values| values.len() == 2)
    });
    rig.sidecar.stop();
    assert_eq!(gate_values(&messages)["/gate/voice4"], [1, 0]);
    // The stop closes what is still open; its datagrams may still be on their way.
    assert_paired(&receiver.wait_until_quiet());
}

#[test]
fn unresolvable_host_counts_errors_and_keeps_running() {
    let _serial = serial();
    let settings = OscOutSettings {
        host: "no-such-host.invalid".into(),
        ..OscOutSettings::default()
    };
    let mut rig = rig(settings, 256);
    let due = Instant::now() + ms(5);
    rig.sender.push(GateEvent::open(0, 100, 60, due));
    rig.sender.push(GateEvent::close(0, due + ms(1)));
    let deadline = Instant::now() + Duration::from_secs(10);
    while counter(&rig.status.send_errors) < 2 && Instant::now() < deadline {
        thread::sleep(ms(5));
    }
    assert_eq!(counter(&rig.status.send_errors), 2);
    let error = rig.status.last_error().expect("error text");
    assert!(error.contains("no-such-host.invalid"), "{error}");
    assert!(rig.sidecar.is_running());

    let receiver = Receiver::new();
    rig.cell.set(settings_for(receiver.port));
    thread::sleep(ms(20));
    let due = Instant::now() + ms(5);
    rig.sender.push(GateEvent::open(0, 100, 60, due));
    let messages = receiver.wait_for(1);
    rig.sidecar.stop();
    let messages = receiver.wait_for(messages.len() + 1);
    assert_eq!(gate_values(&messages)["/gate/voice1"], [1, 0]);
}

#[test]
fn settings_change_closes_on_the_old_target_first() {
    let _serial = serial();
    let old = Receiver::new();
    let new = Receiver::new();
    let mut rig = rig(settings_for(old.port), 64);
    let due = Instant::now() + ms(5);
    rig.sender.push(GateEvent::open(1, 100, 60, due));
    rig.sender.push(GateEvent::open(0, 100, 60, due));
    old.wait_for(2);

    // New port: both gates close on the old receiver, in track order.
    rig.cell.set(settings_for(new.port));
    let closed = old.wait_for(4);
    let closes: Vec<(&str, i32)> = closed[2..]
        .iter()
        .map(|m| (m.addr.as_str(), m.int()))
        .collect();
    assert_eq!(closes, [("/gate/voice1", 0), ("/gate/voice2", 0)]);

    // Their engine closes arrive later and are skipped: those gates are no longer open.
    let due = Instant::now() + ms(5);
    rig.sender.push(GateEvent::close(0, due));
    rig.sender.push(GateEvent::close(1, due));
    rig.sender.push(GateEvent::open(3, 100, 60, due + ms(1)));
    rig.sender.push(GateEvent::open(2, 100, 60, due + ms(1)));
    new.wait_for(2);

    // New address for track 4 only: its gate closes at the old address; track 3 stays open.
    rig.cell
        .update(|settings| settings.tracks[3].address = "/gate/voice9".into());
    let messages = new.wait_for(3);
    assert_eq!(messages[2].addr, "/gate/voice4");
    assert_eq!(messages[2].int(), 0);
    rig.sidecar.stop();
    let messages = new.wait_for(4);
    thread::sleep(ms(20));
    assert_eq!(new.messages().len(), 4);
    assert_eq!(
        (messages[3].addr.as_str(), messages[3].int()),
        ("/gate/voice3", 0)
    );
    assert_eq!(old.messages().len(), 4);
    assert_paired(&messages);
}

#[test]
fn push_never_allocates() {
    let _serial = serial();
    let receiver = Receiver::new();
    let due = Instant::now() + ms(5);
    // While the sidecar runs: pushes that wake it, and may or may not overflow the queue.
    let mut running = rig(settings_for(receiver.port), 8);
    nice_assert_no_alloc::assert_no_alloc(|| {
        for index in 0..4_096u32 {
            running
                .sender
                .push(GateEvent::open((index % 16) as u8, 100, 60, due));
        }
    });
    running.sidecar.stop();

    // With nobody taking events, a burst past the capacity fills the queue and every other
    // event is dropped and counted, still without allocating; a dropped close-all asks for one.
    let Rig {
        mut sender,
        status,
        sidecar,
        ..
    } = rig(settings_for(receiver.port), 8);
    sidecar.stop();
    nice_assert_no_alloc::assert_no_alloc(|| {
        for index in 0..4_096u32 {
            sender.push(GateEvent::open((index % 16) as u8, 100, 60, due));
        }
        sender.push(GateEvent {
            track: 0,
            kind: GateKind::CloseAll,
            due,
        });
    });
    assert_eq!(sender.capacity(), 8);
    assert_eq!(counter(&status.dropped_queue_full), 4_097 - 8);
}

fn thread_count() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
#[cfg(target_os = "linux")]
fn start_stop_two_hundred_times_leaks_nothing() {
    let _serial = serial();
    let receiver = Receiver::new();
    let (threads, fds) = (thread_count(), fd_count());
    for _ in 0..200 {
        let mut rig = rig(settings_for(receiver.port), 16);
        rig.sender.push(GateEvent::open(0, 100, 60, Instant::now()));
        // Wait until the open went out, so stop has a gate to close.
        let deadline = Instant::now() + Duration::from_secs(5);
        while counter(&rig.status.sent) == 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_micros(200));
        }
        if alternate() {
            drop(rig);
        } else {
            rig.sidecar.stop();
        }
    }
    // The test harness starts and ends a thread per test around this one (other tests wait
    // for the lock on their own threads), so the thread count may move by one or two either
    // way; 200 leaked sidecars would put it 200 above.
    const HARNESS_THREADS: usize = 2;
    let settled = Instant::now() + Duration::from_secs(2);
    while (thread_count() > threads || fd_count() > fds) && Instant::now() < settled {
        thread::sleep(Duration::from_millis(10));
    }
    assert!(
        thread_count() <= threads + HARNESS_THREADS,
        "threads back to baseline"
    );
    assert!(fd_count() <= fds, "sockets back to baseline");
    let messages = receiver.wait_for(400);
    assert_eq!(messages.len(), 400);
    assert_paired(&messages);
}

/// Alternates between stopping explicitly and dropping.
fn alternate() -> bool {
    use std::sync::atomic::AtomicU32;
    static TURN: AtomicU32 = AtomicU32::new(0);
    TURN.fetch_add(1, Ordering::Relaxed).is_multiple_of(2)
}

/// The Music Chronus voice profile and lane values, queued as the audio thread queues a piece
/// (lane value and pitch first, then the open, all due at once): in both timing modes they
/// arrive in one datagram with the gate, in Music Chronus's order (freq, amp, filter/freq,
/// sends), the lane after them, the gate last. A lane value without an open goes alone (mapped
/// onto its range), and a lane of a track whose gate address is empty still sends.
#[test]
fn voice_profile_and_lanes_go_in_the_gates_bundle_before_it() {
    let _serial = serial();
    for mode in [TimingMode::Timed, TimingMode::Bundle] {
        let receiver = Receiver::new();
        let mut settings = settings_for(receiver.port);
        settings.mode = mode;
        settings.tracks[1].voice_profile = Some(VoiceProfile {
            reverb_send: 0.25,
            ..VoiceProfile::default()
        });
        settings.tracks[1].lanes[2] = LaneTarget {
            address: "/mod/voice2/filter/q".into(),
            min: 1.0,
            max: 3.0,
            curve: Curve::Linear,
        };
        settings.tracks[4].address = String::new();
        settings.tracks[4].lanes[0] = LaneTarget {
            address: "/mod/voice1/slide_time".into(),
            ..LaneTarget::default()
        };
        let mut rig = rig(settings, 64);
        let due = Instant::now() + ms(30);
        let later = due + ms(10);
        let hz = Hz::new(150.0).unwrap();
        rig.sender.push_all(&[
            GateEvent {
                track: 1,
                kind: GateKind::Param {
                    lane: 2,
                    value: 16_383,
                },
                due,
            },
            GateEvent {
                track: 4,
                kind: GateKind::Param { lane: 0, value: 0 },
                due,
            },
            GateEvent {
                track: 1,
                kind: GateKind::Pitch { hz },
                due,
            },
            GateEvent::open(1, 76, 50, due),
            GateEvent {
                track: 1,
                kind: GateKind::Param { lane: 2, value: 0 },
                due: later,
            },
            GateEvent::close(1, later),
        ]);
        let messages = receiver.wait_for(10);
        let summary: Vec<(usize, &str, Vec<OscType>)> = messages
            .iter()
            .map(|m| (m.packet, m.addr.as_str(), m.args.clone()))
            .collect();
        let gate_packet = messages
            .iter()
            .find(|m| m.addr == "/gate/voice2")
            .expect("the open")
            .packet;
        let in_gate_packet: Vec<(&str, Vec<OscType>)> = summary
            .iter()
            .filter(|(packet, ..)| *packet == gate_packet)
            .map(|(_, addr, args)| (*addr, args.clone()))
            .collect();
        let float = |value: f32| vec![OscType::Float(value)];
        assert_eq!(
            in_gate_packet,
            vec![
                ("/mod/voice2/freq", float(150.0)),
                ("/mod/voice2/amp", float(0.18)),
                ("/mod/voice2/filter/freq", float(1150.0)),
                ("/mod/voice2/send/reverb", float(0.25)),
                ("/mod/voice2/send/delay", float(0.0)),
                ("/mod/voice2/filter/q", float(3.0)),
                ("/gate/voice2", vec![OscType::Int(1)]),
            ],
            "{mode:?}: {summary:?}"
        );
        let alone: Vec<&(usize, &str, Vec<OscType>)> = summary
            .iter()
            .filter(|(packet, ..)| *packet != gate_packet)
            .collect();
        assert_eq!(alone.len(), 3, "{mode:?}: {summary:?}");
        assert!(alone
            .iter()
            .any(|(_, addr, args)| *addr == "/mod/voice1/slide_time" && *args == float(0.0)));
        // The later lane value has no open to ride with: it goes on its own, next to the close
        // due at the same instant.
        let mut later: Vec<(&str, Vec<OscType>)> = alone
            .iter()
            .filter(|(_, addr, _)| addr.starts_with("/mod/voice2") || addr.starts_with("/gate"))
            .map(|(_, addr, args)| (*addr, args.clone()))
            .collect();
        later.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(
            later,
            [
                ("/gate/voice2", vec![OscType::Int(0)]),
                ("/mod/voice2/filter/q", float(1.0))
            ]
        );
        assert_eq!(counter(&rig.status.sent), 10);
        rig.sidecar.stop();
    }
}
