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

import pytest

from tests.integration.test_serve_process import serving, town_with_key
from tests.support.buses import fresh_topics, kafka_settings
from tests.support.databases import fresh_postgres_database
from tests.support.reporting import keep_posting, unrouted

pytestmark = pytest.mark.integration

STOPS_WITHIN = 8.0  # seconds from SIGTERM to exit, with a 3 s grace for open requests
RATE = 40  # reports a second while the processes are stopped


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
def events_run(env: dict[str, str], log: Path, *roles: str) -> Iterator[subprocess.Popen[str]]:
    options = [part for role in roles for part in ("--role", role)]
    with log.open("a", encoding="utf-8") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub", "events", "run", *options],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()


def stop(process: subprocess.Popen[str]) -> float:
    """SIGTERM; how long it took to exit. Fails if it had ended before, or does not."""
    assert process.poll() is None, f"{process.args!r} had ended"
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOPS_WITHIN)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"{process.args!r} did not stop within {STOPS_WITHIN} s of SIGTERM")
    return time.monotonic() - started


async def test_the_hub_stops_within_seconds_under_load_and_loses_nothing(
    backend_env: dict[str, str], tmp_path: Path
) -> None:
    key = town_with_key(backend_env, tmp_path, "command")
    accepted: list[str] = []
    # Only the worker routes and projects: a routed report shows it is at work.
    front = {**backend_env, "HUB_BUS__ROLES": '["relay", "live", "timers", "feeds"]'}
    log, worker_log = tmp_path / "hub.log", tmp_path / "worker.log"
    with (
        serving(front, log=log) as (base, server),
        events_run(backend_env, worker_log, "router", "ledger") as worker,
    ):
        done = asyncio.Event()
        load = asyncio.create_task(keep_posting(base, key, accepted, stop=done, rate=RATE))
        await first_routed(base, key, accepted)
        await asyncio.sleep(2)  # at work, under load
        worker_took = await asyncio.to_thread(stop, worker)
        await asyncio.sleep(2)
        server_took = await asyncio.to_thread(stop, server)
        done.set()
        await load
    output = log.read_text(encoding="utf-8") + worker_log.read_text(encoding="utf-8")
    assert "Application shutdown failed" not in output
    assert "Traceback" not in output, output
    assert len(accepted) >= RATE  # the load really ran

    with serving(backend_env, log=log) as (base, _):  # everything again, on the same database
        left = await all_routed(base, key, accepted)
    assert left == [], f"{len(left)} of {len(accepted)} accepted reports never routed"
    print(f"stopped: hub events run in {worker_took:.1f} s, hub serve in {server_took:.1f} s")


async def first_routed(base: str, key: str, accepted: list[str], within: float = 60) -> None:
    """Until one accepted report is routed: the worker is at work. Fails if none is."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        sent = list(accepted)
        if sent and len(await unrouted(base, key, sent)) < len(sent):
            return
        await asyncio.sleep(0.5)
    pytest.fail(f"no report routed within {within} s")


async def all_routed(base: str, key: str, accepted: list[str], within: float = 60) -> list[str]:
    """Until every accepted report is routed; those still unrouted at the end."""
    deadline, left = time.monotonic() + within, list(accepted)
    while left and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        left = await unrouted(base, key, left)
    return left
