"""A lean HTTP/1.1 load client: one keep-alive connection per asker, each request's bytes
made once, each answer read by httptools (llhttp, the parser Node's own HTTP uses).

The benchmarks run the load on the same two cores as the servers they measure. httpx
spends about as much CPU on a request as the hub does answering it, so with httpx
asking, the machine's cores ran out before either server's did, and both sides were
measured at what the client left them. This client keeps what a measurement needs
(the status, the body when the caller asks for it, a fresh connection when a server
closes one) and nothing else.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import httptools


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def errors(self) -> list[dict[str, object]]:
        """A GraphQL answer's errors; decoded only when the body names some."""
        if b'"errors"' not in self.body:
            return []
        found = json.loads(self.body).get("errors")
        return found if isinstance(found, list) else []


def request_bytes(
    url: str,
    headers: Mapping[str, str],
    body: object | None = None,
    params: Mapping[str, str] | None = None,
) -> bytes:
    """One request, whole: a POST of ``body`` as JSON, or a GET with ``params``."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if params:
        target += "?" + urlencode(params)
    lines = [f"Host: {parts.netloc}", *(f"{k}: {v}" for k, v in headers.items())]
    content = b""
    if body is not None:
        content = json.dumps(body).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(content)}"]
    method = "GET" if body is None else "POST"
    head = "\r\n".join([f"{method} {target} HTTP/1.1", *lines, "", ""])
    return head.encode() + content


class Connection(asyncio.Protocol):
    """One keep-alive connection, one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.body: list[bytes] = []
        self.answer: asyncio.Future[Answer] | None = None
        self.keep_alive = True

    @classmethod
    async def opened(cls, host: str, port: int) -> Connection:
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(cls, host, port)
        return connection

    async def send(self, request: bytes) -> Answer:
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.answer

    @property
    def usable(self) -> bool:
        return self.keep_alive and self.transport is not None and not self.transport.is_closing()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # asyncio's protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(error)

    def connection_lost(self, exc: Exception | None) -> None:
        self.keep_alive = False
        self._fail(exc or ConnectionError("the server closed the connection"))

    # httptools' callbacks
    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        answer = Answer(self.parser.get_status_code(), b"".join(self.body))
        self.body = []
        if self.answer is not None and not self.answer.done():
            self.answer.set_result(answer)
        if not self.keep_alive:
            self.close()

    def _fail(self, error: BaseException) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(error)


class Asker:
    """One asker of a load: its own connection to ``url``'s server, opened again when
    the server closes it."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.connection: Connection | None = None

    async def send(self, request: bytes) -> Answer:
        if self.connection is None or not self.connection.usable:
            self.connection = await Connection.opened(self.host, self.port)
        return await self.connection.send(request)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
