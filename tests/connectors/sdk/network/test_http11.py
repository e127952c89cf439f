"""HTTP/1.1 exchanges on the upstream transport: against uvicorn's two HTTP servers
(httptools and h11) serving Starlette, and against loopback systems that answer in the
ways a department's server may (a body to the close, a close after answering, a cut,
an informational answer first, nonsense, nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpcore
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from connectors.sdk.http11 import AnswerTooLargeError, HTTP11Exchange
from connectors.sdk.sending import Sender, upstream_transport
from tests.connectors.sdk.network.test_network import TIMEOUTS, soon, tls_contexts
from tests.support.live import live_server

Answering = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "query": dict(request.query_params),
            "body": body.decode(),
            "client_port": request.client.port if request.client else None,
        }
    )


async def streamed(_request: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        for index in range(50):
            yield b"%d," % index
            await asyncio.sleep(0)

    return StreamingResponse(parts(), media_type="text/plain")  # chunked on the wire


async def empty(_request: Request) -> Response:
    return Response(status_code=204)


APP = Starlette(
    routes=[
        Route("/echo", echo, methods=["GET", "POST", "HEAD"]),
        Route("/streamed", streamed),
        Route("/empty", empty),
    ]
)


@pytest.mark.parametrize("server", ["httptools", "h11"])
async def test_requests_and_answers_as_uvicorn_serves_them(
    server: Literal["httptools", "h11"],
) -> None:
    async with live_server(APP, lifespan="off", http=server) as address:
        sender = Sender(f"http://{address}")
        try:
            got = await sender.request("GET", "/echo", params={"q": "网格 1"}, timeout_seconds=5)
            assert got.json()["query"] == {"q": "网格 1"}
            posted = await sender.request(
                "POST", "/echo", json={"grid": "330199001001"}, timeout_seconds=5
            )
            assert posted.json()["body"] == '{"grid":"330199001001"}'
            assert posted.json()["method"] == "POST"
            assert posted.json()["client_port"] == got.json()["client_port"]  # kept alive
            chunked = await sender.request("GET", "/streamed", timeout_seconds=5)
            assert chunked.text == "".join(f"{i}," for i in range(50))
            assert chunked.headers["transfer-encoding"] == "chunked"
            head = await sender.request("HEAD", "/echo", timeout_seconds=5)
            assert (head.status_code, head.content) == (200, b"")
            assert int(head.headers["content-length"]) > 0
            nothing = await sender.request("GET", "/empty", timeout_seconds=5)
            assert (nothing.status_code, nothing.content) == (204, b"")
            after = await sender.request("GET", "/echo", timeout_seconds=5)
            assert after.json()["client_port"] == got.json()["client_port"]
        finally:
            await sender.aclose()


async def test_a_streamed_request_body_goes_chunked() -> None:
    async def parts() -> AsyncIterator[bytes]:
        yield b"first,"
        yield b"second"

    async with live_server(APP, lifespan="off") as address:
        transport = upstream_transport(f"http://{address}")
        request = httpx.Request(
            "POST", f"http://{address}/echo", content=parts(), extensions={"timeout": TIMEOUTS}
        )
        assert request.headers["transfer-encoding"] == "chunked"
        response = await transport.handle_async_request(request)
        await response.aread()
        assert response.json()["body"] == "first,second"
        await transport.aclose()


class System:
    """A loopback system answering each request with ``answer``'s bytes, then ``then``:
    keep the connection open, close it, or wait (for a timeout)."""

    def __init__(self, answer: bytes, then: Literal["keep", "close", "hang"] = "keep") -> None:
        self.answer, self.then = answer, then
        self.after = b""  # sent a moment after the answer
        self.connections = 0
        self.requests = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                self.requests += 1
                if self.then == "hang":
                    await asyncio.sleep(60)
                writer.write(self.answer)
                await writer.drain()
                if self.after:
                    await asyncio.sleep(0.02)
                    writer.write(self.after)
                if self.then == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with suppress(ConnectionError):
                await writer.wait_closed()


@dataclass
class Upstream:
    """The transport to a loopback system, and its URL."""

    transport: httpx.AsyncHTTPTransport
    url: str

    async def ask(self, read_seconds: float = 5) -> httpx.Response:
        timeouts = {**TIMEOUTS, "read": read_seconds}
        request = httpx.Request("GET", self.url, extensions={"timeout": timeouts})
        response = await self.transport.handle_async_request(request)
        await response.aread()
        return response

    @property
    def connections(self) -> list[httpcore.AsyncConnectionInterface]:
        return self.transport._pool.connections


@asynccontextmanager
async def system_at(system: System, max_answer: int = 1_000_000) -> AsyncIterator[Upstream]:
    server = await asyncio.start_server(system.serve, "127.0.0.1", 0)
    async with server:
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
        upstream = Upstream(upstream_transport(url, max_answer), url)
        try:
            yield upstream
        finally:
            await upstream.transport.aclose()


async def test_a_body_read_to_the_close_and_a_close_after_answering() -> None:
    """HTTP/1.0's way (no length, the close ends the body), and ``Connection: close``:
    the answer is whole, and the next request opens a new connection."""
    for answer in (
        b"HTTP/1.0 200 OK\r\n\r\nto the end",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 10\r\n\r\nto the end",
    ):
        system = System(answer, then="close")
        async with system_at(system) as upstream:
            assert (await upstream.ask()).content == b"to the end"
            assert (await upstream.ask()).content == b"to the end"
        assert system.connections == 2


async def test_an_idle_connection_the_system_closed_is_not_asked_again() -> None:
    system = System(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", then="close")
    async with system_at(system) as upstream:
        assert (await upstream.ask()).content == b"ok"
        (kept,) = upstream.connections
        assert await soon(kept.has_expired)  # the close has reached it
        assert (await upstream.ask()).content == b"ok"
    assert system.connections == 2


@pytest.mark.parametrize("apart", [False, True])
async def test_an_informational_answer_is_skipped(apart: bool) -> None:
    """A 100 before the answer, in the same packet or in one of its own."""
    system = System(b"HTTP/1.1 100 Continue\r\nX-Early: 1\r\n\r\n")
    system.after = b"HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nmade"
    if not apart:
        system.answer, system.after = system.answer + system.after, b""
    async with system_at(system) as upstream:
        response = await upstream.ask()
        assert (response.status_code, response.content) == (201, b"made")
        assert response.reason_phrase == "Created"
        assert "x-early" not in response.headers


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (b"", "without sending a response"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\ncut", "in the middle"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "in the middle"),
        (b"HELLO THERE\r\n\r\n", "malformed response"),
    ],
)
async def test_an_answer_cut_short_or_malformed_is_a_protocol_error(
    answer: bytes, says: str
) -> None:
    system = System(answer, then="close")
    async with system_at(system) as upstream:
        with pytest.raises(httpx.RemoteProtocolError, match=says):
            await upstream.ask()
        assert not upstream.connections  # closed, not kept


LONG = b"x" * 300_000


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(LONG), LONG),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%b\r\n0\r\n\r\n"
        % (len(LONG), LONG),
        b"HTTP/1.0 200 OK\r\n\r\n%b" % LONG,
    ],
    ids=["length", "chunked", "to-the-close"],
)
async def test_an_answer_longer_than_the_limit_is_refused_and_its_connection_closed(
    answer: bytes,
) -> None:
    system = System(answer, then="close")  # which ends the last one's body
    async with system_at(system, max_answer=len(LONG) - 1) as upstream:
        with pytest.raises(AnswerTooLargeError, match=f"more than {len(LONG) - 1} bytes"):
            await upstream.ask()
        assert not upstream.connections  # the rest of it is never read as the next answer
    async with system_at(system, max_answer=len(LONG)) as upstream:
        assert (await upstream.ask()).content == LONG  # the limit itself is allowed


async def test_no_answer_in_time_is_a_read_timeout_and_closes_the_connection() -> None:
    system = System(b"", then="hang")
    async with system_at(system) as upstream:
        with pytest.raises(httpx.ReadTimeout):
            await upstream.ask(read_seconds=0.1)
        assert not upstream.connections


async def test_a_cancelled_request_leaves_no_answer_behind_for_the_next() -> None:
    """Its answer would arrive on the connection later; the connection is closed, so
    the next request cannot read it as its own."""
    slow = System(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate")
    async with system_at(slow) as upstream:
        slow.then = "hang"
        asking = asyncio.create_task(upstream.ask())
        await asyncio.sleep(0.05)
        asking.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asking
        assert not upstream.connections
        slow.then = "keep"
        assert (await upstream.ask()).content == b"late"
    assert slow.connections == 2


@pytest.mark.parametrize(
    "headers", [{"X-Token": "a\r\nX-Admin: 1"}, {"X-Token": "a\nb"}, {"X Token": "a"}]
)
async def test_a_header_that_would_split_a_line_is_refused_unsent(
    headers: dict[str, str],
) -> None:
    system = System(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    async with system_at(system) as upstream:
        request = httpx.Request(
            "GET", upstream.url, headers=headers, extensions={"timeout": TIMEOUTS}
        )
        with pytest.raises(httpx.LocalProtocolError, match="invalid header"):
            await upstream.transport.handle_async_request(request)
        assert (await upstream.ask()).content == b"ok"
    assert system.requests == 1


async def test_under_tls(tmp_path: Path) -> None:
    server_context, client_context = tls_contexts(tmp_path)
    system = System(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")
    server = await asyncio.start_server(system.serve, "127.0.0.1", 0, ssl=server_context)
    async with server:
        port = server.sockets[0].getsockname()[1]
        transport = upstream_transport(f"https://localhost:{port}")
        transport._pool._ssl_context = client_context
        try:
            for _ in range(2):
                request = httpx.Request(
                    "GET", f"https://localhost:{port}/", extensions={"timeout": TIMEOUTS}
                )
                response = await transport.handle_async_request(request)
                assert await response.aread() == b"secret"
            (connection,) = transport._pool.connections
            assert isinstance(connection._connection, HTTP11Exchange)  # type: ignore[attr-defined]
        finally:
            await transport.aclose()
    assert system.connections == 1
