"""A lean graphql-transport-ws subscriber, for load: RFC 6455 framing by hand on an
asyncio protocol (the key, its accept check and the masking are websockets' own
helpers), no reader task and no JSON decoding of the messages it only counts.

``bench.fanout`` runs thousands of these on the same two cores as the hub. The
``websockets`` client spends about as much CPU on each message as the hub does sending
it, so the clients' own queueing showed in the hub's figures. This one keeps the
handshake honest (the upgrade with its key checked, per-message deflate offered as
browsers offer it, pings answered) and does little else: a text message is decoded only
when it is a REPORTED step, the one the benchmark times.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from websockets.utils import accept_key, apply_mask, generate_key

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
FIN, RSV1 = 0x80, 0x40
INFLATE_TAIL = b"\x00\x00\xff\xff"  # RFC 7692: what the sender stripped from each message


@dataclass
class Arrivals:
    """What this process's subscribers saw: REPORTED steps' arrival times by event id."""

    delivered: int = 0
    by_event: dict[str, list[float]] = field(default_factory=dict)

    def note(self, update: dict[str, str]) -> None:
        self.by_event.setdefault(update["eventId"], []).append(time.monotonic())
        self.delivered += 1


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client's frame: FIN set, the payload masked with a fresh key (RFC 6455, 5.3)."""
    key = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", FIN | opcode, 0x80 | size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", FIN | opcode, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", FIN | opcode, 0x80 | 127, size)
    return header + key + apply_mask(payload, key)


def upgrade_request(url: str, key: str) -> bytes:
    parts = urlsplit(url)
    return (
        f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: graphql-transport-ws\r\n"
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    ).encode()


class Subscriber(asyncio.Protocol):
    """One subscription to ``query``: ``opened`` resolves once it is acknowledged and
    subscribed, ``ended`` with why it ended (a finding: the hub closed it or erred)."""

    def __init__(self, url: str, init: dict[str, str], query: str, seen: Arrivals) -> None:
        self.url, self.init, self.query, self.seen = url, init, query, seen
        self.key = generate_key()
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.ended: asyncio.Future[str] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.upgraded = False
        self.acked = False
        self.inflater: zlib._Decompress | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(upgrade_request(self.url, self.key))

    def connection_lost(self, exc: Exception | None) -> None:
        reason = f"dropped: {type(exc).__name__}" if exc else "closed by the hub"
        self._end(reason)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded and not self._upgraded():
            return
        while (frame := self._next_frame()) is not None:
            self._handle(*frame)

    def send(self, message: dict[str, object]) -> None:
        assert self.transport is not None
        self.transport.write(masked_frame(TEXT, json.dumps(message).encode()))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(masked_frame(CLOSE, struct.pack("!H", 1000)))
            self.transport.close()

    def _upgraded(self) -> bool:
        head, sep, rest = self.buffer.partition(b"\r\n\r\n")
        if not sep:
            return False
        status, *headers = head.split(b"\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (h.partition(b":") for h in headers)}
        if (
            b" 101 " not in status
            or fields.get(b"sec-websocket-accept") != accept_key(self.key).encode()
        ):
            self._fail(f"open: refused: {status.decode(errors='replace')[:80]}")
            return False
        self.upgraded, self.buffer = True, rest
        self.send({"type": "connection_init", "payload": self.init})
        return True

    def _next_frame(self) -> tuple[int, bytes] | None:
        """The next whole frame in the buffer (a server's frames are never masked)."""
        buffer = self.buffer
        if len(buffer) < 2:
            return None
        first, size = buffer[0], buffer[1] & 0x7F
        start = 2
        if size == 126:
            start, size = 4, struct.unpack_from("!H", buffer, 2)[0] if len(buffer) >= 4 else -1
        elif size == 127:
            start, size = 10, struct.unpack_from("!Q", buffer, 2)[0] if len(buffer) >= 10 else -1
        if size < 0 or len(buffer) < start + size:
            return None
        payload, self.buffer = buffer[start : start + size], buffer[start + size :]
        if first & RSV1:
            payload = self._inflated(payload)
        return first & 0x0F, payload

    def _inflated(self, payload: bytes) -> bytes:
        if self.inflater is None:
            self.inflater = zlib.decompressobj(wbits=-15)
        return self.inflater.decompress(payload + INFLATE_TAIL)

    def _handle(self, opcode: int, payload: bytes) -> None:
        if opcode == TEXT:
            self._message(payload)
        elif opcode == PING:
            assert self.transport is not None
            self.transport.write(masked_frame(PONG, payload))
        elif opcode == CLOSE:  # answered with a close frame (RFC 6455, 5.5.1), then closed
            code = struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else 1005
            self._end(f"closed {code}")
            self.close()

    def _message(self, payload: bytes) -> None:
        if b'"REPORTED"' in payload:
            update = json.loads(payload)["payload"]["data"]["gridEvents"]
            if update["step"] == "REPORTED":
                self.seen.note(update)
            return
        if b'"next"' in payload:
            return  # another step: not timed
        message = json.loads(payload)
        kind = message.get("type")
        if kind == "connection_ack" and not self.acked:
            self.acked = True
            self.send({"id": "1", "type": "subscribe", "payload": {"query": self.query}})
            self.opened.set_result(None)
        elif kind == "ping":
            self.send({"type": "pong"})
        elif kind in ("error", "complete"):
            self._fail(f"{kind}: {str(message.get('payload'))[:120]}")

    def _fail(self, reason: str) -> None:
        self._end(reason)
        if self.transport is not None:
            self.transport.close()

    def _end(self, reason: str) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(reason))
        if not self.ended.done():
            self.ended.set_result(reason)
