"""Every process the hub starts stops within seconds of SIGTERM, under load, on every
backend, and loses nothing it accepted: ``hub serve`` and ``hub events run`` are
stopped while reports keep arriving, started again, and every accepted report is
routed."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.integration.test_serve_process import serving, town_with_key
from tests.integration.test_serve_workers import REPORT
from tests.support.buses import fresh_topics, kafka_settings
from tests.support.databases import fresh_postgres_database
from tests.support.events import INSIDE
from tests.support.principals import bearer

pytestmark = pytest.mark.integration

STOPS_WITHIN = 8.0  # seconds from SIGTERM to exit, with a 3 s grace for open requests
RATE = 40  # reports a second while the processes are stopped
STATUS = "query($id: ID!) { event(id: $id) { status } }"


@pytest.fixture(params=["sqlite-embedded", "postgresql-kafka"])
async def backend_env(
    request: pytest.FixtureRequest, env: dict[str, str]
) -> AsyncIterator[dict[str, str]]:
    base = {**env, "HUB_SHUTDOWN_GRACE_SECONDS": "3", "HUB_LOG_FORMAT": "console"}
    if request.param == "sqlite-embedded":
        yield base
        return
    async with fresh_postgres_database() as url:
        yield {
            **base,
            "HUB_DATABASE_URL": url,
            "HUB_BUS__BACKEND": "kafka",
            "HUB_BUS__NAMESPACE": fresh_topics().namespace,
            "HUB_BUS__KAFKA__BOOTSTRAP_SERVERS": kafka_settings().bootstrap_servers,
        }


@contextmanager
def events_run(env: dict[str, str], *roles: str) -> Iterator[subprocess.Popen[str]]:
    options = [part for role in roles for part in ("--role", role)]
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "events", "run", *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdout:
            process.stdout.close()


def stop(process: subprocess.Popen[str]) -> tuple[float, str]:
    """SIGTERM; how long it took to exit, and what it printed. Fails if it did not."""
    assert process.poll() is None, f"{process.args!r} had ended: {_output(process)}"
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOPS_WITHIN)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"{process.args!r} did not stop within {STOPS_WITHIN} s of SIGTERM")
    took = time.monotonic() - started
    output = _output(process)
    assert "Traceback" not in output, output
    return took, output


def _output(process: subprocess.Popen[str]) -> str:
    return process.stdout.read() if process.stdout else ""


async def keep_reporting(base: str, key: str, accepted: list[str], done: asyncio.Event) -> None:
    """Reports at RATE a second until ``done``; keeps the ids the hub accepted."""
    lat, lon = INSIDE
    body = {
        "query": REPORT,
        "variables": {
            "i": {
                "category": "city.litter",
                "description": "楼道堆物",
                "channel": "PATROL",
                "location": {"lat": lat, "lon": lon},
            }
        },
    }
    async with httpx.AsyncClient(base_url=base, timeout=10, headers=bearer(key)) as http:
        while not done.is_set():
            try:
                answer = await http.post("/graphql", json=body)
                accepted.append(answer.json()["data"]["reportEvent"]["id"])
            except (httpx.TransportError, KeyError, TypeError, ValueError):
                pass  # the server is going away: not accepted, not counted
            await asyncio.sleep(1 / RATE)


async def unrouted(base: str, key: str, ids: list[str]) -> list[str]:
    async with httpx.AsyncClient(base_url=base, timeout=10, headers=bearer(key)) as http:
        left = []
        for event_id in ids:
            answer = await http.post(
                "/graphql", json={"query": STATUS, "variables": {"id": event_id}}
            )
            event = answer.json()["data"]["event"]
            if event is None or event["status"] == "REPORTED":
                left.append(event_id)
        return left


async def test_the_hub_stops_within_seconds_under_load_and_loses_nothing(
    backend_env: dict[str, str], tmp_path: Path
) -> None:
    key = town_with_key(backend_env, tmp_path, "command")
    accepted: list[str] = []
    # Only the worker routes and projects: a routed report shows it is at work.
    front = {**backend_env, "HUB_BUS__ROLES": '["relay", "live", "timers", "feeds"]'}
    with serving(front) as (base, server), events_run(backend_env, "router", "ledger") as worker:
        done = asyncio.Event()
        load = asyncio.create_task(keep_reporting(base, key, accepted, done))
        await until_routed(base, key, accepted)
        await asyncio.sleep(2)  # at work, under load
        worker_took, _ = await asyncio.to_thread(stop, worker)
        await asyncio.sleep(2)
        server_took, output = await asyncio.to_thread(stop, server)
        done.set()
        await load
    assert "Application shutdown failed" not in output
    assert len(accepted) >= RATE  # the load really ran

    with serving(backend_env) as (base, _):  # everything again, on the same database
        left = await until_routed(base, key, accepted, every=True)
    assert left == [], f"{len(left)} of {len(accepted)} accepted reports never routed"
    print(f"stopped: hub events run in {worker_took:.1f} s, hub serve in {server_took:.1f} s")


async def until_routed(
    base: str, key: str, accepted: list[str], *, every: bool = False, within: float = 60
) -> list[str]:
    """Until one accepted report (or ``every`` one) is routed; those still unrouted."""
    deadline = time.monotonic() + within
    left = list(accepted)
    while time.monotonic() < deadline:
        left = await unrouted(base, key, list(accepted) if not every else left)
        if (every and not left) or (not every and accepted and len(left) < len(accepted)):
            break
        await asyncio.sleep(0.5)
    return left
