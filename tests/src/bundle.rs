//! Builds the debug plugin and finds its `.clap` file (or `.vst3` bundle), once per test binary.
//!
//! The build is a debug build on purpose: nice-plug's `assert_process_allocs` feature is active in
//! debug builds only, so any allocation inside `process` aborts the test binary.
//!
//! Order of attempts:
//! 1. `CHRONUS_SEQ_CLAP=/path/to/Chronus Seq.clap` — use that file, build nothing (for CI jobs
//!    that bundle in an earlier step, or to test a release bundle).
//! 2. `cargo xtask bundle chronus_seq` from the workspace root, which writes
//!    `<target>/bundled/Chronus Seq.clap`.
//! 3. If the xtask fails to run: `cargo build -p chronus_seq` and use
//!    `<target>/debug/libchronus_seq.so` (on Linux a `.clap` is the shared library renamed).
//!
//! The result of 2 or 3 is then copied to `<target>/test-bundles/<pid>/Chronus Seq.clap` and
//! that private copy is loaded (see [`plugin_bundle`]).
//!
//! `<target>` is `CARGO_TARGET_DIR` if set, else `<workspace>/target`.
//!
//! The VST3 bundle (for the Ardour test) comes from the same `cargo xtask bundle`, or from
//! `CHRONUS_SEQ_VST3=/path/to/Chronus Seq.vst3` (see [`vst3_bundle`]).

use crate::error::{HarnessError, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The plugin's display name, which is also the bundle's file stem (see `bundler.toml`).
pub const BUNDLE_NAME: &str = "Chronus Seq";

/// The cargo package of the plugin.
pub const PLUGIN_PACKAGE: &str = "chronus_seq";

/// Environment variable that points at a prebuilt `.clap` and skips the build.
pub const BUNDLE_OVERRIDE_ENV: &str = "CHRONUS_SEQ_CLAP";

/// Environment variable that points at a prebuilt `.vst3` bundle directory and skips the build
/// (the Ardour test, `tests/tests/ardour.rs`).
pub const VST3_OVERRIDE_ENV: &str = "CHRONUS_SEQ_VST3";

/// The workspace root (the parent of this crate's manifest directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives one level below the workspace root")
        .to_path_buf()
}

/// The cargo target directory: `CARGO_TARGET_DIR` (relative paths are taken from the workspace
/// root) or `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        None => workspace_root().join("target"),
    }
}

/// Builds the plugin once per test binary and returns the path of this process's private copy
/// of its `.clap` bundle (the shared bundle may be rewritten while tests run).
///
/// Concurrent callers wait for the first build. A failed build is remembered, so every test
/// reports the same error instead of rebuilding.
pub fn plugin_bundle() -> Result<&'static Path> {
    static BUNDLE: OnceLock<Result<PathBuf>> = OnceLock::new();
    BUNDLE
        .get_or_init(build_bundle)
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(Clone::clone)
}

fn build_bundle() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(BUNDLE_OVERRIDE_ENV) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            private_copy(&path)
        } else {
            Err(HarnessError::new(format!(
                "{BUNDLE_OVERRIDE_ENV}={} is not a file",
                path.display()
            )))
        };
    }

    let built = match bundle_with_xtask() {
        Ok(path) => path,
        Err(xtask_error) => bundle_with_cargo_build().map_err(|build_error| {
            HarnessError::new(format!(
                "could not build the plugin bundle.\n  cargo xtask: {xtask_error}\n  \
                 cargo build fallback: {build_error}"
            ))
        })?,
    };
    private_copy(&built)
}

/// The VST3 bundle directory `<target>/bundled/Chronus Seq.vst3`, built once per test binary by
/// `cargo xtask bundle chronus_seq` (debug), or the directory [`VST3_OVERRIDE_ENV`] names.
/// Callers copy it before loading it (a host that maps the library must not see it rewritten).
pub fn vst3_bundle() -> Result<&'static Path> {
    static BUNDLE: OnceLock<Result<PathBuf>> = OnceLock::new();
    BUNDLE
        .get_or_init(|| {
            if let Some(path) = std::env::var_os(VST3_OVERRIDE_ENV) {
                let path = PathBuf::from(path);
                return if path.is_dir() {
                    Ok(path)
                } else {
                    Err(HarnessError::new(format!(
                        "{VST3_OVERRIDE_ENV}={} is not a directory",
                        path.display()
                    )))
                };
            }
            run_cargo(&["xtask", "bundle", PLUGIN_PACKAGE])?;
            let path = target_dir()
                .join("bundled")
                .join(format!("{BUNDLE_NAME}.vst3"));
            if path.is_dir() {
                Ok(path)
            } else {
                Err(HarnessError::new(format!(
                    "`cargo xtask bundle {PLUGIN_PACKAGE}` succeeded but {} does not exist",
                    path.display()
                )))
            }
        })
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(Clone::clone)
}

/// Copies the bundle to `<target>/test-bundles/<pid>/Chronus Seq.clap` and returns that path.
///
/// The shared bundle is rewritten in place by every `cargo xtask bundle` (ours in the next test
/// binary, or a developer's in another terminal); rewriting a mapped shared library under a
/// running process crashes it. Each test process therefore loads its own copy. Copies of
/// processes that no longer run are removed (Linux: no `/proc/<pid>`).
fn private_copy(built: &Path) -> Result<PathBuf> {
    let root = target_dir().join("test-bundles");
    if let Ok(entries) = std::fs::read_dir(&root) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let stale = name
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|pid| !Path::new("/proc").join(pid.to_string()).exists());
            if stale {
                // Best effort: a leftover directory only costs disk space.
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = root.join(std::process::id().to_string());
    std::fs::create_dir_all(&dir)
        .map_err(|e| HarnessError::context(&format!("creating {}", dir.display()), e))?;
    let copy = dir.join(format!("{BUNDLE_NAME}.clap"));
    std::fs::copy(built, &copy).map_err(|e| {
        HarnessError::context(
            &format!("copying {} to {}", built.display(), copy.display()),
            e,
        )
    })?;
    Ok(copy)
}

/// Runs `cargo <args>` in the workspace root, returning its stderr on failure.
fn run_cargo(args: &[&str]) -> Result<()> {
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(workspace_root())
        .output()
        .map_err(|e| HarnessError::context(&format!("spawning `cargo {}`", args.join(" ")), e))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(HarnessError::new(format!(
            "`cargo {}` failed ({}):\n{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

fn bundle_with_xtask() -> Result<PathBuf> {
    run_cargo(&["xtask", "bundle", PLUGIN_PACKAGE])?;
    let path = target_dir()
        .join("bundled")
        .join(format!("{BUNDLE_NAME}.clap"));
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::new(format!(
            "`cargo xtask bundle {PLUGIN_PACKAGE}` succeeded but {} does not exist \
             (does the plugin export `clap_entry` yet?)",
            path.display()
        )))
    }
}

fn bundle_with_cargo_build() -> Result<PathBuf> {
    run_cargo(&["build", "-p", PLUGIN_PACKAGE])?;
    let library = target_dir()
        .join("debug")
        .join(format!("lib{PLUGIN_PACKAGE}.so"));
    if library.is_file() {
        // On Linux a `.clap` is the shared library renamed; `private_copy` does the renaming.
        Ok(library)
    } else {
        Err(HarnessError::new(format!(
            "{} was not built",
            library.display()
        )))
    }
}
