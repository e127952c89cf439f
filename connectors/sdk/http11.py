"""HTTP/1.1 to an upstream, one exchange at a time, parsed by llhttp (``httptools``).

httpcore speaks HTTP/1.1 through h11: a state machine in Python that validates and
re-encodes every header, then a chain of streams and traces for each body chunk. For a
connector's exchanges (a request, an answer read whole) that was half of the sender's
CPU per call (``python -m bench.http_client``). Here a connection writes the request's
bytes as httpx built them and feeds what it reads to llhttp, the parser uvicorn and
Node.js use, then hands the pool a response with its whole body: up to the connector's
``max_answer_bytes``, past which it stops reading, closes the connection and raises
``AnswerTooLargeError`` (the sender checks the decoded body against the same limit).

It is httpcore's connection interface, so httpcore's pool keeps running it (and respx,
which patches the pool, still stands in for it in tests); timeouts and errors are
httpcore's own. What it leaves out, the pool's callers never ask: HTTP/2, an upgrade
or a CONNECT tunnel, and a response body read piece by piece.
"""

# The timeouts are httpcore's interface, each passed on to the stream.
# ruff: noqa: ASYNC109

from __future__ import annotations

import contextlib
import enum
import re
import time
from collections.abc import AsyncIterable, Iterable
from typing import Any

import httpcore
import httptools
from httpcore._async.connection import AsyncHTTPConnection

READ_SIZE = 64 * 1024
_NOT_TOKEN = re.compile(rb"[^!#$%&'*+\-.^_`|~0-9A-Za-z]")  # RFC 9110's token characters
_NOT_VALUE = re.compile(rb"[\x00\r\n]")
_NOT_TARGET = re.compile(rb"[\x00-\x20\x7f]")


class AnswerTooLargeError(Exception):
    """An answer longer than the connector takes: nothing of it is kept, and the
    connection it came on is closed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"an answer of more than {limit} bytes")
        self.limit = limit


class State(enum.Enum):
    NEW = 0  # connected, no request yet
    ACTIVE = 1
    IDLE = 2
    CLOSED = 3


class Answer:
    """llhttp's callbacks for one response: its status, headers and body as they parse."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.size = 0  # of the body so far
        self.headed = False  # the headers are complete
        self.keep_alive = False  # as the headers say: llhttp forgets once the body is read
        self.complete = False

    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.headed = True
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, chunk: bytes) -> None:
        self.body.append(chunk)
        self.size += len(chunk)

    def on_message_complete(self) -> None:
        if 100 <= self.parser.get_status_code() < 200:  # informational: the answer follows
            self.reason, self.headers, self.body, self.headed = b"", [], [], False
            self.size = 0
        else:
            self.complete = True


class HTTP11Exchange(httpcore.AsyncConnectionInterface):
    """One HTTP/1.1 connection: a request at a time, each answer read whole, up to
    ``max_body`` bytes (as sent)."""

    def __init__(
        self,
        origin: httpcore.Origin,
        stream: httpcore.AsyncNetworkStream,
        expiry: float | None,
        max_body: int,
    ) -> None:
        self._origin = origin
        self._stream = stream
        self._expiry = expiry
        self._max_body = max_body
        self._state = State.NEW
        self._expire_at: float | None = None
        self._requests = 0

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if self._state not in (State.NEW, State.IDLE):
            raise httpcore.ConnectionNotAvailable()
        self._state, self._expire_at = State.ACTIVE, None
        self._requests += 1
        timeouts = request.extensions.get("timeout", {})
        try:
            await self._send(request, timeouts.get("write"))
            answer = await self._receive(request, timeouts.get("read"))
        except BaseException:  # cancelled or failed mid-exchange: the bytes are out of step
            await self.aclose()
            raise
        await self._finish(reusable=answer.keep_alive and answer.complete)
        return httpcore.Response(
            status=answer.parser.get_status_code(),
            headers=answer.headers,
            content=b"".join(answer.body),
            extensions={
                "http_version": b"HTTP/" + answer.parser.get_http_version().encode(),
                "reason_phrase": answer.reason,
                "network_stream": self._stream,
            },
        )

    async def _send(self, request: httpcore.Request, timeout: float | None) -> None:
        head = _head(request)
        body = await _body(request.stream)
        if _chunked(request.headers):
            body = (b"%x\r\n%b\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
        # A system may answer (a 413, a 401) and close before reading it all: read on.
        with contextlib.suppress(httpcore.WriteError):
            await self._stream.write(head + body, timeout)

    async def _receive(self, request: httpcore.Request, timeout: float | None) -> Answer:
        """The response, parsed: whole, or its headers only for a HEAD request."""
        answer = Answer()
        headers_only = request.method == b"HEAD"
        while not (answer.complete or (headers_only and answer.headed)):
            data = await self._stream.read(READ_SIZE, timeout)
            if not data:
                _ended(answer)
                return answer
            try:
                answer.parser.feed_data(data)
            except httptools.HttpParserError as error:
                raise httpcore.RemoteProtocolError(f"malformed response: {error}") from error
            if answer.size > self._max_body:
                raise AnswerTooLargeError(self._max_body)
        answer.complete = True
        return answer

    async def _finish(self, *, reusable: bool) -> None:
        """Idle for the next request, or closed: the system said so, or sent no length."""
        if not reusable:
            await self.aclose()
            return
        self._state = State.IDLE
        if self._expiry is not None:
            self._expire_at = time.monotonic() + self._expiry

    async def aclose(self) -> None:
        self._state = State.CLOSED
        await self._stream.aclose()

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        return origin == self._origin

    def is_available(self) -> bool:
        return self._state is State.IDLE

    def has_expired(self) -> bool:
        if self._state is not State.IDLE:
            return False
        expired = self._expire_at is not None and time.monotonic() > self._expire_at
        return expired or bool(self._stream.get_extra_info("is_readable"))  # closed by them

    def is_idle(self) -> bool:
        return self._state is State.IDLE

    def is_closed(self) -> bool:
        return self._state is State.CLOSED

    def info(self) -> str:
        return (
            f"{str(self._origin)!r}, HTTP/1.1, {self._state.name}, Request Count: {self._requests}"
        )


def _head(request: httpcore.Request) -> bytes:
    """The request line and headers, refusing what would split or forge a line (httpx
    passes header values through as given; h11 refused these too)."""
    if _NOT_TOKEN.search(request.method):
        raise httpcore.LocalProtocolError(f"invalid method {request.method!r}")
    if _NOT_TARGET.search(request.url.target):
        raise httpcore.LocalProtocolError(f"invalid request target {request.url.target!r}")
    lines = [b"%b %b HTTP/1.1" % (request.method, request.url.target)]
    for name, value in request.headers:
        if _NOT_TOKEN.search(name) or not name or _NOT_VALUE.search(value):
            raise httpcore.LocalProtocolError(f"invalid header {name!r}: {value!r}")
        lines.append(b"%b: %b" % (name, value))
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _chunked(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    return any(
        name.lower() == b"transfer-encoding" and b"chunked" in value.lower()
        for name, value in headers
    )


async def _body(stream: Iterable[bytes] | AsyncIterable[bytes]) -> bytes:
    if isinstance(stream, AsyncIterable):
        return b"".join([chunk async for chunk in stream])
    return b"".join(stream)


def _ended(answer: Answer) -> None:
    """The system closed the connection: the end of a body delimited by the close, or
    an answer cut short."""
    if not answer.headed:
        raise httpcore.RemoteProtocolError("Server disconnected without sending a response.")
    delimited = any(
        name.lower() in (b"content-length", b"transfer-encoding") for name, _ in answer.headers
    )
    if delimited:
        raise httpcore.RemoteProtocolError("Server disconnected in the middle of the response.")
    answer.complete = True  # read to the close, as HTTP/1.0 delimits a body


class UpstreamConnection(AsyncHTTPConnection):
    """httpcore's connection (connecting, TLS, its retries of a failed connect), its
    exchanges this module's."""

    def __init__(self, *, max_body: int, **connection: Any) -> None:
        super().__init__(**connection)
        self._max_body = max_body

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if not self.can_handle_request(request.url.origin):
            raise RuntimeError(f"a request to {request.url.origin} on {self._origin}")
        try:
            async with self._request_lock:
                if self._connection is None:
                    stream = await self._connect(request)
                    self._connection = HTTP11Exchange(
                        self._origin, stream, self._keepalive_expiry, self._max_body
                    )
        except BaseException:
            self._connect_failed = True
            raise
        return await self._connection.handle_async_request(request)
