"""An AI agent drives the real VST3 over OSC while pedalboard hosts it.

The agent speaks python-osc (the library Music Chronus and its agents use): it finds the
plugin's OSC input port, sends the Music Chronus sequencer dialect an agent written for Music
Chronus would send (`/seq/clear`, `/seq/bpm`, `/seq/add`, `/seq/update/pattern`, `/pattern/save`,
`/pattern/list`), reads the replies, and checks with `/chronus/query` that the plugin holds what
it was told. It also sends malformed packets and bad arguments and checks that each gets a
`/seq/error` with a reason, changes nothing, and that the plugin keeps answering.

Replies go back to the address a command came from (docs/OSC.md), so the agent sends from the
UDP socket it reads on: messages are built with python-osc's `OscMessageBuilder` and sent from a
plain socket bound to an ephemeral loopback port; replies are parsed with
`pythonosc.osc_message.OscMessage`. Every wait has a deadline; nothing sleeps for a fixed time.
That every command gets exactly one reply is checked with a barrier: after the replies a
command should produce, a `/chronus/ping` is sent and everything up to its `/chronus/pong` must
be nothing at all.

Finding the port: each instance binds 127.0.0.1:5050 or the next free port (at most 32 tries,
never 5005–5007), and other instances may be running (other tests in this process, the Rust host
tests, a DAW). The agent pings 5050–5081, and among the instances that answer it takes the one
whose `/chronus/query` shows two marker parameter values this test set through pedalboard.

pedalboard 0.9.26 activates the plugin inside `load_plugin` already (the OSC server answers
before any `process` call; seen when this test was written). The test still calls `process` once
with a short silent buffer, which also hands the marker parameter values to the plugin.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import time

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from test_vst3_pedalboard import apply_pending, load

LOCALHOST = "127.0.0.1"
FIRST_PORT = 5050
BIND_ATTEMPTS = 32
# How long a reply may take. Replies normally come back in well under a millisecond.
REPLY_TIMEOUT = 2.0
# How long the agent keeps looking for the instance (the server starts on activation).
FIND_TIMEOUT = 10.0
TRACKS = 16
LANES = 4
# A query: the slot; per track the track, its step details and its lanes; the end.
QUERY_ADDRESSES = (
    ["/chronus/state/slot"]
    + (["/chronus/state/track", "/chronus/state/steps"] + ["/chronus/state/lane"] * LANES) * TRACKS
    + ["/chronus/state/end"]
)


class Agent:
    """An OSC client that sends from, and reads replies on, one loopback UDP socket."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOCALHOST, 0))
        self.port: int | None = None

    def close(self) -> None:
        self.sock.close()

    @staticmethod
    def build(address: str, *args) -> bytes:
        builder = OscMessageBuilder(address=address)
        for arg in args:
            builder.add_arg(arg)
        return builder.build().dgram

    def send_to(self, port: int, address: str, *args) -> None:
        self.sock.sendto(self.build(address, *args), (LOCALHOST, port))

    def send(self, address: str, *args) -> None:
        assert self.port is not None, "no plugin port yet"
        self.send_to(self.port, address, *args)

    def send_raw(self, data: bytes) -> None:
        assert self.port is not None, "no plugin port yet"
        self.sock.sendto(data, (LOCALHOST, self.port))

    def receive(self, deadline: float) -> tuple[int, OscMessage] | None:
        """The next datagram from anyone as (source port, message), or None at the deadline."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                data, (_, port) = self.sock.recvfrom(65536)
            except (socket.timeout, TimeoutError):
                return None
            except ConnectionRefusedError:
                # An ICMP "port unreachable" from a probe to a port nobody listens on.
                continue
            return port, OscMessage(data)

    def replies(self, count: int) -> list[OscMessage]:
        """The next `count` messages from the plugin's port (fails after REPLY_TIMEOUT)."""
        deadline = time.monotonic() + REPLY_TIMEOUT
        got: list[OscMessage] = []
        while len(got) < count:
            received = self.receive(deadline)
            assert received is not None, (
                f"expected {count} replies from port {self.port}, got {len(got)} within "
                f"{REPLY_TIMEOUT} s: {[describe(m) for m in got]}"
            )
            port, message = received
            if port == self.port:
                got.append(message)
        return got

    def barrier(self) -> None:
        """Pings and reads up to the pong: nothing else may arrive before it."""
        self.send("/chronus/ping")
        reply = self.replies(1)[0]
        assert reply.address == "/chronus/pong", (
            f"an unexpected extra reply before the pong: {describe(reply)}"
        )

    def request(self, address: str, *args, replies: int = 1) -> list[OscMessage]:
        """Sends one command and returns exactly the `replies` it answers with."""
        self.send(address, *args)
        got = self.replies(replies)
        self.barrier()
        return got

    def command(self, address: str, *args) -> None:
        """Sends a command that must work: it answers `/chronus/ok <address>`."""
        [reply] = self.request(address, *args)
        assert (reply.address, reply.params) == ("/chronus/ok", [address]), (
            f"{address} {list(args)} answered {describe(reply)}"
        )

    def refused(self, address: str, *args) -> str:
        """Sends a command that must fail; returns the reason of its `/seq/error <address>`."""
        [reply] = self.request(address, *args)
        return error_reason(reply, address)

    def query_all(self, slot: int | None = None) -> dict[str, list]:
        """`/chronus/query [slot]`: every reply's arguments, by address, in order."""
        args = () if slot is None else (slot,)
        messages = self.request("/chronus/query", *args, replies=len(QUERY_ADDRESSES))
        addresses = [m.address for m in messages]
        assert addresses == QUERY_ADDRESSES, addresses
        by_address: dict[str, list] = {}
        for message in messages:
            by_address.setdefault(message.address, []).append(message.params)
        return by_address

    def markers(self) -> tuple[list, list[list]]:
        """The slot and track replies of `/chronus/query`, read up to a ping's pong: also from an
        instance of another version (other tests, a DAW), whose reply may have other messages."""
        self.send("/chronus/query")
        self.send("/chronus/ping")
        messages = []
        while True:
            [reply] = self.replies(1)
            if reply.address == "/chronus/pong":
                break
            messages.append(reply)
        slot = [m.params for m in messages if m.address == "/chronus/state/slot"]
        tracks = [m.params for m in messages if m.address == "/chronus/state/track"]
        assert len(slot) == 1 and len(tracks) == TRACKS, [describe(m) for m in messages]
        return slot[0], tracks

    def query(self, slot: int | None = None) -> tuple[list, list[list]]:
        """`/chronus/query [slot]`: the slot reply's arguments and the 16 track replies'."""
        state = self.query_all(slot)
        return state["/chronus/state/slot"][0], state["/chronus/state/track"]


def describe(message: OscMessage) -> str:
    return f"{message.address} {message.params}"


def error_reason(reply: OscMessage, address: str) -> str:
    assert reply.address == "/seq/error", f"expected /seq/error for {address!r}: {describe(reply)}"
    assert len(reply.params) == 2 and all(isinstance(p, str) for p in reply.params), describe(reply)
    assert reply.params[0] == address, describe(reply)
    assert reply.params[1].strip(), f"/seq/error for {address!r} gives no reason"
    return reply.params[1]


def responding_ports(agent: Agent) -> list[int]:
    """The ports in 5050–5081 that answer `/chronus/ping` with `/chronus/pong`."""
    ports = range(FIRST_PORT, FIRST_PORT + BIND_ATTEMPTS)
    for port in ports:
        agent.send_to(port, "/chronus/ping")
    found: set[int] = set()
    # Every instance answers within well under a millisecond; stop as soon as the replies stop.
    deadline = time.monotonic() + 0.5
    while True:
        received = agent.receive(min(deadline, time.monotonic() + 0.1))
        if received is None:
            break
        port, message = received
        if message.address == "/chronus/pong" and port in ports:
            found.add(port)
    return sorted(found)


def find_instance(agent: Agent, swing: float, gate: float) -> int:
    """The port of the instance whose Swing and Track 16 Gate are the markers."""
    deadline = time.monotonic() + FIND_TIMEOUT
    seen: dict[int, str] = {}
    while time.monotonic() < deadline:
        for port in responding_ports(agent):
            agent.port = port
            slot, tracks = agent.markers()
            seen[port] = f"swing {slot[4]}, track 16 gate {tracks[15][11]}"
            if slot[4] == pytest.approx(swing, abs=1e-3) and tracks[15][11] == pytest.approx(gate):
                return port
    agent.port = None
    pytest.fail(
        f"no Chronus Seq instance on ports {FIRST_PORT}–{FIRST_PORT + BIND_ATTEMPTS - 1} shows "
        f"swing {swing} and track 16 gate {gate} within {FIND_TIMEOUT} s; seen: {seen}"
    )


@pytest.fixture
def session():
    """A freshly loaded plugin and an agent connected to its OSC port."""
    plugin = load()
    # A process call activates the plugin if the host has not yet, and hands over the markers.
    rng = random.Random(os.getpid() ^ time.monotonic_ns())
    swing = round(rng.uniform(50.1, 74.9), 1)
    gate = float(rng.randint(2, 99))
    plugin.swing = swing
    plugin.track_16_gate = gate
    apply_pending(plugin)
    agent = Agent()
    try:
        find_instance(agent, swing, gate)
        yield plugin, agent
    finally:
        agent.close()
        del plugin


def tracks_by_name(tracks: list[list]) -> dict[str, list]:
    named = {}
    for track in tracks:
        assert track[1] not in named, f"two tracks named {track[1]!r}"
        named[track[1]] = track
    return named


def juce_vst3_component_state(raw_state: bytes) -> dict:
    """The plugin's own state (nice-plug JSON) inside pedalboard's `raw_state`.

    pedalboard (JUCE) wraps a VST3 component state as `VC2!`, a length, and XML whose
    `<IComponent>` holds `<byte count>.<JUCE base64>`: 6 bits per character from the alphabet
    below, least significant bits first (juce::MemoryBlock::toBase64Encoding).
    """
    match = re.search(rb"<IComponent>(\d+)\.([^<]*)</IComponent>", raw_state)
    assert match, f"no <IComponent> in pedalboard's state: {raw_state[:120]!r}"
    size, encoded = int(match.group(1)), match.group(2).decode("ascii")
    alphabet = ".ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+"
    value = 0
    for index, character in enumerate(encoded):
        value |= alphabet.index(character) << (6 * index)
    data = value.to_bytes((len(encoded) * 6 + 7) // 8, "little")[:size]
    return json.loads(data)


def test_agent_builds_a_pattern_with_the_music_chronus_dialect(session):
    plugin, agent = session

    agent.command("/seq/clear")
    reason = agent.refused("/seq/bpm", 120.0)
    assert "DAW owns the transport" in reason, reason
    agent.command("/seq/add", "kick", "voice1", "X...X...X...X...", 60.0, 200.0)
    agent.command("/seq/add", "bass", "voice2", "x.x.....x.x.....", 110.0, 800.0, "36,36,41,43")
    agent.command("/seq/update/pattern", "kick", "X.X.X.X.X.X.X.X.")
    agent.command("/pattern/save", 2)
    [listing] = agent.request("/pattern/list")
    assert (listing.address, listing.params) == ("/pattern/list", [1, 2]), describe(listing)

    [status] = agent.request("/seq/status")
    assert status.address == "/seq/status" and len(status.params) == 1, describe(status)
    line = status.params[0]
    assert "Slot: 1" in line and 'Tracks: ["kick", "bass"]' in line, line

    slot, tracks = agent.query()
    assert slot[:4] == [1, 1, 1, "bar"], f"slot, playing, requested, quantize: {slot}"
    assert isinstance(slot[5], int), f"the seed is a long: {slot}"
    assert [t[0] for t in tracks] == list(range(1, TRACKS + 1))
    named = tracks_by_name(tracks)
    # Track: number, name, pattern, rate, note, channel, euclid, pulses, rotation, mute, solo,
    # gate %, gate address. /seq/clear keeps names, so the starter tracks (Kick, Snare, Hat) are
    # not unused and the agent's tracks take the first unused ones, 4 and 5. 60 Hz is MIDI 35 (B1,
    # 61.7 Hz), 110 Hz MIDI 45 (A2).
    assert named["kick"][:6] == [4, "kick", "X.X.X.X.X.X.X.X.", "1/16", 35, 1], named["kick"]
    assert named["kick"][12] == "/gate/voice1", named["kick"]
    assert named["bass"][:6] == [5, "bass", "x.x.....x.x.....", "1/16", 45, 1], named["bass"]
    assert named["bass"][12] == "/gate/voice2", named["bass"]
    for name in ("Kick", "Snare", "Hat"):
        assert named[name][2] == "." * 16, f"/seq/clear left hits on {named[name]}"
    for number in range(6, TRACKS + 1):
        assert tracks[number - 1][1:3] == [f"Track {number}", "." * 16], tracks[number - 1]

    # /pattern/save 2 copied the slot; querying slot 2 shows the same tracks.
    saved_slot, saved_tracks = agent.query(2)
    assert saved_slot[0] == 2 and saved_slot[1] == 1, saved_slot
    assert saved_tracks == tracks

    # The host saves what the agent built: both slots, the exact frequencies, the note cycle over
    # the bass hits (cycling per played hit, not stored per step), and the gate addresses with
    # the Music Chronus voice profile (filter_freq from the arguments).
    state = juce_vst3_component_state(plugin.raw_state)
    document = json.loads(state["fields"]["pattern"])
    assert document["version"] == 4
    assert [s["slot"] for s in document["slots"]] == [1, 2]
    for saved in document["slots"]:
        kick, bass = saved["tracks"][3], saved["tracks"][4]
        assert (kick["name"], kick["steps"], kick["note"]) == ("kick", "X.X.X.X.X.X.X.X.", 35)
        assert (bass["name"], bass["steps"], bass["note"]) == ("bass", "x.x.....x.x.....", 45)
        assert (kick["freq"], bass["freq"]) == (60.0, 110.0), (kick, bass)
        hz = [440.0 * 2 ** ((note - 69) / 12) for note in (36, 36, 41, 43)]
        assert len(bass["cycle"]["hz"]) == 4, bass
        assert all(abs(a - b) < 1e-3 for a, b in zip(bass["cycle"]["hz"], hz)), bass
        assert "notes" not in bass and "notes" not in kick and "cycle" not in kick, kick
    osc_out = json.loads(state["fields"]["osc_out"])
    for track, address, filter_freq in ((3, "/gate/voice1", 200.0), (4, "/gate/voice2", 800.0)):
        target = osc_out["tracks"][track]
        assert (target["address"], target["send_freq"], target["send_amp"]) == (
            address,
            True,
            True,
        ), target
        assert target["voice_profile"]["filter_freq"] == filter_freq, target
        assert abs(target["voice_profile"]["base_amp"] - 0.3) < 1e-6, target


def test_bad_input_gets_reasons_and_changes_nothing(session):
    _, agent = session
    agent.command("/seq/add", "kick", "voice1", "X...X...X...X...")
    before = agent.query()

    malformed = [
        b"this is not OSC",
        b"/chronus/ping\x00\x00\x00,i\x00\x00",  # an int argument with no bytes
        b"#bundle\x00" + bytes(8) + b"\x00\x00\x00\x05/abc",  # element size not a multiple of 4
        b"\x00\x01\x02",
    ]
    for data in malformed:
        agent.send_raw(data)
        [reply] = agent.replies(1)
        reason = error_reason(reply, "")
        assert reason.startswith("malformed OSC packet"), f"{data!r}: {reason}"
        agent.barrier()

    refusals = [
        (("/chronus/pattern", 17, "x..."), "argument 1 (track) is 17; it must be 1–16"),
        (("/chronus/pattern", 1, "x?x."), "unknown step character '?'"),
        (("/pattern/save", 17), "slot 17: Chronus Seq has 16 pattern slots"),
        (("/pattern/save", "two"), "argument 1 (slot) must be a number"),
        (("/seq/add", "kick", "voice-1", "x..."), "is not a Music Chronus module name"),
        (("/seq/add", "kick", "voice1", "X" * 65), "65 steps; a track holds at most 64"),
        (("/seq/add", "kick", "voice1", "x...", 110.0, 800.0, "36,Q9"), 'note 2 ("Q9")'),
        (("/seq/update/pattern", "ghost", "x..."), 'no track "ghost"'),
        (("/seq/swing", 0.9), "it must be 0–0.6"),
        (("/seq/clear", 1), "1 arguments given; at most 0 expected"),
        (("/seq/frobnicate",), "unknown address"),
    ]
    for (address, *args), expected in refusals:
        reason = agent.refused(address, *args)
        assert expected in reason, f"{address} {args}: {reason!r}"

    # Still answering, and nothing changed.
    agent.barrier()
    assert agent.query() == before


def test_query_and_feed_show_lanes_conditions_direction_scale_and_voice(session):
    """What an agent sets beyond the pattern string reads back from `/chronus/query`, and a
    subscriber (a second python-osc socket) is told which parts a lane-only edit changed."""
    _, agent = session
    follower = Agent()
    follower.port = agent.port
    try:
        agent.command("/chronus/lane/cc", 3, 2, 71)
        agent.command("/chronus/lane/osc", 3, 2, "/mod/voice3/filter/q", 0.5, 4.0, "exp")
        agent.command("/chronus/lane/length", 3, 2, 4)
        agent.command("/chronus/lane/values", 3, 2, 0.0, 1.0, -1.0, 1.0)
        agent.command("/chronus/step/condition", 3, 1, "!1st")
        agent.command("/chronus/track/direction", 3, "pendulum")
        agent.command("/chronus/track/voice", 3, "reverb_send=0.25")
        agent.command("/chronus/scale", "A", "minor")
        agent.command("/chronus/fill", 1)

        state = agent.query_all()
        slot = state["/chronus/state/slot"][0]
        assert slot[6:9] == ["A", "minor", 1], slot
        track = state["/chronus/state/track"][2]
        assert track[0] == 3 and track[13] == "pendulum", track
        assert track[17] == 1 and track[21] == pytest.approx(0.25), f"voice profile: {track}"
        assert track[18:21] == [pytest.approx(0.3), 1000.0, 1500.0], track
        assert state["/chronus/state/steps"][2] == [3, "1.condition=!1st"]
        lane = state["/chronus/state/lane"][2 * LANES + 1]
        assert lane[:10] == [3, 2, "cc", 71, "/mod/voice3/filter/q", 0.5, 4.0, "exp", 4, -1.0], lane
        assert lane[10:] == [0.0, 1.0, -1.0, 1.0], lane
        digest = track[23]

        # A lane-only edit: the pattern string stays, the feed names the lane, the digest moves.
        follower.send("/chronus/subscribe", "changes")
        [subscribed] = follower.replies(1)
        assert subscribed.address == "/chronus/subscribed", describe(subscribed)
        pattern = track[2]
        agent.command("/chronus/lane/step", 3, 2, 3, 0.5)
        deadline = time.monotonic() + REPLY_TIMEOUT
        pushed = None
        while pushed is None:
            received = follower.receive(deadline)
            assert received is not None, "no /chronus/changed/track for the lane edit"
            _, message = received
            if message.address == "/chronus/changed/track":
                pushed = message.params
        assert pushed[2:] == [3, track[1], pattern, "lane2"], pushed
        assert agent.query_all()["/chronus/state/track"][2][23] != digest
    finally:
        follower.send("/chronus/unsubscribe")
        follower.close()
