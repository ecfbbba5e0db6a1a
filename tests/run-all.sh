#!/usr/bin/env bash
# Runs every test of Chronus Seq: the one command for developers and CI.
#
#   bash tests/run-all.sh            (from any directory)
#
# Steps: system packages (apt, only if missing and only as root) -> Python venv at <repo>/.venv
# with tests/python/requirements.txt (skipped when unchanged) -> debug plugin bundles
# (`cargo xtask bundle chronus_seq`) -> `cargo test --workspace` -> editor screenshots under Xvfb
# (target/screenshots/) -> pytest on tests/python.
# Exits non-zero if any step fails. Provisioning or bundling failures stop at once; a failing
# `cargo test` still lets pytest run, so one run reports both.
#
# Environment:
#   PYTHON                 base interpreter for the venv (default: python3)
#   CHRONUS_SEQ_PYTHON     exported by this script: the venv's python, for Rust tests that need it
#   CHRONUS_SEQ_QUICK=1    a developer's quick run: tests that need Ardour (tests/tests/ardour.rs)
#                          are skipped with a line when Ardour is not installed, instead of
#                          failing. Never set it in CI: CI runs as root, installs Ardour below and
#                          must run those tests.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT" || exit 1

VENV="$REPO_ROOT/.venv"
REQUIREMENTS="$REPO_ROOT/tests/python/requirements.txt"
STAMP="$VENV/.chronus-seq-requirements.sha256"
BASE_PYTHON="${PYTHON:-python3}"

# Debian packages the tests need beyond the base image. The plugin bundles load X11/GL at run time
# only, and pedalboard ships its own wheel; the standalone binary (nice-plug feature `standalone`,
# built by tests/tests/standalone.rs) links ALSA and JACK. The editor screenshot runs the
# standalone window under Xvfb, renders OpenGL with Mesa's software renderer (libgl1-mesa-dri,
# already in the base image) and dumps it with xwd (x11-apps). The Ardour test
# (tests/tests/ardour.rs) runs the VST3 in headless Ardour 7: `ardour` provides `ardour7-lua` and
# the VST3 scanner. Add names here when a test needs one.
APT_PACKAGES=(libasound2-dev libjack-jackd2-dev xvfb x11-apps libgl1-mesa-dri ardour)

SCRIPT_START=$SECONDS
SECTION_START=$SECONDS
FAILED=()

section() {
    SECTION_START=$SECONDS
    printf '\n======== %s ========\n' "$*"
}

section_done() {
    printf -- '-------- %s: done in %ss --------\n' "$1" "$((SECONDS - SECTION_START))"
}

die() {
    printf '\nrun-all: FAILED: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------
section "System packages"
# A Debian system python3 needs python3-venv for `python -m venv` (ensurepip); pyenv's does not.
if ! "$BASE_PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if [[ "$(command -v "$BASE_PYTHON")" == /usr/bin/* ]]; then
        APT_PACKAGES+=(python3-venv)
    fi
fi
MISSING=()
for package in ${APT_PACKAGES[@]+"${APT_PACKAGES[@]}"}; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        MISSING+=("$package")
    fi
done
if ((${#MISSING[@]} == 0)); then
    echo "nothing to install (${#APT_PACKAGES[@]} package(s) required, all present)"
elif ((EUID == 0)); then
    echo "installing: ${MISSING[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update"
    apt-get install -y -qq --no-install-recommends "${MISSING[@]}" || die "apt-get install ${MISSING[*]}"
else
    echo "WARNING: missing Debian packages (${MISSING[*]}) and not root: install them by hand" >&2
    echo "  sudo apt-get install ${MISSING[*]}" >&2
    if [[ " ${MISSING[*]} " == *" ardour "* ]]; then
        echo "  (without Ardour the Ardour test fails, unless CHRONUS_SEQ_QUICK=1 skips it)" >&2
    fi
fi
section_done "System packages"

# ---------------------------------------------------------------------------------------------
section "Python venv ($VENV)"
command -v "$BASE_PYTHON" >/dev/null || die "no $BASE_PYTHON on PATH"
# The stamp covers the requirements and the base interpreter, so a new Python rebuilds the venv.
BASE_ID="$("$BASE_PYTHON" -c 'import sys; print(sys.version, sys.executable)')" || die "$BASE_PYTHON does not run"
WANT_HASH="$({ cat "$REQUIREMENTS"; echo "$BASE_ID"; } | sha256sum | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1 \
    && [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT_HASH" ]]; then
    echo "up to date: $("$VENV/bin/python" --version), requirements unchanged"
else
    # Missing, broken, or made from other requirements or another Python: start clean so no
    # package from an older pin stays behind.
    echo "creating venv with $("$BASE_PYTHON" --version)"
    rm -rf "$VENV"
    "$BASE_PYTHON" -m venv "$VENV" || die "python -m venv $VENV"
    echo "installing tests/python/requirements.txt"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
        -r "$REQUIREMENTS" || die "pip install -r tests/python/requirements.txt"
    echo "$WANT_HASH" >"$STAMP"
    "$VENV/bin/python" -m pip freeze --disable-pip-version-check | sed 's/^/  /'
fi
export CHRONUS_SEQ_PYTHON="$VENV/bin/python"
echo "CHRONUS_SEQ_PYTHON=$CHRONUS_SEQ_PYTHON"
section_done "Python venv"

# ---------------------------------------------------------------------------------------------
section "Plugin bundles (cargo xtask bundle chronus_seq, debug)"
cargo xtask bundle chronus_seq || die "cargo xtask bundle chronus_seq"
section_done "Plugin bundles"

# ---------------------------------------------------------------------------------------------
section "Rust tests (cargo test --workspace --no-fail-fast)"
if cargo test --workspace --no-fail-fast; then
    section_done "Rust tests"
else
    echo "cargo test --workspace FAILED" >&2
    FAILED+=("cargo test --workspace")
fi

section "Standalone unit tests (cargo test -p chronus_seq --features standalone --bin chronus-seq)"
if cargo test -p chronus_seq --features standalone --bin chronus-seq; then
    section_done "Standalone unit tests"
else
    echo "standalone unit tests FAILED" >&2
    FAILED+=("cargo test --bin chronus-seq")
fi

# ---------------------------------------------------------------------------------------------
section "Editor screenshots (standalone window under Xvfb)"
# The real editor window at 100 % and 200 %, written to target/screenshots/editor.png and
# editor-200.png; each must show a picture (not blank) and the program must end cleanly on
# SIGTERM. `bash tests/screenshot/editor.sh --out docs/editor.png` refreshes the README's picture.
if bash tests/screenshot/editor.sh && bash tests/screenshot/editor.sh --scale 2; then
    section_done "Editor screenshots"
else
    echo "editor screenshot FAILED" >&2
    FAILED+=("editor screenshot (tests/screenshot/editor.sh)")
fi

# ---------------------------------------------------------------------------------------------
section "Python tests (pytest tests/python)"
# -p no:cacheprovider: leave no .pytest_cache in the work tree.
"$VENV/bin/python" -m pytest tests/python -q -p no:cacheprovider
status=$?
if ((status == 0)); then
    section_done "Python tests"
elif ((status == 5)); then
    echo "pytest collected no tests in tests/python: that is a failure here" >&2
    FAILED+=("pytest (no tests collected)")
else
    echo "pytest FAILED (exit $status)" >&2
    FAILED+=("pytest tests/python")
fi

# ---------------------------------------------------------------------------------------------
printf '\n======== Summary (%ss) ========\n' "$((SECONDS - SCRIPT_START))"
if ((${#FAILED[@]} > 0)); then
    printf 'run-all: FAILED: %s\n' "${FAILED[@]}" >&2
    exit 1
fi
echo "run-all: every test suite passed (cargo test --workspace, editor screenshots, pytest tests/python)"
