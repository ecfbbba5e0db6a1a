//! A headless host for the standalone program: the real plugin, activated and processed block by
//! block with a transport built here, paced by absolute deadlines on one monotonic clock.
//!
//! Block `k` starts at sample `k × period` and is processed at its deadline
//! `start + k × period / rate` (computed from `k`, never by adding sleeps), so the song position
//! is `(now − start) × tempo` at every deadline and a late wake-up delays only that block's
//! gates: the error never accumulates. If the process is held up for longer than
//! [`CATCH_UP_LIMIT`] (a suspended machine, a debugger) the clock starts again from the present
//! instead of rushing through the backlog.
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

/// How far behind its deadline the driver may fall before it restarts its clock.
pub const CATCH_UP_LIMIT: Duration = Duration::from_millis(250);

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

/// Activates `plugin`, processes blocks at their deadlines until `stop` is raised, then
/// deactivates it (which closes every open OSC gate). Fails if the configuration is out of range
/// or the plugin refuses to activate.
pub fn run(
    plugin: &mut ChronusSeq,
    config: HeadlessConfig,
    stop: &AtomicBool,
) -> Result<(), String> {
    run_with(plugin, config, stop, || {})
}

/// [`run`], calling `before_block` on the driver thread before each block is processed (where a
/// host applies parameter changes: between blocks). `before_block` runs at the block's deadline,
/// so it must be quick and must not block.
pub fn run_with(
    plugin: &mut ChronusSeq,
    config: HeadlessConfig,
    stop: &AtomicBool,
    mut before_block: impl FnMut(),
) -> Result<(), String> {
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
    let clock = SystemClock;
    let mut start = clock.now();
    let mut block: u64 = 0;
    let mut position: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let due = deadline(start, block, config.period, config.sample_rate);
        let now = clock.now();
        if now > due + CATCH_UP_LIMIT {
            start = now;
            block = 0;
        }
        while clock.now() < due {
            clock.sleep_until(due);
        }

        before_block();
        context.transport = transport_at(&config, position);
        let mut aux = AuxiliaryBuffers {
            inputs: &mut [],
            outputs: &mut [],
        };
        plugin.process(&mut buffer, &mut aux, &mut context);
        block += 1;
        position += u64::from(config.period);
    }
    plugin.deactivate();
    Ok(())
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
