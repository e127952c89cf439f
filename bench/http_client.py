"""What the HTTP client costs per upstream call, beside the bare floor.

The police simulator runs in its own process (``bench.upstreams``). This process asks it
``--requests`` times per row over one keep-alive connection, for a small answer (the
simulator's call counts) and for a page of 100 incidents, in turns, three ways:

- httpx: ``httpx.AsyncClient`` (the client's layers, httpcore, anyio and h11), as every
  connector called its system before ``connectors.sdk.sending``;
- sender: ``connectors.sdk.sending.Sender``, as every connector's ``UpstreamClient`` calls
  its system now: the request built from parts fixed at start and handed to httpx's
  transport, the auth flow run by the sender;
- bare: the same request written on an asyncio stream and its answer read by its
  Content-Length: the same bytes over the same kind of connection, no client library.

For each, this process's CPU (user + system) per call, and the wall time per call; then
each library's ÷ bare. The simulator's own CPU is in another process and counts in neither.

    python -m bench.http_client [--requests 1000] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx

from bench.gateway import free_port, started
from bench.upstreams import ADMIN
from connectors.police import simulator as police
from connectors.sdk.sending import Sender

Call = Callable[[], Awaitable[int]]  # one request; the answer's length in bytes
Asked = tuple[str, dict[str, str], dict[str, str]]  # path, query, headers
SMALL: Asked = ("/_admin/stats", {}, ADMIN)
PAGE: Asked = (
    "/api/v1/incidents",
    {"grid": "JG-YX-01,JG-YX-06,JG-YX-07,JG-YX-13", "size": "100"},
    {"X-API-Key": police.DEMO_API_KEY},
)
ROWS = {"a small answer": SMALL, "a page of 100 incidents": PAGE}


@dataclass
class Tally:
    cpu: float = 0.0
    walls: list[float] = field(default_factory=list)
    size: int = 0


def with_httpx(
    http: httpx.AsyncClient, path: str, params: dict[str, str], headers: dict[str, str]
) -> Call:
    async def call() -> int:
        response = await http.get(path, params=params, headers=headers)
        response.raise_for_status()
        return len(response.content)

    return call


def with_sender(sender: Sender, path: str, params: dict[str, str], headers: dict[str, str]) -> Call:
    async def call() -> int:
        response = await sender.request(
            "GET", path, params=params, headers=headers, timeout_seconds=5
        )
        response.raise_for_status()
        return len(response.content)

    return call


class Bare:
    """HTTP/1.1 on one asyncio stream: write the request, read the head and the body."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Bare:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    def caller(self, path: str, params: dict[str, str], headers: dict[str, str]) -> Call:
        target = f"{path}?{urlencode(params)}" if params else path
        lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode()

        async def call() -> int:
            self.writer.write(request)
            head = await self.reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
            return len(await self.reader.readexactly(_length(head)))

        return call

    def close(self) -> None:
        self.writer.close()


def _length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    raise RuntimeError("an answer without Content-Length")


async def timed(call: Call, count: int, tally: Tally) -> None:
    before = os.times()
    for _ in range(count):
        started_at = time.perf_counter()
        tally.size = await call()
        tally.walls.append(time.perf_counter() - started_at)
    after = os.times()
    tally.cpu += (after.user - before.user) + (after.system - before.system)


async def measure(port: int, count: int, rounds: int) -> dict[str, dict[str, Tally]]:
    bare = await Bare.open(port)
    sender = Sender(f"http://127.0.0.1:{port}")
    results: dict[str, dict[str, Tally]] = {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        for row, (path, params, headers) in ROWS.items():
            calls = {
                "httpx": with_httpx(http, path, params, headers),
                "sender": with_sender(sender, path, params, headers),
                "bare": bare.caller(path, params, headers),
            }
            tallies = {name: Tally() for name in calls}
            for call in calls.values():
                await timed(call, 50, Tally())  # warm up: connections, caches
            for _ in range(rounds):  # in turns: a busy moment falls on both
                for name, call in calls.items():
                    await timed(call, max(1, count // rounds), tallies[name])
            results[row] = tallies
    bare.close()
    await sender.aclose()
    return results


def report(results: dict[str, dict[str, Tally]]) -> None:
    print(f"{'answer':25} {'client':6} {'bytes':>7} {'CPU µs/call':>12} {'wall p50 µs':>12}")
    for row, tallies in results.items():
        figures = {}
        for name, tally in tallies.items():
            cpu = tally.cpu / len(tally.walls) * 1e6
            wall = statistics.median(tally.walls) * 1e6
            figures[name] = (cpu, wall)
            print(f"{row:25} {name:6} {tally.size:7} {cpu:12.0f} {wall:12.0f}")
        cpu_b, wall_b = figures["bare"]
        for name in ("httpx", "sender"):
            cpu, wall = figures[name]
            print(f"{row:25} {name + '÷':7} {'':6} {cpu / cpu_b:12.1f} {wall / wall_b:12.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    given = parser.parse_args()
    port = free_port()
    command = [sys.executable, "-m", "bench.upstreams", "police", str(port)]
    with started(command, None, f"http://127.0.0.1:{port}/_admin/stats", ADMIN):
        report(asyncio.run(measure(port, given.requests, given.rounds)))


if __name__ == "__main__":
    main()
