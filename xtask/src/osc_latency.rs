//! `cargo xtask osc-latency [--quick] [--realtime-producer]`: drives the real OSC-out sidecar to a loopback receiver
//! and reports how late it sends.
//!
//! Each scenario pushes gate events the way the audio thread does — at the start of every
//! 256-frame block (48 kHz), the events of that block, due one block later — and measures:
//!
//! - **send lateness** (the sidecar's own histogram, 10 µs bins): actual send − due in timed
//!   mode, send − dequeue in bundle mode;
//! - **arrival lateness** at the receiver (exact): arrival − due in timed mode, arrival − push in
//!   bundle mode (the bundle then waits for its timetag at the receiver);
//! - drops (queue full, rate cap, send errors, datagrams lost) and the sidecar thread's CPU use.
//!
//! Scenarios: idle (1,000 events/s for 10 s) and load (10,000 events/s for 2 s, plus a thread
//! spinning on another core), each in timed and bundle mode. `--quick` runs a tenth as long.
//! `--realtime-producer` runs the producing thread with real-time scheduling (as a DAW runs its
//! audio thread), where the system grants it; otherwise it runs at normal priority and, on a
//! busy machine, pushes some events after they are due (reported in the last column).

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chronus_seq::osc_out::{
    self, GateEvent, GateSender, OscOutSettings, OscOutStatus, SettingsCell, TimingMode,
    THREAD_NAME,
};
use nice_plug_xtask::Result;

/// Audio block period: 256 frames at 48 kHz.
const BLOCK: Duration = Duration::from_nanos(5_333_333);

/// One measured run.
struct Scenario {
    name: &'static str,
    mode: TimingMode,
    events_per_second: u32,
    seconds: f64,
    busy_thread: bool,
}

/// Lateness percentiles in milliseconds.
struct Percentiles {
    p50: f64,
    p99: f64,
    max: f64,
    /// Samples above 0.5 ms.
    over_half_ms: usize,
    /// Samples above 2 ms.
    over_two_ms: usize,
}

impl Percentiles {
    fn of(mut samples: Vec<f64>) -> Option<Percentiles> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_by(f64::total_cmp);
        let at = |fraction: f64| {
            let rank = ((fraction * samples.len() as f64).ceil() as usize).max(1);
            samples[rank - 1]
        };
        let over = |limit: f64| samples.iter().filter(|&&sample| sample > limit).count();
        Some(Percentiles {
            p50: at(0.50),
            p99: at(0.99),
            max: at(1.0),
            over_half_ms: over(0.5),
            over_two_ms: over(2.0),
        })
    }
}

/// Runs every scenario and prints a markdown table.
pub fn run(args: Vec<String>) -> Result<()> {
    let quick = args.iter().any(|arg| arg == "--quick");
    let realtime_producer = args.iter().any(|arg| arg == "--realtime-producer");
    if let Some(unknown) = args
        .iter()
        .find(|arg| *arg != "--quick" && *arg != "--realtime-producer")
    {
        anyhow::bail!(
            "unknown argument {unknown:?}; usage: cargo xtask osc-latency [--quick] \
             [--realtime-producer]"
        );
    }
    let scale = if quick { 0.1 } else { 1.0 };
    let scenarios = [
        Scenario {
            name: "timed, idle",
            mode: TimingMode::Timed,
            events_per_second: 1_000,
            seconds: 10.0 * scale,
            busy_thread: false,
        },
        Scenario {
            name: "timed, load",
            mode: TimingMode::Timed,
            events_per_second: 10_000,
            seconds: 2.0 * scale,
            busy_thread: true,
        },
        Scenario {
            name: "bundle, idle",
            mode: TimingMode::Bundle,
            events_per_second: 1_000,
            seconds: 10.0 * scale,
            busy_thread: false,
        },
        Scenario {
            name: "bundle, load",
            mode: TimingMode::Bundle,
            events_per_second: 10_000,
            seconds: 2.0 * scale,
            busy_thread: true,
        },
    ];
    let command = format!(
        "cargo xtask osc-latency{}{}",
        if quick { " --quick" } else { "" },
        if realtime_producer {
            " --realtime-producer"
        } else {
            ""
        }
    );
    println!("Command: `{command}`");
    println!(
        "Machine: {} CPUs, {}",
        thread::available_parallelism().map_or(0, |n| n.get()),
        kernel()
    );
    println!();
    println!(
        "| scenario | events | send p50 / p99 / max (ms) | arrival p50 / p99 / max (ms) (count over) \
         | dropped (queue / rate / errors / lost) | sidecar CPU | real-time | producer late p99 / \
         max (ms), pushed after due |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for scenario in &scenarios {
        run_scenario(scenario, realtime_producer)?;
    }
    println!();
    println!(
        "send = sidecar histogram (10 µs bins; timed: send − due, bundle: send − dequeue). \
         arrival = receiver, exact (timed: arrival − due, bundle: arrival − push). \
         real-time = whether the sidecar got SCHED_FIFO. producer late = how late the producing \
         thread (normal priority, standing in for the audio thread) pushed each block's events \
         after the block's start; an event pushed after its due instant is late before the \
         sidecar sees it. Target for timed mode: send p99 ≤ 0.5 ms, max ≤ 2 ms, no drops."
    );
    Ok(())
}

fn run_scenario(scenario: &Scenario, realtime_producer: bool) -> Result<()> {
    let receiver = UdpSocket::bind("127.0.0.1:0")?;
    receiver.set_read_timeout(Some(Duration::from_millis(5)))?;
    let port = receiver.local_addr()?.port();
    let total = (f64::from(scenario.events_per_second) * scenario.seconds).round() as usize;

    let arrivals = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let receiving = Arc::new(AtomicBool::new(true));
    let receiver_thread = {
        let arrivals = Arc::clone(&arrivals);
        let receiving = Arc::clone(&receiving);
        thread::Builder::new()
            .name("osc-latency-receiver".into())
            .spawn(move || {
                let mut buffer = [0u8; 1024];
                let mut local = Vec::with_capacity(total);
                while receiving.load(Ordering::Relaxed) {
                    if receiver.recv(&mut buffer).is_ok() {
                        local.push(Instant::now());
                    }
                }
                *arrivals.lock().unwrap() = local;
            })?
    };

    let busy = Arc::new(AtomicBool::new(scenario.busy_thread));
    let busy_thread = {
        let busy = Arc::clone(&busy);
        thread::Builder::new()
            .name("osc-latency-busy".into())
            .spawn(move || {
                let mut x = 0u64;
                while busy.load(Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            })?
    };

    let settings = Arc::new(SettingsCell::new(OscOutSettings {
        port,
        mode: scenario.mode,
        ..OscOutSettings::default()
    }));
    let status = Arc::new(OscOutStatus::new());
    let (mut sender, sidecar) = osc_out::start(settings, Arc::clone(&status), 16_384)?;
    // Let the sidecar load its settings and open its socket.
    thread::sleep(Duration::from_millis(50));
    let cpu_before = sidecar_cpu_ticks();
    let started = Instant::now();

    let (dues, pushes) = if realtime_producer {
        // The producer runs on a thread of its own so the main thread's priority is untouched.
        thread::scope(|scope| {
            scope
                .spawn(|| {
                    if !osc_out::raise_calling_thread() {
                        eprintln!("real-time scheduling refused for the producer");
                    }
                    produce(&mut sender, scenario.events_per_second, total)
                })
                .join()
                .expect("producer thread")
        })
    } else {
        produce(&mut sender, scenario.events_per_second, total)
    };

    // Let the last events go out and arrive.
    thread::sleep(Duration::from_millis(100));
    let elapsed = started.elapsed();
    let cpu_after = sidecar_cpu_ticks();
    sidecar.stop();
    busy.store(false, Ordering::Relaxed);
    receiving.store(false, Ordering::Relaxed);
    busy_thread.join().expect("busy thread");
    receiver_thread.join().expect("receiver thread");

    let arrivals = std::mem::take(&mut *arrivals.lock().unwrap());
    let sent = status.sent.load(Ordering::Relaxed) as usize;
    // The stop may close a last open gate: count only the scenario's own datagrams.
    let received = arrivals.len().min(total);
    let lost = sent.min(total).saturating_sub(received);
    let arrival = if received == total {
        let reference = match scenario.mode {
            TimingMode::Timed => &dues,
            TimingMode::Bundle => &pushes,
        };
        Percentiles::of(
            arrivals
                .iter()
                .zip(reference)
                .map(|(at, due)| at.saturating_duration_since(*due).as_secs_f64() * 1e3)
                .collect(),
        )
    } else {
        None
    };
    let send = status.lateness_summary();
    let realtime = if status.realtime.load(Ordering::Relaxed) {
        "yes"
    } else {
        "no"
    };
    let producer = Percentiles::of(
        pushes
            .iter()
            .zip(&dues)
            .map(|(push, due)| push.saturating_duration_since(*due - BLOCK).as_secs_f64() * 1e3)
            .collect(),
    );
    let pushed_after_due = pushes
        .iter()
        .zip(&dues)
        .filter(|(push, due)| push > due)
        .count();
    let producer = producer.map_or("n/a".into(), |p| {
        format!("{:.3} / {:.3}, {pushed_after_due}", p.p99, p.max)
    });
    let cpu = match (cpu_before, cpu_after) {
        (Some(before), Some(after)) => format!(
            "{:.1} %",
            (after - before) as f64 / ticks_per_second() / elapsed.as_secs_f64() * 100.0
        ),
        _ => "n/a".into(),
    };
    let arrival = arrival.map_or("n/a (datagrams lost)".into(), |a| {
        format!(
            "{:.3} / {:.3} / {:.3} ({} > 0.5, {} > 2)",
            a.p50, a.p99, a.max, a.over_half_ms, a.over_two_ms
        )
    });
    println!(
        "| {} ({} ev/s{}) | {} | {:.3} / {:.3} / {:.3} | {} | {} / {} / {} / {} | {} | {} | {} |",
        scenario.name,
        scenario.events_per_second,
        if scenario.busy_thread {
            ", busy thread"
        } else {
            ""
        },
        total,
        send.p50_ms,
        send.p99_ms,
        send.max_ms,
        arrival,
        status.dropped_queue_full.load(Ordering::Relaxed),
        status.rate_limited.load(Ordering::Relaxed),
        status.send_errors.load(Ordering::Relaxed),
        lost,
        cpu,
        realtime,
        producer,
    );
    Ok(())
}

/// Pushes `total` alternating opens and closes (cycling over the 16 tracks), evenly spread at
/// `per_second`, block by block like an audio thread: at each block start, the events falling in
/// that block, due one block later. Returns every event's due and push instants.
fn produce(sender: &mut GateSender, per_second: u32, total: usize) -> (Vec<Instant>, Vec<Instant>) {
    let spacing = Duration::from_secs(1) / per_second;
    let start = Instant::now() + BLOCK;
    let mut dues = Vec::with_capacity(total);
    let mut pushes = Vec::with_capacity(total);
    let mut index = 0usize;
    let mut block_start = start;
    while index < total {
        if let Some(wait) = block_start.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        let block_end = block_start + BLOCK;
        while index < total {
            let offset = start + spacing * index as u32;
            if offset >= block_end {
                break;
            }
            let due = offset + BLOCK;
            let track = (index / 2 % 16) as u8;
            let event = if index.is_multiple_of(2) {
                GateEvent::open(track, 100, 60, due)
            } else {
                GateEvent::close(track, due)
            };
            pushes.push(Instant::now());
            sender.push(event);
            dues.push(due);
            index += 1;
        }
        block_start = block_end;
    }
    (dues, pushes)
}

/// User + system CPU ticks of the sidecar thread, from `/proc` (Linux only).
fn sidecar_cpu_ticks() -> Option<u64> {
    let comm_prefix = &THREAD_NAME[..THREAD_NAME.len().min(15)];
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path();
        let comm = std::fs::read_to_string(path.join("comm")).ok()?;
        if comm.trim_end() == comm_prefix {
            let stat = std::fs::read_to_string(path.join("stat")).ok()?;
            // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            let utime: u64 = fields.get(11)?.parse().ok()?;
            let stime: u64 = fields.get(12)?.parse().ok()?;
            return Some(utime + stime);
        }
    }
    None
}

/// Clock ticks per second of `/proc/*/stat` times (`USER_HZ`, 100 on Linux).
fn ticks_per_second() -> f64 {
    100.0
}

fn kernel() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|release| format!("Linux {}", release.trim()))
        .unwrap_or_else(|_| std::env::consts::OS.to_owned())
}
