"""The held-partitions watch: a partition whose stable offset stays put behind records
longer than any transaction lives is named, once per change in the log and as a gauge;
one whose stable offset moves, or that settles, is not. On the real broker through
/readyz: a transaction left open on the hub's own topic is named while it is open."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Sequence

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from hub.bus import BackendKind, BusUnavailableError, HeldWatch, Message
from hub.config import Settings
from hub.observability.metrics import Metrics
from tests.conftest import running
from tests.support.buses import fresh_topics, kafka_backend, kafka_settings
from tests.support.events import bus_settings, eventually

HELD = ("grid.events", 1)
NAMED = "grid.events[1]"


class Offsets:
    """A broker whose partitions' stable offsets and ends are set by the test."""

    def __init__(self) -> None:
        self.unsettled_now: dict[tuple[str, int], tuple[int, int]] = {}
        self.away = False
        self.released: list[tuple[tuple[str, int], int]] = []

    async def unsettled(self, topics: Sequence[str]) -> dict[tuple[str, int], tuple[int, int]]:
        if self.away:
            raise BusUnavailableError("Kafka unreachable: connection refused")
        return dict(self.unsettled_now)

    async def release(self, partition: tuple[str, int], stable: int) -> str | None:
        self.released.append((partition, stable))
        return "producer 7 (epoch 2)"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_partition_held_past_the_limit_is_named_until_it_moves(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker, clock, metrics = Offsets(), Clock(), Metrics()
    watch = HeldWatch(broker, ["grid.events"], metrics, 120, release=False, clock=clock)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="hub.bus.held"):
        broker.unsettled_now = {HELD: (53, 60)}
        assert await watch.probe() == []
        clock.now += 119
        broker.unsettled_now = {HELD: (53, 160)}  # records pile up behind it
        assert await watch.probe() == []
        clock.now += 1
        assert await watch.probe() == [NAMED]
        assert metrics.registry.get_sample_value("hub_bus_partitions_held") == 1
        broker.away = True  # a probe that fails changes nothing said
        assert await watch.probe() == [NAMED]
        broker.away = False
        clock.now += 5
        assert await watch.probe() == []  # but the watch starts again: it did not see
        clock.now += 120
        assert await watch.probe() == [NAMED]
        broker.unsettled_now = {HELD: (54, 160)}  # it moved: a live transaction again
        assert await watch.probe() == []
        clock.now += 121
        broker.unsettled_now = {}
        assert await watch.probe() == []
    held, cleared = (
        "partitions held by an open transaction; their readers wait",
        "no partition is held by an open transaction any more",
    )
    assert [r.getMessage() for r in caplog.records] == [held, cleared, held, cleared]
    assert metrics.registry.get_sample_value("hub_bus_partitions_held") == 0
    assert broker.released == []  # release off: named only


async def test_a_held_partition_is_released_once_per_stuck_offset(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker, clock = Offsets(), Clock()
    watch = HeldWatch(broker, ["grid.events"], Metrics(), 120, clock=clock)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="hub.bus.held"):
        broker.unsettled_now = {HELD: (53, 160)}
        await watch.probe()
        clock.now += 120
        for _ in range(3):  # still held (a release that did not take): tried once only
            await watch.probe()
        broker.unsettled_now = {HELD: (90, 160)}  # stuck again, further on
        clock.now += 1
        await watch.probe()
        clock.now += 120
        await watch.probe()
    assert broker.released == [(HELD, 53), (HELD, 90)]
    aborted = [
        r for r in caplog.records if r.getMessage() == "aborted the transaction that held it"
    ]
    assert [(r.__dict__["partition"], r.__dict__["offset"]) for r in aborted] == [
        (NAMED, 53),
        (NAMED, 90),
    ]


async def test_a_stable_offset_that_keeps_moving_is_never_held() -> None:
    broker, clock = Offsets(), Clock()
    watch = HeldWatch(broker, ["grid.events"], Metrics(), 120, clock=clock)  # type: ignore[arg-type]
    for step in range(20):
        broker.unsettled_now = {HELD: (step, step + 5)}
        assert await watch.probe() == []
        clock.now += 30
    assert broker.released == []


@pytest.mark.integration
@pytest.mark.kafka
async def test_readiness_names_a_partition_an_open_transaction_holds(
    town_settings: Settings,
) -> None:
    topics = fresh_topics()
    bus = bus_settings(
        topics,
        backend=BackendKind.KAFKA,
        kafka=kafka_settings(1),
        held_after_seconds=1,
        abort_held_transactions=False,
    )
    settings = town_settings.model_copy(update={"bus": bus, "log_level": "WARNING"})
    async with running(settings) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:

            async def bus_says(start: str) -> bool:
                return bool((await http.get("/readyz")).json()["bus"].startswith(start))

            await eventually(lambda: bus_says("ok"), within=30)
            stray = AIOKafkaProducer(
                bootstrap_servers=kafka_settings().bootstrap_servers,
                transactional_id=f"{topics.namespace}stray",
            )
            await stray.start()
            try:
                await stray.begin_transaction()
                await stray.send_and_wait(topics.grid_events, b"never ended", key=b"grid")
                held = "degraded: held by an open transaction, their readers wait: "
                await eventually(lambda: bus_says(f"{held}{topics.grid_events}[0]"), within=10)
                assert (await http.get("/readyz")).status_code == 200
            finally:
                await stray.abort_transaction()
                await stray.stop()
            await eventually(lambda: bus_says("ok"), within=10)


@pytest.mark.integration
@pytest.mark.kafka
async def test_a_transaction_held_past_the_limit_is_aborted_and_its_readers_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    topic = f"t{uuid.uuid4().hex[:10]}.grid.events"
    settings = kafka_settings(1)
    stray = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        transactional_id=f"{topic}.stray",
        transaction_timeout_ms=600_000,  # the broker would not end it within the test
    )
    async with kafka_backend(partitions=1) as backend:
        await backend.ensure_topics([topic])
        watch = HeldWatch(backend, [topic], Metrics(), after=0.5)
        await stray.start()
        try:
            await stray.begin_transaction()
            await stray.send_and_wait(topic, b"never ended", key=b"grid")
            await backend.publish([Message(topic, "grid", b"after it")])

            async def released() -> bool:
                await watch.probe()
                return _aborted(caplog)

            async def clear() -> bool:
                return await watch.probe() == []

            with caplog.at_level(logging.WARNING, logger="hub.bus.held"):
                await eventually(released, within=10, every=0.1)
                await eventually(clear, within=10, every=0.1)
            assert await _committed_values(settings.bootstrap_servers, topic) == [b"after it"]
        finally:
            with contextlib.suppress(KafkaError):
                await stray.abort_transaction()
            await stray.stop()


async def _committed_values(bootstrap: str, topic: str) -> list[bytes]:
    """What a read_committed reader reads of the topic's one partition, to its end."""
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, isolation_level="read_committed", enable_auto_commit=False
    )
    await reader.start()
    try:
        partition = TopicPartition(topic, 0)
        reader.assign([partition])
        await reader.seek_to_beginning(partition)
        end = (await reader.end_offsets([partition]))[partition]
        values: list[bytes] = []
        while await reader.position(partition) < end:
            batches = await reader.getmany(partition, timeout_ms=1000)
            values += [m.value for m in batches.get(partition, [])]
        return values
    finally:
        await reader.stop()


def _aborted(caplog: pytest.LogCaptureFixture) -> bool:
    return any(r.getMessage() == "aborted the transaction that held it" for r in caplog.records)
