"""``hub serve --workers 2``: two processes on one port, one replica to its callers."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.test_serve_process import serving, town_with_key
from tests.support.events import INSIDE
from tests.support.principals import bearer

pytestmark = pytest.mark.integration

REPORT = "mutation($i: ReportEventInput!) { reportEvent(input: $i) { id } }"
SUBSCRIBE = "subscription { gridEvents { step eventId } }"
SUBSCRIBERS = REPORTS = 6  # each on its own connection, spread over the workers


@pytest.fixture
def command_key(env: dict[str, str], tmp_path: Path) -> str:
    return town_with_key(env, tmp_path, "command")


@pytest.fixture
def workers(command_key: str, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    logged = {**env, "HUB_LOG_LEVEL": "INFO", "HUB_LOG_FORMAT": "console"}
    with serving(logged, "--workers", "2") as running:
        yield running


async def subscribe(base: str, key: str, seen: set[str]) -> None:
    """Collect the ids of the events this subscriber sees REPORTED, on its own connection."""
    headers = {**bearer(key), "accept": "text/event-stream"}
    async with (
        httpx.AsyncClient(base_url=base, timeout=None) as http,
        http.stream("POST", "/graphql", json={"query": SUBSCRIBE}, headers=headers) as answer,
    ):
        async for line in answer.aiter_lines():
            if line.startswith("data:") and line[5:].strip():
                update = json.loads(line[5:]).get("data", {}).get("gridEvents") or {}
                if update.get("step") == "REPORTED":
                    seen.add(update["eventId"])


async def report(base: str, key: str) -> str:
    lat, lon = INSIDE
    variables = {
        "i": {
            "category": "city.litter",
            "description": "楼道堆物",
            "channel": "PATROL",
            "location": {"lat": lat, "lon": lon},
        }
    }
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=bearer(key)) as http:
        answer = await http.post("/graphql", json={"query": REPORT, "variables": variables})
    return str(answer.json()["data"]["reportEvent"]["id"])


async def until(condition: object, seconds: float, step: float = 0.2) -> None:
    assert callable(condition)
    for _ in range(int(seconds / step)):
        if condition():
            return
        await asyncio.sleep(step)
    assert condition()


async def reports_reach_every_subscriber(base: str, key: str) -> None:
    seen: list[set[str]] = [set() for _ in range(SUBSCRIBERS)]
    streams = [asyncio.create_task(subscribe(base, key, ids)) for ids in seen]
    try:
        # A subscriber joins its worker's fan-out a moment after it connects: report
        # until every one has seen something, then count from there.
        for _ in range(60):
            await report(base, key)
            if all(seen):
                break
            await asyncio.sleep(0.5)
        ids = {await report(base, key) for _ in range(REPORTS)}
        await until(lambda: all(ids <= each for each in seen), 30)
    finally:
        for stream in streams:
            stream.cancel()
        await asyncio.gather(*streams, return_exceptions=True)


def test_two_workers_serve_one_port_share_events_and_stop_together(
    workers: tuple[str, subprocess.Popen[str]], command_key: str
) -> None:
    """Connections spread over both workers (the kernel hashes each one's address), and
    every subscriber, on either, sees every report, made through either."""
    base, process = workers
    asyncio.run(reports_reach_every_subscriber(base, command_key))
    asked = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert time.monotonic() - asked < 10  # HUB_SHUTDOWN_GRACE_SECONDS, the default
    output = process.stdout.read() if process.stdout else ""
    assert output.count("Application startup complete") == 2
    assert output.count("Application shutdown complete") == 2
    assert "Traceback" not in output


def children(process: subprocess.Popen[str]) -> list[int]:
    """The workers the parent started (Linux's record of a process's children)."""
    listed = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
    return [int(pid) for pid in listed.split()]


def test_a_worker_that_dies_ends_the_replica_with_a_failure(
    workers: tuple[str, subprocess.Popen[str]],
) -> None:
    """No half-served port: the parent stops the other worker and exits non-zero, for the
    service manager to restart the replica whole."""
    _, process = workers
    first, second = children(process)
    os.kill(first, signal.SIGKILL)
    assert process.wait(timeout=20) != 0
    assert not Path(f"/proc/{second}").exists() or _is_zombie(second)


def _is_zombie(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
