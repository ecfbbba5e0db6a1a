#!/usr/bin/env bash
# Screenshot of the real editor window: the standalone binary (dummy audio backend, so no sound
# card) opens its egui editor under Xvfb (OpenGL through Mesa's software renderer), xwd dumps the
# window, and xwd_to_png.py writes it as PNG and fails if it is blank.
#
#   bash tests/screenshot/editor.sh [--scale 1|2] [--out FILE.png]
#
# Default output: target/screenshots/editor.png (editor-200.png at --scale 2). Needs Debian's
# xvfb and x11-apps (tests/run-all.sh installs them) and python3. The window shows the demo
# pattern next to this script; its OSC gates go to a throwaway UDP receiver on loopback, and one
# OSC command is sent to its OSC input, so the status bar shows live traffic. At --scale 2 the
# X server reports 192 dpi (Xft.dpi), which the window reads as a 200 % scale factor.
#
# The program is stopped with SIGTERM, which must close the window and end it cleanly (exit 0).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO_ROOT/tests/screenshot"
SCALE=1
OUT=""
while (($#)); do
    case "$1" in
        --scale) SCALE="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        *) echo "editor.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
case "$SCALE" in
    1) DPI=96; SUFFIX="" ;;
    2) DPI=192; SUFFIX="-200" ;;
    *) echo "editor.sh: --scale is 1 or 2" >&2; exit 2 ;;
esac
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
OUT="${OUT:-$TARGET_DIR/screenshots/editor$SUFFIX.png}"
mkdir -p "$(dirname "$OUT")"

# The editor's default window size in logical points (plugin/src/editor/size.rs).
WIDTH=$((1240 * SCALE))
HEIGHT=$((780 * SCALE))

for tool in Xvfb xwd python3; do
    command -v "$tool" >/dev/null || { echo "editor.sh: $tool is missing (apt: xvfb x11-apps)" >&2; exit 1; }
done

echo "building chronus-seq (feature standalone)"
(cd "$REPO_ROOT" && cargo build -q -p chronus_seq --features standalone --bin chronus-seq)
BINARY="$TARGET_DIR/debug/chronus-seq"

WORK="$(mktemp -d)"
XVFB_PID=""
SINK_PID=""
APP_PID=""
cleanup() {
    for pid in "$APP_PID" "$SINK_PID" "$XVFB_PID"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# A free display number: no lock file and no socket.
DISPLAY_NUMBER=""
for number in $(seq 90 130); do
    if [[ ! -e "/tmp/.X$number-lock" && ! -e "/tmp/.X11-unix/X$number" ]]; then
        DISPLAY_NUMBER=$number
        break
    fi
done
[[ -n "$DISPLAY_NUMBER" ]] || { echo "editor.sh: no free X display number" >&2; exit 1; }
export DISPLAY=":$DISPLAY_NUMBER"
Xvfb "$DISPLAY" -screen 0 "${WIDTH}x${HEIGHT}x24" -dpi "$DPI" -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 1 100); do
    [[ -e "/tmp/.X11-unix/X$DISPLAY_NUMBER" ]] && break
    kill -0 "$XVFB_PID" 2>/dev/null || { cat "$WORK/xvfb.log" >&2; exit 1; }
    sleep 0.1
done
# baseview takes its scale factor from the Xft.dpi resource.
echo "Xft.dpi: $DPI" >"$WORK/resources"
export XENVIRONMENT="$WORK/resources"

# A UDP receiver standing in for the modular, so the OSC status shows gates going out.
python3 - "$WORK/sink-port" <<'PY' &
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
with open(sys.argv[1], "w") as out:
    out.write(str(sock.getsockname()[1]))
sock.settimeout(120)
try:
    while True:
        sock.recv(65536)
except socket.timeout:
    pass
PY
SINK_PID=$!
for _ in $(seq 1 50); do [[ -s "$WORK/sink-port" ]] && break; sleep 0.1; done
SINK_PORT="$(cat "$WORK/sink-port")"

"$BINARY" --backend dummy --tempo 120 --pattern "$HERE/demo-pattern.json" \
    --osc-target "127.0.0.1:$SINK_PORT" >"$WORK/app.log" 2>&1 &
APP_PID=$!

# Wait for the window, then for a frame with something in it.
CAPTURED=""
for _ in $(seq 1 150); do
    kill -0 "$APP_PID" 2>/dev/null || { echo "editor.sh: chronus-seq exited:" >&2; cat "$WORK/app.log" >&2; exit 1; }
    if xwd -name "Chronus Seq" -silent -out "$WORK/editor.xwd" 2>/dev/null; then
        CAPTURED=yes
        break
    fi
    sleep 0.2
done
[[ -n "$CAPTURED" ]] || { echo "editor.sh: no window named 'Chronus Seq' appeared" >&2; cat "$WORK/app.log" >&2; exit 1; }

# One OSC command to the OSC input (the port the log names, 5050 unless taken), so "last" shows
# it; then let the playheads and counters move for a moment.
python3 - <<'PY' || true
import socket, struct
def pad(data):
    return data + b"\0" * (4 - len(data) % 4)
message = pad(b"/chronus/query") + pad(b",")
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(message, ("127.0.0.1", 5050))
PY
sleep 2
# A slow machine may not have drawn the first frame yet: try again for a while.
SHOWN=""
for _ in $(seq 1 15); do
    xwd -name "Chronus Seq" -silent -out "$WORK/editor.xwd"
    if python3 "$HERE/xwd_to_png.py" "$WORK/editor.xwd" "$OUT" --min-colours 64; then
        SHOWN=yes
        break
    fi
    sleep 1
done
[[ -n "$SHOWN" ]] || { echo "editor.sh: the window stayed blank" >&2; cat "$WORK/app.log" >&2; exit 1; }

# SIGTERM must close the window and end the program cleanly.
kill -TERM "$APP_PID"
STATUS=0
for _ in $(seq 1 100); do
    kill -0 "$APP_PID" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$APP_PID" 2>/dev/null; then
    echo "editor.sh: chronus-seq did not exit within 10 s of SIGTERM" >&2
    STATUS=1
else
    wait "$APP_PID" || STATUS=$?
    APP_PID=""
    if ((STATUS != 0)); then
        echo "editor.sh: chronus-seq exited with status $STATUS after SIGTERM:" >&2
        cat "$WORK/app.log" >&2
    fi
fi
((STATUS == 0)) || exit 1
echo "editor.sh: screenshot at $OUT"
