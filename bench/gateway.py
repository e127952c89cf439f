"""One query straight at the hub and the same query through Hive Gateway (scripts/gateway),
side by side in one run: what the gateway's hop costs.

Three processes on this machine: ``hub serve`` over a fresh SQLite demo town (the rate
limit lifted), the gateway in front of it alone (the default subgraphs file's setup,
on free ports), and this client (asking with ``bench.load_client``). Each row is
``--requests`` POSTs from ``--concurrency`` clients after a warm-up; the two rows take
turns in ``--rounds`` slices, so a busy moment on the machine falls on both.

    python -m bench.gateway [--query FILE] [--variables JSON] [--requests N]
                            [--concurrency C] [--rounds R]

The default query is a grid with its staff, party branch and micro-grids, asked by
that grid's worker with a purpose (registry only: no department system in the way;
the phone numbers are read unmasked, so each request is audited). Needs the gateway
installed: scripts/gateway install.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import latency
from bench.load_client import Asker, request_bytes
from bench.town import prepared
from hub.core.departments import load_departments
from hub.core.paths import PROJECT_ROOT
from hub.db.engine import Database
from hub.security.keys import ApiKeyStore, KeyRequest
from hub.security.roles import load_roles
from schema import print_sdl

ROOT = Path(__file__).resolve().parents[1]
GRID = "330199001001001"
DEFAULT_QUERY = """query WorkerGrid($code: String!) { grid(code: $code) {
  code name households population
  workers { role name phone }
  partyBranch { name memberCount secretary { name phone } }
  microGrids { code name households } } }"""
DEFAULT_VARIABLES = {"code": GRID}
STARTUP_SECONDS = 120


@dataclass(frozen=True)
class Load:
    body: dict[str, Any]
    requests: int
    concurrency: int
    rounds: int
    # Set for a department system asked directly: a GET with its own query string and
    # credentials, in place of a POST of ``body``.
    params: dict[str, str] | None = None
    headers: dict[str, str] | None = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def worker_key(database_url: str) -> str:
    """A key for the grid's worker, made in the town's database before the hub starts."""
    return await made_key(
        database_url, KeyRequest("bench grid worker", ("grid_worker",), grids=(GRID,))
    )


async def made_key(database_url: str, request: KeyRequest) -> str:
    """A key as ``request`` asks, made in the town's database before the hub starts."""
    database = Database(database_url)
    try:
        store = ApiKeyStore(database, load_roles([d.code for d in load_departments()]))
        return (await store.create(request))[1]
    finally:
        await database.aclose()


@contextmanager
def started(
    command: list[str],
    env: dict[str, str] | None,
    ready_url: str,
    ready_headers: Mapping[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """A process in its own group (``env`` None: this one's environment), once
    ``ready_url`` answers 200 to a GET with ``ready_headers``; TERM at the end."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(ready_url, ready_headers):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{command[0]} did not start ({ready_url})")
            time.sleep(0.25)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _answers(url: str, headers: Mapping[str, str] | None) -> bool:
    with suppress(httpx.TransportError):
        return httpx.get(url, headers=headers, timeout=1).status_code == 200
    return False


def clean_env(checkout: Path = PROJECT_ROOT) -> dict[str, str]:
    """This environment without its ``HUB_`` settings, and with ``checkout``'s code first
    on the path: a hub started in a scratch folder would otherwise run whatever code its
    interpreter has installed, which need not be this checkout's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return env | {"PYTHONPATH": str(checkout)}


def hub_env(database_url: str) -> dict[str, str]:
    return {
        **clean_env(),
        "HUB_DATABASE_URL": database_url,
        "HUB_LOG_LEVEL": "WARNING",
        # One principal sending as fast as it can is what the rate limit is there to stop.
        "HUB_SECURITY__RATE_LIMIT__PER_SECOND": "1e9",
        "HUB_SECURITY__RATE_LIMIT__BURST": str(10**9),
    }


def subgraphs_file(folder: Path, hub_url: str) -> Path:
    (folder / "hub.graphql").write_text(print_sdl(), encoding="utf-8")
    entry = {
        "name": "hub",
        "url": hub_url,
        "schema": "hub.graphql",
        "forwardHeaders": ["Authorization", "X-Purpose"],
    }
    path = folder / "subgraphs.json"
    path.write_text(json.dumps({"subgraphs": [entry]}), encoding="utf-8")
    return path


async def timed(
    http: httpx.AsyncClient,
    url: str,
    load: Load,
    count: int,
    failures: list[str] | None = None,
) -> list[float]:
    """Latencies of ``count`` requests to ``url`` from ``load.concurrency`` askers, each
    on a connection of its own (``bench.load_client``), as ``http``'s holder; each answer
    holding errors adds its first message to ``failures`` when given."""
    request = load_request(http, url, load)
    latencies: list[float] = []
    queue = iter(range(count))

    async def asker() -> None:
        own = Asker(url)
        try:
            for _ in queue:
                started_at = time.perf_counter()
                answer = await own.send(request)
                latencies.append(time.perf_counter() - started_at)
                if answer.status >= 400:
                    raise RuntimeError(f"{url} answered {answer.status}: {answer.body[:200]!r}")
                if failures is not None and (errors := answer.errors()):
                    failures.append(str(errors[0].get("message")))
        finally:
            own.close()

    await asyncio.gather(*(asker() for _ in range(load.concurrency)))
    return latencies


def load_request(http: httpx.AsyncClient, url: str, load: Load) -> bytes:
    """What ``http`` would send for ``load``: a POST of its body, or a GET with its
    parameters and headers; uncompressed, as this client reads answers as they come."""
    headers = http.headers.copy()
    headers.update(load.headers or {})  # case aside, as httpx merges them
    del headers["accept-encoding"]
    if load.params is None:
        return request_bytes(url, dict(headers.items()), body=load.body)
    return request_bytes(url, dict(headers.items()), params=load.params)


async def same_answer(http: httpx.AsyncClient, targets: dict[str, str], load: Load) -> None:
    """Both paths answer the query alike, without errors; then a warm-up for each."""
    answers = [(await http.post(url, json=load.body)).json() for url in targets.values()]
    if "errors" in answers[0] or answers[0] != answers[1]:
        raise SystemExit(f"the answers differ or fail:\n{answers[0]}\n{answers[1]}")
    for url in targets.values():
        await timed(http, url, load, 50)


def client(key: str, concurrency: int) -> httpx.AsyncClient:
    """The load client: as the key's holder, with a purpose, one connection per client."""
    headers = {"Authorization": f"Bearer {key}", "X-Purpose": "bench"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(headers=headers, timeout=30, limits=limits)


async def interleaved(
    http: httpx.AsyncClient,
    targets: dict[str, tuple[str, Load]],
    load: Load,
    failures: dict[str, list[str]] | None = None,
) -> latency.Rows:
    """``load.requests`` for each target (a URL and its own load), in ``load.rounds``
    slices taking turns, so a busy moment on the machine falls on every row; answers
    with errors go to ``failures`` by label when given."""
    latencies: dict[str, list[float]] = {label: [] for label in targets}
    walls = dict.fromkeys(targets, 0.0)
    share = max(1, load.requests // load.rounds)
    for _ in range(load.rounds):
        for label, (url, own) in targets.items():
            failed = None if failures is None else failures.setdefault(label, [])
            started_at = time.perf_counter()
            latencies[label] += await timed(http, url, own, share, failed)
            walls[label] += time.perf_counter() - started_at
    return {label: (latencies[label], walls[label]) for label in targets}


async def measure(targets: dict[str, str], key: str, load: Load) -> latency.Rows:
    async with client(key, load.concurrency) as http:
        await same_answer(http, targets, load)
        return await interleaved(http, {k: (url, load) for k, url in targets.items()}, load)


async def main(load: Load) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        settings = await prepared(folder)
        key = await worker_key(settings.database_url)
        hub_port, gateway_port = free_port(), free_port()
        hub = f"http://127.0.0.1:{hub_port}"
        gateway = f"http://127.0.0.1:{gateway_port}"
        serve_hub = [sys.executable, "-m", "hub", "serve", "--port", str(hub_port)]
        serve_gateway = [
            str(ROOT / "scripts" / "gateway"),
            "serve",
            str(subgraphs_file(folder, f"{hub}/graphql")),
            "--port",
            str(gateway_port),
        ]
        gateway_env = {**os.environ, "GATEWAY_LOG_LEVEL": "warn"}
        with (
            started(serve_hub, hub_env(settings.database_url), f"{hub}/readyz"),
            started(serve_gateway, gateway_env, f"{gateway}/readiness"),
        ):
            targets = {"hub": f"{hub}/graphql", "gateway → hub": f"{gateway}/graphql"}
            rows = await measure(targets, key, load)
    print(
        f"{load.requests} requests per row from {load.concurrency} concurrent client(s), "
        f"in {load.rounds} alternating rounds"
    )
    latency.report(rows)


if __name__ == "__main__":
    parser = latency.arguments(
        __doc__, default_query="a worker's grid", requests=1000, concurrency=4
    )
    parser.add_argument("--rounds", type=int, default=4)
    given = parser.parse_args()
    body = latency.request_body(given, DEFAULT_QUERY, DEFAULT_VARIABLES)
    asyncio.run(main(Load(body, given.requests, given.concurrency, given.rounds)))
