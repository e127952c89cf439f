"""The hub's own CPU per department query: one grid's incidents, and a community's
dashboard (its grids with the records of the four departments, one upstream call each).

The four simulators run in a child process, so this process's CPU time is the hub's
(and the in-process ASGI client's, which is small beside it). The hub runs here over a
fresh SQLite demo town with the response cache off, so every query reaches the systems.
Each row is ``--requests`` queries one after another after a warm-up: CPU ms per
request (this process), wall ms per request and requests a second.

    python -m bench.query_path [--requests 200] [--days 14] [--profile FILE]

There is no baseline in the run: run the same command on the other code (another
checkout) to compare. ``--profile`` writes a cProfile of the dashboard rows.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import multiprocessing
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.town import make_keys, prepared
from connectors.sdk.simulation import SimulatorSettings, generate_town
from hub.app import create_app
from hub.demo.departments import departments, lay_crosswalk, pointed_at
from hub.security.keys import KeyRequest

DEPARTMENTS = ("police", "citymgmt", "petition", "health")
HISTORY_END = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # pinned: the same records each run
GRID = "330199001001001"
COMMUNITY = "330199001001"
ONE_DEPARTMENT = """query($code: String!, $since: DateTime!) { grid(code: $code) {
  incidents(where: {since: $since}) { totalCount edges { node { id } } } } }"""
DASHBOARD = """query($code: String!, $since: DateTime!) { region(code: $code) {
  ... on Community { grids { code
    incidents(where: {since: $since}) { totalCount edges { node { id } } }
    cityCases(where: {since: $since}) { totalCount edges { node { id } } }
    petitions(where: {since: $since}) { totalCount edges { node { id } } }
    healthFollowUps(where: {since: $since}) { totalCount edges { node { id } } } } } } }"""


def free_ports(count: int) -> list[int]:
    probes = [socket.socket() for _ in range(count)]
    for probe in probes:
        probe.bind(("127.0.0.1", 0))
    ports = [int(probe.getsockname()[1]) for probe in probes]
    for probe in probes:
        probe.close()
    return ports


def _serve_simulators(town: dict[str, Any], ports: dict[str, int]) -> None:
    """The child process: every simulator on its port until terminated."""

    async def forever() -> None:
        async with departments(town, SimulatorSettings(as_of=HISTORY_END), ports):
            await asyncio.Event().wait()

    asyncio.run(forever())


async def _until_listening(urls: dict[str, str]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as http:
        for url in urls.values():
            while True:
                try:
                    await http.get(f"{url}/_admin/stats")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.2)


@asynccontextmanager
async def hub_client(
    folder: Path, town: dict[str, Any], urls: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the hub, in this process, pointed at the simulators, cache off."""
    settings = pointed_at(await prepared(folder), urls)
    for name in urls:
        settings.connectors.of(name).cache_ttl_seconds = 0
    app = create_app(settings)
    services = app.state.services
    async with app.router.lifespan_context(app):
        await lay_crosswalk(services.crosswalk, town)
        await services.connectors.attach(services.crosswalk, services.registry)
        key = (await make_keys(app, {"bench": KeyRequest("bench", ("command",))}))["bench"]
        headers = {"Authorization": f"Bearer {key}", "X-Purpose": "bench"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hub.bench", headers=headers
        ) as http:
            yield http


def asker(
    http: httpx.AsyncClient, query: str, code: str, days: int
) -> Callable[[], Awaitable[None]]:
    since = (HISTORY_END - timedelta(days=days)).isoformat()
    body = {"query": query, "variables": {"code": code, "since": since}}

    async def ask() -> None:
        answer = (await http.post("/graphql", json=body)).json()
        if "errors" in answer or answer.get("data") is None:
            raise RuntimeError(f"the query failed: {answer}")

    return ask


async def row(
    label: str, ask: Callable[[], Awaitable[None]], count: int, profile: cProfile.Profile | None
) -> None:
    for _ in range(min(20, count)):
        await ask()  # warm up: connections, tokens, parsed documents
    if profile is not None:
        profile.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        await ask()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profile is not None:
        profile.disable()
    print(f"{label:<26} {cpu / count * 1000:8.2f} {wall / count * 1000:8.2f} {count / wall:8.1f}")


async def main(count: int, days: int, profile_file: Path | None) -> None:
    town = generate_town()
    ports = dict(zip(DEPARTMENTS, free_ports(len(DEPARTMENTS)), strict=True))
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    child = multiprocessing.get_context("spawn").Process(
        target=_serve_simulators, args=(town, ports), daemon=True
    )
    child.start()
    try:
        await _until_listening(urls)
        with tempfile.TemporaryDirectory() as folder:
            async with hub_client(Path(folder), town, urls) as http:
                profile = cProfile.Profile() if profile_file else None
                print(f"{'':26} {'CPU ms':>8} {'wall ms':>8} {'req/s':>8}")
                await row(
                    "one department (grid)", asker(http, ONE_DEPARTMENT, GRID, days), count, None
                )
                await row(
                    "dashboard (4 departments)",
                    asker(http, DASHBOARD, COMMUNITY, days),
                    count,
                    profile,
                )
                if profile is not None and profile_file is not None:
                    profile.dump_stats(profile_file)
    finally:
        child.terminate()
        child.join(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--days", type=int, default=14, help="the records of the last DAYS")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the dashboard rows")
    given = parser.parse_args()
    asyncio.run(main(given.requests, given.days, given.profile))
