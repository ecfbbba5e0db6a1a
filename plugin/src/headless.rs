//! A headless host for the standalone program: the real plugin, activated and processed block by
//! block with a transport built here, paced by absolute deadlines on one monotonic clock.
//!
//! Block `k` starts at sample `k × period` and is processed at its deadline
//! `start + k × period / rate` (computed from `k`, never by adding sleeps), so the song position
//! is `(now − start) × tempo` at every deadline. The plugin is told each block's deadline
//! ([`ChronusSeq::schedule_block`]) and times its OSC gates from it, not from the moment the
//! thread happened to wake: a late wake-up delays no gate unless it is later than the one block
//! of lead a gate has, and never moves the grid. If the driver falls more than
//! [`CATCH_UP_LIMIT`] behind (a suspended machine, a debugger, a starved core) it skips the
//! blocks it missed and goes on with the block due now, on the same grid: the gates of the
//! skipped blocks are lost, the tempo is not ([`Pacer`]).
//!
//! The driver thread asks for real-time scheduling (`SCHED_FIFO` at [`DRIVER_PRIORITY`],
//! [`crate::realtime`]), so a busy core does not delay its wake-ups; where that is not permitted
//! it runs at normal priority and says so ([`HeadlessReport::realtime`], and a log line).
//!
//! nice-plug's own dummy backend sleeps one period after each period's start, so its oversleeps
//! add up (the transport runs slow by about 1 %); its backends cannot be driven from outside,
//! hence this driver.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nice_plug::prelude::*;

use crate::clock::{Clock, SystemClock};
use crate::ChronusSeq;

/// How far behind its deadline the driver may fall before it skips the blocks it missed. Up to
/// this it processes its backlog at once (those gates go out late, none is lost).
pub const CATCH_UP_LIMIT: Duration = Duration::from_millis(250);

/// `SCHED_FIFO` priority the driver thread asks for: above the OSC sidecar's
/// ([`crate::osc_out::REALTIME_PRIORITY`]), which sends what the driver's blocks make, and far
/// below the audio threads of JACK and DAWs.
pub const DRIVER_PRIORITY: i32 = 10;

/// What a headless run did, for the program to report when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeadlessReport {
    /// Whether the driver thread ran with real-time scheduling.
    pub realtime: bool,
    /// Blocks processed.
    pub blocks: u64,
    /// Times the driver fell more than [`CATCH_UP_LIMIT`] behind and skipped ahead.
    pub catch_ups: u64,
    /// Blocks skipped in those catch-ups (their gates were not played).
    pub skipped: u64,
}

/// One block to process: its number, its first sample and its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// Blocks since the start of the run (skipped ones included).
    pub index: u64,
    /// The block's first sample since the start: `index × period`.
    pub position: u64,
    /// When the block is due: `start + position / rate`.
    pub due: Instant,
}

/// What the driver does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Sleep until this deadline, then ask again.
    Wait(Instant),
    /// Process this block now.
    Process(Block),
}

/// The block grid of one run, from one start instant: which block is due, and the catch-up rule.
/// Pure arithmetic on instants; the driver loop ([`drive`]) asks it what to do at each wake-up.
#[derive(Debug, Clone)]
pub struct Pacer {
    /// The instant sample 0 is due.
    start: Instant,
    /// Samples per block.
    period: u32,
    /// Samples per second.
    sample_rate: f32,
    /// The next block to process.
    block: u64,
    /// Counts, for the report.
    report: HeadlessReport,
}

impl Pacer {
    /// A grid of blocks of `period` samples at `sample_rate`, sample 0 due at `start`.
    pub fn new(start: Instant, period: u32, sample_rate: f32) -> Pacer {
        Pacer {
            start,
            period,
            sample_rate,
            block: 0,
            report: HeadlessReport::default(),
        }
    }

    /// What to do at `now`: wait for the next block's deadline, or process the next block. When
    /// `now` is more than [`CATCH_UP_LIMIT`] past that deadline, the blocks whose deadlines
    /// have passed are skipped and the latest of them (due at most one period ago) is the one to
    /// process: the grid, and with it the song position, stays where it was.
    pub fn next(&mut self, now: Instant) -> Next {
        let due = self.due(self.block);
        if now < due {
            return Next::Wait(due);
        }
        if now > due + CATCH_UP_LIMIT {
            let current = self.block_at(now);
            self.report.catch_ups += 1;
            self.report.skipped += current - self.block;
            self.block = current;
        }
        let block = Block {
            index: self.block,
            position: self.block * u64::from(self.period),
            due: self.due(self.block),
        };
        self.block += 1;
        self.report.blocks += 1;
        Next::Process(block)
    }

    /// What the run did so far (with `realtime` false: the loop fills it in).
    pub fn report(&self) -> HeadlessReport {
        self.report
    }

    /// The deadline of block `block`.
    fn due(&self, block: u64) -> Instant {
        deadline(self.start, block, self.period, self.sample_rate)
    }

    /// The latest block whose deadline is at or before `now` (`now` is past the next block's).
    fn block_at(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.start).as_secs_f64();
        let estimate = elapsed * f64::from(self.sample_rate) / f64::from(self.period);
        let mut block = (estimate.floor() as u64).max(self.block);
        // The float estimate can be one off at a block boundary: settle it on the deadlines.
        while self.due(block + 1) <= now {
            block += 1;
        }
        while block > self.block && self.due(block) > now {
            block -= 1;
        }
        block
    }
}

/// The driver loop: until `stop` is raised, sleeps on `clock` until the pacer's next deadline
/// and calls `process` with each block due. Returns what the pacer counted.
pub fn drive(
    clock: &dyn Clock,
    pacer: &mut Pacer,
    stop: &AtomicBool,
    mut process: impl FnMut(Block),
) -> HeadlessReport {
    while !stop.load(Ordering::Relaxed) {
        match pacer.next(clock.now()) {
            Next::Wait(due) => clock.sleep_until(due),
            Next::Process(block) => process(block),
        }
    }
    pacer.report()
}

/// How a headless run plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeadlessConfig {
    /// Samples per second (checked by the plugin's `activate`).
    pub sample_rate: f32,
    /// Samples per block, at least 1.
    pub period: u32,
    /// Beats per minute, finite and above zero.
    pub tempo: f64,
    /// Time signature numerator.
    pub timesig_num: i32,
    /// Time signature denominator.
    pub timesig_denom: i32,
}

impl Default for HeadlessConfig {
    fn default() -> Self {
        HeadlessConfig {
            sample_rate: 48_000.0,
            period: 512,
            tempo: 120.0,
            timesig_num: 4,
            timesig_denom: 4,
        }
    }
}

/// nice-plug's standalone options that take a value and mean nothing to the headless driver
/// (audio devices, JACK connections, GUI scale): accepted and ignored, so a command line works
/// with both.
const IGNORED_OPTIONS: &[&str] = &[
    "--audio-layout",
    "--input-latency",
    "--input-capacity",
    "--midi-capacity",
    "--input-device",
    "--output-device",
    "--midi-input",
    "--midi-output",
    "--connect-jack-inputs",
    "--connect-jack-midi-input",
    "--connect-jack-midi-output",
    "--dpi-scale",
];

impl HeadlessConfig {
    /// Reads nice-plug's standalone options (program name first, as left over after the
    /// program's own options): `--backend`/`-b` (must be `dummy`), `--sample-rate`/`-r`,
    /// `--period-size`/`-p`, `--tempo`, `--timesig-num`, `--timesig-denom`, each as
    /// `--opt VALUE` or `--opt=VALUE`, with nice-plug's defaults. An unknown option is an error.
    pub fn from_args(args: &[String]) -> Result<HeadlessConfig, String> {
        let mut config = HeadlessConfig::default();
        let mut args = args.iter().skip(1);
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => (name, Some(value)),
                _ => (arg.as_str(), None),
            };
            let known = matches!(
                name,
                "--backend"
                    | "-b"
                    | "--sample-rate"
                    | "-r"
                    | "--period-size"
                    | "-p"
                    | "--tempo"
                    | "--timesig-num"
                    | "--timesig-denom"
            ) || IGNORED_OPTIONS.contains(&name);
            if !known {
                return Err(format!("unknown option {arg:?}"));
            }
            let value = match inline {
                Some(value) => value,
                None => args
                    .next()
                    .map(String::as_str)
                    .ok_or_else(|| format!("{name} needs a value"))?,
            };
            let number = |what: &str| -> Result<f64, String> {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|number| number.is_finite())
                    .ok_or_else(|| format!("{name} {value:?}: {what}"))
            };
            match name {
                "--backend" | "-b" if value != "dummy" => {
                    return Err(format!(
                        "the headless driver plays only with --backend dummy, not {value:?}"
                    ))
                }
                "--sample-rate" | "-r" => config.sample_rate = number("not a number")? as f32,
                "--period-size" | "-p" => {
                    config.period = value
                        .parse()
                        .map_err(|_| format!("{name} {value:?}: not a whole number"))?
                }
                "--tempo" => config.tempo = number("not a number")?,
                "--timesig-num" | "--timesig-denom" => {
                    let count = value
                        .parse::<i32>()
                        .map_err(|_| format!("{name} {value:?}: not a whole number"))?;
                    if name == "--timesig-num" {
                        config.timesig_num = count;
                    } else {
                        config.timesig_denom = count;
                    }
                }
                _ => {}
            }
        }
        Ok(config)
    }
}

/// The deadline of block `block`: `start + block × period / rate`, exact to the nanosecond.
pub fn deadline(start: Instant, block: u64, period: u32, sample_rate: f32) -> Instant {
    let samples = u128::from(block) * u128::from(period);
    // Whole nanoseconds of `samples / rate`; the rate is a whole number of Hz in practice, and a
    // fractional one is still exact to well under a nanosecond per block (no accumulation: the
    // product is recomputed from `block` each time).
    let nanos = (samples as f64 * 1e9 / f64::from(sample_rate)) as u128;
    let nanos = u64::try_from(nanos).unwrap_or(u64::MAX);
    start + Duration::from_nanos(nanos)
}

/// The transport of the block that starts at sample `position`.
pub fn transport_at(config: &HeadlessConfig, position: u64) -> Transport {
    let mut transport = Transport::new(config.sample_rate);
    transport.playing = true;
    transport.tempo = Some(config.tempo);
    transport.time_sig_numerator = Some(config.timesig_num);
    transport.time_sig_denominator = Some(config.timesig_denom);
    transport.pos_samples = Some(i64::try_from(position).unwrap_or(i64::MAX));
    transport.pos_beats =
        Some(position as f64 / f64::from(config.sample_rate) * config.tempo / 60.0);
    transport
}

/// Activates `plugin`, processes blocks at their deadlines on the system clock until `stop` is
/// raised, then deactivates it (which closes every open OSC gate), and returns what the run did.
/// Fails if the configuration is out of range or the plugin refuses to activate.
pub fn run(
    plugin: &mut ChronusSeq,
    config: HeadlessConfig,
    stop: &AtomicBool,
) -> Result<HeadlessReport, String> {
    run_with(plugin, config, stop, || {})
}

/// [`run`], calling `before_block` on the driver thread before each block is processed (where a
/// host applies parameter changes: between blocks), and returning what the run did.
/// `before_block` runs at the block's deadline, so it must be quick and must not block. The
/// calling thread asks for real-time scheduling first (and keeps it).
pub fn run_with(
    plugin: &mut ChronusSeq,
    config: HeadlessConfig,
    stop: &AtomicBool,
    mut before_block: impl FnMut(),
) -> Result<HeadlessReport, String> {
    if config.period == 0 || config.period > 65_536 {
        return Err(format!(
            "the period size must be 1 to 65536 samples, not {}",
            config.period
        ));
    }
    if !(config.tempo.is_finite() && config.tempo > 0.0 && config.tempo <= 10_000.0) {
        return Err(format!(
            "the tempo must be above 0 and at most 10000 BPM, not {}",
            config.tempo
        ));
    }
    if config.timesig_num < 1 || config.timesig_denom < 1 {
        return Err("the time signature must be positive".to_owned());
    }
    let layout = AudioIOLayout {
        main_input_channels: NonZeroU32::new(2),
        main_output_channels: NonZeroU32::new(2),
        ..AudioIOLayout::const_default()
    };
    let buffer_config = BufferConfig {
        sample_rate: config.sample_rate,
        min_buffer_size: Some(config.period),
        max_buffer_size: config.period,
        process_mode: ProcessMode::Realtime,
    };
    if !plugin.activate(&layout, &buffer_config, &mut HeadlessActivateContext) {
        return Err(format!(
            "the plugin does not run at a sample rate of {} Hz",
            config.sample_rate
        ));
    }
    plugin.reset();

    let samples = config.period as usize;
    let mut left = vec![0.0f32; samples];
    let mut right = vec![0.0f32; samples];
    let mut buffer = Buffer::default();
    // SAFETY: both slices hold `samples` samples and live until the end of this function, after
    // the last use of `buffer`; nothing else touches them meanwhile. A sequencer's audio is
    // silence, so the slices are set once and never refilled.
    unsafe {
        buffer.set_slices(samples, |slices| {
            slices.clear();
            slices.push(&mut left);
            slices.push(&mut right);
        });
    }
    let mut context = HeadlessProcessContext {
        transport: Transport::new(config.sample_rate),
    };
    let realtime = crate::realtime::raise_calling_thread(DRIVER_PRIORITY);
    if realtime {
        nice_log!("Chronus Seq: the headless driver runs with real-time scheduling (SCHED_FIFO {DRIVER_PRIORITY})");
    } else {
        nice_log!(
            "Chronus Seq: the headless driver runs at normal priority: real-time scheduling is \
             not permitted (it needs CAP_SYS_NICE or an rtprio limit)"
        );
    }
    let clock = SystemClock;
    let mut pacer = Pacer::new(clock.now(), config.period, config.sample_rate);
    let report = drive(&clock, &mut pacer, stop, |block| {
        before_block();
        context.transport = transport_at(&config, block.position);
        plugin.schedule_block(block.due);
        let mut aux = AuxiliaryBuffers {
            inputs: &mut [],
            outputs: &mut [],
        };
        plugin.process(&mut buffer, &mut aux, &mut context);
    });
    plugin.deactivate();
    Ok(HeadlessReport { realtime, ..report })
}

/// Activation context of the headless host: nothing to schedule, latency ignored.
#[derive(Debug)]
struct HeadlessActivateContext;

impl ActivateContext<ChronusSeq> for HeadlessActivateContext {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    fn execute(&self, _task: ()) {}
    fn set_latency_samples(&self, _samples: u32) {}
    fn set_current_voice_capacity(&self, _capacity: u32) {}
}

/// Process context of the headless host: the transport of the current block; MIDI output is
/// dropped (the standalone's output is its OSC gates).
#[derive(Debug)]
struct HeadlessProcessContext {
    /// Transport of the block being processed. Headless driver thread only.
    transport: Transport,
}

impl ProcessContext<ChronusSeq> for HeadlessProcessContext {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    fn execute_background(&self, _task: ()) {}
    fn execute_gui(&self, _task: ()) {}
    fn transport(&self) -> &Transport {
        &self.transport
    }
    fn next_event(&mut self) -> Option<NoteEvent<()>> {
        None
    }
    fn try_send_event(
        &mut self,
        _event: NoteEvent<()>,
    ) -> Result<(), (NoteEvent<()>, nice_plug::context::process::SendEventError)> {
        Ok(())
    }
    fn set_latency_samples(&self, _samples: u32) {}
    fn request_restart(&self) {}
    fn set_current_voice_capacity(&self, _capacity: u32) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_computed_from_the_block_number_not_added_up() {
        let start = Instant::now();
        // 512 samples at 48 kHz = 10.666… ms: a million blocks is exactly 10,666.666… s.
        let far = deadline(start, 1_000_000, 512, 48_000.0);
        let expected = Duration::from_nanos(10_666_666_666_666);
        let error = (far - start).abs_diff(expected);
        assert!(error <= Duration::from_nanos(1), "{error:?}");
        assert_eq!(deadline(start, 0, 512, 48_000.0), start);
        assert_eq!(
            deadline(start, 3, 480, 48_000.0),
            start + Duration::from_millis(30)
        );
    }

    use crate::clock::ManualClock;
    use std::sync::mpsc;
    use std::sync::Arc;
    use std::thread;

    /// 512 samples at 48 kHz, in nanoseconds (10.666… ms, not a whole number of them).
    const PERIOD_NS: f64 = 512.0 / 48_000.0 * 1e9;

    fn processed(next: Next) -> Block {
        match next {
            Next::Process(block) => block,
            Next::Wait(due) => panic!("expected a block, got a wait until {due:?}"),
        }
    }

    #[test]
    fn the_pacer_waits_for_each_deadline_and_keeps_the_grid() {
        let clock = ManualClock::new();
        let mut pacer = Pacer::new(clock.now(), 512, 48_000.0);
        let first = processed(pacer.next(clock.now()));
        assert_eq!(
            (first.index, first.position, first.due),
            (0, 0, clock.start())
        );
        // A million blocks later (3 h), woken a little late each time: every block is due on
        // the grid computed from the start, never from the previous wake-up.
        for index in 1..=1_000_000u64 {
            let due = deadline(clock.start(), index, 512, 48_000.0);
            assert_eq!(pacer.next(due - Duration::from_nanos(1)), Next::Wait(due));
            let block = processed(pacer.next(due + Duration::from_micros(index % 3_000)));
            assert_eq!(
                (block.index, block.position, block.due),
                (index, index * 512, due)
            );
        }
        let last = deadline(clock.start(), 1_000_000, 512, 48_000.0) - clock.start();
        let ideal = 1_000_000.0 * PERIOD_NS;
        assert!((last.as_nanos() as f64 - ideal).abs() <= 1.0);
        assert_eq!(
            pacer.report(),
            HeadlessReport {
                realtime: false,
                blocks: 1_000_001,
                catch_ups: 0,
                skipped: 0,
            }
        );
    }

    #[test]
    fn a_backlog_within_the_limit_is_played_block_by_block() {
        let clock = ManualClock::new();
        let mut pacer = Pacer::new(clock.now(), 512, 48_000.0);
        let now = clock.at(CATCH_UP_LIMIT - Duration::from_millis(1));
        // 23 deadlines have passed (23 × 10.67 ms = 245 ms): all 24 blocks play, in order, each
        // with its own deadline.
        for index in 0..24 {
            let block = processed(pacer.next(now));
            assert_eq!(block.index, index);
            assert_eq!(block.due, deadline(clock.start(), index, 512, 48_000.0));
        }
        assert!(matches!(pacer.next(now), Next::Wait(_)));
        assert_eq!(pacer.report().skipped, 0);
    }

    #[test]
    fn a_driver_far_behind_skips_to_the_block_due_now_on_the_same_grid() {
        let clock = ManualClock::new();
        let mut pacer = Pacer::new(clock.now(), 512, 48_000.0);
        processed(pacer.next(clock.now()));
        // Held up for 1.5 s: blocks 1 to 139 are skipped (block 140 is due at 1493.3 ms) and
        // block 140 plays at once, at its own position: the song position is where the
        // elapsed time puts it, as if nothing had happened.
        let now = clock.at(Duration::from_millis(1_500));
        let block = processed(pacer.next(now));
        assert_eq!(block.index, 140);
        assert_eq!(block.position, 140 * 512);
        assert!(block.due <= now && now < deadline(clock.start(), 141, 512, 48_000.0));
        let next = deadline(clock.start(), 141, 512, 48_000.0);
        assert_eq!(pacer.next(now), Next::Wait(next));
        assert_eq!(processed(pacer.next(next)).index, 141);
        assert_eq!(
            pacer.report(),
            HeadlessReport {
                realtime: false,
                blocks: 3,
                catch_ups: 1,
                skipped: 139,
            }
        );
        // Exactly on a deadline after a long hold-up: that block, not the one before.
        let on = deadline(clock.start(), 1_000, 512, 48_000.0);
        assert_eq!(processed(pacer.next(on)).index, 1_000);
    }

    #[test]
    fn the_driver_loop_sleeps_on_its_clock_and_skips_after_a_hold_up() {
        let clock = ManualClock::new();
        let stop = Arc::new(AtomicBool::new(false));
        let (blocks, played) = mpsc::channel();
        let driver = {
            let clock = clock.clone();
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let mut pacer = Pacer::new(clock.now(), 512, 48_000.0);
                drive(&clock, &mut pacer, &stop, |block| {
                    blocks.send((block, clock.now())).unwrap();
                })
            })
        };
        let (first, at) = played.recv().unwrap();
        assert_eq!((first.index, at), (0, clock.start()));
        // Each block plays when the clock reaches its deadline, not before.
        for index in 1..=5 {
            let due = deadline(clock.start(), index, 512, 48_000.0);
            let waits = clock.waits();
            clock.advance_to(due - Duration::from_nanos(1));
            while clock.waits() == waits {
                thread::yield_now();
            }
            assert!(played.try_recv().is_err(), "block {index} played early");
            clock.advance_to(due);
            let (block, at) = played.recv().unwrap();
            assert_eq!((block.index, block.due, at), (index, due, due));
        }
        // Held up for a second (to 1053.3 ms): blocks 6 to 97 are skipped, block 98 (due at
        // 1045.3 ms) plays at once, on the same grid.
        clock.advance(Duration::from_secs(1));
        let (block, at) = played.recv().unwrap();
        assert_eq!((block.index, block.position), (98, 98 * 512));
        assert!(block.due <= at && at < deadline(clock.start(), 99, 512, 48_000.0));
        stop.store(true, Ordering::Relaxed);
        clock.advance_to(deadline(clock.start(), 99, 512, 48_000.0));
        let report = driver.join().unwrap();
        assert_eq!((report.catch_ups, report.skipped), (1, 92));
        assert!(played.try_iter().all(|(block, _)| block.index == 99));
    }

    #[test]
    fn transport_positions_follow_the_sample_count() {
        let config = HeadlessConfig::default();
        let transport = transport_at(&config, 48_000);
        assert!(transport.playing);
        assert_eq!(transport.pos_samples, Some(48_000));
        // One second at 120 BPM is two beats.
        assert_eq!(transport.pos_beats, Some(2.0));
        assert_eq!(transport.tempo, Some(120.0));
    }

    fn args(list: &[&str]) -> Vec<String> {
        std::iter::once("chronus-seq")
            .chain(list.iter().copied())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn reads_nice_plugs_options() {
        let config = HeadlessConfig::from_args(&args(&[
            "--backend",
            "dummy",
            "--tempo=133.5",
            "-p",
            "256",
            "-r",
            "44100",
            "--timesig-num",
            "7",
            "--timesig-denom=8",
            "--dpi-scale",
            "2",
        ]))
        .unwrap();
        assert_eq!(
            config,
            HeadlessConfig {
                sample_rate: 44_100.0,
                period: 256,
                tempo: 133.5,
                timesig_num: 7,
                timesig_denom: 8,
            }
        );
        assert_eq!(
            HeadlessConfig::from_args(&args(&[])).unwrap(),
            HeadlessConfig::default()
        );
        for bad in [
            &["--no-such-option"][..],
            &["--backend", "jack"],
            &["--tempo"],
            &["--tempo", "fast"],
            &["--tempo", "inf"],
            &["-p", "-1"],
            &["--timesig-num", "x"],
        ] {
            assert!(HeadlessConfig::from_args(&args(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bad_configurations_are_refused_before_activation() {
        let stop = AtomicBool::new(true);
        let mut plugin = ChronusSeq::default();
        for config in [
            HeadlessConfig {
                period: 0,
                ..HeadlessConfig::default()
            },
            HeadlessConfig {
                tempo: f64::NAN,
                ..HeadlessConfig::default()
            },
            HeadlessConfig {
                tempo: 0.0,
                ..HeadlessConfig::default()
            },
            HeadlessConfig {
                timesig_denom: 0,
                ..HeadlessConfig::default()
            },
        ] {
            assert!(run(&mut plugin, config, &stop).is_err(), "{config:?}");
        }
    }
}
