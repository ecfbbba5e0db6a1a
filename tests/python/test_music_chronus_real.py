"""The reference side of the real Music Chronus comparison (music_chronus_real.py): Music
Chronus's own `engine_pyo.py`, vendored unmodified, driven tick by tick with recording stand-ins.

These tests check that the harness really runs Music Chronus's sequencer (the vendored file's
hash, the facts the dialect is built on come out of it) and that the agent script is long enough;
the hit-for-hit comparison with the plugin is the Rust test
`the_real_music_chronus_sequencer_and_the_plugin_agree_hit_for_hit`
(plugin/tests/music_chronus_reference.rs), which plays the plugin's real `process()` (pedalboard
reports a stopped transport, so no step plays there).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

import music_chronus_real as mc


def values(messages):
    return {address.rsplit("/", 1)[-1] if "/filter/" not in address else "filter": value
            for address, value in messages[:-1]}


def test_the_vendored_engine_is_the_upstream_file():
    digest = hashlib.sha256(mc.VENDORED.read_bytes()).hexdigest()
    assert digest == mc.VENDORED_SHA256
    readme = (mc.VENDORED.parent / "README.md").read_text()
    assert mc.UPSTREAM_COMMIT in readme and mc.VENDORED_SHA256 in readme
    assert "MIT" in (mc.VENDORED.parent / "LICENSE").read_text()


def test_the_script_plays_at_least_ninety_sixteenths_with_hits_on_every_voice():
    steps = sum(item[1] for item in mc.SCRIPT if item[0] == "play")
    assert steps >= 90
    hits = mc.run()
    assert len(hits) >= 90
    assert {messages[-1][0] for _, messages in hits} == {f"/gate/voice{n}" for n in range(1, 5)}
    for _, messages in hits:
        voice = messages[-1][0].removeprefix("/gate/")
        assert [address for address, _ in messages] == [
            f"/mod/{voice}/freq", f"/mod/{voice}/amp", f"/mod/{voice}/filter/freq",
            f"/mod/{voice}/send/reverb", f"/mod/{voice}/send/delay", f"/gate/{voice}",
        ]


def test_music_chronus_levels_filter_and_default_pitch():
    hits = mc.run([("send", "/seq/add", "t", "voice1", "Xx"), ("play", 2)])
    assert [step for step, _ in hits] == [0, 1]
    accent, hit = (values(messages) for _, messages in hits)
    assert accent == {"freq": 440.0, "amp": 0.3, "filter": 1750.0, "reverb": 0.0, "delay": 0.0}
    assert hit["amp"] == pytest.approx(0.18) and hit["filter"] == pytest.approx(1150.0)


def test_music_chronus_note_cycle_goes_on_over_a_pattern_update():
    hits = mc.run([
        ("send", "/seq/add", "probe", "voice1", "x.x.x...", 440.0, 800.0, "C4,D4"),
        ("play", 8),
        ("send", "/seq/update/pattern", "probe", "xxxx...."),
        ("play", 4),
    ])
    c4, d4 = 261.6255653005986, 293.6647679174076
    freqs = [values(messages)["freq"] for _, messages in hits]
    assert freqs == pytest.approx([c4, d4, c4, d4, c4, d4, c4])


def test_music_chronus_note_index_option_loses_the_hits_of_its_tick():
    # `note_index=1` arrives as the float 1.0 (handle_seq_add converts every value it can), and
    # Track.get_next_freq indexes the note list with it: the tick raises (pyo's Pattern reports
    # it and goes on), so that track's hit and those of the tracks after it are lost. The plugin
    # takes note_index as the cycle's entry (docs/OSC.md, remaining differences).
    def played(option):
        return mc.run([
            ("send", "/seq/add", "a", "voice1", "x", "notes=C4,D4", *option),
            ("send", "/seq/add", "b", "voice2", "x"),
            ("play", 2),
        ])

    assert [messages[-1][0] for _, messages in played(())] == ["/gate/voice1", "/gate/voice2"] * 2
    assert played(("note_index=1",)) == []


def test_the_script_prints_as_the_rust_test_reads_it():
    out = subprocess.run([sys.executable, str(mc.__file__)], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    kinds = {line.split(" ", 1)[0] for line in out}
    assert kinds == {"#", "send", "play", "hit"}
    assert sum(line.startswith("hit ") for line in out) == len(mc.run())
