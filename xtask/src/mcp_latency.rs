//! `cargo xtask mcp-latency [--runs N] [--mcp PATH]`: how long an MCP tool call takes to become
//! audible, on loopback. One real plugin instance runs in this process on the standalone's
//! headless driver (48 kHz, 512-sample blocks, 240 BPM, real time), its OSC gates going to a
//! socket here; `chronus-mcp` (release build) is started as an AI assistant starts it, and this
//! tool speaks MCP to it over its stdin and stdout (JSON-RPC lines).
//!
//! Each run empties track 2 (rate 1/64: a step every 15.6 ms), waits, then calls the tool
//! `chronus_pattern` with track 2 = `x` (a hit on every step, quantize now) and takes two
//! times from the moment the call is written: the tool's reply (the edit is in the document
//! and published to the audio thread), and the arrival of the first `/gate/voice2 1` (the
//! edit heard: the plugin's OSC gates leave at the sample's due time, which includes one
//! buffer of output latency, so this is when the modular would sound it). The second includes
//! waiting for the next 1/64 step (7.8 ms on average).

use std::io::{BufRead, BufReader, Write};
use std::net::UdpSocket;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use chronus_seq::document::{PatternDoc, SongDoc};
use chronus_seq::headless::{self, HeadlessConfig};
use chronus_seq::startup::{self, StartupConfig};
use chronus_seq::ChronusSeq;
use nice_plug_xtask::Result;
use rosc::{OscPacket, OscType};
use serde_json::{json, Value};

/// An MCP session with a child `chronus-mcp`.
struct Session {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next_id: u64,
}

impl Session {
    fn start(program: &str, port: u16) -> Result<Session> {
        let mut child = Command::new(program)
            .args(["--port", &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot start {program}: {e} (build it first)"))?;
        let input = child
            .stdin
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdin"))?;
        let output = BufReader::new(
            child
                .stdout
                .take()
                .ok_or_else(|| anyhow::anyhow!("no stdout"))?,
        );
        let mut session = Session {
            child,
            input,
            output,
            next_id: 1,
        };
        session.request(
            "initialize",
            json!({
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": { "name": "cargo xtask mcp-latency", "version": "1" },
            }),
        )?;
        session.write(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))?;
        Ok(session)
    }

    fn write(&mut self, message: &Value) -> Result<()> {
        writeln!(self.input, "{message}")?;
        self.input.flush()?;
        Ok(())
    }

    /// Sends a request and returns its result.
    fn request(&mut self, method: &str, params: Value) -> Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        self.write(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))?;
        let mut line = String::new();
        loop {
            line.clear();
            anyhow::ensure!(self.output.read_line(&mut line)? > 0, "chronus-mcp ended");
            let reply: Value = serde_json::from_str(&line)?;
            if reply["id"] == id {
                anyhow::ensure!(
                    reply.get("error").is_none(),
                    "MCP error: {}",
                    reply["error"]
                );
                return Ok(reply["result"].clone());
            }
        }
    }

    /// Calls a tool; fails on a tool error.
    fn call(&mut self, tool: &str, arguments: Value) -> Result<Value> {
        let result = self.request(
            "tools/call",
            json!({ "name": tool, "arguments": arguments }),
        )?;
        anyhow::ensure!(result["isError"] != true, "{tool}: {}", result["content"]);
        Ok(result)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for the first `/gate/voice2 1` on `receiver`.
fn first_gate(receiver: &UdpSocket) -> Result<Instant> {
    let mut buffer = [0u8; 4096];
    loop {
        let length = receiver.recv(&mut buffer)?;
        let arrived = Instant::now();
        let Ok((_, packet)) = rosc::decoder::decode_udp(&buffer[..length]) else {
            continue;
        };
        let messages = match packet {
            OscPacket::Message(message) => vec![message],
            OscPacket::Bundle(bundle) => bundle
                .content
                .into_iter()
                .filter_map(|packet| match packet {
                    OscPacket::Message(message) => Some(message),
                    OscPacket::Bundle(_) => None,
                })
                .collect(),
        };
        if messages
            .iter()
            .any(|m| m.addr == "/gate/voice2" && m.args.first() == Some(&OscType::Int(1)))
        {
            return Ok(arrived);
        }
    }
}

fn milliseconds(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    (median, values[0], values[values.len() - 1])
}

/// Runs the measurement and prints a markdown table.
pub fn run(args: Vec<String>) -> Result<()> {
    let mut runs = 50usize;
    let mut program = "target/release/chronus-mcp".to_owned();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--runs", Some(value)) => runs = value.parse()?,
            ("--mcp", Some(value)) => program = value,
            _ => anyhow::bail!("usage: cargo xtask mcp-latency [--runs N] [--mcp PATH]"),
        }
    }
    anyhow::ensure!(runs > 0, "--runs must be at least 1");
    let receiver = UdpSocket::bind("127.0.0.1:0")?;
    receiver.set_read_timeout(Some(Duration::from_secs(5)))?;
    startup::set(StartupConfig {
        osc_target: Some(("127.0.0.1".to_owned(), receiver.local_addr()?.port())),
        ..StartupConfig::default()
    });
    let plugin = ChronusSeq::default();
    plugin.edits().load(SongDoc::new(PatternDoc::empty()));
    let input_status = plugin.osc_in_status();
    let stop = Arc::new(AtomicBool::new(false));
    let driver = {
        let stop = Arc::clone(&stop);
        let config = HeadlessConfig {
            tempo: 240.0,
            ..HeadlessConfig::default()
        };
        thread::Builder::new()
            .name("latency-audio".into())
            .spawn(move || {
                let mut plugin = plugin;
                headless::run(&mut plugin, config, &stop)
            })?
    };
    let started = Instant::now();
    let port = loop {
        if let Some(port) = input_status.bound_port() {
            break port;
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(5), "no OSC input");
        thread::sleep(Duration::from_millis(10));
    };

    let mut session = Session::start(&program, port)?;
    session.call("chronus_track_rate", json!({ "track": 2, "rate": "1/64" }))?;
    let mut replies = Vec::new();
    let mut heard = Vec::new();
    for _ in 0..runs {
        session.call("chronus_clear", json!({ "track": 2 }))?;
        thread::sleep(Duration::from_millis(150));
        receiver.set_nonblocking(true)?;
        let mut buffer = [0u8; 4096];
        while receiver.recv(&mut buffer).is_ok() {}
        receiver.set_nonblocking(false)?;

        let sent = Instant::now();
        session.call("chronus_pattern", json!({ "track": 2, "pattern": "x" }))?;
        let replied = Instant::now();
        let gate = first_gate(&receiver)?;
        replies.push((replied - sent).as_secs_f64() * 1e3);
        heard.push((gate - sent).as_secs_f64() * 1e3);
    }
    drop(session);
    stop.store(true, Ordering::Relaxed);
    driver
        .join()
        .map_err(|_| anyhow::anyhow!("the driver thread panicked"))?
        .map_err(|error| anyhow::anyhow!(error))?;

    println!(
        "{runs} MCP tool calls (chronus_pattern), loopback, 48 kHz, 512-sample blocks, 240 BPM"
    );
    println!();
    println!("| from the tool call to | median | min | max |");
    println!("|---|---|---|---|");
    for (what, values) in [
        ("the tool's reply (edit published)", replies),
        ("the first gate of the new pattern (heard)", heard),
    ] {
        let (median, min, max) = milliseconds(values);
        println!("| {what} | {median:.2} ms | {min:.2} ms | {max:.2} ms |");
    }
    Ok(())
}
