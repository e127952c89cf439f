"""Per-message deflate for the messages worth compressing (hub/cli/websocket.py), read
back by websockets' own client-side extension."""

from __future__ import annotations

import json
import random

from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode

from hub.cli.websocket import SmallUncompressed

SMALL = json.dumps({"id": "1", "type": "next", "payload": {"data": {"step": "REPORTED"}}})
# About 2 KB of grid codes in no pattern: inside the 4 KiB window, compressible only against
# an earlier copy of itself
_CODES = random.Random(7).sample(range(10**14, 10**15), 100)
LARGE = json.dumps({"id": "2", "type": "next", "payload": {"grids": [str(c) for c in _CODES]}})


def server_side(min_bytes: int) -> SmallUncompressed:
    agreed = PerMessageDeflate(False, False, 12, 12, {"memLevel": 5})
    return SmallUncompressed(agreed, min_bytes)


def client_side() -> PerMessageDeflate:
    return PerMessageDeflate(False, False, 12, 12)


def text(message: str) -> Frame:
    return Frame(Opcode.TEXT, message.encode())


def test_small_messages_go_as_they_are_and_large_ones_compressed() -> None:
    server, client = server_side(1024), client_side()
    sent = [server.encode(text(message)) for message in (SMALL, LARGE, SMALL, LARGE)]
    assert [frame.rsv1 for frame in sent] == [False, True, False, True]
    assert sent[0].data == SMALL.encode()
    assert len(sent[1].data) < len(LARGE.encode())
    # the second large message refers back to the first: the client's window follows only
    # the compressed messages, as the server's does
    assert len(sent[3].data) < len(sent[1].data) / 4
    read = [bytes(client.decode(frame).data).decode() for frame in sent]
    assert read == [SMALL, LARGE, SMALL, LARGE]


def test_no_threshold_compresses_every_message() -> None:
    server, client = server_side(0), client_side()
    sent = server.encode(text(SMALL))
    assert sent.rsv1
    assert bytes(client.decode(sent).data).decode() == SMALL


def test_a_connection_has_no_compressor_until_a_message_needs_one() -> None:
    server = server_side(1024)
    for _ in range(3):
        server.encode(text(SMALL))
    assert not hasattr(server, "encoder")  # zlib's state, about 36 KiB, not yet made
    server.encode(text(LARGE))
    assert hasattr(server, "encoder")


def test_fragments_of_a_compressed_message_are_compressed() -> None:
    server, client = server_side(1024), client_side()
    first = server.encode(Frame(Opcode.TEXT, b'{"a":', fin=False))
    rest = server.encode(Frame(Opcode.CONT, b'"b"}'))
    assert first.rsv1
    assert bytes(client.decode(first).data) + bytes(client.decode(rest).data) == b'{"a":"b"}'


def test_control_frames_pass_untouched_and_make_no_compressor() -> None:
    server, ping = server_side(1024), Frame(Opcode.PING, b"keepalive")
    assert server.encode(ping) == ping
    assert not hasattr(server, "encoder")  # uvicorn pings every connection every 20 s
