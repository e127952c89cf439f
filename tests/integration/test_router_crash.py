"""Done-when 2: SIGKILL the router mid-stream on real Kafka, restart it, and every report
is routed exactly once, with exactly the work orders its route names."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.bus import CloudEvent, Record, Topics
from hub.bus.signal import Signal
from hub.config import Settings
from hub.core.codes import RegionLevel
from hub.core.departments import load_departments
from hub.core.paths import TAXONOMY_FILE
from hub.db.engine import Database
from hub.events import DispatchType, GridEventType, Intake, Taxonomy
from hub.registry import store
from hub.registry.service import Registry
from tests.support.buses import fresh_topics, kafka_backend, kafka_settings
from tests.support.events import eventually, report

pytestmark = [pytest.mark.integration, pytest.mark.kafka]

REPORTS = 4000
CATEGORIES = ("municipal.manhole_cover", "city.litter", "environment.noise", "market.food_safety")
DEPARTMENTS = [d.code for d in load_departments()]


async def reported_events(settings: Settings, topics: Topics, count: int) -> list[CloudEvent]:
    database = Database(settings.database_url)
    registry = Registry(database)
    await registry.refresh()
    async with database.session() as session:
        places = await store.page(session, RegionLevel.MICRO_GRID, None, None, 1000)
    await database.aclose()
    taxonomy = Taxonomy.load(TAXONOMY_FILE, DEPARTMENTS)
    intake = Intake(database, registry, taxonomy, topics, Signal())
    rng = random.Random(7)
    events = []
    for _ in range(count):
        place = rng.choice(places)
        at = (place.centroid_lat, place.centroid_lon)
        event, _ = intake.reported_event(report(rng.choice(CATEGORIES), at=at))
        events.append(event)
    return events


def start_router(settings: Settings, topics: Topics) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_LOG_LEVEL": "WARNING",
        "HUB_BUS__BACKEND": "kafka",
        "HUB_BUS__NAMESPACE": topics.namespace,
        "HUB_BUS__INSTANCE_ID": "router-1",  # the same after a restart: it fences the dead one
        "HUB_BUS__BATCH_SIZE": "25",
        "HUB_BUS__KAFKA__BOOTSTRAP_SERVERS": kafka_settings().bootstrap_servers,
    }
    command = [sys.executable, "-m", "hub", "events", "run", "--role", "router"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Watcher:
    """Reads every committed record of the topics from the start, in the background."""

    def __init__(self, records: list[Record]) -> None:
        self.records = records

    def routed(self) -> list[Record]:
        return [r for r in self.records if r.header("ce_type") == GridEventType.ROUTED]

    async def until(self, routed: int) -> None:
        await eventually(lambda: len(self.routed()) >= routed, within=90, every=0.01)


async def watch(backend: Any, topics: Sequence[str], into: list[Record]) -> None:
    tail = backend.tail(topics, since=datetime(2000, 1, 1, tzinfo=UTC))
    await tail.start()
    try:
        while True:
            into += await tail.fetch(1000, max_wait=0.05)
    finally:
        await tail.stop()


async def read_all(backend: Any, topics: Sequence[str]) -> list[Record]:
    """Everything committed on ``topics``, read afresh once the router has stopped."""
    found: list[Record] = []
    tail = backend.tail(topics, since=datetime(2000, 1, 1, tzinfo=UTC))
    await tail.start()
    try:
        while batch := await tail.fetch(5000, max_wait=2.0):
            found += batch
    finally:
        await tail.stop()
    return found


def stop(process: subprocess.Popen[bytes]) -> str:
    """Stop the process if it still runs; what it logged."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    if process.stderr is None:
        return ""
    with process.stderr:
        return process.stderr.read().decode()


async def test_a_killed_router_loses_and_doubles_nothing(
    town_settings: Settings, tmp_path: Path
) -> None:
    topics = fresh_topics()
    events = await reported_events(town_settings, topics, REPORTS)
    records: list[Record] = []
    async with kafka_backend(partitions=3) as backend:
        await backend.ensure_topics(topics.all(DEPARTMENTS))
        for start in range(0, REPORTS, 500):
            await backend.publish(
                [e.message(topics.grid_events) for e in events[start : start + 500]]
            )
        watcher = Watcher(records)
        reading = asyncio.create_task(
            watch(backend, [topics.grid_events, *map(topics.dispatch, DEPARTMENTS)], records)
        )
        first = start_router(town_settings, topics)
        await watcher.until(REPORTS // 5)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        routed_when_killed = len(watcher.routed())
        second = start_router(town_settings, topics)
        try:
            await watcher.until(REPORTS)
            await asyncio.sleep(3)  # room for any duplicate to show up
        finally:
            errors = stop(second) + stop(first)
            reading.cancel()
        streamed = sorted((r.topic, r.partition, r.offset) for r in records)
        records = await read_all(backend, [topics.grid_events, *map(topics.dispatch, DEPARTMENTS)])

    assert routed_when_killed < REPORTS, "the router finished before it was killed"
    # A reader that followed along saw exactly what a reader afterwards sees.
    assert streamed == sorted((r.topic, r.partition, r.offset) for r in records)
    assert "Traceback" not in errors, errors
    routed = Watcher(records).routed()
    per_event = Counter(r.header("ce_subject") for r in routed)
    assert set(per_event) == {e.id for e in events}
    assert set(per_event.values()) == {1}, "an event was routed twice"
    orders = [r for r in records if r.header("ce_type") == DispatchType.WORK_ORDER]
    assert len({r.header("ce_id") for r in orders}) == len(orders), "a work order went out twice"
    ordered = Counter((r.header("ce_subject"), json.loads(r.value)["department"]) for r in orders)
    expected = Counter(
        (r.header("ce_subject"), department)
        for r in routed
        for department in json.loads(r.value)["departments"]
    )
    assert ordered == expected
