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
//! - `cargo xtask instance-cpu [--seconds N]` measures the CPU use and wake-ups of each thread
//!   of one plugin instance, idle and busy.
//! - `cargo xtask standalone-drift [--minutes N] [--busy] [-- ARGS]` measures how well the
//!   release standalone keeps tempo: its gates on loopback fitted against the ideal grid.
//! - `cargo xtask mcp-latency [--runs N] [--mcp PATH]` measures how long an MCP tool call to
//!   `chronus-mcp` takes to be heard (the new pattern's first OSC gate) on loopback.

mod editor_cpu;
mod install;
mod instance_cpu;
mod mcp_latency;
mod osc_latency;
mod standalone_drift;

fn main() -> nice_plug_xtask::Result<()> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("install") => install::run(args.collect()),
        Some("osc-latency") => osc_latency::run(args.collect()),
        Some("mcp-latency") => mcp_latency::run(args.collect()),
        Some("editor-cpu") => editor_cpu::run(args.collect()),
        Some("instance-cpu") => instance_cpu::run(args.collect()),
        Some("standalone-drift") => standalone_drift::run(args.collect()),
        _ => nice_plug_xtask::main(),
    }
}
