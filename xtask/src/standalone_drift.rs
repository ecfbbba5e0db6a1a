//! `cargo xtask standalone-drift [--minutes N] [--tempo BPM] [--busy] [--binary PATH] [-- ARGS]`:
//! runs the release standalone `chronus-seq --backend dummy`, receives its OSC gates on a
//! loopback UDP socket and fits their arrival times against the ideal grid.
//!
//! The pattern plays a gate on every 16th on track 1 (`/gate/voice1`). Each gate-on's arrival
//! (monotonic clock of this process) is matched to its grid index (the previous gate's index
//! plus the nearest whole number of steps since it), and a least-squares line `arrival = a + b × index` gives the tempo actually played:
//! drift = (b / ideal step − 1) × 10⁶ ppm. The residuals give the jitter (standard deviation) and
//! the largest deviation from the fitted grid. `--busy` keeps one thread of this process spinning
//! for the whole run (a busy core on a 2-core machine). Arguments after `--` go to the binary
//! (for example `--no-window`). With a display (`DISPLAY` set, e.g. under `xvfb-run -a`) and
//! without `--no-window` the binary opens its editor window. Build the binary first:
//! `cargo build --release -p chronus_seq --features standalone --bin chronus-seq`.

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

/// Gates that arrive before this much of the run has passed are start-up and left out.
const WARM_UP: Duration = Duration::from_secs(2);

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

/// Fits arrival times (seconds) against a grid of `step` seconds.
pub fn fit(arrivals: &[f64], step: f64) -> Option<Fit> {
    // Each gate's grid index counts on from the previous one by the nearest whole number of
    // steps, so a grid that runs 1 % slow is still numbered right after minutes.
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(arrivals.len());
    for &at in arrivals {
        let index = match points.last() {
            Some(&(index, previous)) => index + ((at - previous) / step).round().max(1.0),
            None => 0.0,
        };
        points.push((index, at));
    }
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
    let span = points.last()?.0;
    Some(Fit {
        count: points.len(),
        drift_ppm: (slope / step - 1.0) * 1e6,
        jitter_ms: variance.sqrt() * 1e3,
        max_ms: residuals.iter().fold(0.0f64, |max, r| max.max(r.abs())) * 1e3,
        missing: (span as usize + 1).saturating_sub(points.len()),
    })
}

/// Runs the measurement and prints one markdown table row.
pub fn run(args: Vec<String>) -> Result<()> {
    let usage = "usage: cargo xtask standalone-drift [--minutes N] [--tempo BPM] [--busy] \
                 [--binary PATH] [-- ARGS FOR chronus-seq]";
    let mut minutes = 10.0f64;
    let mut tempo = 120.0f64;
    let mut busy = false;
    let mut binary = PathBuf::from("target/release/chronus-seq");
    let mut extra = Vec::new();
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
                if at >= WARM_UP && opens_track_one(&buffer[..len]) {
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

    let step = 60.0 / tempo / 4.0;
    let fit = fit(&arrivals, step)
        .ok_or_else(|| anyhow::anyhow!("only {} gates arrived", arrivals.len()))?;
    println!("| run | minutes | gates | drift (ppm) | jitter stdev (ms) | max deviation (ms) | missing steps |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {}{} {} | {minutes} | {} | {:+.1} | {:.3} | {:.3} | {} |",
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
