//! `cargo xtask instance-cpu [--seconds N]`: per-thread CPU use of one real plugin instance,
//! idle (an empty pattern playing) and busy (the default pattern playing), in this process.
//!
//! The instance is `ChronusSeq`, activated and processed by the standalone's headless driver
//! (48 kHz, 512-sample blocks, 120 BPM) with its OSC gates going to a loopback socket. For each
//! thread of the process (`/proc/self/task/*`) it reads the CPU time (`schedstat`, nanoseconds)
//! and the voluntary context switches (`status`: how often the thread slept and woke) before and
//! after the run and prints them per second of run time.

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use chronus_seq::document::{PatternDoc, SongDoc};
use chronus_seq::headless::{self, HeadlessConfig};
use chronus_seq::startup::{self, StartupConfig};
use chronus_seq::ChronusSeq;
use nice_plug_xtask::Result;

/// CPU nanoseconds and voluntary context switches of one thread.
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    cpu_ns: u64,
    wakes: u64,
}

/// Every thread of this process: thread id → (name, usage).
fn threads() -> BTreeMap<u64, (String, Usage)> {
    let mut map = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return map;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let cpu_ns = std::fs::read_to_string(path.join("schedstat"))
            .ok()
            .and_then(|text| text.split_whitespace().next()?.parse().ok())
            .unwrap_or(0);
        let wakes = std::fs::read_to_string(path.join("status"))
            .ok()
            .and_then(|text| {
                text.lines()
                    .find_map(|line| line.strip_prefix("voluntary_ctxt_switches:"))
                    .and_then(|count| count.trim().parse().ok())
            })
            .unwrap_or(0);
        let Some(tid) = path
            .file_name()
            .and_then(|name| name.to_str()?.parse::<u64>().ok())
        else {
            continue;
        };
        map.insert(tid, (name.trim().to_owned(), Usage { cpu_ns, wakes }));
    }
    map
}

/// Names of the instance's threads, which the kernel cuts to 15 characters (all three OSC
/// threads show as `chronus-seq-osc`): told apart by start order, as `activate` starts them
/// (sidecar, then the input supervisor, which starts the input server).
const INSTANCE_THREADS: [&str; 3] = [
    "chronus-seq-osc-out (sidecar)",
    "chronus-seq-osc-in-watch",
    "chronus-seq-osc-in",
];

/// Runs both scenarios and prints a markdown table.
pub fn run(args: Vec<String>) -> Result<()> {
    let mut seconds = 20.0f64;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--seconds needs a value"))?
                    .parse()?
            }
            other => anyhow::bail!(
                "unknown argument {other:?}; usage: cargo xtask instance-cpu [--seconds N]"
            ),
        }
    }
    let receiver = UdpSocket::bind("127.0.0.1:0")?;
    receiver.set_read_timeout(Some(Duration::from_millis(20)))?;
    let port = receiver.local_addr()?.port();
    startup::set(StartupConfig {
        osc_target: Some(("127.0.0.1".to_owned(), port)),
        ..StartupConfig::default()
    });
    let receiving = Arc::new(AtomicBool::new(true));
    let drain = {
        let receiving = Arc::clone(&receiving);
        thread::Builder::new()
            .name("cpu-receiver".into())
            .spawn(move || {
                let mut buffer = [0u8; 2048];
                while receiving.load(Ordering::Relaxed) {
                    let _ = receiver.recv(&mut buffer);
                }
            })?
    };

    println!("| instance | thread | CPU (% of a core) | wake-ups per second |");
    println!("|---|---|---|---|");
    for (name, song) in [
        (
            "idle (empty pattern playing)",
            SongDoc::new(PatternDoc::empty()),
        ),
        ("busy (default pattern playing)", SongDoc::default()),
    ] {
        let stop = Arc::new(AtomicBool::new(false));
        let earlier = threads();
        let driver = {
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name("cpu-audio".into())
                .spawn(move || {
                    let mut plugin = ChronusSeq::default();
                    plugin.edits().load(song);
                    headless::run(&mut plugin, HeadlessConfig::default(), &stop)
                })?
        };
        // Let the instance start its threads and settle.
        thread::sleep(Duration::from_secs(1));
        let before = threads();
        let started = Instant::now();
        thread::sleep(Duration::from_secs_f64(seconds));
        let after = threads();
        let elapsed = started.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        driver
            .join()
            .map_err(|_| anyhow::anyhow!("the driver thread panicked"))?
            .map_err(|error| anyhow::anyhow!(error))?;
        let new_osc: Vec<u64> = after
            .iter()
            .filter(|(tid, (name, _))| {
                !earlier.contains_key(tid) && name.starts_with("chronus-seq")
            })
            .map(|(tid, _)| *tid)
            .collect();
        for (tid, (thread, usage)) in &after {
            let shown = if thread == "cpu-audio" {
                "audio (headless driver)".to_owned()
            } else if let Some(index) = new_osc.iter().position(|new| new == tid) {
                match (new_osc.len(), INSTANCE_THREADS.get(index)) {
                    (3, Some(name)) => (*name).to_owned(),
                    _ => format!("{thread} (thread {tid})"),
                }
            } else {
                continue;
            };
            let start = before.get(tid).map(|(_, usage)| *usage).unwrap_or_default();
            let cpu = usage.cpu_ns.saturating_sub(start.cpu_ns) as f64 / 1e9 / elapsed * 100.0;
            let wakes = usage.wakes.saturating_sub(start.wakes) as f64 / elapsed;
            println!("| {name} | {shown} | {cpu:.3} % | {wakes:.1} |");
        }
    }
    receiving.store(false, Ordering::Relaxed);
    let _ = drain.join();
    Ok(())
}
