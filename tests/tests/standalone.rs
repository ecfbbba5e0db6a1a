//! The standalone binary `chronus-seq` (feature `standalone`) end to end: build it, run it with
//! the dummy backend and no window (the headless driver: no sound card, the transport always
//! plays at `--tempo`), receive its OSC gates on a loopback UDP socket the way Music Chronus
//! would, stop it with SIGTERM, and check what arrived.
//!
//! The checks are on content, count and order, never on wall-clock spacing: how well the
//! standalone keeps time is measured by `cargo xtask standalone-drift` (`BENCHMARKS.md`), and
//! the exact timing rule is proven sample by sample elsewhere.
//!
//! Building the binary needs the Debian packages `libasound2-dev` and `libjack-jackd2-dev`
//! (`tests/run-all.sh` installs them).

use chronus_seq_host_tests::bundle::{target_dir, workspace_root};
use rosc::{OscPacket, OscType};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Tempo of the run: one beat is 250 ms.
const TEMPO: f64 = 240.0;
/// How long the binary plays before SIGTERM.
const PLAY_FOR: Duration = Duration::from_secs(2);
/// How long the binary may take to exit after SIGTERM.
const EXIT_WITHIN: Duration = Duration::from_secs(10);

/// Track 1: four on the floor (a hit on every beat). Track 2: off-beat hats, half a beat later.
/// Track 3: empty, so `/gate/voice3` must stay silent.
const PATTERN: &str = r#"{
  "format": "chronus-seq/pattern",
  "version": 1,
  "seed": 0,
  "tracks": [
    { "name": "Kick", "length": 16, "rate": "1/16", "channel": 1, "note": 36, "steps": "x...x...x...x..." },
    { "name": "Hat",  "length": 16, "rate": "1/16", "channel": 1, "note": 42, "steps": "..X...x...X...x." },
    { "name": "Rest", "length": 16, "rate": "1/16", "channel": 1, "note": 38, "steps": "................" }
  ]
}"#;

/// Builds `chronus-seq` once per test binary (on the same target directory as the tests,
/// `CARGO_TARGET_DIR` respected) and returns its path.
fn binary() -> &'static Path {
    static BINARY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let args = [
                "build",
                "-p",
                "chronus_seq",
                "--features",
                "standalone",
                "--bin",
                "chronus-seq",
            ];
            let output = Command::new(env!("CARGO"))
                .args(args)
                .current_dir(workspace_root())
                .output()
                .map_err(|e| format!("spawning `cargo {}`: {e}", args.join(" ")))?;
            if !output.status.success() {
                return Err(format!(
                    "`cargo {}` failed ({}); Debian needs libasound2-dev and \
                     libjack-jackd2-dev:\n{}",
                    args.join(" "),
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            let path = target_dir()
                .join("debug")
                .join(format!("chronus-seq{}", std::env::consts::EXE_SUFFIX));
            if path.is_file() {
                Ok(path)
            } else {
                Err(format!(
                    "the build succeeded but {} is missing",
                    path.display()
                ))
            }
        })
        .as_deref()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A scratch directory for this test process, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = target_dir()
            .join("test-standalone")
            .join(format!("{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        Scratch(dir)
    }

    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One gate message as received.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Gate {
    /// When the datagram arrived, relative to the start of the run.
    at: Duration,
    /// Track number (1-based, from `/gate/voiceN`).
    track: u32,
    /// The gate value: 1 opens, 0 closes.
    value: i32,
}

/// Every OSC message inside `packet`, bundles flattened.
fn messages(packet: OscPacket, out: &mut Vec<rosc::OscMessage>) {
    match packet {
        OscPacket::Message(message) => out.push(message),
        OscPacket::Bundle(bundle) => {
            for inner in bundle.content {
                messages(inner, out);
            }
        }
    }
}

/// Turns one datagram into gates; anything else is a test failure.
fn decode(datagram: &[u8], at: Duration) -> Vec<Gate> {
    let (_, packet) = rosc::decoder::decode_udp(datagram)
        .unwrap_or_else(|e| panic!("undecodable OSC datagram {datagram:?}: {e}"));
    let mut list = Vec::new();
    messages(packet, &mut list);
    list.into_iter()
        .map(|message| {
            let track = message
                .addr
                .strip_prefix("/gate/voice")
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or_else(|| panic!("unexpected OSC address in {message:?}"));
            let value = match message.args.as_slice() {
                [OscType::Int(value @ (0 | 1))] => *value,
                other => panic!("a gate must carry one int 0 or 1, got {other:?} in {message:?}"),
            };
            Gate { at, track, value }
        })
        .collect()
}

/// Receives gates on `socket` until `until` returns true.
fn receive(
    socket: &UdpSocket,
    start: Instant,
    gates: &mut Vec<Gate>,
    mut until: impl FnMut() -> bool,
) {
    let mut buffer = [0u8; 4096];
    while !until() {
        match socket.recv(&mut buffer) {
            Ok(len) => gates.extend(decode(&buffer[..len], start.elapsed())),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(e) => panic!("receiving on the test socket: {e} ({:?})", e.kind()),
        }
    }
}

/// Sends SIGTERM (through `kill`, no libc) and waits for the exit, killing the process for good
/// if it does not stop in time. Returns the exit status, or `None` if it had to be killed.
fn terminate(child: &mut Child) -> Option<ExitStatus> {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("running kill");
    assert!(
        status.success(),
        "kill -TERM {} failed: {status}",
        child.id()
    );
    let deadline = Instant::now() + EXIT_WITHIN;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("waiting for chronus-seq") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn gates_of(gates: &[Gate], track: u32) -> Vec<Gate> {
    gates.iter().copied().filter(|g| g.track == track).collect()
}

/// The binary plays the `--pattern` file and sends its gates to `--osc-target`: every track's
/// gates alternate 1, 0, 1, 0 … and every 1 gets its 0 (the last one when SIGTERM deactivates
/// the plugin), the four-on-the-floor track opens once per beat, the off-beat track half a beat
/// after it, and the empty track sends nothing.
#[test]
fn dummy_backend_sends_the_pattern_gates_to_the_osc_target() {
    let binary = binary();
    let scratch = Scratch::new("gates");
    let pattern = scratch.file("pattern.json", PATTERN);
    let log_path = scratch.0.join("output.log");
    let log = std::fs::File::create(&log_path).expect("creating the log file");

    let socket = UdpSocket::bind("127.0.0.1:0").expect("binding the OSC receiver");
    socket
        .set_read_timeout(Some(Duration::from_millis(10)))
        .expect("setting the socket timeout");
    let port = socket.local_addr().expect("receiver address").port();

    let start = Instant::now();
    let mut child = Command::new(binary)
        .args([
            "--backend",
            "dummy",
            "--no-window",
            "--tempo",
            &TEMPO.to_string(),
        ])
        .arg("--osc-target")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--pattern")
        .arg(&pattern)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("cloning the log file"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));

    let mut gates = Vec::new();
    let mut early_exit = None;
    receive(&socket, start, &mut gates, || {
        if early_exit.is_none() {
            early_exit = child.try_wait().expect("polling chronus-seq");
        }
        early_exit.is_some() || start.elapsed() >= PLAY_FOR
    });
    let output = || std::fs::read_to_string(&log_path).unwrap_or_default();
    if let Some(status) = early_exit {
        panic!(
            "chronus-seq exited by itself ({status}) instead of playing:\n{}",
            output()
        );
    }

    let stopped = terminate(&mut child);
    // The last gate-offs leave while the plugin is deactivated; collect stragglers briefly.
    let drain_until = Instant::now() + Duration::from_millis(200);
    receive(&socket, start, &mut gates, || Instant::now() >= drain_until);
    let output = output();
    let status = stopped.unwrap_or_else(|| {
        panic!("chronus-seq did not exit within {EXIT_WITHIN:?} of SIGTERM:\n{output}")
    });
    assert!(
        status.success(),
        "chronus-seq should end cleanly on SIGTERM, got {status}:\n{output}"
    );
    assert!(
        output.contains(&format!("127.0.0.1:{port}")),
        "the start-up line names the OSC target:\n{output}"
    );

    let report = format!("gates received:\n{gates:#?}\noutput:\n{output}");
    for gate in &gates {
        assert!(
            (1..=2).contains(&gate.track),
            "only tracks 1 and 2 have steps, got {gate:?}\n{report}"
        );
    }

    for track in [1, 2] {
        let list = gates_of(&gates, track);
        assert!(!list.is_empty(), "no gates on /gate/voice{track}\n{report}");
        for (index, gate) in list.iter().enumerate() {
            let expected = if index % 2 == 0 { 1 } else { 0 };
            assert_eq!(
                gate.value, expected,
                "/gate/voice{track} message {index} should be {expected}: {gate:?}\n{report}"
            );
        }
        assert_eq!(
            list.len() % 2,
            0,
            "/gate/voice{track}: the last gate-1 never got its 0\n{report}"
        );
    }

    let kicks = gates_of(&gates, 1)
        .into_iter()
        .filter(|g| g.value == 1)
        .map(|g| g.at)
        .collect::<Vec<_>>();
    // About eight beats in two seconds; leave room for start-up.
    assert!(
        kicks.len() >= 6,
        "only {} kicks in {PLAY_FOR:?} at {TEMPO} BPM\n{report}",
        kicks.len()
    );
    // Order, not timing: the gate-ons of the two tracks alternate kick, hat, kick, hat … (a hat
    // falls half a beat after each kick), whatever the machine's load.
    let opens = gates
        .iter()
        .filter(|g| g.value == 1)
        .map(|g| g.track)
        .collect::<Vec<_>>();
    assert_eq!(
        opens.first(),
        Some(&1),
        "the first step is a kick\n{report}"
    );
    for (index, pair) in opens.windows(2).enumerate() {
        assert_ne!(
            pair[0],
            pair[1],
            "gate-ons {index} and {} are both on /gate/voice{}: kicks and hats must \
             alternate\n{report}",
            index + 1,
            pair[0]
        );
    }
}

/// A pattern file that is not a pattern is a clear error and exit code 2, not a panic, and
/// nothing is played.
#[test]
fn bad_pattern_file_exits_2_with_a_message() {
    let binary = binary();
    let scratch = Scratch::new("bad-pattern");
    let cases = [
        ("not-json.json", "{ this is not json", "not valid JSON"),
        (
            "foreign.json",
            r#"{ "format": "something-else", "version": 1 }"#,
            "not Chronus Seq state",
        ),
    ];
    for (name, contents, reason) in cases {
        let path = scratch.file(name, contents);
        let output = Command::new(binary)
            .args(["--backend", "dummy", "--pattern"])
            .arg(&path)
            .stdin(Stdio::null())
            .output()
            .expect("running chronus-seq");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("--pattern") && stderr.contains(name) && stderr.contains(reason),
            "{name}: the message should name the option, the file and the reason:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }

    let missing = scratch.0.join("missing.json");
    let output = Command::new(binary)
        .args(["--backend", "dummy", "--pattern"])
        .arg(&missing)
        .stdin(Stdio::null())
        .output()
        .expect("running chronus-seq");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot read"), "{stderr}");
}

/// Our options are validated before anything starts, nice-plug's unknown-option check still
/// applies, and `--help` shows both option sets.
#[test]
fn command_line_errors_and_help() {
    let binary = binary();
    let run = |args: &[&str]| {
        Command::new(binary)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("running chronus-seq")
    };

    for target in [
        "127.0.0.1",
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "localhost:osc",
    ] {
        let output = run(&["--backend", "dummy", "--osc-target", target]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "--osc-target {target}: {stderr}"
        );
        assert!(stderr.contains("--osc-target"), "{target}: {stderr}");
    }

    let output = run(&["--backend", "dummy", "--no-such-option"]);
    assert_eq!(output.status.code(), Some(2), "unknown options are refused");

    let output = run(&["--help"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "--help: {output:?}");
    for option in ["--pattern", "--osc-target", "--backend", "--tempo"] {
        assert!(stdout.contains(option), "--help lacks {option}:\n{stdout}");
    }
}
