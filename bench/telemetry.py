"""What tracing costs on a query: the same query, in-process, with tracing off and on,
taking turns request by request in one run.

The query asks one grid for its police incidents. The hub runs in-process (ASGI); the
police simulator is served on loopback in the same process, as ``hub demo`` serves it.
Two paths, each in five rows:

    upstream    the connector's cache off: every query is a connector call and an HTTP
                request to the simulator (spans: graph, connector, upstream request)
    cached      the connector answers from its cache: graph and connector spans only

    off               tracing off, as by default: the hooks read one global
    off, built on     tracing off, in a hub started with it on: its upstream transport is
                      wrapped, and the wrapper finds tracing off on each request
    on, sampled out   tracing on, but the sampler keeps no trace (the ratio 0)
    on, batch         tracing on, spans to a batch processor and an exporter that drops them
    on, in-memory     tracing on, each span handed at once to an in-memory exporter

    python -m bench.telemetry [--requests N]

Each row prints the median microseconds a request took and its difference from "off".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from starlette.applications import Starlette

from bench.town import make_keys, prepared
from connectors.sdk.simulation import generate_town
from hub.app import create_app
from hub.config import Settings
from hub.core import telemetry
from hub.demo.departments import departments, lay_crosswalk, pointed_at
from hub.security.keys import KeyRequest

GRID = "330199001001001"
WARM_UP = 20  # requests per row first, not kept: caches, plans, connections
QUERY = (
    'query OneGrid($since: DateTime!) { grid(code: "' + GRID + '") {'
    " incidents(where: {since: $since}, first: 20) { totalCount edges { node { id } } } } }"
)


class Dropped(SpanExporter):
    """Takes every batch and keeps nothing: the cost of tracing, not of a collector."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def providers() -> dict[str, TracerProvider | None]:
    sampled_out = TracerProvider(sampler=ALWAYS_OFF)
    batch = TracerProvider()
    batch.add_span_processor(BatchSpanProcessor(Dropped()))
    memory = TracerProvider()
    memory.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    return {
        "off": None,
        "off, built on": None,
        "on, sampled out": sampled_out,
        "on, batch": batch,
        "on, in-memory": memory,
    }


@dataclass
class Client:
    http: httpx.AsyncClient
    body: dict[str, Any]

    async def ask(self) -> float:
        started = time.perf_counter()
        response = await self.http.post("/graphql", json=self.body)
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or "errors" in response.json():
            raise SystemExit(f"the query failed: {response.text[:500]}")
        return elapsed


async def client_of(stack: AsyncExitStack, settings: Settings, town: Any) -> Client:
    """A running hub on ``settings``, tracing as it is now (the connectors ask once)."""
    app: Starlette = create_app(settings)
    await stack.enter_async_context(app.router.lifespan_context(app))
    services = app.state.services
    await lay_crosswalk(services.crosswalk, town)
    await services.connectors.attach(services.crosswalk, services.registry)
    key = (await make_keys(app, {"k": KeyRequest("bench", ("command",))}))["k"]
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {key}", "X-Purpose": "bench"},
    )
    await stack.enter_async_context(http)
    since = (datetime.now(UTC) - timedelta(days=7)).replace(microsecond=0).isoformat()
    return Client(http, {"query": QUERY, "variables": {"since": since}})


def with_cache(settings: Settings, seconds: float) -> Settings:
    settings = settings.model_copy(deep=True)
    settings.connectors.of("police").cache_ttl_seconds = seconds
    settings.bus.roles = set()  # no feed polls or relay beside the measured requests
    return settings


async def measure(
    clients: Callable[[str], Client], rows: dict[str, TracerProvider | None], requests: int
) -> dict[str, list[float]]:
    """Per-request seconds by row. The rows take turns request by request, so the load
    of a shared machine falls on all of them alike."""
    times: dict[str, list[float]] = {label: [] for label in rows}
    for turn in range(WARM_UP + requests):
        for label, provider in rows.items():
            if provider is None:
                telemetry.uninstall()
            else:
                telemetry.install(provider)
            taken = await clients(label).ask()
            if turn >= WARM_UP:
                times[label].append(taken)
    telemetry.uninstall()
    return times


def report(title: str, times: dict[str, list[float]]) -> None:
    base = statistics.median(times["off"])
    print(f"\n{title}")
    print(f"{'':18} {'p50 µs':>9} {'p90 µs':>9} {'vs off':>16}")
    for label, taken in times.items():
        p50 = statistics.median(taken)
        p90 = statistics.quantiles(taken, n=10)[8]
        extra = f"{(p50 - base) * 1e6:+.0f} µs {(p50 / base - 1) * 100:+.1f}%"
        print(f"{label:18} {p50 * 1e6:9.0f} {p90 * 1e6:9.0f} {extra:>16}")


def _serving(plain: Client, traced: Client) -> Callable[[str], Client]:
    return lambda label: plain if label == "off" else traced


async def main(requests: int) -> None:
    town = generate_town()
    rows = providers()
    with tempfile.TemporaryDirectory() as folder:
        settings = await prepared(Path(folder))
        async with departments(town) as urls, AsyncExitStack() as stack:
            settings = pointed_at(settings, {"police": urls["police"]})
            for title, ttl in (("upstream (cache off)", 0.0), ("cached", 3600.0)):
                paths = with_cache(settings, ttl)
                # The hub built with tracing off serves "off"; one built with it on
                # (its upstream transport traced) serves the other rows.
                telemetry.uninstall()
                plain = await client_of(stack, paths, town)
                telemetry.install(TracerProvider())
                traced = await client_of(stack, paths, town)
                times = await measure(_serving(plain, traced), rows, requests)
                report(f"{title}: {requests} requests a row", times)
    print(f"\nload average (1, 5, 15 min): {os.getloadavg()}")  # a shared machine's noise
    for provider in rows.values():
        if provider is not None:
            provider.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000, help="per row")
    asyncio.run(main(parser.parse_args().requests))
