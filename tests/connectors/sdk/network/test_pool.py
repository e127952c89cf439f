"""The upstream pool's assignment pass: linear in its connections, keeping up to
``max_keepalive_connections`` idle ones, and giving an idle connection to one request;
over real sockets, and on stand-in connections that count what they are asked."""

from __future__ import annotations

import asyncio
from collections import Counter
from itertools import islice

import httpcore
import httpx

from connectors.sdk.network import AsyncioBackend
from connectors.sdk.pool import UpstreamPool
from connectors.sdk.sending import upstream_transport

ORIGIN = httpcore.Origin(b"http", b"127.0.0.1", 80)
TIMEOUTS = dict.fromkeys(("connect", "read", "write", "pool"), 5.0)  # a hang fails


class Held:
    """A system that answers each request only when told to, counting connections."""

    def __init__(self) -> None:
        self.connections = 0
        self.open = 0
        self.all_ended = asyncio.Event()  # each connection's end reached the system
        self.waiting: asyncio.Queue[asyncio.Event] = asyncio.Queue()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                answer = asyncio.Event()
                await self.waiting.put(answer)
                await answer.wait()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
        finally:
            self.open -= 1
            if not self.open:
                self.all_ended.set()

    async def answer(self, count: int) -> None:
        for _ in range(count):
            (await asyncio.wait_for(self.waiting.get(), timeout=5)).set()


async def asked(transport: httpx.AsyncHTTPTransport, port: int) -> bytes:
    url = f"http://127.0.0.1:{port}/"
    request = httpx.Request("GET", url, extensions={"timeout": TIMEOUTS})
    response = await transport.handle_async_request(request)
    return await response.aread()


def states(pool: httpcore.AsyncConnectionPool) -> Counter[str]:
    return Counter("idle" if each.is_idle() else "busy" for each in pool.connections)


async def test_idle_connections_are_kept_while_others_are_busy() -> None:
    """25 requests in flight, 5 answered: 5 idle beside 20 busy, within the 20 idle
    allowed. httpcore's own pass closed the 5, counting the busy ones as idle."""
    system = Held()
    server = await asyncio.start_server(system.serve, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        transport = upstream_transport(f"http://127.0.0.1:{port}")
        assert isinstance(transport._pool, UpstreamPool)
        assert transport._pool._network_backend.__class__ is AsyncioBackend
        calls = [asyncio.create_task(asked(transport, port)) for _ in range(25)]
        await system.answer(5)
        for first in islice(asyncio.as_completed(calls, timeout=5), 5):
            assert await first == b"ok"
        assert states(transport._pool) == Counter(idle=5, busy=20)
        await system.answer(20)
        assert await asyncio.gather(*calls) == [b"ok"] * 25
        assert states(transport._pool) == Counter(idle=20)  # 5 beyond the 20 closed
        kept = asyncio.create_task(asked(transport, port))  # on a kept connection
        await system.answer(1)
        assert await kept == b"ok"
        await transport.aclose()
        await asyncio.wait_for(system.all_ended.wait(), timeout=5)
    assert system.connections == 25


class StandIn:
    """A connection that answers from fields and counts the questions it is asked."""

    def __init__(self, asked: Counter[str], *, idle: bool = True) -> None:
        self.asked, self.idle, self.given = asked, idle, 0

    def is_closed(self) -> bool:
        self.asked["is_closed"] += 1
        return False

    def has_expired(self) -> bool:
        self.asked["has_expired"] += 1
        return False

    def is_idle(self) -> bool:
        self.asked["is_idle"] += 1
        return self.idle

    def is_available(self) -> bool:
        self.asked["is_available"] += 1
        return self.idle

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        self.asked["can_handle_request"] += 1
        return origin == ORIGIN


def pool_of(connections: list[StandIn], requests: int, limit: int) -> UpstreamPool:
    limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
    pool = UpstreamPool(limits, httpx.create_ssl_context(), AsyncioBackend(), 1_000_000)
    pool._connections = list(connections)  # type: ignore[arg-type]
    for _ in range(requests):
        queued = httpcore.Request("GET", "http://127.0.0.1:80/")
        pool._requests.append(httpcore._async.connection_pool.AsyncPoolRequest(queued))
    return pool


def handed(pool: UpstreamPool) -> list[object]:
    """The connection each request was handed, in the order the requests came."""
    return [each.connection for each in pool._requests]


async def test_a_pass_asks_each_connection_a_few_questions_not_one_per_other_connection() -> None:
    asked: Counter[str] = Counter()
    busy = [StandIn(asked, idle=False) for _ in range(150)]
    idle = [StandIn(asked) for _ in range(50)]
    pool = pool_of(busy + idle, requests=1, limit=200)
    assert pool._assign_requests_to_connections() == []
    assert handed(pool) == [idle[0]]
    assert max(asked.values()) <= 200  # httpcore's pass asks is_idle 200 × 50 times


async def test_an_idle_connection_goes_to_one_queued_request() -> None:
    """Two requests queued and one connection idle in a full pool: one is handed it,
    the other waits (httpcore handed it to both, and the loser tried again)."""
    only = StandIn(Counter())
    pool = pool_of([only], requests=2, limit=1)
    pool._assign_requests_to_connections()
    assert handed(pool) == [only, None]
    pool._assign_requests_to_connections()  # again, before the first has started on it
    assert handed(pool) == [only, None]
