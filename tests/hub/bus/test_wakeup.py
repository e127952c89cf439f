"""Readers wake when something is written, not when their poll comes round.

Every reader here polls once an hour, and each test gives up long before that: a
reader that sees a write at all has been woken by it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from hub.bus import EmbeddedBackend, Message, OutboxRelay, Record, enqueue
from hub.db import migrate
from hub.db.engine import Database
from hub.observability.metrics import Metrics
from hub.registry.importer import import_document
from hub.registry.service import Registry
from hub.services.bus import EventBus
from tests.support.built_in import built_in_contributions
from tests.support.buses import fresh_topics
from tests.support.databases import fresh_postgres_database
from tests.support.events import bus_settings, cancel, report

HOUR = 3600.0
GIVE_UP = 30.0  # far below HOUR: only a wake-up can beat it


class Recorder:
    """A backend that keeps what the relay publishes and says when something came."""

    def __init__(self) -> None:
        self.published: list[Message] = []
        self.arrived = asyncio.Event()

    async def publish(self, messages: Sequence[Message]) -> None:
        self.published += messages
        self.arrived.set()


@asynccontextmanager
async def embedded(database: Database) -> AsyncIterator[EmbeddedBackend]:
    backend = EmbeddedBackend(database, poll_interval=HOUR)
    await backend.start()
    try:
        yield backend
    finally:
        await backend.stop()


async def read_one(backend: EmbeddedBackend, topic: str) -> asyncio.Task[list[Record]]:
    """A reader of what is appended to ``topic`` from now, waiting for it."""
    tail = backend.tail([topic])
    await tail.start()

    async def first() -> list[Record]:
        async with asyncio.timeout(GIVE_UP):
            return await tail.fetch(10, max_wait=HOUR)

    reader = asyncio.create_task(first())
    await asyncio.sleep(0.1)  # the reader has looked once and waits
    return reader


async def test_a_publish_wakes_a_waiting_reader(database: Database) -> None:
    async with embedded(database) as backend:
        reader = await read_one(backend, "t")
        await backend.publish([Message("t", "k", b"one")])
        assert [r.value for r in await reader] == [b"one"]


async def test_a_reader_that_found_nothing_waits_without_querying(database: Database) -> None:
    async with embedded(database) as backend:
        if database.dialect == "postgresql":  # it wakes the readers once as it starts
            async with asyncio.timeout(GIVE_UP):
                await backend.listener.listening.wait()
        tail = backend.tail(["t"])
        await tail.start()
        queries = 0
        select = backend.select

        async def counted(positions: dict[str, int], max_records: int) -> list[Record]:
            nonlocal queries
            queries += 1
            return await select(positions, max_records)

        backend.select = counted  # type: ignore[method-assign]
        assert await tail.fetch(10, max_wait=0) == []
        assert await tail.fetch(10, max_wait=0.2) == []
        assert queries == 1  # nothing appended since the empty read
        await backend.publish([Message("t", "k", b"one")])
        assert [r.value for r in await tail.fetch(10, max_wait=0)] == [b"one"]


async def test_a_commit_with_outputs_wakes_the_readers_of_their_topic(database: Database) -> None:
    async with embedded(database) as backend:
        await backend.ensure_topics(["in", "out"])
        await backend.publish([Message("in", "k", b"source")])
        consumer = backend.group_consumer("g", ["in"], "m")
        await consumer.start()
        consumed = await consumer.fetch(10, max_wait=0)
        reader = await read_one(backend, "out")
        await consumer.commit(consumed, [Message("out", "k", b"output")])
        assert [r.value for r in await reader] == [b"output"]


async def test_a_report_wakes_the_relay(database: Database, town: dict[str, Any]) -> None:
    """The intake writes the outbox and wakes this process's relay itself."""
    await import_document(database, town, "demo town")
    registry = Registry(database)
    await registry.refresh()
    recorder = Recorder()
    topics = fresh_topics()
    settings = bus_settings(topics, poll_interval_seconds=HOUR)
    contributions = built_in_contributions()
    bus = EventBus(settings, database, registry, contributions, Metrics(), recorder)  # type: ignore[arg-type]
    relay = asyncio.create_task(bus.relay.run())
    try:
        await asyncio.sleep(0)
        await bus.intake.report(report())
        async with asyncio.timeout(GIVE_UP):
            await recorder.arrived.wait()
        assert [m.topic for m in recorder.published] == [topics.grid_events]
    finally:
        await cancel(relay)


@asynccontextmanager
async def two_processes() -> AsyncIterator[tuple[Database, Database]]:
    """Two handles on one PostgreSQL database, as two hub processes hold them."""
    async with fresh_postgres_database() as url:
        writer, reader = Database(url), Database(url)
        await migrate.upgrade(writer)
        try:
            yield writer, reader
        finally:
            await writer.aclose()
            await reader.aclose()


@pytest.mark.postgres
async def test_on_postgresql_an_append_wakes_readers_in_another_process() -> None:
    async with (
        two_processes() as (writer_db, reader_db),
        embedded(writer_db) as writer,
        embedded(reader_db) as reader,
    ):
        async with asyncio.timeout(GIVE_UP):
            await reader.listener.listening.wait()
        waiting = await read_one(reader, "t")
        await writer.publish([Message("t", "k", b"across")])
        assert [r.value for r in await waiting] == [b"across"]


async def test_on_sqlite_another_process_s_append_is_noticed_by_the_poll(tmp_path: Path) -> None:
    """No notifications: the watcher sees the end offsets move and wakes the readers."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bus.db'}"
    writer_db, reader_db = Database(url), Database(url)
    await migrate.upgrade(writer_db)
    reader_backend = EmbeddedBackend(reader_db, poll_interval=0.05)
    await reader_backend.start()
    try:
        async with embedded(writer_db) as writer:
            waiting = await read_one(reader_backend, "t")
            await writer.publish([Message("t", "k", b"across")])
            assert [r.value for r in await waiting] == [b"across"]
    finally:
        await reader_backend.stop()
        await writer_db.aclose()
        await reader_db.aclose()


@pytest.mark.postgres
async def test_on_postgresql_an_outbox_row_wakes_the_relay_in_another_process() -> None:
    async with two_processes() as (writer_db, relay_db):
        recorder = Recorder()
        relay = OutboxRelay(relay_db, recorder, idle_poll=HOUR)  # type: ignore[arg-type]
        running = asyncio.create_task(relay.run())
        try:
            await asyncio.sleep(0.5)  # the relay has drained the empty outbox and waits
            async with writer_db.engine.begin() as connection:
                await enqueue(connection, [Message("t", "k", b"across")])
            async with asyncio.timeout(GIVE_UP):
                await recorder.arrived.wait()
            assert [m.value for m in recorder.published] == [b"across"]
        finally:
            await cancel(running)
