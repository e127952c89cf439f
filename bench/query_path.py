"""The hub's own CPU per department query: one grid's incidents, and a community's
dashboard (its grids with the records of the four departments, one upstream call each),
this checkout beside a baseline checkout in the same run.

The four simulators run in a child process, shared by both; each round runs the hub of
each checkout in a process of its own (taking turns, so a busy moment on the machine
falls on both), over a fresh SQLite demo town with the response cache off, so every
query reaches the systems, its heap settled once started as ``hub serve`` settles it
(``hub.cli.heap``). A process's CPU time is its hub's, and its in-process ASGI
client's, which is small beside it. Each row is ``--requests`` queries one after
another after a warm-up, per round (or ``--concurrency`` askers at once, as many
connections to each system): CPU ms per request and requests a second. The
"replayed" rows ask again with each upstream answer recorded once and then answered
from memory: the hub's own work on the same answers, without the HTTP client.

    git worktree add --detach ../baseline main
    python -m bench.query_path --baseline ../baseline [--rounds 3] [--requests 100]
                               [--days 14] [--concurrency 1] [--profile FILE]

The baseline runs this file's measuring code over its own hub, connectors and schema.
``--profile`` writes a cProfile (CPU time) of this checkout's replayed dashboard row
(one round): the profile the query path's work was chosen by.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import multiprocessing
import os
import socket
import subprocess
import sys
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
from hub.cli.heap import settle_heap
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
        await settle_heap()  # as `hub serve` does once it has started
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


Figures = dict[str, tuple[float, float, int]]  # row: (CPU seconds, wall seconds, requests)
ROWS = (
    "one department (grid)",
    "dashboard (4 departments)",
    "one department, replayed",
    "dashboard, replayed",
)
RUN_FILE = (
    "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
)


async def timed(
    ask: Callable[[], Awaitable[None]], count: int, clients: int, profile: cProfile.Profile | None
) -> tuple[float, float, int]:
    """``count`` asks by ``clients`` concurrent askers, after a warm-up that opens as many
    connections to each system as they need and fetches tokens and parses documents."""

    async def asking(times: int) -> None:
        for _ in range(times):
            await ask()

    shares = [count // clients + (i < count % clients) for i in range(clients)]
    await asyncio.gather(*(asking(max(1, 20 // clients)) for _ in range(clients)))
    if profile is not None:
        profile.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(asking(share) for share in shares))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profile is not None:
        profile.disable()
    return cpu, wall, count


async def worker(given: argparse.Namespace, urls: dict[str, str]) -> None:
    """One checkout's hub, measured; prints its figures as one JSON line."""
    town = generate_town()
    count, days, clients = given.requests, given.days, given.concurrency
    with tempfile.TemporaryDirectory() as folder:
        async with hub_client(Path(folder), town, urls) as http:
            one = await timed(asker(http, ONE_DEPARTMENT, GRID, days), count, clients, None)
            dashboard = await timed(asker(http, DASHBOARD, COMMUNITY, days), count, clients, None)
            replay(http)
            one_replayed = await timed(
                asker(http, ONE_DEPARTMENT, GRID, days), count, clients, None
            )
            # CPU time, not wall time: on a busy machine the wall clock blames whatever ran
            profile = cProfile.Profile(time.process_time) if given.profile else None
            replayed = await timed(asker(http, DASHBOARD, COMMUNITY, days), count, clients, profile)
            if profile is not None:
                profile.dump_stats(given.profile)
    figures = (one, dashboard, one_replayed, replayed)
    print(json.dumps(dict(zip(ROWS, figures, strict=True))))


def replay(http: httpx.AsyncClient) -> None:
    """Each connector's upstream answers recorded once, then answered from memory: the
    hub's own work on the same answers, without the HTTP client or the simulators."""
    transport = http._transport
    assert isinstance(transport, httpx.ASGITransport)
    for connector in transport.app.state.services.connectors:  # type: ignore[attr-defined]
        connector.client.request = _replaying(connector.client.request)


def _replaying(request: Callable[..., Awaitable[httpx.Response]]) -> Any:
    answers: dict[str, tuple[int, httpx.Headers, bytes]] = {}

    async def replayed(method: str, path: str, *args: Any, **kwargs: Any) -> httpx.Response:
        key = json.dumps([method, path, kwargs.get("params")], sort_keys=True, default=str)
        if key not in answers:
            response = await request(method, path, *args, **kwargs)
            answers[key] = (response.status_code, response.headers, response.content)
        status, headers, content = answers[key]
        return httpx.Response(status, headers=headers, content=content)

    return replayed


def measured(tree: Path, urls: dict[str, str], given: argparse.Namespace, profile: bool) -> Figures:
    """The figures of a worker over ``tree``'s packages (its folder first on the path)."""
    command = [sys.executable, "-c", RUN_FILE, str(Path(__file__).resolve()), "--worker"]
    command += [json.dumps(urls), "--requests", str(given.requests), "--days", str(given.days)]
    command += ["--concurrency", str(given.concurrency)]
    if profile and given.profile:
        command += ["--profile", str(given.profile.resolve())]
    env = os.environ | {"PYTHONPATH": str(tree)}
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the worker over {tree} failed:\n{done.stderr}")
    figures: Figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def report(totals: dict[str, Figures]) -> None:
    labels = list(totals)
    print(f"{'':26} " + " ".join(f"{label + ' CPU ms':>22} {'req/s':>7}" for label in labels))
    for name in ROWS:
        cells = []
        for label in labels:
            cpu, wall, count = totals[label][name]
            cells.append(f"{cpu / count * 1000:22.2f} {count / wall:7.1f}")
        print(f"{name:<26} " + " ".join(cells))


def add(total: Figures, more: Figures) -> Figures:
    summed: Figures = {}
    for name in ROWS:
        cpu, wall, count = total.get(name, (0.0, 0.0, 0))
        more_cpu, more_wall, more_count = more[name]
        summed[name] = (cpu + more_cpu, wall + more_wall, count + more_count)
    return summed


def checkouts(baseline: Path | None) -> dict[str, Path]:
    """The folders measured, by label: the baseline first, when given."""
    this = {"this": Path(__file__).resolve().parents[1]}
    return {"baseline": baseline.resolve()} | this if baseline else this


async def main(given: argparse.Namespace) -> None:
    town = generate_town()
    ports = dict(zip(DEPARTMENTS, free_ports(len(DEPARTMENTS)), strict=True))
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    child = multiprocessing.get_context("spawn").Process(
        target=_serve_simulators, args=(town, ports), daemon=True
    )
    child.start()
    trees = checkouts(given.baseline)
    totals: dict[str, Figures] = {label: {} for label in trees}
    try:
        await _until_listening(urls)
        for turn in range(given.rounds):
            for label, tree in trees.items():
                figures = measured(tree, urls, given, profile=label == "this" and turn == 0)
                totals[label] = add(totals[label], figures)
    finally:
        child.terminate()
        child.join(timeout=30)
    report(totals)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", type=Path, help="a checkout to measure beside this one")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=100, help="per row and round")
    parser.add_argument("--days", type=int, default=14, help="the records of the last DAYS")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="concurrent askers (connections to each system)"
    )
    parser.add_argument("--profile", type=Path, help="write a cProfile of the replayed dashboard")
    parser.add_argument("--worker", type=json.loads, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    given = arguments()
    if given.worker is not None:
        asyncio.run(worker(given, given.worker))
    else:
        asyncio.run(main(given))
