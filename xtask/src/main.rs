//! Build tasks.
//!
//! - `cargo xtask install` builds the release bundles and copies them to the user's plugin
//!   folders.
//! - `cargo xtask bundle chronus_seq [--release]` builds `target/bundled/Chronus Seq.clap` and
//!   `Chronus Seq.vst3` (nice-plug's bundler).
//! - `cargo xtask osc-latency [--quick]` measures the OSC-out sidecar's send lateness and drops
//!   on loopback, idle and under load, and prints a markdown table.
//! - `cargo xtask editor-cpu [--seconds N]` measures the editor window's CPU use, stopped and
//!   playing (standalone under Xvfb on a JACK dummy server).

mod editor_cpu;
mod install;
mod osc_latency;

fn main() -> nice_plug_xtask::Result<()> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("install") => install::run(args.collect()),
        Some("osc-latency") => osc_latency::run(args.collect()),
        Some("editor-cpu") => editor_cpu::run(args.collect()),
        _ => nice_plug_xtask::main(),
    }
}
