//! `cargo xtask install`: release bundles into the per-user CLAP and VST3 folders, and the MCP
//! server `chronus-mcp` next to the programs `cargo install` puts on the PATH.

use std::path::{Path, PathBuf};

use nice_plug_xtask::Result;

const PACKAGE: &str = "chronus_seq";
const DISPLAY_NAME: &str = "Chronus Seq";

/// Builds the release bundles and copies them into the plugin folders hosts scan. Extra
/// arguments go to the bundler (for example `--target`).
pub fn run(extra_args: Vec<String>) -> Result<()> {
    let bundle_args = ["bundle", PACKAGE, "--release"]
        .into_iter()
        .map(String::from)
        .chain(extra_args);
    nice_plug_xtask::main_with_args("cargo xtask", bundle_args)?;
    nice_plug_xtask::chdir_workspace_root()?;
    let bundled = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("bundled");
    for (format, folder) in plugin_folders()? {
        let name = format!("{DISPLAY_NAME}.{format}");
        let destination = folder.join(&name);
        copy_bundle(&bundled.join(&name), &destination)?;
        println!("Installed {}", destination.display());
    }
    install_mcp_server()
}

/// Builds `chronus-mcp` (release) and copies it into `$CARGO_HOME/bin` (`~/.cargo/bin`), or
/// into `CHRONUS_SEQ_BIN_DIR`.
fn install_mcp_server() -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--release", "-p", "chronus-mcp"])
        .status()?;
    anyhow::ensure!(status.success(), "building chronus-mcp failed");
    let program = format!("chronus-mcp{}", std::env::consts::EXE_SUFFIX);
    let built = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("release")
        .join(&program);
    let folder = match std::env::var_os("CHRONUS_SEQ_BIN_DIR") {
        Some(folder) => PathBuf::from(folder),
        None => std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| home().ok().map(|home| home.join(".cargo")))
            .ok_or_else(|| anyhow::anyhow!("neither CARGO_HOME nor HOME is set"))?
            .join("bin"),
    };
    let destination = folder.join(&program);
    copy_bundle(&built, &destination)?;
    println!("Installed {}", destination.display());
    Ok(())
}

/// The user's home folder.
fn home() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .ok_or_else(|| anyhow::anyhow!("neither HOME nor USERPROFILE is set"))
}

/// The per-user folders hosts scan, by bundle extension. `CLAP_PATH`-style overrides:
/// `CHRONUS_SEQ_CLAP_DIR` and `CHRONUS_SEQ_VST3_DIR`.
fn plugin_folders() -> Result<[(&'static str, PathBuf); 2]> {
    let home = home()?;
    let (clap, vst3) = if cfg!(target_os = "macos") {
        let base = home.join("Library/Audio/Plug-Ins");
        (base.join("CLAP"), base.join("VST3"))
    } else if cfg!(windows) {
        let base = home.join("AppData/Local/Programs/Common");
        (base.join("CLAP"), base.join("VST3"))
    } else {
        (home.join(".clap"), home.join(".vst3"))
    };
    let choose = |variable: &str, default: PathBuf| {
        std::env::var_os(variable).map_or(default, PathBuf::from)
    };
    Ok([
        ("clap", choose("CHRONUS_SEQ_CLAP_DIR", clap)),
        ("vst3", choose("CHRONUS_SEQ_VST3_DIR", vst3)),
    ])
}

/// Replaces `destination` with a copy of the file or folder `source`.
fn copy_bundle(source: &Path, destination: &Path) -> Result<()> {
    if let Some(parent) = destination.parent() {
        std::fs::create_dir_all(parent)?;
    }
    if destination.is_dir() {
        std::fs::remove_dir_all(destination)?;
    } else if destination.exists() {
        std::fs::remove_file(destination)?;
    }
    copy_recursively(source, destination)
}

fn copy_recursively(source: &Path, destination: &Path) -> Result<()> {
    if source.is_dir() {
        std::fs::create_dir_all(destination)?;
        for entry in std::fs::read_dir(source)? {
            let entry = entry?;
            copy_recursively(&entry.path(), &destination.join(entry.file_name()))?;
        }
    } else {
        std::fs::copy(source, destination)?;
    }
    Ok(())
}
