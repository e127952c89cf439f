"""The outbox: reporting works while the bus is down, and the outbox drains when it returns."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Sequence

import pytest

from hub.bus import (
    Backend,
    BusUnavailableError,
    KafkaBackend,
    KafkaSettings,
    Message,
    OutboxRelay,
    enqueue,
)
from hub.bus.signal import Signal
from hub.db import migrate
from hub.db.engine import Database
from hub.events import GridEventType
from tests.conftest import TownBus
from tests.support.buses import kafka_backend
from tests.support.databases import fresh_postgres_database
from tests.support.events import cancel, collect, eventually, outbox_events, report, types_of


class Outage:
    """A backend that is down until ``restore()``; then it is the real one."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.down = True
        self.attempts = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.backend, name)

    async def publish(self, messages: Sequence[Message]) -> None:
        self.attempts += 1
        if self.down:
            raise BusUnavailableError("broker unreachable")
        await self.backend.publish(messages)


async def test_reports_wait_in_the_outbox_until_the_bus_returns(town_bus: TownBus) -> None:
    bus, topics = town_bus.bus, town_bus.env.topics
    await town_bus.env.backend.ensure_topics([topics.grid_events])
    outage = Outage(town_bus.env.backend)
    relay = OutboxRelay(town_bus.env.database, outage, batch_size=3, written=bus.intake.written)  # type: ignore[arg-type]
    task = asyncio.create_task(relay.run())
    try:
        records = [
            await bus.intake.report(report("city.litter", description=f"第{i}处")) for i in range(7)
        ]
        await eventually(lambda: outage.attempts >= 2)
        assert len(await outbox_events(town_bus.env.database)) == 7  # kept, not lost
        outage.down = False
        published = await collect(town_bus.env.backend, topics.grid_events, lambda f: len(f) >= 7)

        async def drained() -> bool:
            return not await outbox_events(town_bus.env.database)

        await eventually(drained)  # deleted once published
    finally:
        await cancel(task)
    assert [r.header("ce_id") for r in published] == [r.id for r in records]  # in order


async def test_a_relay_in_a_long_backoff_says_so_once_and_goes_on_when_the_broker_is_back(
    town_bus: TownBus, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bus, topics = town_bus.bus, town_bus.env.topics
    await town_bus.env.backend.ensure_topics([topics.grid_events])
    outage, resumed = Outage(town_bus.env.backend), Signal()
    relay = OutboxRelay(town_bus.env.database, outage, written=bus.intake.written, resumed=resumed)  # type: ignore[arg-type]
    backoffs = iter([0.01] * 4 + [60.0] * 100)  # a few quick attempts, then a long wait
    monkeypatch.setattr("hub.bus.outbox.backoff", lambda _: next(backoffs))
    with caplog.at_level(logging.INFO, logger="hub.bus.outbox"):
        task = asyncio.create_task(relay.run())
        try:
            await bus.intake.report(report("city.litter"))
            await eventually(lambda: outage.attempts >= 5)
            outage.down = False
            resumed.fire()  # what the broker watch does when the broker answers again

            async def drained() -> bool:
                return not await outbox_events(town_bus.env.database)

            await eventually(drained, within=5)  # not 60 s
        finally:
            await cancel(task)
    said = [r.getMessage() for r in caplog.records]
    assert said == ["bus down; the outbox keeps the events", "the bus is back; the outbox drains"]


async def test_a_relay_that_publishes_twice_publishes_the_same_ids(town_bus: TownBus) -> None:
    """A relay that died between publishing and deleting publishes again: same ids."""
    bus, topics = town_bus.bus, town_bus.env.topics
    await bus.intake.report(report("city.litter"))
    waiting = await outbox_events(town_bus.env.database)
    await town_bus.env.backend.publish([e.message(topics.grid_events) for e in waiting])
    assert await bus.relay.drain() == 1
    published = await collect(town_bus.env.backend, topics.grid_events, lambda f: len(f) >= 2)
    assert len({r.header("ce_id") for r in published}) == 1


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.kafka
async def test_a_hub_whose_broker_is_away_takes_reports_and_a_relay_drains_them_later(
    embedded_town_bus: TownBus,
) -> None:
    """On Kafka: reports while the configured broker does not answer, then a relay with the
    broker drains the same database."""
    town = embedded_town_bus
    away = KafkaBackend(KafkaSettings(bootstrap_servers=f"127.0.0.1:{closed_port()}"))
    stuck = OutboxRelay(town.env.database, away, written=town.bus.intake.written)
    first = await town.bus.intake.report(report("city.litter"))
    with pytest.raises(BusUnavailableError):
        await stuck.drain_once()
    second = await town.bus.intake.report(report("municipal.manhole_cover"))
    assert [e.id for e in await outbox_events(town.env.database)] == [first.id, second.id]
    async with kafka_backend() as broker:
        await broker.ensure_topics([town.env.topics.grid_events])
        assert await OutboxRelay(town.env.database, broker).drain() == 2
        published = await collect(broker, town.env.topics.grid_events, lambda f: len(f) >= 2)
    assert types_of(published) == [GridEventType.REPORTED] * 2
    assert {r.header("ce_id") for r in published} == {first.id, second.id}


@pytest.mark.postgres
async def test_relays_on_postgresql_take_turns() -> None:
    """Only one relay publishes at a time across replicas (an advisory lock)."""
    async with fresh_postgres_database() as url:
        database = Database(url)
        await migrate.upgrade(database)
        started = asyncio.Event()
        release = asyncio.Event()

        class Slow:
            async def publish(self, messages: Sequence[Message]) -> None:
                started.set()
                await release.wait()

        async with database.engine.begin() as connection:
            await enqueue(connection, [Message("t", "k", b"{}")])
        first = OutboxRelay(database, Slow())  # type: ignore[arg-type]
        second = OutboxRelay(database, Slow())  # type: ignore[arg-type]
        busy = asyncio.create_task(first.drain_once())
        await started.wait()
        assert await second.drain_once() == 0  # the other holds the lock
        release.set()
        assert await busy == 1
        await database.aclose()
