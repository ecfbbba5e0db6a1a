"""VST3 smoke test of the bundled plugin in a third-party host: pedalboard (PyPI, JUCE inside).

What this proves: the `.vst3` bundle that `cargo xtask bundle chronus_seq` makes loads in a VST3
host we did not write, shows the parameters we declare (ids, names, ranges, units), takes parameter
changes and saves them in its state, and runs its audio callback with one stereo input and output,
passing the audio through unchanged.

What it cannot prove: pedalboard always reports the transport as stopped and discards MIDI output,
so no step is ever played and no note is seen here. Timing and events are checked by the CLAP host
tests in Rust (clack-host). pedalboard does not host CLAP, so the `.clap` bundle is not loaded here.

The bundle is found at `$CHRONUS_SEQ_VST3` if set, else `<target>/bundled/Chronus Seq.vst3`, where
`<target>` is `$CARGO_TARGET_DIR` or the repository's `target/`. A debug bundle (what
tests/run-all.sh builds) also aborts the host if `process()` allocates (nice-plug's
`assert_process_allocs`), so running audio here doubles as a no-allocation check in a real host.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pedalboard
import pytest


REPO_ROOT = Path(__file__).resolve().parents[2]
TRACKS = 16
SWING_MIN, SWING_MAX = 50.0, 75.0
GATE_MIN, GATE_MAX, GATE_DEFAULT = 1.0, 100.0, 50.0


def bundle_path() -> Path:
    explicit = os.environ.get("CHRONUS_SEQ_VST3")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", "target"))
    if not target.is_absolute():
        target = REPO_ROOT / target
    return target / "bundled" / "Chronus Seq.vst3"


VST3 = bundle_path()


def load():
    assert VST3.is_dir(), (
        f"no VST3 bundle at {VST3}: run `cargo xtask bundle chronus_seq` (tests/run-all.sh does)"
    )
    return pedalboard.load_plugin(str(VST3))


@pytest.fixture
def plugin():
    return load()


def noise(channels: int, frames: int, seed: int = 7) -> np.ndarray:
    """Deterministic full-band noise in [-0.5, 0.5), float32 as a host hands it over."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-0.5, 0.5, size=(channels, frames)).astype(np.float32)


def apply_pending(plugin) -> None:
    """Runs one short block so pedalboard delivers queued parameter changes to the processor.

    pedalboard (JUCE) hands parameter changes to a VST3 processor inside its next process call;
    until then the plugin's own state still holds the old values.
    """
    plugin.process(np.zeros((2, 64), dtype=np.float32), 48000.0, reset=False)


def test_bundle_loads_as_chronus_seq(plugin):
    assert isinstance(plugin, pedalboard.VST3Plugin)
    assert plugin.name == "Chronus Seq"
    assert plugin.manufacturer_name == "Chronus Seq"
    assert plugin.category == "Instrument|Generator"
    assert plugin.is_instrument
    assert plugin.reported_latency_samples == 0
    assert pedalboard.VST3Plugin.get_plugin_names_for_file(str(VST3)) == ["Chronus Seq"]


def test_parameter_list_is_swing_bypass_osc_slot_fill_midi_input_and_sixteen_tracks(plugin):
    names = list(plugin.parameters.keys())
    expected = [
        "swing", "bypass", "osc_out", "osc_delay_ms", "pattern_slot", "slot_quantize", "fill",
        "transpose_channel", "transpose_mode", "reference_key", "slot_key_channel",
        "slot_low_key",
    ]
    for track in range(1, TRACKS + 1):
        expected += [
            f"track_{track}_{kind}" for kind in ("mute", "solo", "gate", "pulses", "rotation")
        ]
    assert names == expected

    gates = [name for name in names if re.fullmatch(r"track_\d+_gate", name)]
    mutes = [name for name in names if re.fullmatch(r"track_\d+_mute", name)]
    solos = [name for name in names if re.fullmatch(r"track_\d+_solo", name)]
    assert (len(gates), len(mutes), len(solos)) == (TRACKS, TRACKS, TRACKS)

    # Display names are what a DAW shows in its automation lanes.
    assert plugin.parameters["swing"].name == "Swing"
    assert plugin.parameters["bypass"].name == "Bypass"
    assert plugin.parameters["osc_out"].name == "OSC Out"
    assert plugin.parameters["osc_delay_ms"].name == "OSC Delay"
    assert plugin.parameters["osc_delay_ms"].range[:2] == (0.0, 250.0)
    assert plugin.parameters["pattern_slot"].name == "Pattern Slot"
    assert plugin.parameters["pattern_slot"].range[:2] == (1, 16)
    assert plugin.parameters["slot_quantize"].valid_values == ["Now", "Next Step", "Next Bar"]
    assert plugin.parameters["track_1_gate"].name == "Track 1 Gate"
    assert plugin.parameters["track_16_mute"].name == "Track 16 Mute"
    assert plugin.parameters["track_16_solo"].name == "Track 16 Solo"


def test_swing_range_unit_and_default(plugin):
    swing = plugin.parameters["swing"]
    assert swing.type is float
    assert swing.range == pytest.approx((SWING_MIN, SWING_MAX, 0.1))
    assert swing.label.strip() == "%"
    assert plugin.swing == pytest.approx(SWING_MIN)
    assert swing.raw_value == pytest.approx(0.0)


def test_track_parameters_ranges_and_defaults(plugin):
    for track in range(1, TRACKS + 1):
        gate = plugin.parameters[f"track_{track}_gate"]
        assert gate.type is float
        assert gate.range == pytest.approx((GATE_MIN, GATE_MAX, 1.0))
        assert gate.label.strip() == "%"
        assert getattr(plugin, f"track_{track}_gate") == pytest.approx(GATE_DEFAULT)
        for kind in ("mute", "solo"):
            param = plugin.parameters[f"track_{track}_{kind}"]
            assert param.type is bool
            # VST3 has no boolean flag: pedalboard infers it from the two texts the plugin shows.
            assert param.range == (False, True, 1)
            assert not getattr(plugin, f"track_{track}_{kind}")
    assert plugin.parameters["bypass"].type is bool
    assert not plugin.bypass


def test_set_parameters_and_read_back(plugin):
    plugin.swing = 62.5
    assert plugin.swing == pytest.approx(62.5)
    assert plugin.parameters["swing"].raw_value == pytest.approx(0.5)
    # The plugin's own formatter: one fixed decimal, the unit shown separately as the label.
    assert plugin.parameters["swing"].string_value == "62.5"

    plugin.track_3_gate = 75
    assert plugin.track_3_gate == pytest.approx(75.0)
    assert plugin.parameters["track_3_gate"].string_value == "75"
    plugin.track_16_mute = True
    assert plugin.track_16_mute
    plugin.track_1_solo = True
    assert plugin.track_1_solo

    with pytest.raises(ValueError):
        plugin.swing = SWING_MAX + 5.0
    with pytest.raises(ValueError):
        plugin.track_2_gate = 0.0
    assert plugin.swing == pytest.approx(62.5)


def test_parameter_changes_survive_a_state_round_trip():
    first = load()
    first.swing = 66.6
    first.track_3_gate = 75
    first.track_16_mute = True
    first.track_9_solo = True
    apply_pending(first)
    state = first.raw_state
    assert isinstance(state, bytes) and len(state) > 0

    second = load()
    assert second.swing == pytest.approx(SWING_MIN)
    second.raw_state = state
    assert second.swing == pytest.approx(66.6, abs=1e-3)
    assert second.track_3_gate == pytest.approx(75.0)
    assert second.track_16_mute
    assert second.track_9_solo
    assert not second.track_1_mute
    assert second.track_1_gate == pytest.approx(GATE_DEFAULT)


@pytest.mark.parametrize("sample_rate", [44100.0, 48000.0, 96000.0])
def test_one_second_of_stereo_noise_passes_through_unchanged(plugin, sample_rate):
    frames = int(sample_rate)
    audio = noise(2, frames)
    out = plugin.process(audio, sample_rate)
    assert out.shape == (2, frames)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, audio)


@pytest.mark.parametrize("buffer_size", [1, 64, 333, 512, 4096])
def test_pass_through_with_any_host_block_size(plugin, buffer_size):
    audio = noise(2, 48000 // 4, seed=buffer_size)
    out = plugin.process(audio, 48000.0, buffer_size=buffer_size)
    np.testing.assert_array_equal(out, audio)


def test_pass_through_with_every_parameter_moved_and_bypass(plugin):
    plugin.swing = SWING_MAX
    for track in range(1, TRACKS + 1):
        setattr(plugin, f"track_{track}_gate", GATE_MAX if track % 2 else GATE_MIN)
        setattr(plugin, f"track_{track}_mute", track % 3 == 0)
        setattr(plugin, f"track_{track}_solo", track % 4 == 0)
    audio = noise(2, 48000, seed=11)
    np.testing.assert_array_equal(plugin.process(audio, 48000.0), audio)

    plugin.bypass = True
    assert plugin.bypass
    audio = noise(2, 48000, seed=12)
    np.testing.assert_array_equal(plugin.process(audio, 48000.0, reset=False), audio)


def test_consecutive_calls_without_reset_keep_passing_through(plugin):
    # A host keeps the plugin running across calls: several blocks in a row, no reset in between.
    for seed in range(4):
        audio = noise(2, 12000, seed=100 + seed)
        np.testing.assert_array_equal(plugin.process(audio, 48000.0, reset=False), audio)
