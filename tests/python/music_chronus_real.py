"""Music Chronus's own sequencer, run tick by tick on an agent script: the reference side of the
comparison in plugin/tests/music_chronus_reference.rs (`..._real_music_chronus_...`).

Music Chronus's engine (`vendor/music_chronus/engine_pyo.py`, vendored unmodified, hash checked
below) is imported with the real pyo (PyPI wheel, tests/python/requirements.txt) and stand-ins for
Music Chronus's own synth modules (`pyo_modules`, not vendored: the sequencer only calls a voice's
setters and `gate`, which the stand-ins record). Its `SequencerManager` is started as Music
Chronus starts it, so pyo's `Pattern` calls its `_tick()`; pyo's server runs without a sound card
(`audio="manual"`), one buffer per `process()` call, and the test processes buffers until the
Pattern has ticked once more, so each sixteenth is exactly one tick. Music Chronus's own reading
of the clock (`time.time()`, for gate-offs and pattern loads) is replaced by a counter that
stands at k × seconds_per_step during tick k. The commands go through the engine's own OSC
handler methods (`PyoEngine.handle_seq_add`, `handle_update_pattern`, `handle_update_notes`,
`handle_seq_swing`), called with the arguments an agent sends over OSC, between ticks. Nothing
depends on the wall clock.

Prints, one item a line (arguments typed `s:` string, `f:` float32, `i:` int):

    send <address> <arg> ...          a command, sent to the plugin between steps
    play <n>                          n sixteenths
    hit <step> <address>=<value> ...  one gate-open, with the voice messages Music Chronus's
                                      sequencer set before it, in the order it set them

Not a pytest module; test_music_chronus_real.py checks it, and the Rust test runs it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import sys
import types
from pathlib import Path

VENDORED = Path(__file__).resolve().parent / "vendor" / "music_chronus" / "engine_pyo.py"
VENDORED_SHA256 = "e177e71611289310cf49c3fb3e2f43a0da9e017e43eba72198d908e757e35423"
UPSTREAM_COMMIT = "48286bb556495496ce1167776eb399de04db0c49"
SAMPLE_RATE = 48000
BUFFER = 64
MAX_BUFFERS_PER_TICK = 2 * SAMPLE_RATE // BUFFER

# The agent session: Music Chronus's own words, as an agent sends them. 92 sixteenths.
SCRIPT: list[tuple] = [
    ("send", "/seq/swing", 0.3),
    ("send", "/seq/add", "kick", "voice1", "X...X...X...X...", 60.0, 200.0),
    (
        "send", "/seq/add", "bass", "voice2", "x.x.X..x", 110.0, 800.0, "C2,D#2,G2",
        "base_amp=0.5", "accent_boost=900", "reverb_send=0.1", "delay_send=0.25",
    ),
    ("send", "/seq/add", "hat", "voice3", "x.x.x.x.x.x.x.xX", "reverb_send=0.2", "gate_frac=0.25"),
    ("play", 20),
    ("send", "/seq/update/pattern", "bass", "xxxx....X.x.x..."),
    ("play", 17),
    ("send", "/seq/update/notes", "bass", "36,41,150.0,Eb3"),
    (
        "send", "/seq/add", "lead", "voice4", "X..x..x.", "filter_freq=2400",
        "notes=C4,E4,G4", "base_amp=0.2",
    ),
    ("play", 25),
    ("send", "/seq/add", "hat", "voice3", "..x.", 330.0),
    ("send", "/seq/update/pattern", "kick", "X.X.X.X.X.X.X.X."),
    ("play", 30),
]

# Voice setter -> the parameter of /mod/voiceN/<parameter> that sets the same thing
# (PyoEngine.handle_mod_param).
SETTERS = {
    "set_freq": "freq",
    "set_amp": "amp",
    "set_filter_freq": "filter/freq",
    "set_reverb_send": "send/reverb",
    "set_delay_send": "send/delay",
}


class RecordingVoice:
    """Stands in for pyo_modules.Voice: records what the sequencer sets, message by message."""

    def __init__(self, voice_id: str, log: list) -> None:
        self.voice_id = voice_id
        self.log = log

    def __getattr__(self, name: str):
        if name in SETTERS:
            parameter = SETTERS[name]
            return lambda value: self.log.append((f"/mod/{self.voice_id}/{parameter}", value))
        raise AttributeError(name)

    def gate(self, value) -> None:
        self.log.append((f"/gate/{self.voice_id}", value))


class Clock:
    """Stands in for the `time` module inside engine_pyo: a counter the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now


class Engine:
    """The parts of PyoEngine that SequencerManager and the /seq handlers touch."""

    def __init__(self, module, voices: int, log: list) -> None:
        self.server = pyo_server()
        self.verbose = False
        self.voices = {f"voice{n}": RecordingVoice(f"voice{n}", log) for n in range(1, voices + 1)}
        self.active_gates: set[str] = set()
        self.sequencer = module.SequencerManager(self)

    def log_event(self, event: str) -> None:
        pass


_SERVER = None


def pyo_server():
    """pyo's audio server without a sound card (`audio="manual"`): it computes one buffer per
    `process()` call, so pyo's `Pattern` calls the sequencer's tick when the test says. pyo
    allows one server per process; it is made once."""
    global _SERVER
    if _SERVER is None:
        import pyo

        _SERVER = pyo.Server(sr=SAMPLE_RATE, nchnls=2, buffersize=BUFFER, duplex=0,
                             audio="manual").boot()
        _SERVER.start()
    return _SERVER


def load_engine_module():
    data = VENDORED.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != VENDORED_SHA256:
        raise RuntimeError(f"{VENDORED} is not the vendored upstream file (sha256 {digest})")
    # Music Chronus's own synth modules (pyo_modules) are not vendored: stand-ins, never built.
    modules = {}
    for name, classes in {
        "pyo_modules": ["Voice", "ReverbBus", "DelayBus"],
        "pyo_modules.acid_working": ["AcidFilter"],
        "pyo_modules.distortion": ["DistortionModule"],
        "pyo_modules.simple_lfo": ["SimpleLFOModule"],
        "pyo_modules.limiter": ["LimiterModule"],
    }.items():
        module = modules.setdefault(name, types.ModuleType(name))
        for cls in classes:
            setattr(module, cls, type(cls, (), {}))
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        spec = importlib.util.spec_from_file_location("music_chronus_engine_pyo", VENDORED)
        engine_pyo = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(engine_pyo)
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return engine_pyo


HANDLERS = {
    "/seq/add": "handle_seq_add",
    "/seq/update/pattern": "handle_update_pattern",
    "/seq/update/notes": "handle_update_notes",
    "/seq/swing": "handle_seq_swing",
}


def run(script=SCRIPT, voices: int = 4) -> list[tuple[int, list[tuple[str, float]]]]:
    """Plays the script on Music Chronus's sequencer; the hits as (step, messages up to and
    including the gate-open, in the order the sequencer set them)."""
    engine_pyo = load_engine_module()
    clock = Clock()
    engine_pyo.time = clock
    log: list[tuple[str, float]] = []
    engine = Engine(engine_pyo, voices, log)
    sequencer = engine.sequencer
    ticks = [0]

    def tick():
        # The sequencer's own tick, counted: pyo's Pattern calls this instead of the bound method.
        ticks[0] += 1
        engine_pyo.SequencerManager._tick(sequencer)

    sequencer._tick = tick
    hits = []
    step = 0
    started = False
    try:
        for item in script:
            if item[0] == "send":
                address, *args = item[1:]
                getattr(engine_pyo.PyoEngine, HANDLERS[address])(engine, address, *args)
                continue
            if not started:
                sequencer.start()
                started = True
            for _ in range(item[1]):
                clock.now = step * sequencer.seconds_per_step
                del log[:]
                # pyo's clock: buffers until the Pattern has called the tick once more (a
                # sixteenth is at most 0.125 s × 1.3 with swing, a few hundred buffers).
                for _ in range(MAX_BUFFERS_PER_TICK):
                    if ticks[0] > step:
                        break
                    engine.server.process()
                assert ticks[0] == step + 1, f"pyo's Pattern ticked {ticks[0]} times by step {step}"
                pending: list[tuple[str, float]] = []
                for address, value in log:
                    if address.startswith("/gate/"):
                        if value == 1:
                            hits.append((step, pending + [(address, value)]))
                        pending = []
                    else:
                        pending.append((address, value))
                step += 1
    finally:
        sequencer.stop()
    return hits


def typed(arg) -> str:
    if isinstance(arg, str):
        assert " " not in arg, arg
        return f"s:{arg}"
    if isinstance(arg, float):
        return f"f:{arg!r}"
    return f"i:{arg}"


def main() -> None:
    # Music Chronus and pyo print what they do; that goes to stderr, so stdout holds only the
    # lines below.
    with contextlib.redirect_stdout(sys.stderr):
        hits = run()
    print(f"# Music Chronus {UPSTREAM_COMMIT} engine_pyo.py SequencerManager")
    for item in SCRIPT:
        if item[0] == "send":
            print("send " + " ".join([item[1]] + [typed(arg) for arg in item[2:]]))
        else:
            print(f"play {item[1]}")
    for step, messages in hits:
        print(f"hit {step} " + " ".join(f"{address}={value!r}" for address, value in messages))


if __name__ == "__main__":
    main()
