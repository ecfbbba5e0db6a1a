"""An independent OSC receiver for interop tests, built on python-osc (Music Chronus's library).

Binds UDP 127.0.0.1:0, prints the port on the first stdout line, then one JSON object per
received OSC message until stdin closes (or --timeout seconds pass):

    {"address": "/gate/voice1", "args": [1], "types": "i", "timetag": null,
     "received": 1767000000.123, "packet": 0, "index": 0, "bundle": false}

- args / types: the arguments as python-osc decoded them; types has one letter per argument
  from the Python type python-osc produced ("i" int, "f" float, "s" str, "b" bytes, "T"/"F"
  bool, "N" None, "?" anything else).
- timetag: the enclosing bundle's timetag in seconds since the Unix epoch, as python-osc
  converts it (pythonosc.osc_bundle.OscBundle.timestamp), or null for a plain message or an
  "immediately" bundle.
- received: time.time() right after the datagram was read.
- packet: index of the datagram; index: position of the message inside it; bundle: whether the
  datagram was a bundle.

Every datagram is also parsed with pythonosc.osc_packet.OscPacket (the class python-osc's
servers use), and must yield the same messages. A datagram python-osc cannot parse is printed as
{"error": "...", "packet": n} and makes the exit status 1.

Not a pytest module (no test_ prefix): tests/tests/osc_python.rs runs it.
"""

import argparse
import json
import os
import select
import socket
import sys
import time

from pythonosc import osc_bundle, osc_message, osc_packet
from pythonosc.parsing import osc_types


def type_letter(value):
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, int):
        return "i"
    if isinstance(value, float):
        return "f"
    if isinstance(value, str):
        return "s"
    if isinstance(value, bytes):
        return "b"
    if value is None:
        return "N"
    return "?"


def json_value(value):
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return repr(value)


def walk(content, timetag):
    """Yields (timetag, in_bundle, message) for a bundle's or message's messages, in order."""
    if isinstance(content, osc_message.OscMessage):
        yield timetag, content
        return
    tag = None if content.timestamp == osc_types.IMMEDIATELY else content.timestamp
    for item in content:
        yield from walk(item, tag)


def decode(dgram):
    if osc_bundle.OscBundle.dgram_is_bundle(dgram):
        return True, list(walk(osc_bundle.OscBundle(dgram), None))
    if osc_message.OscMessage.dgram_is_message(dgram):
        return False, [(None, osc_message.OscMessage(dgram))]
    raise ValueError("neither an OSC message nor a bundle")


def emit(line):
    sys.stdout.write(json.dumps(line) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="give up after this many s")
    options = parser.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    print(sock.getsockname()[1], flush=True)

    deadline = time.monotonic() + options.timeout
    stdin = sys.stdin.fileno()
    packets = 0
    failed = False
    stdin_open = True
    while stdin_open and time.monotonic() < deadline:
        readable, _, _ = select.select([sock, stdin], [], [], 0.1)
        if stdin in readable:
            if not os.read(stdin, 4096):
                stdin_open = False
        # Drain every datagram waiting (also after stdin closed, so nothing sent is lost).
        while True:
            try:
                dgram = sock.recv(65536)
            except BlockingIOError:
                break
            received = time.time()
            number = packets
            packets += 1
            try:
                is_bundle, messages = decode(dgram)
                parsed = osc_packet.OscPacket(dgram).messages
                if [m.message.address for m in parsed] != [m.address for _, m in messages]:
                    raise ValueError("OscPacket disagrees with the bundle walk")
            except Exception as error:  # any parse failure is reported, not fatal
                failed = True
                emit({"error": f"{type(error).__name__}: {error}", "packet": number})
                continue
            for index, (timetag, message) in enumerate(messages):
                emit(
                    {
                        "address": message.address,
                        "args": [json_value(a) for a in message.params],
                        "types": "".join(type_letter(a) for a in message.params),
                        "timetag": timetag,
                        "received": received,
                        "packet": number,
                        "index": index,
                        "bundle": is_bundle,
                    }
                )
        sys.stdout.flush()
    sock.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
