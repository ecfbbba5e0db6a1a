//! `cargo xtask standalone-drift [--minutes N] [--tempo BPM] [--busy] [--binary PATH]
//! [--warm-up SECONDS] [--save FILE] [-- ARGS]`: runs the release standalone
//! `chronus-seq --backend dummy`, receives its OSC gates on a loopback UDP socket and fits their
//! arrival times against the ideal grid.
//!
//! The pattern plays a gate on every 16th on track 1 (`/gate/voice1`). Each gate-on's arrival
//! (monotonic clock of this process, read by a receiving thread with `SCHED_FIFO` where
//! permitted, so a busy core does not delay the reading) is numbered with its grid index
//! ([`number`]: the nearest grid point, the grid placed by the median phase of the gates just
//! before), and a least-squares line `arrival = a + b × index` gives the tempo actually played:
//! drift = (b / ideal step − 1) × 10⁶ ppm (positive = slow). The residuals give the jitter
//! (standard deviation) and the largest deviation from the fitted grid. Gates of the first
//! `--warm-up` seconds (2 by default) are left out. `--busy` keeps one thread of this process
//! spinning for the whole run (a busy core on a 2-core machine). `--save` writes the arrival
//! times, one per line in seconds, for a second look. Arguments after `--` go to the binary (for
//! example `--no-window`). With a display (`DISPLAY` set, e.g. under `xvfb-run -a`) and without
//! `--no-window` the binary opens its editor window. The load average before and after the run
//! is printed with the result. Build the binary first:
//! `cargo build --release -p chronus_seq --features standalone --bin chronus-seq`.

use std::collections::VecDeque;
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use nice_plug_xtask::Result;
use rosc::{OscPacket, OscType};

/// A gate on every 16th of track 1.
const PATTERN: &str = r#"{
  "format": "chronus-seq/pattern",
  "version": 1,
  "seed": 0,
  "tracks": [
    { "name": "Tick", "length": 16, "rate": "1/16", "channel": 1, "note": 36, "steps": "xxxxxxxxxxxxxxxx" }
  ]
}"#;

/// Gates that arrive before this much of the run has passed are start-up and left out, unless
/// `--warm-up` says otherwise.
const WARM_UP: Duration = Duration::from_secs(2);

/// `SCHED_FIFO` priority of the receiving thread: above the standalone's driver and sidecar, so
/// a gate's arrival is read when it arrives, not when a busy core lets the receiver run.
const RECEIVER_PRIORITY: i32 = 20;

/// The fit of the arrivals against the grid.
#[derive(Debug)]
pub struct Fit {
    /// Gates fitted.
    pub count: usize,
    /// Drift of the played tempo against the asked one, in parts per million (positive = slow).
    pub drift_ppm: f64,
    /// Standard deviation of the residuals, in milliseconds.
    pub jitter_ms: f64,
    /// Largest absolute residual, in milliseconds.
    pub max_ms: f64,
    /// Grid steps with no gate between the first and the last.
    pub missing: usize,
}

/// Gates whose phase against the grid (arrival − index × step) numbers the next gate: the median
/// of this many follows a slow or fast grid and ignores a single late gate.
const PHASE_WINDOW: usize = 15;

/// Numbers arrival times (seconds) on a grid of `step` seconds: each gate's index is the nearest
/// grid point to its arrival, the grid placed by the median phase of the gates just before it.
/// A gate late by more than half a step therefore takes the next gate's index (both keep it; the
/// index it should have had counts as missing) but shifts no other gate's number, and a grid
/// that runs 1 % slow is still numbered right after hours.
pub fn number(arrivals: &[f64], step: f64) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(arrivals.len());
    let mut phases: VecDeque<f64> = VecDeque::with_capacity(PHASE_WINDOW);
    let mut sorted: Vec<f64> = Vec::with_capacity(PHASE_WINDOW);
    for &at in arrivals {
        let index = if phases.is_empty() {
            0.0
        } else {
            sorted.clear();
            sorted.extend(phases.iter().copied());
            sorted.sort_by(f64::total_cmp);
            let phase = sorted[sorted.len() / 2];
            ((at - phase) / step).round()
        };
        if phases.len() == PHASE_WINDOW {
            phases.pop_front();
        }
        phases.push_back(at - index * step);
        points.push((index, at));
    }
    points
}

/// Fits arrival times (seconds) against a grid of `step` seconds.
pub fn fit(arrivals: &[f64], step: f64) -> Option<Fit> {
    let points = number(arrivals, step);
    let n = points.len() as f64;
    if points.len() < 3 {
        return None;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let residuals: Vec<f64> = points
        .iter()
        .map(|p| p.1 - (intercept + slope * p.0))
        .collect();
    let variance = residuals.iter().map(|r| r * r).sum::<f64>() / (n - 2.0);
    let first = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let last = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let mut indexes: Vec<i64> = points.iter().map(|p| p.0 as i64).collect();
    indexes.sort_unstable();
    indexes.dedup();
    Some(Fit {
        count: points.len(),
        drift_ppm: (slope / step - 1.0) * 1e6,
        jitter_ms: variance.sqrt() * 1e3,
        max_ms: residuals.iter().fold(0.0f64, |max, r| max.max(r.abs())) * 1e3,
        missing: ((last - first) as usize + 1).saturating_sub(indexes.len()),
    })
}

/// Runs the measurement and prints one markdown table row.
pub fn run(args: Vec<String>) -> Result<()> {
    let usage = "usage: cargo xtask standalone-drift [--minutes N] [--tempo BPM] [--busy] \
                 [--binary PATH] [--warm-up SECONDS] [--save FILE] [-- ARGS FOR chronus-seq]";
    let mut minutes = 10.0f64;
    let mut tempo = 120.0f64;
    let mut busy = false;
    let mut binary = PathBuf::from("target/release/chronus-seq");
    let mut extra = Vec::new();
    let mut warm_up = WARM_UP;
    let mut save: Option<PathBuf> = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| anyhow::anyhow!("{name} needs a value; {usage}"))
        };
        match arg.as_str() {
            "--minutes" => minutes = value("--minutes")?.parse()?,
            "--tempo" => tempo = value("--tempo")?.parse()?,
            "--binary" => binary = value("--binary")?.into(),
            "--warm-up" => warm_up = Duration::try_from_secs_f64(value("--warm-up")?.parse()?)?,
            "--save" => save = Some(value("--save")?.into()),
            "--busy" => busy = true,
            "--" => {
                extra.extend(args.by_ref());
            }
            other => anyhow::bail!("unknown argument {other:?}; {usage}"),
        }
    }
    if !(minutes > 0.0 && tempo > 0.0) {
        anyhow::bail!("--minutes and --tempo must be above 0");
    }
    if !binary.is_file() {
        anyhow::bail!(
            "{} is missing: cargo build --release -p chronus_seq --features standalone --bin chronus-seq",
            binary.display()
        );
    }

    let dir = std::env::temp_dir().join(format!("chronus-seq-drift-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let pattern = dir.join("ticks.json");
    std::fs::write(&pattern, PATTERN)?;

    let socket = UdpSocket::bind("127.0.0.1:0")?;
    socket.set_read_timeout(Some(Duration::from_millis(50)))?;
    let port = socket.local_addr()?.port();

    let spinning = Arc::new(AtomicBool::new(busy));
    let spinner = {
        let spinning = Arc::clone(&spinning);
        thread::spawn(move || {
            let mut x = 0u64;
            while spinning.load(Ordering::Relaxed) {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        })
    };

    let load_before = load_average();
    let start = Instant::now();
    let mut child = Command::new(&binary)
        .args(["--backend", "dummy", "--tempo", &tempo.to_string()])
        .arg("--osc-target")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--pattern")
        .arg(&pattern)
        .args(&extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    // Raised only now: a process started by a real-time thread inherits its scheduling, and the
    // standalone must run as it would on its own.
    let realtime = chronus_seq::realtime::raise_calling_thread(RECEIVER_PRIORITY);
    let run_for = Duration::from_secs_f64(minutes * 60.0);
    let mut arrivals = Vec::new();
    let mut buffer = [0u8; 4096];
    while start.elapsed() < run_for {
        if let Some(status) = child.try_wait()? {
            anyhow::bail!("chronus-seq exited early: {status}");
        }
        match socket.recv(&mut buffer) {
            Ok(len) => {
                let at = start.elapsed();
                if at >= warm_up && opens_track_one(&buffer[..len]) {
                    arrivals.push(at.as_secs_f64());
                }
            }
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(error) => return Err(error.into()),
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    spinning.store(false, Ordering::Relaxed);
    let _ = spinner.join();
    let _ = std::fs::remove_dir_all(&dir);
    let load_after = load_average();
    if let Some(save) = save {
        let lines: String = arrivals.iter().map(|at| format!("{at:.9}\n")).collect();
        std::fs::write(&save, lines)?;
    }

    let step = 60.0 / tempo / 4.0;
    let fit = fit(&arrivals, step)
        .ok_or_else(|| anyhow::anyhow!("only {} gates arrived", arrivals.len()))?;
    println!(
        "receiver: {}; load average (1, 5, 15 min) before: {load_before}, after: {load_after}",
        if realtime {
            "SCHED_FIFO"
        } else {
            "normal priority (SCHED_FIFO not permitted)"
        }
    );
    println!("| run | minutes | gates | drift (ppm) | jitter stdev (ms) | max deviation (ms) | missing steps |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {}{} BPM {} | {minutes} | {} | {:+.2} | {:.3} | {:.3} | {} |",
        if busy { "busy core, " } else { "idle, " },
        tempo,
        extra.join(" "),
        fit.count,
        fit.drift_ppm,
        fit.jitter_ms,
        fit.max_ms,
        fit.missing
    );
    Ok(())
}

/// The first three fields of `/proc/loadavg`, or a note that it cannot be read.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Whether a datagram holds `/gate/voice1` with value 1.
fn opens_track_one(datagram: &[u8]) -> bool {
    let Ok((_, packet)) = rosc::decoder::decode_udp(datagram) else {
        return false;
    };
    let mut stack = vec![packet];
    while let Some(packet) = stack.pop() {
        match packet {
            OscPacket::Message(message) => {
                if message.addr == "/gate/voice1"
                    && matches!(message.args.as_slice(), [OscType::Int(1)])
                {
                    return true;
                }
            }
            OscPacket::Bundle(bundle) => stack.extend(bundle.content),
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic jitter, uniform in ±`amplitude` seconds.
    fn jitter(seed: &mut u64, amplitude: f64) -> f64 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((*seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * amplitude
    }

    #[test]
    fn a_known_small_drift_is_found_under_jitter() {
        // Ten minutes of 16ths at 120 BPM, 7 ppm slow, ±3 ms of jitter: the slope's error is
        // σ / (T · √(N/12)) ≈ 0.15 ppm.
        let step = 0.125;
        let mut seed = 1;
        let arrivals: Vec<f64> = (0..4800)
            .map(|n| 2.0 + f64::from(n) * step * (1.0 + 7e-6) + jitter(&mut seed, 0.003))
            .collect();
        let fit = fit(&arrivals, step).unwrap();
        assert!((fit.drift_ppm - 7.0).abs() < 0.5, "{fit:?}");
        assert!((fit.jitter_ms - 3.0 / 3f64.sqrt()).abs() < 0.1, "{fit:?}");
        assert!(fit.max_ms <= 3.1, "{fit:?}");
        assert_eq!((fit.count, fit.missing), (4800, 0));
    }

    #[test]
    fn one_very_late_gate_renumbers_no_other() {
        // Gate 2000 arrives 70 ms late (more than half a step): it takes gate 2001's index, and
        // every later gate keeps its own, so the tempo is still found exact.
        let step = 0.125;
        let arrivals: Vec<f64> = (0..4800)
            .map(|n| f64::from(n) * step + if n == 2000 { 0.070 } else { 0.0 })
            .collect();
        let fit = fit(&arrivals, step).unwrap();
        assert!(fit.drift_ppm.abs() < 0.2, "{fit:?}");
        assert_eq!(fit.missing, 1, "{fit:?}");
        assert!((fit.max_ms - 55.0).abs() < 0.1, "{fit:?}");
        let numbers = number(&arrivals, step);
        assert_eq!(numbers[1999].0, 1999.0);
        assert_eq!(numbers[2000].0, 2001.0);
        assert_eq!(numbers[2001].0, 2001.0);
        assert_eq!(numbers[4799].0, 4799.0);
    }

    #[test]
    fn a_clock_that_restarts_loses_tempo_and_shows_it() {
        // Halfway, the gates stop for 300 ms and go on from there (a clock restarted from the
        // present): the grid after it is 50 ms off the one before, which the fit shows as drift.
        let step = 0.125;
        let arrivals: Vec<f64> = (0..4800)
            .map(|n| f64::from(n) * step + if n >= 2400 { 0.300 } else { 0.0 })
            .collect();
        let fit = fit(&arrivals, step).unwrap();
        assert!(fit.drift_ppm > 100.0, "{fit:?}");
        assert_eq!(fit.missing, 2, "{fit:?}");
    }

    #[test]
    fn a_grid_one_percent_slow_is_numbered_right() {
        let step = 0.125;
        let arrivals: Vec<f64> = (0..10_000).map(|n| f64::from(n) * step * 1.01).collect();
        let fit = fit(&arrivals, step).unwrap();
        assert!((fit.drift_ppm - 10_000.0).abs() < 1.0, "{fit:?}");
        assert_eq!(fit.missing, 0);
    }

    #[test]
    fn a_slow_grid_shows_as_positive_drift() {
        let step = 0.125;
        let arrivals: Vec<f64> = (0..1000)
            .filter(|n| n % 100 != 7)
            .map(|n| 3.0 + f64::from(n) * step * 1.0001 + if n % 2 == 0 { 0.001 } else { -0.001 })
            .collect();
        let fit = fit(&arrivals, step).unwrap();
        assert!((fit.drift_ppm - 100.0).abs() < 1.0, "{fit:?}");
        assert!((fit.jitter_ms - 1.0).abs() < 0.01, "{fit:?}");
        assert_eq!(fit.missing, 10);
    }
}
