"""Open311 throughput in-process (ASGI, so HTTP parsing is included but no network).

Rows, each ``--requests`` calls from ``--concurrency`` clients after a warm-up, on the
embedded defaults (SQLite, the embedded bus, routing running):

    POST requests.json          file a request (ledger row, outbox row, audit entry)
    GET requests/{id}.json      one request, address masked
    GET requests.json           the newest (up to 1000) of what was filed
    GET services.json           the service list, no key

    python -m bench.open311 [--requests N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from bench.town import make_keys, prepared
from hub.app import create_app
from hub.security.keys import KeyRequest

INSIDE = (30.312, 120.053)  # a point in the demo town
Call = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def measure(
    http: httpx.AsyncClient, call: Call, requests: int, concurrency: int
) -> tuple[float, float, float]:
    """Requests per second, p50 and p99 in milliseconds."""
    for n in range(min(20, requests)):
        (await call(http, n)).raise_for_status()
    latencies: list[float] = []
    queue = iter(range(requests))

    async def worker() -> None:
        for n in queue:
            started = time.perf_counter()
            (await call(http, n)).raise_for_status()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return requests / elapsed, cuts[49] * 1000, cuts[98] * 1000


async def main(requests: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(await prepared(Path(folder)))
        async with app.router.lifespan_context(app):
            keys = {"app": KeyRequest("bench civic app", ("command",))}
            key = (await make_keys(app, keys))["app"]
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench/open311/v2"
            ) as http:
                await run_rows(http, key, requests, concurrency)


async def routed(http: httpx.AsyncClient, key: str, count: int, within: float = 120) -> None:
    """Wait until the router has routed every filed request."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = (await http.get("/requests.json", params={"api_key": key})).json()
        if len(found) >= count and all(r["status_notes"] != "REPORTED" for r in found):
            return
        await asyncio.sleep(0.5)
    print("(the router had not caught up; reads below compete with it)")


async def run_rows(http: httpx.AsyncClient, key: str, requests: int, concurrency: int) -> None:
    filed: list[str] = []

    async def post(client: httpx.AsyncClient, n: int) -> httpx.Response:
        form = {
            "api_key": key,
            "service_code": "city.litter",
            "lat": str(INSIDE[0]),
            "long": str(INSIDE[1]),
            "description": f"楼道口堆放垃圾 #{n}",
            "address_string": "文一路88号3幢2单元101室",
        }
        response = await client.post("/requests.json", data=form)
        if response.status_code == 200:
            filed.append(response.json()[0]["service_request_id"])
        return response

    async def one(client: httpx.AsyncClient, n: int) -> httpx.Response:
        return await client.get(f"/requests/{filed[n % len(filed)]}.json", params={"api_key": key})

    async def listing(client: httpx.AsyncClient, _: int) -> httpx.Response:
        return await client.get("/requests.json", params={"api_key": key})

    async def services(client: httpx.AsyncClient, _: int) -> httpx.Response:
        return await client.get("/services.json")

    rows: list[tuple[str, Call, int]] = [
        ("POST requests.json", post, requests),
        ("GET requests/{id}.json", one, requests),
        ("GET requests.json", listing, max(10, requests // 10)),
        ("GET services.json", services, requests),
    ]
    print(f"{'':<24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   ({concurrency} clients)")
    for name, call, count in rows:
        rate, p50, p99 = await measure(http, call, count, concurrency)
        print(f"{name:<24} {rate:>8.0f} {p50:>8.1f} {p99:>8.1f}   ({count} calls)")
        if call is post:
            await routed(http, key, len(filed))  # the reads below do not race the router
    print(f"filed {len(filed)} requests; GET requests.json returns up to 1000 of them")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=10)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.concurrency))
