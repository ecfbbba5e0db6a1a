//! `cargo xtask editor-cpu [--seconds N]`: how much of a core the editor window costs, with the
//! transport stopped and playing.
//!
//! Runs the release standalone (`chronus-seq`, feature `standalone`, built first) with its
//! editor window under Xvfb (OpenGL through Mesa's software renderer, 1240×780, the default
//! pattern), on a JACK server with the dummy driver (48 kHz, 512-frame periods) so the
//! transport can be stopped and started: `jack_transport` is the timebase master at 120 BPM.
//! The process's CPU time (user + system, from `/proc/<pid>/stat`) over each window of N
//! seconds is divided by the wall time, giving the share of one core. Its OSC gates go to a
//! throwaway loopback socket.
//!
//! Needs Debian's `xvfb` and `jackd2` (`jackd`, `jack_transport`). The window repaints only
//! what changed; `CHRONUS_SEQ_FULL_REPAINT=1 cargo xtask editor-cpu` measures the same build
//! painting every frame whole, for comparison.

use std::io::Write;
use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use nice_plug_xtask::Result;

/// Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// User + system CPU seconds of process `pid` so far.
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces: the fields after it start past the last ')'.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("malformed /proc stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    Ok(ticks / TICKS_PER_SECOND)
}

/// CPU seconds of every thread of `pid`, by thread id, with the thread's name.
fn thread_seconds(pid: u32) -> anyhow::Result<Vec<(String, String, f64)>> {
    let mut threads = Vec::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let path = entry?.path();
        let id = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        let Some((_, after)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = after.split_whitespace().collect();
        if let (Some(id), Some(user), Some(system)) = (id, fields.get(11), fields.get(12)) {
            let ticks = user.parse::<f64>()? + system.parse::<f64>()?;
            threads.push((id, name.trim().to_owned(), ticks / TICKS_PER_SECOND));
        }
    }
    Ok(threads)
}

/// Share of one core that `pid` used over `seconds` of wall time, and the busiest threads'
/// shares by name.
fn measure(pid: u32, seconds: f64) -> anyhow::Result<(f64, Vec<(String, f64)>)> {
    let start_cpu = cpu_seconds(pid)?;
    let before = thread_seconds(pid)?;
    let start = Instant::now();
    thread::sleep(Duration::from_secs_f64(seconds));
    let cpu = cpu_seconds(pid)? - start_cpu;
    let wall = start.elapsed().as_secs_f64();
    let mut by_name: Vec<(String, f64)> = Vec::new();
    for (id, name, now) in thread_seconds(pid)? {
        let then = before
            .iter()
            .find(|(seen, _, _)| *seen == id)
            .map_or(0.0, |(_, _, then)| *then);
        match by_name.iter_mut().find(|(seen, _)| *seen == name) {
            Some(entry) => entry.1 += (now - then) / wall,
            None => by_name.push((name, (now - then) / wall)),
        }
    }
    by_name.sort_by(|a, b| b.1.total_cmp(&a.1));
    by_name.truncate(4);
    Ok((cpu / wall, by_name))
}

/// `name 12.3 %, …` for the busiest threads.
fn threads_text(threads: &[(String, f64)]) -> String {
    threads
        .iter()
        .map(|(name, share)| format!("{name} {:.1} %", share * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the measurement. Arguments: `[--seconds N]`.
pub fn run(args: Vec<String>) -> Result<()> {
    let mut seconds = 20.0;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|value| value.parse().ok())
                    .context("--seconds takes a number")?;
            }
            other => bail!("editor-cpu: unknown argument {other}"),
        }
    }
    for tool in ["Xvfb", "jackd", "jack_transport"] {
        if Command::new("which").arg(tool).output()?.stdout.is_empty() {
            bail!("editor-cpu needs {tool} (Debian packages xvfb and jackd2)");
        }
    }
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "-p",
            "chronus_seq",
            "--features",
            "standalone",
        ])
        .args(["--bin", "chronus-seq"])
        .status()?;
    if !status.success() {
        bail!("building the standalone failed");
    }
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned());
    let binary = format!("{target}/release/chronus-seq");

    let display = format!(":{}", 90 + std::process::id() % 9);
    let server = format!("chronus-editor-cpu-{}", std::process::id());
    let _xvfb = Running(
        Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1600x1000x24",
                "-nolisten",
                "tcp",
            ])
            .stderr(Stdio::null())
            .spawn()?,
    );
    let _jackd = Running(
        Command::new("jackd")
            .env("JACK_DEFAULT_SERVER", &server)
            .args(["--no-realtime", "-d", "dummy", "-r", "48000", "-p", "512"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    thread::sleep(Duration::from_secs(2));
    let sink = UdpSocket::bind("127.0.0.1:0")?;
    let sink_port = sink.local_addr()?.port();
    let app = Running(
        Command::new(&binary)
            .env("DISPLAY", &display)
            .env("JACK_DEFAULT_SERVER", &server)
            .args(["--backend", "jack"])
            .args(["--osc-target", &format!("127.0.0.1:{sink_port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let pid = app.0.id();
    // Let the window open and settle.
    thread::sleep(Duration::from_secs(4));
    let stopped = measure(pid, seconds)?;

    let mut transport = Running(
        Command::new("jack_transport")
            .env("JACK_DEFAULT_SERVER", &server)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?,
    );
    let stdin = transport
        .0
        .stdin
        .as_mut()
        .context("jack_transport's input")?;
    stdin.write_all(b"master\ntempo 120\nplay\n")?;
    stdin.flush()?;
    thread::sleep(Duration::from_secs(2));
    let playing = measure(pid, seconds)?;
    let stdin = transport
        .0
        .stdin
        .as_mut()
        .context("jack_transport's input")?;
    let _ = stdin.write_all(b"stop\nquit\n");
    drop(sink);

    println!(
        "| standalone with its editor window (Xvfb, Mesa software GL, 1240×780) | share of one \
         core, whole process | busiest threads |"
    );
    println!("|---|---|---|");
    println!(
        "| transport stopped, {seconds} s | {:.1} % | {} |",
        stopped.0 * 100.0,
        threads_text(&stopped.1)
    );
    println!(
        "| playing the default pattern (16ths) at 120 BPM, {seconds} s | {:.1} % | {} |",
        playing.0 * 100.0,
        threads_text(&playing.1)
    );
    Ok(())
}
