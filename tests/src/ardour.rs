//! Ardour 7 as a host: runs the VST3 bundle in headless Ardour (`ardour7-lua`, "None (Dummy)"
//! backend, 48 kHz, 512-sample cycles) and reads back every MIDI event it made.
//!
//! Ardour is a real DAW that runs on these machines (Debian `ardour`); how it hosts VST3 is
//! described in docs/HOSTS.md. The pieces:
//!
//! - [`ArdourTools::find`]: the `ardour7-lua` interpreter and the VST3 scanner, or why not;
//!   [`ardour_or_skip`] turns their absence into a failure with the install command, or a skip
//!   for a developer's quick run ([`QUICK_ENV`]).
//! - [`ArdourWorld`]: a throwaway `HOME` (Ardour's configuration, scan cache and scripts stay
//!   there), the bundle copied into its `~/.vst3` and scanned, and each Ardour process run in a
//!   network namespace of its own where `unshare` allows it, so no OSC gate ever reaches a
//!   modular listening on the machine (the plan also turns *OSC Out* off).
//! - `tests/ardour/session.lua` creates the session (a MIDI track: Chronus Seq, then the MIDI
//!   logger `tests/ardour/chronus_midi_log.lua`) and plays a [`Plan`]; [`ArdourLog`] parses what
//!   the logger saw, cycle by cycle, into [`LoggedCase`]s.
//!
//! Expected notes and the comparison live in [`crate::ardour_expect`].

use crate::bundle::{target_dir, vst3_bundle, workspace_root};
use crate::error::{HarnessError, Result};
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Environment variable that marks a developer's quick run: tests that need Ardour are skipped
/// (with a printed line) when it is not installed, instead of failing. Ignored when `CI` is set.
pub const QUICK_ENV: &str = "CHRONUS_SEQ_QUICK";

/// The Debian package that provides Ardour.
pub const DEBIAN_PACKAGE: &str = "ardour";

/// Ardour's Lua session interpreter.
pub const LUA_INTERPRETER: &str = "ardour7-lua";

/// Ardour's library directory (the scanner needs it on `LD_LIBRARY_PATH`).
pub const ARDOUR_LIB_DIR: &str = "/usr/lib/ardour7";

/// Ardour's sample rate in these tests.
pub const SAMPLE_RATE: f64 = 48_000.0;

/// Ardour's cycle length in these tests.
pub const CYCLE: u32 = 512;

/// Name of the track holding the plugin (`session.lua` looks it up by this name).
const TRACK_NAME: &str = "Seq";

/// Name of the range `session.lua` creates and [`ArdourWorld::create_session`] turns into the
/// loop.
const LOOP_RANGE_NAME: &str = "test-loop";

/// How long one Ardour process may take before it is killed.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(240);

/// The programs of an installed Ardour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArdourTools {
    /// `ardour7-lua`.
    pub lua: PathBuf,
    /// `ardour-vst3-scanner`.
    pub scanner: PathBuf,
}

impl ArdourTools {
    /// Finds `ardour7-lua` on `PATH` and the VST3 scanner in [`ARDOUR_LIB_DIR`]; `Err` says what
    /// is missing.
    pub fn find() -> std::result::Result<Self, String> {
        let lua = std::env::var_os("PATH")
            .into_iter()
            .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
            .map(|dir| dir.join(LUA_INTERPRETER))
            .find(|candidate| candidate.is_file())
            .ok_or_else(|| format!("`{LUA_INTERPRETER}` is not on PATH"))?;
        let scanner = Path::new(ARDOUR_LIB_DIR).join("ardour-vst3-scanner");
        if !scanner.is_file() {
            return Err(format!("{} does not exist", scanner.display()));
        }
        Ok(Self { lua, scanner })
    }
}

/// Ardour's programs, or `None` after printing why the test is skipped in a developer's quick
/// run. Panics with the install command when Ardour is missing and [`QUICK_ENV`] is not set
/// (CI always runs these tests: `tests/run-all.sh` installs Ardour when it runs as root).
pub fn ardour_or_skip(test: &str) -> Option<ArdourTools> {
    match ArdourTools::find() {
        Ok(tools) => Some(tools),
        Err(missing) => {
            let set =
                |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
            // CI must run the Ardour tests whatever a developer's variable says.
            let quick = set(QUICK_ENV) && !set("CI");
            if quick {
                println!(
                    "SKIPPED {test}: Ardour is not installed ({missing}) and {QUICK_ENV} is set"
                );
                None
            } else {
                panic!(
                    "{test} needs Ardour 7 ({missing}). Install it with \
                     `sudo apt-get install {DEBIAN_PACKAGE}` (Debian/Ubuntu), or run \
                     `bash tests/run-all.sh` as root, which installs it; set {QUICK_ENV}=1 to \
                     skip the Ardour tests in a quick developer run"
                )
            }
        }
    }
}

/// A throwaway Ardour installation for one test process: its own `HOME` with the plugin bundle
/// scanned and the logger script in place, and a session directory.
#[derive(Debug)]
pub struct ArdourWorld {
    tools: ArdourTools,
    /// `<target>/ardour-test/<pid>`: everything of this run (kept for a look after a failure).
    root: PathBuf,
    /// The throwaway `HOME`.
    home: PathBuf,
    /// Whether Ardour runs in a network namespace of its own (`unshare -n`).
    isolated: bool,
}

/// The session directory and name used by [`ArdourWorld`].
const SESSION_NAME: &str = "chronus-test";

impl ArdourWorld {
    /// Builds the VST3 bundle (debug, `cargo xtask bundle`), makes a fresh `HOME` under
    /// `<target>/ardour-test/<pid>`, installs the bundle in its `~/.vst3` and the logger in its
    /// Ardour scripts folder, and runs Ardour's VST3 scanner on the bundle.
    pub fn prepare(tools: ArdourTools) -> Result<Self> {
        let bundle = vst3_bundle()?;
        let parent = target_dir().join("ardour-test");
        remove_stale_runs(&parent);
        let root = parent.join(std::process::id().to_string());
        if root.exists() {
            std::fs::remove_dir_all(&root)
                .map_err(|e| HarnessError::context(&format!("removing {}", root.display()), e))?;
        }
        let home = root.join("home");
        let installed = home
            .join(".vst3")
            .join(bundle.file_name().unwrap_or_default());
        copy_tree(bundle, &installed)?;
        // Ardour skips a bundle whose files are as new as its scan cache (same second): give the
        // copy an older modification time, as a bundle installed earlier would have.
        let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
        set_modified_tree(&installed, an_hour_ago)?;
        let scripts = home.join(".config").join("ardour7").join("scripts");
        std::fs::create_dir_all(&scripts)
            .map_err(|e| HarnessError::context(&format!("creating {}", scripts.display()), e))?;
        let logger = script_path("chronus_midi_log.lua");
        std::fs::copy(&logger, scripts.join("chronus_midi_log.lua"))
            .map_err(|e| HarnessError::context(&format!("copying {}", logger.display()), e))?;
        let isolated = network_namespace_works();
        let world = Self {
            tools,
            root,
            home,
            isolated,
        };
        world.scan(&installed)?;
        Ok(world)
    }

    /// Whether Ardour runs without network access to the machine (its own loopback only).
    pub fn is_isolated(&self) -> bool {
        self.isolated
    }

    /// The directory of this run's files.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The session directory.
    pub fn session_dir(&self) -> PathBuf {
        self.root.join("session")
    }

    /// The saved session file of snapshot `snapshot`.
    pub fn snapshot_file(&self, snapshot: &str) -> PathBuf {
        self.session_dir().join(format!("{snapshot}.ardour"))
    }

    fn environment(&self, command: &mut Command) {
        command
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("XDG_DATA_HOME", self.home.join(".local").join("share"))
            .env_remove("ARDOUR_CONFIG_PATH")
            .env_remove("ARDOUR_DATA_PATH")
            .env_remove("VST3_PATH")
            .current_dir(&self.root);
    }

    fn scan(&self, bundle: &Path) -> Result<()> {
        let mut command = Command::new(&self.tools.scanner);
        self.environment(&mut command);
        command
            .env("LD_LIBRARY_PATH", ARDOUR_LIB_DIR)
            .arg("-f")
            .arg(bundle);
        let output = run_with_timeout(command, PROCESS_TIMEOUT, "ardour-vst3-scanner")?;
        if !output.success {
            return Err(HarnessError::new(format!(
                "ardour-vst3-scanner -f {} failed:\n{}",
                bundle.display(),
                output.text
            )));
        }
        Ok(())
    }

    /// Runs `ardour7-lua tests/ardour/session.lua ARGS` in this world; returns its output, or an
    /// error with that output when it fails or prints an `ERROR` line.
    fn run_session_script(&self, args: &[&str], what: &str) -> Result<String> {
        let script = script_path("session.lua");
        let mut command = if self.isolated {
            // A network namespace of its own: only a loopback, brought up so Ardour's own OSC
            // and the plugin's sockets work inside it.
            let mut command = Command::new("unshare");
            command.args(["-n", "sh", "-c", "ip link set lo up && exec \"$0\" \"$@\""]);
            command.arg(&self.tools.lua);
            command
        } else {
            Command::new(&self.tools.lua)
        };
        command.arg(&script).args(args);
        self.environment(&mut command);
        let output = run_with_timeout(command, PROCESS_TIMEOUT, what)?;
        let failed_line = output.text.lines().find(|l| l.starts_with("ERROR"));
        if !output.success || failed_line.is_some() {
            return Err(HarnessError::new(format!(
                "{what} failed ({}):\n{}",
                failed_line.unwrap_or("non-zero exit"),
                tail(&output.text, 60)
            )));
        }
        Ok(output.text)
    }

    /// Creates the session: a MIDI track with Chronus Seq (VST3) and the MIDI logger after it,
    /// and a loop range (Ardour 7.3's Lua makes a range marker; its flags are changed to
    /// `IsAutoLoop,IsHidden` in the saved session file, which is how Ardour stores its loop).
    pub fn create_session(&self) -> Result<()> {
        let dir = self.session_dir();
        let dir_arg = dir.to_string_lossy().into_owned();
        self.run_session_script(
            &["create", &dir_arg, SESSION_NAME, crate::bundle::BUNDLE_NAME],
            "creating the Ardour session",
        )?;
        let file = self.snapshot_file(SESSION_NAME);
        let xml = std::fs::read_to_string(&file)
            .map_err(|e| HarnessError::context(&format!("reading {}", file.display()), e))?;
        let xml = make_loop_range(&xml, LOOP_RANGE_NAME)?;
        std::fs::write(&file, xml)
            .map_err(|e| HarnessError::context(&format!("writing {}", file.display()), e))
    }

    /// Loads snapshot `snapshot` in a fresh Ardour process and carries out `plan`; returns what
    /// the logger saw.
    pub fn play(&self, snapshot: &str, plan: &Plan, label: &str) -> Result<ArdourLog> {
        let plan_file = self.root.join(format!("{label}.plan"));
        let log_file = self.root.join(format!("{label}.log"));
        std::fs::write(&plan_file, plan.text())
            .map_err(|e| HarnessError::context(&format!("writing {}", plan_file.display()), e))?;
        let dir = self.session_dir().to_string_lossy().into_owned();
        let plan_arg = plan_file.to_string_lossy().into_owned();
        let log_arg = log_file.to_string_lossy().into_owned();
        let started = Instant::now();
        self.run_session_script(
            &["play", &dir, snapshot, &plan_arg, &log_arg],
            &format!("Ardour playing plan {label}"),
        )?;
        let text = std::fs::read_to_string(&log_file)
            .map_err(|e| HarnessError::context(&format!("reading {}", log_file.display()), e))?;
        let log = ArdourLog::parse(&text)
            .map_err(|e| HarnessError::new(format!("{}: {e}", log_file.display())))?;
        println!(
            "ardour: plan {label} took {:.1} s ({} cycles logged)",
            started.elapsed().as_secs_f64(),
            log.cases.iter().map(|c| c.cycles.len()).sum::<usize>()
        );
        Ok(log)
    }

    /// The session name (also the first snapshot's name).
    pub fn session_name(&self) -> &'static str {
        SESSION_NAME
    }

    /// The track name (for reports).
    pub fn track_name(&self) -> &'static str {
        TRACK_NAME
    }
}

/// `tests/ardour/<name>`.
fn script_path(name: &str) -> PathBuf {
    workspace_root().join("tests").join("ardour").join(name)
}

/// Removes `<parent>/<pid>` directories of processes that no longer run.
fn remove_stale_runs(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|pid| !Path::new("/proc").join(pid.to_string()).exists());
        if stale {
            // Best effort: a leftover directory only costs disk space.
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let context = |e| HarnessError::context(&format!("copying {}", from.display()), e);
    if from.is_dir() {
        std::fs::create_dir_all(to).map_err(context)?;
        for entry in std::fs::read_dir(from).map_err(context)? {
            let entry = entry.map_err(context)?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to).map(|_| ()).map_err(context)
    }
}

fn set_modified_tree(path: &Path, time: SystemTime) -> Result<()> {
    let context = |e| HarnessError::context(&format!("dating {}", path.display()), e);
    if path.is_dir() {
        for entry in std::fs::read_dir(path).map_err(context)? {
            set_modified_tree(&entry.map_err(context)?.path(), time)?;
        }
    }
    std::fs::File::open(path)
        .and_then(|file| file.set_modified(time))
        .map_err(context)
}

/// Whether `unshare -n` works here (root, or a kernel that lets users make namespaces) with an
/// `ip` to bring the loopback up.
fn network_namespace_works() -> bool {
    Command::new("unshare")
        .args(["-n", "sh", "-c", "ip link set lo up"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// What a finished child process printed (stdout and stderr together) and whether it succeeded.
struct Finished {
    success: bool,
    text: String,
}

fn run_with_timeout(mut command: Command, timeout: Duration, what: &str) -> Result<Finished> {
    let log = std::env::temp_dir().join(format!(
        "chronus-ardour-{}-{}.out",
        std::process::id(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let out = std::fs::File::create(&log)
        .map_err(|e| HarnessError::context(&format!("creating {}", log.display()), e))?;
    let err = out
        .try_clone()
        .map_err(|e| HarnessError::context("duplicating a file handle", e))?;
    let mut child: Child = command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| HarnessError::context(&format!("starting {what}"), e))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > timeout => {
                // The child is this process's own: ends only it.
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(HarnessError::context(&format!("waiting for {what}"), e)),
        }
    };
    let mut text = String::new();
    if let Ok(mut file) = std::fs::File::open(&log) {
        let mut bytes = Vec::new();
        let _ = file.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    let _ = std::fs::remove_file(&log);
    match status {
        Some(status) => Ok(Finished {
            success: status.success(),
            text,
        }),
        None => Err(HarnessError::new(format!(
            "{what} did not finish within {} s and was killed; its output:\n{}",
            timeout.as_secs(),
            tail(&text, 60)
        ))),
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Turns the range named `name` of a saved Ardour session into its loop range.
pub fn make_loop_range(xml: &str, name: &str) -> Result<String> {
    let needle = format!("name=\"{name}\"");
    let mut found = false;
    let lines: Vec<String> = xml
        .lines()
        .map(|line| {
            if line.contains("<Location ") && line.contains(&needle) {
                found = true;
                replace_attribute(line, "flags", "IsAutoLoop,IsHidden")
            } else {
                line.to_owned()
            }
        })
        .collect();
    if found {
        Ok(lines.join("\n") + "\n")
    } else {
        Err(HarnessError::new(format!(
            "the saved session has no <Location> named {name}"
        )))
    }
}

fn replace_attribute(line: &str, attribute: &str, value: &str) -> String {
    let key = format!(" {attribute}=\"");
    match line.find(&key) {
        Some(start) => {
            let value_start = start + key.len();
            let value_end = line[value_start..]
                .find('"')
                .map_or(line.len(), |end| value_start + end);
            format!("{}{value}{}", &line[..value_start], &line[value_end..])
        }
        None => line.to_owned(),
    }
}

/// What `session.lua` does in one Ardour process: a list of commands (see the script's header).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    lines: Vec<String>,
}

impl Plan {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one raw command line.
    pub fn command(mut self, line: impl Into<String>) -> Self {
        self.lines.push(line.into());
        self
    }

    /// Starts a new case in the log: everything logged from here to the next mark belongs to
    /// case `name`.
    pub fn mark(self, name: &str) -> Self {
        self.command(format!("mark {name}"))
    }

    /// One tempo for the whole session.
    pub fn tempo(self, bpm: f64) -> Self {
        self.command(format!("tempo {bpm}"))
    }

    /// Sets the plugin parameter labelled `label` to the host value `value`.
    pub fn param(self, label: &str, value: f64) -> Self {
        self.command(format!("param {label} {value}"))
    }

    /// Replaces the automation of `label` by `points` (sample, value) and plays it.
    pub fn automate(self, label: &str, points: &[(u64, f64)]) -> Self {
        let mut line = format!("automate {label} :");
        for (sample, value) in points {
            let _ = write!(line, " {sample} {value}");
        }
        self.command(line)
    }

    /// Clears the automation of `label`.
    pub fn unautomate(self, label: &str) -> Self {
        self.command(format!("unautomate {label}"))
    }

    /// Moves the loop range to samples `[start, end)`.
    pub fn loop_range(self, start: u64, end: u64) -> Self {
        self.command(format!("loop {start} {end}"))
    }

    /// Moves the playhead (stopped).
    pub fn locate(self, sample: u64) -> Self {
        self.command(format!("locate {sample}"))
    }

    /// Moves the playhead to `sample − L` (L = the route's latency, known only inside Ardour), so
    /// that the plugin's cycles start at `sample + k·512`: its positions run `L` ahead of the
    /// transport.
    pub fn locate_before_latency(self, sample: u64) -> Self {
        self.command(format!("locate {sample}-L"))
    }

    /// Starts the transport.
    pub fn roll(self) -> Self {
        self.command("roll")
    }

    /// Plays the loop range.
    pub fn loop_roll(self) -> Self {
        self.command("loop_roll")
    }

    /// Leaves loop play.
    pub fn unloop(self) -> Self {
        self.command("unloop")
    }

    /// Stops the transport.
    pub fn stop(self) -> Self {
        self.command("stop")
    }

    /// Lets the engine run for `seconds`.
    pub fn wait(self, seconds: f64) -> Self {
        self.command(format!("wait {seconds}"))
    }

    /// Waits until the playhead has reached `sample`.
    pub fn until(self, sample: u64) -> Self {
        self.command(format!("until {sample}"))
    }

    /// Waits until the playhead has wrapped `count` times.
    pub fn wraps(self, count: u32) -> Self {
        self.command(format!("wraps {count}"))
    }

    /// Saves the session as snapshot `name`.
    pub fn save(self, name: &str) -> Self {
        self.command(format!("save {name}"))
    }

    /// The plan file's text.
    pub fn text(&self) -> String {
        self.lines.join("\n") + "\n"
    }
}

/// One call of the logger: a whole engine cycle, or a part of one (Ardour splits a cycle where
/// its transport starts or wraps, and runs a Lua processor in pieces split at the loop end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggedCycle {
    /// The engine's sample clock at this call's first sample: the engine cycle's start
    /// (`AudioEngine::processed_samples`) plus the calls before it in that cycle. It never jumps
    /// back, unlike the transport.
    pub run_sample: u64,
    /// Ardour's transport sample during the call (the same for every part of a cycle).
    pub transport: i64,
    /// Length in samples.
    pub length: u32,
    /// Whether the transport was rolling (speed ≠ 0).
    pub rolling: bool,
}

/// One MIDI event the logger saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggedMidi {
    /// Index of its call in [`LoggedCase::cycles`].
    pub cycle: usize,
    /// Offset in the call.
    pub offset: u32,
    /// Status byte.
    pub status: u8,
    /// First data byte (the key of a note event).
    pub data1: u8,
    /// Second data byte (the velocity of a note event).
    pub data2: u8,
}

impl LoggedMidi {
    /// Whether this is a note-on (status 0x9n with velocity > 0).
    pub fn is_note_on(&self) -> bool {
        self.status & 0xf0 == 0x90 && self.data2 > 0
    }

    /// Whether this is a note-off (0x8n, or 0x9n with velocity 0).
    pub fn is_note_off(&self) -> bool {
        self.status & 0xf0 == 0x80 || (self.status & 0xf0 == 0x90 && self.data2 == 0)
    }

    /// MIDI channel 0..=15.
    pub fn channel(&self) -> u8 {
        self.status & 0x0f
    }
}

/// Everything logged between two marks of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoggedCase {
    /// The mark's text.
    pub name: String,
    /// The route's latency when the case started: Ardour runs the plugin this many samples
    /// ahead of its transport.
    pub latency: i64,
    /// Every call of the logger, in order.
    pub cycles: Vec<LoggedCycle>,
    /// Every MIDI event, in order.
    pub midi: Vec<LoggedMidi>,
}

impl LoggedCase {
    /// The run sample of `event` (its call's run sample plus its offset).
    pub fn run_sample(&self, event: &LoggedMidi) -> u64 {
        self.cycles[event.cycle].run_sample + u64::from(event.offset)
    }
}

/// What the logger saw in one Ardour process, split at the plan's marks (records before the
/// first mark are dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArdourLog {
    /// The cases, in plan order.
    pub cases: Vec<LoggedCase>,
}

impl ArdourLog {
    /// Parses the log file `session.lua` writes. Checks that the calls of every engine cycle
    /// add up to the cycle length and that no engine cycle is missing.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let mut log = ArdourLog::default();
        let mut ended = false;
        // (engine cycle start, samples of it seen so far) of the last call.
        let mut engine: Option<(u64, u64)> = None;
        for (number, line) in text.lines().enumerate() {
            let bad = |what: &str| format!("line {}: {what}: {line}", number + 1);
            let words: Vec<&str> = line.split_whitespace().collect();
            let numbers = |count: usize| -> std::result::Result<Vec<i64>, String> {
                let values: Vec<i64> = words[1..]
                    .iter()
                    .map(|w| w.parse::<i64>())
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|_| bad("not a number"))?;
                if values.len() == count {
                    Ok(values)
                } else {
                    Err(bad("wrong field count"))
                }
            };
            match words.first().copied() {
                Some("mark") => log.cases.push(LoggedCase {
                    name: words[1..].join(" "),
                    ..LoggedCase::default()
                }),
                Some("latency") => {
                    let v = numbers(1)?;
                    if let Some(case) = log.cases.last_mut() {
                        case.latency = v[0];
                    }
                }
                Some("cycle") => {
                    let v = numbers(5)?;
                    let length = u32::try_from(v[1]).map_err(|_| bad("bad length"))?;
                    let cycle_start = u64::try_from(v[4]).map_err(|_| bad("bad engine clock"))?;
                    let seen = match engine {
                        Some((start, seen)) if start == cycle_start => seen,
                        Some((start, seen)) => {
                            if seen != u64::from(crate::ardour::CYCLE) {
                                return Err(bad(&format!(
                                    "the calls of the engine cycle at {start} cover {seen} samples"
                                )));
                            }
                            if cycle_start != start + seen {
                                return Err(bad(&format!(
                                    "engine cycles missing between {} and {cycle_start}",
                                    start + seen
                                )));
                            }
                            0
                        }
                        None => 0,
                    };
                    engine = Some((cycle_start, seen + u64::from(length)));
                    if let Some(case) = log.cases.last_mut() {
                        case.cycles.push(LoggedCycle {
                            run_sample: cycle_start + seen,
                            transport: v[0],
                            length,
                            rolling: v[2] != 0,
                        });
                    }
                }
                Some("midi") => {
                    let v = numbers(7)?;
                    if let Some(case) = log.cases.last_mut() {
                        let cycle = case
                            .cycles
                            .len()
                            .checked_sub(1)
                            .ok_or_else(|| bad("event before any cycle"))?;
                        let byte = |i: usize| u8::try_from(v[i]).map_err(|_| bad("not a byte"));
                        case.midi.push(LoggedMidi {
                            cycle,
                            offset: u32::try_from(v[3]).map_err(|_| bad("bad offset"))?,
                            status: byte(4)?,
                            data1: byte(5)?,
                            data2: byte(6)?,
                        });
                    }
                }
                Some("end") => ended = true,
                Some(_) => return Err(bad("unknown record")),
                None => {}
            }
        }
        if ended {
            Ok(log)
        } else {
            Err("the log has no `end` line: Ardour stopped before the plan was done".to_owned())
        }
    }

    /// The case marked `name`.
    pub fn case(&self, name: &str) -> Option<&LoggedCase> {
        self.cases.iter().find(|c| c.name == name)
    }
}

/// The plugin's state as a saved Ardour session stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedPluginState {
    /// The VST3 component state (`<chunk>`, base64), which holds nice-plug's JSON state.
    pub chunk: String,
    /// Each parameter's `<Controllable name=… value=…>`.
    pub controls: Vec<(String, String)>,
}

impl SavedPluginState {
    /// Finds the state of the VST3 processor in the text of a saved `.ardour` file.
    pub fn from_session(xml: &str) -> Option<Self> {
        let processor = xml.find("type=\"vst3\"")?;
        let start = xml[..processor].rfind("<Processor")?;
        let end = start + xml[start..].find("</Processor>")?;
        let body = &xml[start..end];
        let chunk_start = body.find("<chunk>")? + "<chunk>".len();
        let chunk_end = chunk_start + body[chunk_start..].find("</chunk>")?;
        let chunk = body[chunk_start..chunk_end].trim().to_owned();
        let controls = body
            .lines()
            .filter(|line| line.trim_start().starts_with("<Controllable "))
            .filter_map(|line| Some((attribute(line, "name")?, attribute(line, "value")?)))
            .collect();
        Some(Self { chunk, controls })
    }

    /// nice-plug's JSON state inside the chunk (the text from its first `{`), for reports.
    pub fn json(&self) -> Option<String> {
        let bytes = decode_base64(&self.chunk)?;
        let start = bytes.iter().position(|b| *b == b'{')?;
        let end = bytes.iter().rposition(|b| *b == b'}')?;
        String::from_utf8(bytes[start..=end].to_vec()).ok()
    }

    /// The value saved for the parameter named `name`.
    pub fn control(&self, name: &str) -> Option<&str> {
        self.controls
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The value of `name="…"` in an XML element's line.
fn attribute(line: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = line.find(&key)? + key.len();
    let end = start + line[start..].find('"')?;
    Some(line[start..end].to_owned())
}

/// Standard base64 (with padding, whitespace ignored); `None` on a character outside it.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_the_standard_alphabet() {
        assert_eq!(decode_base64("VlNUMw==").as_deref(), Some(&b"VST3"[..]));
        assert_eq!(
            decode_base64("eyJhIjoxfQ").as_deref(),
            Some(&b"{\"a\":1}"[..])
        );
        assert_eq!(decode_base64("*"), None);
    }

    #[test]
    fn the_named_range_becomes_the_loop() {
        let xml = "<Locations>\n    <Location id=\"1\" name=\"test-loop\" start=\"a0\" \
                   end=\"a5\" flags=\"IsRangeMarker\" locked=\"0\"/>\n</Locations>\n";
        let changed = make_loop_range(xml, "test-loop").expect("the range is there");
        assert!(changed.contains("flags=\"IsAutoLoop,IsHidden\" locked=\"0\""));
        assert!(make_loop_range(xml, "other").is_err());
    }

    #[test]
    fn a_log_splits_into_cases_on_the_engine_clock() {
        let text = "mark a\nlatency 256\ncycle 0 512 0 0 1024\ncycle 0 240 1 0 1536\n\
                    midi 0 240 1 3 144 36 76\ncycle 0 272 1 0 1536\ncycle 512 512 1 0 2048\n\
                    mark b\nlatency 256\ncycle 1024 512 0 0 2560\nend\n";
        let log = ArdourLog::parse(text).expect("a valid log");
        assert_eq!(log.cases.len(), 2);
        let a = log.case("a").expect("case a");
        assert_eq!(a.latency, 256);
        let runs: Vec<u64> = a.cycles.iter().map(|c| c.run_sample).collect();
        assert_eq!(runs, vec![1024, 1536, 1776, 2048]);
        assert_eq!(a.run_sample(&a.midi[0]), 1539);
        assert!(
            ArdourLog::parse("mark a\ncycle 0 512 0 0 0\ncycle 0 512 0 0 1024\nend\n").is_err(),
            "a missing engine cycle is an error"
        );
        assert!(ArdourLog::parse("mark a\n").is_err(), "no end line");
    }
}
