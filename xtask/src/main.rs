//! Build tasks: `cargo xtask bundle chronus_seq --release` writes the CLAP and VST3 bundles.

fn main() -> nice_plug_xtask::Result<()> {
    nice_plug_xtask::main()
}
