"""The held-partitions watch: a partition whose stable offset stays put behind records
longer than any transaction lives is named, once per change in the log and as a gauge;
one whose stable offset moves, or that settles, is not. On the real broker through
/readyz: a transaction left open on the hub's own topic is named while it is open."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from hub.bus import BackendKind, BusUnavailableError, HeldWatch
from hub.config import Settings
from hub.observability.metrics import Metrics
from tests.conftest import running
from tests.support.buses import fresh_topics, kafka_settings
from tests.support.events import bus_settings, eventually

HELD = "grid.events[1]"


class Offsets:
    """A broker whose partitions' stable offsets and ends are set by the test."""

    def __init__(self) -> None:
        self.unsettled_now: dict[str, tuple[int, int]] = {}
        self.away = False

    async def unsettled(self, topics: Sequence[str]) -> dict[str, tuple[int, int]]:
        if self.away:
            raise BusUnavailableError("Kafka unreachable: connection refused")
        return dict(self.unsettled_now)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_partition_held_past_the_limit_is_named_until_it_moves(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker, clock, metrics = Offsets(), Clock(), Metrics()
    watch = HeldWatch(broker, ["grid.events"], metrics, after=120, clock=clock)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="hub.bus.held"):
        broker.unsettled_now = {HELD: (53, 60)}
        assert await watch.probe() == []
        clock.now += 119
        broker.unsettled_now = {HELD: (53, 160)}  # records pile up behind it
        assert await watch.probe() == []
        clock.now += 1
        assert await watch.probe() == [HELD]
        assert metrics.registry.get_sample_value("hub_bus_partitions_held") == 1
        broker.away = True  # a probe that fails changes nothing
        assert await watch.probe() == [HELD]
        broker.away = False
        clock.now += 5
        assert await watch.probe() == [HELD]
        broker.unsettled_now = {HELD: (54, 160)}  # it moved: a live transaction again
        assert await watch.probe() == []
        clock.now += 121
        broker.unsettled_now = {}
        assert await watch.probe() == []
    assert [r.getMessage() for r in caplog.records] == [
        "partitions held by an open transaction; their readers wait",
        "no partition is held by an open transaction any more",
    ]
    assert metrics.registry.get_sample_value("hub_bus_partitions_held") == 0


async def test_a_stable_offset_that_keeps_moving_is_never_held() -> None:
    broker, clock = Offsets(), Clock()
    watch = HeldWatch(broker, ["grid.events"], Metrics(), after=120, clock=clock)  # type: ignore[arg-type]
    for step in range(20):
        broker.unsettled_now = {HELD: (step, step + 5)}
        assert await watch.probe() == []
        clock.now += 30


@pytest.mark.integration
@pytest.mark.kafka
async def test_readiness_names_a_partition_an_open_transaction_holds(
    town_settings: Settings,
) -> None:
    topics = fresh_topics()
    bus = bus_settings(
        topics, backend=BackendKind.KAFKA, kafka=kafka_settings(1), held_after_seconds=1
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
