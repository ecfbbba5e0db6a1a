//! `chronus-seq`: Chronus Seq as a program of its own, without a DAW (nice-plug's standalone
//! wrapper). Built only with `--features standalone`.
//!
//! ```text
//! chronus-seq --backend dummy --tempo 120 --pattern groove.json --osc-target 127.0.0.1:5005
//! ```
//!
//! Our own options (`--pattern`, `--osc-target`) are taken out of the command line here and
//! handed to the plugin through [`chronus_seq::startup`]; everything else goes to nice-plug,
//! which rejects options it does not know. With the dummy backend the transport always plays at
//! `--tempo`. The run ends on SIGINT (Ctrl+C) or SIGTERM; the plugin is then deactivated, which
//! closes every OSC gate still open.
//!
//! Exit codes: 0 after a clean run (and after `--help`), 1 if nice-plug's wrapper fails (for
//! example the chosen audio backend cannot start), 2 for a bad command line (ours or nice-plug's)
//! or a pattern file that cannot be read.

use std::ffi::OsString;
use std::net::ToSocketAddrs;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chronus_seq::document::SongDoc;
use chronus_seq::editor;
use chronus_seq::headless::{self, HeadlessConfig, HeadlessReport};
use chronus_seq::headless_window;
use chronus_seq::osc_out::OscOutSettings;
use chronus_seq::pattern_text;
use chronus_seq::startup::{self, StartupConfig};
use chronus_seq::ChronusSeq;
use nice_plug::prelude::nice_export_standalone_with_args;

/// Where gates go when `--osc-target` is not given: Music Chronus's OSC input.
const DEFAULT_OSC_TARGET: (&str, u16) = ("127.0.0.1", 5005);

/// Exit code of a bad command line or pattern file (the same code clap uses for usage errors).
const USAGE_ERROR: u8 = 2;

/// Printed before nice-plug's own help on `-h` / `--help`.
const OUR_HELP: &str = "\
Chronus Seq standalone: plays a pattern without a DAW and sends its OSC gates
(/gate/voiceN 1 at each step of track N, 0 at the end of the gate).

Chronus Seq options:
      --pattern <FILE>         Pattern to play instead of the default pattern: a pattern text,
                               one track per line, `name voice steps [notes]`, e.g.
                                 kick voice1 X...x...X...x...
                                 bass voice2 x.x.x..x C2,G1,A#1
                                 rim  voice3 euclid:5/16/2
                               (see examples/drums.txt, examples/bass.txt,
                               examples/euclid.txt), or a pattern document in JSON (format
                               chronus-seq/pattern, see docs/STATE.md)
      --osc-target <HOST:PORT> Where OSC gates go [default: 127.0.0.1:5005, Music Chronus].
                               IPv6 addresses in brackets: [::1]:5005
      --no-window              Run without the editor window (also the case when there is no
                               X display)
      -h, --help               This help, followed by the audio options below

Backends:
  --backend dummy  No sound card; the transport always plays at --tempo, on Chronus Seq's
                   own drift-free clock, with or without the window.
  --backend jack   Follows the JACK transport and plays nothing until it rolls: start a JACK
                   server (e.g. `jackd -d dummy`), then roll it with `jack_transport`
                   (type `play`) or any transport master. The tempo is the master's.

Stop with Ctrl+C or SIGTERM, or close the window.

Audio and transport options (nice-plug standalone wrapper):";

/// What our own options asked for, and the arguments left for nice-plug.
#[derive(Debug, Default, PartialEq)]
struct Command {
    /// `--pattern FILE`.
    pattern_file: Option<OsString>,
    /// `--osc-target HOST:PORT`, validated.
    osc_target: Option<(String, u16)>,
    /// `-h` / `--help` was given (it is also left in `rest`, for nice-plug's help).
    help: bool,
    /// `--no-window`: no editor window.
    no_window: bool,
    /// Everything else, program name first, for nice-plug.
    rest: Vec<String>,
}

impl Command {
    /// Whether nice-plug's options ask for the dummy backend (`--backend dummy`, `-b dummy`,
    /// `--backend=dummy`).
    fn backend_is_dummy(&self) -> bool {
        let mut args = self.rest.iter().skip(1);
        let mut dummy = false;
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--backend" | "-b" => dummy = args.next().is_some_and(|value| value == "dummy"),
                "--backend=dummy" => dummy = true,
                other if other.starts_with("--backend=") => dummy = false,
                _ => {}
            }
        }
        dummy
    }
}

fn main() -> ExitCode {
    let args = match std::env::args_os()
        .map(|arg| arg.into_string())
        .collect::<Result<Vec<String>, OsString>>()
    {
        Ok(args) => args,
        Err(arg) => return usage_error(&format!("argument {arg:?} is not valid UTF-8")),
    };
    let command = match parse(args) {
        Ok(command) => command,
        Err(message) => return usage_error(&message),
    };

    if command.help {
        println!("{OUR_HELP}");
        // nice-plug prints its help and exits the process with code 0.
        return finish(nice_export_standalone_with_args::<ChronusSeq, _>(
            command.rest,
        ));
    }

    let pattern = match &command.pattern_file {
        Some(path) => match load_pattern(path) {
            Ok(pattern) => Some(pattern),
            Err(message) => return usage_error(&message),
        },
        None => None,
    };
    let (host, port) = command.osc_target.clone().unwrap_or_else(|| {
        let (host, port) = DEFAULT_OSC_TARGET;
        (host.to_owned(), port)
    });
    if let Err(message) = check_resolves(&host, port) {
        return usage_error(&message);
    }

    let pattern_text = match &command.pattern_file {
        Some(path) => format!("the pattern in {}", std::path::Path::new(path).display()),
        None => "the default pattern".to_owned(),
    };
    eprintln!("chronus-seq: playing {pattern_text}; OSC gates to {host}:{port}");

    // The dummy backend runs on the headless driver (drift-free clock), with the editor in a
    // window of its own when there is a display; everything else on nice-plug's wrapper.
    let windowed = !command.no_window && editor::display_available();
    let headless = if command.backend_is_dummy() {
        match HeadlessConfig::from_args(&command.rest) {
            Ok(config) => Some(config),
            Err(message) => return usage_error(&message),
        }
    } else {
        None
    };

    let (pattern, osc_settings) = match pattern {
        Some((song, osc)) => (Some(song), osc),
        None => (None, None),
    };
    startup::set(StartupConfig {
        pattern,
        osc_settings,
        osc_target: Some((host, port)),
    });
    if let Some(config) = headless {
        return if windowed {
            run_headless_with_window(config)
        } else {
            run_headless(config)
        };
    }
    if command.no_window {
        editor::standalone::run_without_window();
    } else {
        editor::standalone::close_window_on_signals();
    }
    finish(nice_export_standalone_with_args::<ChronusSeq, _>(
        command.rest,
    ))
}

/// Plays on the headless driver until SIGINT, SIGTERM or SIGHUP.
fn run_headless(config: HeadlessConfig) -> ExitCode {
    editor::standalone::run_without_window();
    let stop = Arc::new(AtomicBool::new(false));
    let raise = Arc::clone(&stop);
    if let Err(error) = ctrlc::set_handler(move || raise.store(true, Ordering::Relaxed)) {
        eprintln!("chronus-seq: cannot watch the stop signals: {error}");
        return ExitCode::FAILURE;
    }
    eprintln!(
        "chronus-seq: headless at {} BPM, {} Hz, {}-sample blocks",
        config.tempo, config.sample_rate, config.period
    );
    let mut plugin = ChronusSeq::default();
    finish_headless(headless::run(&mut plugin, config, &stop))
}

/// Plays on the headless driver with the editor window open, until the window closes (the close
/// button, or SIGINT, SIGTERM or SIGHUP).
fn run_headless_with_window(config: HeadlessConfig) -> ExitCode {
    editor::standalone::close_window_on_signals();
    eprintln!(
        "chronus-seq: headless clock with the window at {} BPM, {} Hz, {}-sample blocks",
        config.tempo, config.sample_rate, config.period
    );
    let stop = Arc::new(AtomicBool::new(false));
    finish_headless(headless_window::run(ChronusSeq::default(), config, stop))
}

/// Reports how a headless run went (its scheduling, and any blocks it had to skip) and gives
/// its exit code.
fn finish_headless(ran: Result<HeadlessReport, String>) -> ExitCode {
    match ran {
        Ok(report) => {
            eprintln!(
                "chronus-seq: played {} blocks, driver thread {}; {}",
                report.blocks,
                if report.realtime {
                    "with real-time scheduling"
                } else {
                    "at normal priority (real-time scheduling not permitted)"
                },
                if report.catch_ups == 0 {
                    "skipped no block".to_owned()
                } else {
                    format!(
                        "fell more than {} ms behind {} times and skipped {} blocks",
                        headless::CATCH_UP_LIMIT.as_millis(),
                        report.catch_ups,
                        report.skipped
                    )
                }
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("chronus-seq: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Exit code 0 if nice-plug's wrapper ran and returned cleanly, 1 if it failed.
fn finish(ran: bool) -> ExitCode {
    if ran {
        ExitCode::SUCCESS
    } else {
        eprintln!("chronus-seq: the standalone wrapper failed (see the messages above)");
        ExitCode::FAILURE
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("chronus-seq: error: {message}");
    eprintln!("Run `chronus-seq --help` for the options.");
    ExitCode::from(USAGE_ERROR)
}

/// Takes our options out of `args` (program name first). Accepts `--opt VALUE` and
/// `--opt=VALUE`; a repeated option is an error, as in nice-plug's own parser.
fn parse(args: Vec<String>) -> Result<Command, String> {
    let mut command = Command::default();
    let mut args = args.into_iter();
    if let Some(program) = args.next() {
        command.rest.push(program);
    }
    while let Some(arg) = args.next() {
        let (name, inline_value) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        match name {
            "--pattern" | "--osc-target" => {
                let value = match inline_value {
                    Some(value) => value,
                    None => args.next().ok_or_else(|| format!("{name} needs a value"))?,
                };
                if name == "--pattern" {
                    if command.pattern_file.is_some() {
                        return Err("--pattern given more than once".to_owned());
                    }
                    if value.is_empty() {
                        return Err("--pattern needs a file name".to_owned());
                    }
                    command.pattern_file = Some(value.into());
                } else {
                    if command.osc_target.is_some() {
                        return Err("--osc-target given more than once".to_owned());
                    }
                    command.osc_target = Some(parse_target(&value)?);
                }
            }
            "-h" | "--help" => {
                command.help = true;
                command.rest.push(arg);
            }
            "--no-window" => command.no_window = true,
            _ => command.rest.push(arg),
        }
    }
    Ok(command)
}

/// Parses `HOST:PORT` (`[IPv6]:PORT` for IPv6 addresses). The port must be 1–65535.
fn parse_target(text: &str) -> Result<(String, u16), String> {
    let bad = |why: &str| format!("--osc-target {text:?}: {why} (expected HOST:PORT)");
    let (host, port) = text.rsplit_once(':').ok_or_else(|| bad("no port"))?;
    let host = match host.strip_prefix('[') {
        Some(inner) => inner.strip_suffix(']').ok_or_else(|| bad("unclosed '['"))?,
        None if host.contains(':') => {
            return Err(bad("write IPv6 addresses in brackets, e.g. [::1]:5005"))
        }
        None => host,
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let port = match port.parse::<u16>() {
        Ok(0) => return Err(bad("port 0 is not a port one can send to")),
        Ok(port) => port,
        Err(_) => return Err(bad("the port must be a number from 1 to 65535")),
    };
    Ok((host.to_owned(), port))
}

/// Resolves the OSC target once up front, so a typo in the host name is reported now instead
/// of as a silent send error counter later.
fn check_resolves(host: &str, port: u16) -> Result<(), String> {
    match (host, port).to_socket_addrs() {
        Ok(addresses) if addresses.len() > 0 => Ok(()),
        Ok(_) => Err(format!(
            "--osc-target {host}:{port}: the host has no address"
        )),
        Err(error) => Err(format!(
            "--osc-target {host}:{port}: cannot resolve the host: {error}"
        )),
    }
}

/// Reads and validates a pattern file: a pattern document (JSON, starting with `{`) or a
/// pattern text (one track per line, see [`chronus_seq::pattern_text`]). Returns the song and,
/// for a pattern text, the OSC settings with its tracks' gate addresses.
fn load_pattern(path: &OsString) -> Result<(SongDoc, Option<OscOutSettings>), String> {
    let shown = std::path::Path::new(path).display();
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("--pattern {shown}: cannot read the file: {error}"))?;
    if text.trim_start().starts_with('{') {
        let song =
            SongDoc::from_json(&text).map_err(|error| format!("--pattern {shown}: {error}"))?;
        Ok((song, None))
    } else {
        let read =
            pattern_text::read(&text).map_err(|error| format!("--pattern {shown}: {error}"))?;
        Ok((read.song, Some(read.osc)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        std::iter::once("chronus-seq")
            .chain(list.iter().copied())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn takes_out_our_options_and_keeps_the_rest_in_order() {
        let command = parse(args(&[
            "--backend",
            "dummy",
            "--pattern",
            "p.json",
            "--tempo=240",
            "--osc-target=localhost:9000",
            "-p",
            "256",
            "--no-window",
        ]))
        .unwrap();
        assert_eq!(command.pattern_file, Some("p.json".into()));
        assert_eq!(command.osc_target, Some(("localhost".to_owned(), 9000)));
        assert!(!command.help);
        assert!(command.no_window);
        assert_eq!(
            command.rest,
            args(&["--backend", "dummy", "--tempo=240", "-p", "256"])
        );
    }

    #[test]
    fn help_is_passed_on() {
        let command = parse(args(&["--help"])).unwrap();
        assert!(command.help);
        assert_eq!(command.rest, args(&["--help"]));
        assert!(parse(args(&["-h"])).unwrap().help);
    }

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("127.0.0.1:5005"),
            Ok(("127.0.0.1".to_owned(), 5005))
        );
        assert_eq!(parse_target("[::1]:5005"), Ok(("::1".to_owned(), 5005)));
        for bad in [
            "127.0.0.1",
            "127.0.0.1:",
            ":5005",
            "127.0.0.1:0",
            "127.0.0.1:65536",
            "127.0.0.1:-1",
            "127.0.0.1:port",
            "::1:5005",
            "[::1:5005",
        ] {
            assert!(parse_target(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn missing_or_repeated_values_are_errors() {
        assert!(parse(args(&["--pattern"])).is_err());
        assert!(parse(args(&["--osc-target"])).is_err());
        assert!(parse(args(&["--pattern="])).is_err());
        assert!(parse(args(&["--pattern", "a", "--pattern", "b"])).is_err());
        assert!(parse(args(&["--osc-target", "h:1", "--osc-target=h:2"])).is_err());
    }

    #[test]
    fn bad_pattern_files_are_errors_not_panics() {
        let dir = std::env::temp_dir().join(format!("chronus-seq-main-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.json");
        std::fs::write(&file, "{ not json").unwrap();
        let error = load_pattern(&file.clone().into_os_string()).unwrap_err();
        assert!(error.contains("not valid JSON"), "{error}");
        let missing = dir.join("missing.json");
        let error = load_pattern(&missing.into_os_string()).unwrap_err();
        assert!(error.contains("cannot read"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
