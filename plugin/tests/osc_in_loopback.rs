//! The OSC-in server end to end: real UDP sockets on loopback, a test command handler that
//! echoes `/ok <address>` and refuses `/fail`. No mocks of the network. Tests run one at a time
//! so their sockets and counters do not disturb each other; apart from the 5004 fallback test
//! they use ports the OS hands out.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chronus_seq::osc_in::{
    self, CommandError, CommandHandler, OscInServer, OscInSettings, OscInStatus, ERROR_ADDRESS,
    ERROR_REPLIES_PER_SECOND, ERROR_REPLY_BURST, RESERVED_PORTS,
};
use rosc::{encoder, OscBundle, OscMessage, OscPacket, OscTime, OscType};

/// Tests share the machine's ports and cores: run them one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Addresses the handler saw, in order.
type Seen = Arc<Mutex<Vec<String>>>;

/// Replies `/ok <address>` and records the address; refuses `/fail`.
struct Echo {
    seen: Seen,
}

impl CommandHandler for Echo {
    fn handle(&mut self, message: &OscMessage) -> Result<Vec<OscMessage>, CommandError> {
        self.seen.lock().unwrap().push(message.addr.clone());
        if message.addr == "/fail" {
            return Err(CommandError::new(&message.addr, "asked to fail"));
        }
        Ok(vec![OscMessage {
            addr: "/ok".to_owned(),
            args: vec![OscType::String(message.addr.clone())],
        }])
    }
}

/// A running server with its handler's record and status.
struct Rig {
    server: OscInServer,
    status: Arc<OscInStatus>,
    seen: Seen,
}

impl Rig {
    /// A server on a port the OS just had free.
    fn start() -> Rig {
        Rig::start_on(free_port()).unwrap()
    }

    fn start_on(port: u16) -> io::Result<Rig> {
        let status = Arc::new(OscInStatus::new());
        let seen = Seen::default();
        let handler = Box::new(Echo {
            seen: Arc::clone(&seen),
        });
        let server = osc_in::start(&settings(port), handler, Arc::clone(&status))?;
        Ok(Rig {
            server,
            status,
            seen,
        })
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.server.local_port()))
    }

    fn count(&self, counter: fn(&OscInStatus) -> &AtomicU64) -> u64 {
        counter(&self.status).load(Ordering::Relaxed)
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn settings(port: u16) -> OscInSettings {
    OscInSettings {
        host: "127.0.0.1".into(),
        port,
        enabled: true,
    }
}

/// A port that was free a moment ago (the server falls back if it is taken meanwhile).
fn free_port() -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().port()
}

/// A test client on its own loopback port.
struct Client {
    socket: UdpSocket,
}

impl Client {
    fn new() -> Client {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        Client { socket }
    }

    fn port(&self) -> u16 {
        self.socket.local_addr().unwrap().port()
    }

    fn send(&self, to: SocketAddr, packet: &OscPacket) {
        self.send_bytes(to, &encoder::encode(packet).unwrap());
    }

    fn send_bytes(&self, to: SocketAddr, bytes: &[u8]) {
        self.socket.send_to(bytes, to).unwrap();
    }

    /// The next reply within `wait`, with the address it came from.
    fn recv_within(&self, wait: Duration) -> Option<(OscMessage, SocketAddr)> {
        let deadline = Instant::now() + wait;
        let mut buffer = [0u8; 2048];
        while Instant::now() < deadline {
            if let Ok((length, from)) = self.socket.recv_from(&mut buffer) {
                match rosc::decoder::decode_udp(&buffer[..length]) {
                    Ok((_, OscPacket::Message(message))) => return Some((message, from)),
                    other => panic!("reply is not one message: {other:?}"),
                }
            }
        }
        None
    }

    fn recv(&self) -> OscMessage {
        self.recv_within(Duration::from_secs(2))
            .expect("a reply within 2 s")
            .0
    }

    /// Every reply until `quiet` passes without one.
    fn drain(&self, quiet: Duration) -> Vec<OscMessage> {
        std::iter::from_fn(|| self.recv_within(quiet).map(|(message, _)| message)).collect()
    }
}

fn message(address: &str) -> OscPacket {
    OscPacket::Message(OscMessage {
        addr: address.to_owned(),
        args: vec![OscType::Int(1)],
    })
}

fn bundle(content: Vec<OscPacket>) -> OscPacket {
    OscPacket::Bundle(OscBundle {
        timetag: OscTime {
            seconds: 1,
            fractional: 0,
        },
        content,
    })
}

fn strings(message: &OscMessage) -> Vec<&str> {
    message
        .args
        .iter()
        .map(|arg| match arg {
            OscType::String(text) => text.as_str(),
            other => panic!("{}: not a string: {other:?}", message.addr),
        })
        .collect()
}

/// Waits up to 2 s for `condition`.
fn eventually(condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    condition()
}

#[test]
fn reply_goes_to_the_senders_port() {
    let _serial = serial();
    let rig = Rig::start();
    assert_eq!(rig.status.bound_port(), Some(rig.server.local_port()));
    let (first, second) = (Client::new(), Client::new());
    first.send(rig.addr(), &message("/one"));
    second.send(rig.addr(), &message("/two"));
    let (reply, from) = first.recv_within(Duration::from_secs(2)).unwrap();
    assert_eq!(from, rig.addr(), "replies come from the server's port");
    assert_eq!(
        (reply.addr.as_str(), strings(&reply)),
        ("/ok", vec!["/one"])
    );
    let reply = second.recv();
    assert_eq!(
        (reply.addr.as_str(), strings(&reply)),
        ("/ok", vec!["/two"])
    );
    assert!(first.drain(Duration::from_millis(50)).is_empty());
    assert_ne!(first.port(), second.port());
    assert_eq!(rig.count(|s| &s.messages_ok), 2);
    assert!(rig.status.last_command().is_some());
}

#[test]
fn bundle_of_three_is_handled_in_order() {
    let _serial = serial();
    let rig = Rig::start();
    let client = Client::new();
    client.send(
        rig.addr(),
        &bundle(vec![message("/a"), message("/b"), message("/c")]),
    );
    let replies: Vec<String> = (0..3)
        .map(|_| strings(&client.recv())[0].to_owned())
        .collect();
    assert_eq!(replies, ["/a", "/b", "/c"]);
    assert_eq!(rig.seen(), ["/a", "/b", "/c"]);
    assert_eq!(rig.count(|s| &s.packets_received), 1);
    assert_eq!(rig.count(|s| &s.messages_ok), 3);
    assert_eq!(rig.status.last_command().as_deref(), Some("/c"));
}

#[test]
fn nested_bundles_are_handled_depth_first_in_order() {
    let _serial = serial();
    let rig = Rig::start();
    let client = Client::new();
    let packet = bundle(vec![
        message("/a"),
        bundle(vec![message("/b"), bundle(vec![message("/c")])]),
        message("/d"),
    ]);
    client.send(rig.addr(), &packet);
    let replies: Vec<String> = (0..4)
        .map(|_| strings(&client.recv())[0].to_owned())
        .collect();
    assert_eq!(replies, ["/a", "/b", "/c", "/d"]);
    assert_eq!(rig.seen(), ["/a", "/b", "/c", "/d"]);

    // Nine levels is one too many: refused whole, nothing handled.
    let too_deep = (0..9).fold(message("/deep"), |inner, _| bundle(vec![inner]));
    client.send(rig.addr(), &too_deep);
    let reply = client.recv();
    assert_eq!(reply.addr, ERROR_ADDRESS);
    assert!(strings(&reply)[1].contains("nested deeper than 8"));
    assert_eq!(rig.seen().len(), 4);
}

#[test]
fn malformed_bytes_get_an_error_reply() {
    let _serial = serial();
    let rig = Rig::start();
    let client = Client::new();
    client.send_bytes(rig.addr(), b"\x01\x02 definitely not OSC");
    let reply = client.recv();
    assert_eq!(reply.addr, ERROR_ADDRESS);
    let args = strings(&reply);
    assert_eq!(args.len(), 2);
    assert_eq!(args[0], "", "no address for a packet that did not decode");
    assert!(args[1].starts_with("malformed OSC packet: "), "{args:?}");
    assert_eq!(rig.count(|s| &s.decode_errors), 1);
    assert_eq!(rig.count(|s| &s.error_replies_sent), 1);
    assert_eq!(rig.status.last_error().as_deref(), Some(args[1]));
    assert!(rig.seen().is_empty());
}

#[test]
fn handler_error_gets_an_error_reply_with_the_address() {
    let _serial = serial();
    let rig = Rig::start();
    let client = Client::new();
    client.send(rig.addr(), &message("/fail"));
    let reply = client.recv();
    assert_eq!(reply.addr, ERROR_ADDRESS);
    assert_eq!(strings(&reply), ["/fail", "asked to fail"]);
    assert_eq!(rig.count(|s| &s.handler_errors), 1);
    assert_eq!(rig.count(|s| &s.decode_errors), 0);
    assert_eq!(
        rig.status.last_error().as_deref(),
        Some("/fail: asked to fail")
    );
}

#[test]
fn error_replies_are_rate_limited() {
    let _serial = serial();
    let rig = Rig::start();
    let client = Client::new();
    let started = Instant::now();
    for index in 0..200u32 {
        client.send_bytes(rig.addr(), &index.to_be_bytes());
    }
    assert!(eventually(|| rig.count(|s| &s.packets_received) == 200));
    let elapsed = started.elapsed().as_secs_f64();
    let replies = client.drain(Duration::from_millis(200));

    let allowed = f64::from(ERROR_REPLY_BURST) + f64::from(ERROR_REPLIES_PER_SECOND) * elapsed;
    assert!(
        replies.len() as f64 <= allowed.floor() + 1.0,
        "{} replies in {elapsed:.3} s",
        replies.len()
    );
    assert!(
        replies.len() >= ERROR_REPLY_BURST as usize,
        "the burst goes out"
    );
    assert!(replies.iter().all(|reply| reply.addr == ERROR_ADDRESS));
    let sent = rig.count(|s| &s.error_replies_sent);
    let suppressed = rig.count(|s| &s.error_replies_suppressed);
    assert_eq!(rig.count(|s| &s.decode_errors), 200);
    assert_eq!(sent + suppressed, 200);
    assert_eq!(sent, replies.len() as u64);
    assert_eq!(rig.count(|s| &s.reply_send_errors), 0);
}

#[test]
fn taken_port_binds_the_next_one_and_reports_it() {
    let _serial = serial();
    let holder = UdpSocket::bind("127.0.0.1:0").unwrap();
    let taken = holder.local_addr().unwrap().port();
    let rig = Rig::start_on(taken).unwrap();
    let bound = rig.server.local_port();
    assert!(bound > taken && bound <= taken + 40, "{taken} → {bound}");
    assert_eq!(rig.status.bound_port(), Some(bound));
    let client = Client::new();
    client.send(rig.addr(), &message("/here"));
    assert_eq!(strings(&client.recv()), ["/here"]);
}

#[test]
fn reserved_ports_are_refused() {
    let _serial = serial();
    for port in RESERVED_PORTS {
        let status = Arc::new(OscInStatus::new());
        let handler = Box::new(Echo {
            seen: Seen::default(),
        });
        let error = osc_in::start(&settings(port), handler, Arc::clone(&status)).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("reserved"), "{error}");
        assert_eq!(status.last_error(), Some(error.to_string()));
        assert_eq!(status.bound_port(), None);
    }
}

#[test]
fn fallback_from_5004_skips_5005_to_5007() {
    let _serial = serial();
    // Hold 5004; if something else already holds it, it is just as taken.
    let _holder = UdpSocket::bind("127.0.0.1:5004");
    match Rig::start_on(5004) {
        Ok(rig) => {
            let bound = rig.server.local_port();
            assert!(bound >= 5008, "bound {bound}");
            assert!(!RESERVED_PORTS.contains(&bound));
        }
        // All 32 candidates (5004, 5008–5038) busy on this machine: still an error, not a
        // reserved port.
        Err(error) => assert_eq!(error.kind(), io::ErrorKind::AddrInUse, "{error}"),
    }
}

#[test]
fn invalid_or_disabled_settings_are_errors() {
    let _serial = serial();
    let start = |settings: OscInSettings| {
        let handler = Box::new(Echo {
            seen: Seen::default(),
        });
        osc_in::start(&settings, handler, Arc::new(OscInStatus::new()))
    };
    let disabled = OscInSettings {
        enabled: false,
        ..settings(free_port())
    };
    assert!(start(disabled)
        .unwrap_err()
        .to_string()
        .contains("disabled"));
    let no_host = OscInSettings {
        host: String::new(),
        ..settings(free_port())
    };
    assert_eq!(
        start(no_host).unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
    assert_eq!(
        start(settings(0)).unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
}

#[test]
fn stop_joins_promptly_and_the_port_can_be_rebound() {
    let _serial = serial();
    let rig = Rig::start();
    let port = rig.server.local_port();
    let began = Instant::now();
    rig.server.stop();
    let took = began.elapsed();
    assert!(took < Duration::from_millis(500), "stop took {took:?}");
    assert_eq!(rig.status.bound_port(), None);
    UdpSocket::bind(("127.0.0.1", port)).expect("port free again after stop");

    // Dropping does the same.
    let rig = Rig::start_on(port).unwrap();
    assert_eq!(rig.server.local_port(), port);
    drop(rig);
    UdpSocket::bind(("127.0.0.1", port)).expect("port free again after drop");
}

/// Open descriptors and live server threads of this process (Linux only).
#[cfg(target_os = "linux")]
fn resources() -> (usize, usize) {
    let fds = std::fs::read_dir("/proc/self/fd").unwrap().count();
    // Thread names are cut to 15 bytes.
    let short = &osc_in::THREAD_NAME[..15];
    let threads = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(Result::ok)
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|comm| comm.trim_end() == short)
        })
        .count();
    (fds, threads)
}

#[cfg(not(target_os = "linux"))]
fn resources() -> (usize, usize) {
    (0, 0)
}

#[test]
fn start_stop_a_hundred_times_without_leaking() {
    let _serial = serial();
    let port = free_port();
    let before = resources();
    let began = Instant::now();
    for round in 0..100 {
        let rig = Rig::start_on(port).unwrap();
        assert_eq!(
            rig.server.local_port(),
            port,
            "round {round}: port released"
        );
        if round % 10 == 0 {
            let client = Client::new();
            client.send(rig.addr(), &message("/alive"));
            assert_eq!(strings(&client.recv()), ["/alive"]);
        }
        rig.server.stop();
        assert_eq!(rig.status.bound_port(), None);
    }
    assert_eq!(
        resources(),
        before,
        "descriptors and threads after 100 rounds"
    );
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "took {:?}",
        began.elapsed()
    );
}
