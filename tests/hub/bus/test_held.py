"""The held-partitions watch: a partition whose stable offset stays put behind records
longer than any transaction lives is named, once per change in the log and as a gauge;
one whose stable offset moves, or that settles, is not. On the real broker through
/readyz: a transaction left open on the hub's own topic is named while it is open."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from hub.bus import BackendKind, BusUnavailableError, HeldWatch, Message
from hub.bus.kafka import PARTITIONS_KEPT_SECONDS, _Ends
from hub.config import Settings
from hub.observability.metrics import Metrics
from tests.conftest import running
from tests.support.buses import fresh_topics, kafka_backend, kafka_settings
from tests.support.events import bus_settings, eventually

BROKER = ConfigResourceType.BROKER
HELD = ("grid.events", 1)
NAMED = "grid.events[1]"


class Offsets:
    """A broker whose partitions' stable offsets and ends are set by the test."""

    def __init__(self) -> None:
        self.unsettled_now: dict[tuple[str, int], tuple[int, int]] = {}
        self.away = False
        self.completed: list[tuple[tuple[str, int], int, str]] = []
        self.refuse = False

    async def unsettled(self, topics: Sequence[str]) -> dict[tuple[str, int], tuple[int, int]]:
        if self.away:
            raise BusUnavailableError("Kafka unreachable: connection refused")
        return dict(self.unsettled_now)

    async def complete(self, partition: tuple[str, int], stable: int, owned_by: str) -> str | None:
        self.completed.append((partition, stable, owned_by))
        if self.refuse:
            raise BusUnavailableError("could not end the transaction: NotLeaderForPartition")
        return "hub.router.a (producer 7, epoch 2)"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_partition_held_past_the_limit_is_named_until_it_moves(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker, clock, metrics = Offsets(), Clock(), Metrics()
    watch = HeldWatch(broker, ["grid.events"], metrics, 120, clock=clock)  # type: ignore[arg-type]
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
    assert broker.completed == []  # no owner given: named only


async def test_a_held_partition_is_ended_while_held_and_a_failure_said_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker, clock = Offsets(), Clock()
    watch = HeldWatch(broker, ["grid.events"], Metrics(), 120, owned_by="hub.", clock=clock)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="hub.bus.held"):
        broker.unsettled_now = {HELD: (53, 160)}
        await watch.probe()
        assert broker.completed == []  # not held long enough: never asked
        clock.now += 120
        broker.refuse = True
        for _ in range(3):  # asked on every probe while held; the failure said once
            await watch.probe()
        broker.refuse = False
        await watch.probe()
    assert broker.completed == [(HELD, 53, "hub.")] * 4
    said = [(r.getMessage(), r.__dict__.get("partition")) for r in caplog.records]
    assert said == [
        ("partitions held by an open transaction; their readers wait", None),
        ("could not end the transaction", NAMED),
        ("committed the transaction that held it, as its coordinator had decided", NAMED),
    ]


async def test_a_stable_offset_that_keeps_moving_is_never_held() -> None:
    broker, clock = Offsets(), Clock()
    watch = HeldWatch(broker, ["grid.events"], Metrics(), 120, owned_by="hub.", clock=clock)  # type: ignore[arg-type]
    for step in range(20):
        broker.unsettled_now = {HELD: (step, step + 5)}
        assert await watch.probe() == []
        clock.now += 30
    assert broker.completed == []


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
        end_held_transactions=False,
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
async def test_a_transaction_its_coordinator_has_open_is_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    namespace = f"t{uuid.uuid4().hex[:10]}."
    topic = f"{namespace}grid.events"
    live = AIOKafkaProducer(
        bootstrap_servers=kafka_settings().bootstrap_servers,
        transactional_id=f"{namespace}hub.router.live",
        transaction_timeout_ms=600_000,  # open as long as the test wants
    )
    async with kafka_backend(partitions=1) as backend:
        await backend.ensure_topics([topic])
        watch = HeldWatch(backend, [topic], Metrics(), after=0.2, owned_by=f"{namespace}hub.")
        await live.start()
        try:
            await live.begin_transaction()
            await live.send_and_wait(topic, b"open", key=b"grid")
            with caplog.at_level(logging.WARNING, logger="hub.bus.held"):
                await eventually(lambda: _probed_held(watch), within=10, every=0.1)
                for _ in range(5):  # asked each time, left alone each time
                    assert await watch.probe() == [f"{topic}[0]"]
            assert not _said(caplog, "committed the transaction that held it")
            await live.commit_transaction()  # its own commit still decides
        finally:
            await live.stop()
    assert await _committed_values(kafka_settings().bootstrap_servers, topic) == [b"open"]


@pytest.mark.integration
@pytest.mark.kafka
async def test_a_hanging_transaction_of_the_hubs_is_committed_and_its_readers_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    namespace = f"t{uuid.uuid4().hex[:10]}."
    topic = f"{namespace}grid.events"
    bootstrap = kafka_settings().bootstrap_servers
    async with kafka_backend(partitions=1) as backend:
        await backend.ensure_topics([topic])
        await _leave_hanging(bootstrap, topic, f"{namespace}hub.router.gone")
        await backend.publish([Message(topic, "grid", b"after it")])
        watch = HeldWatch(backend, [topic], Metrics(), after=0.2, owned_by=f"{namespace}hub.")

        async def committed() -> bool:
            await watch.probe()
            return _said(caplog, "committed the transaction that held it")

        with caplog.at_level(logging.WARNING, logger="hub.bus.held"):
            await eventually(committed, within=10, every=0.1)
        assert await watch.probe() == []
    assert await _committed_values(bootstrap, topic) == [b"hung", b"after it"]


async def _leave_hanging(bootstrap: str, topic: str, transactional_id: str) -> None:
    """Records of a transaction its coordinator never heard of, as a broker's restart
    can leave them: the partition is written to without being added to the transaction
    (with the broker's check of that, KIP-890, turned off meanwhile), and the producer
    goes away."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=transactional_id)
    await producer.start()
    try:
        async with _partition_check_off(bootstrap):
            await producer.begin_transaction()
            partition = TopicPartition(topic, 0)
            producer._txn_manager.txn_partitions.add(partition)  # as if added: no request
            await producer.send_and_wait(topic, b"hung", key=b"grid", partition=0)
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def _partition_check_off(bootstrap: str) -> AsyncIterator[None]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    brokers = [str(b["node_id"]) for b in (await admin.describe_cluster())["brokers"]]
    off = {"transaction.partition.verification.enable": "false"}
    try:
        await admin.alter_configs([ConfigResource(BROKER, b, off) for b in brokers])
        await asyncio.sleep(1)  # the broker applies a dynamic config once it has replayed it
        yield
    finally:
        await admin.alter_configs([ConfigResource(BROKER, b, {}) for b in brokers])
        await admin.close()


async def _probed_held(watch: HeldWatch) -> bool:
    return bool(await watch.probe())


def _said(caplog: pytest.LogCaptureFixture, start: str) -> bool:
    return any(r.getMessage().startswith(start) for r in caplog.records)


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


@pytest.mark.integration
@pytest.mark.kafka
async def test_a_partition_added_to_a_watched_topic_is_watched_after_the_refresh() -> None:
    topic = f"t{uuid.uuid4().hex[:10]}.grid.events"
    clock = Clock()
    async with kafka_backend(partitions=1) as backend:
        await backend.ensure_topics([topic])
        ends = _Ends(kafka_settings(), clock)
        await ends.start()
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_settings().bootstrap_servers)
        await admin.start()
        try:
            assert await ends.partitions((topic,)) == [TopicPartition(topic, 0)]
            await admin.create_partitions({topic: NewPartitions(total_count=2)})
            assert len(await ends.partitions((topic,))) == 1  # kept, not asked again
            clock.now += PARTITIONS_KEPT_SECONDS

            async def both() -> bool:
                return len(await ends.partitions((topic,))) == 2

            await eventually(both, within=10, every=0.2)
        finally:
            await admin.close()
            await ends.stop()
