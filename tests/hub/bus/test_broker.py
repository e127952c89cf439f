"""The broker watch: the hub knows when its broker stops answering and when it is back,
says each change once, counts outages in /metrics, and wakes the outbox relay."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiokafka.conn import AIOKafkaConnection

from hub.bus import BrokerWatch, BusUnavailableError, KafkaBackend, KafkaSettings
from hub.observability.logs import Repeats
from hub.observability.metrics import Metrics
from tests.hub.bus.test_outbox import closed_port
from tests.support.buses import kafka_backend


class Flaky:
    """Answers a ping unless ``away``."""

    def __init__(self) -> None:
        self.away = False
        self.pings = 0

    async def ping(self) -> None:
        self.pings += 1
        if self.away:
            raise BusUnavailableError("Kafka unreachable: connection refused")


class Silent:
    """A broker that accepts and never answers."""

    async def ping(self) -> None:
        await asyncio.Event().wait()


def sample(metrics: Metrics, name: str) -> float | None:
    return metrics.registry.get_sample_value(name)


async def test_each_change_is_said_once_counted_and_wakes_the_waiters(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker, metrics = Flaky(), Metrics()
    watch = BrokerWatch(broker, metrics)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="hub.bus.broker"):
        assert await watch.probe()
        broker.away = True
        back = watch.back.current()
        for _ in range(5):
            assert not await watch.probe()
        assert sample(metrics, "hub_bus_broker_up") == 0
        assert not back.is_set()
        broker.away = False
        assert await watch.probe()
        assert back.is_set()
        assert await watch.probe()
    assert [r.getMessage() for r in caplog.records] == [
        "the bus's broker is unreachable; reports wait in the outbox",
        "the bus's broker is back",
    ]
    assert sample(metrics, "hub_bus_broker_up") == 1
    assert sample(metrics, "hub_bus_broker_outages_total") == 1


async def test_a_broker_that_never_answers_is_unreachable_after_the_timeout() -> None:
    watch = BrokerWatch(Silent(), Metrics(), timeout=0.2)  # type: ignore[arg-type]
    assert not await asyncio.wait_for(watch.probe(), 2)


@pytest.mark.kafka
async def test_a_real_broker_is_reachable_and_a_closed_port_is_not() -> None:
    async with kafka_backend() as backend:
        assert await BrokerWatch(backend, Metrics()).probe()
    away = KafkaBackend(KafkaSettings(bootstrap_servers=f"127.0.0.1:{closed_port()}"))
    assert not await BrokerWatch(away, Metrics()).probe()


@pytest.mark.kafka
async def test_a_probe_asks_the_broker_for_no_topics_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cluster may hold thousands of topics: reading all of theirs every probe
    stalled the hub's loop for tens of milliseconds."""
    asked: list[tuple[str, object]] = []
    send = AIOKafkaConnection.send

    def recorded(connection: AIOKafkaConnection, request: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append((type(request).__name__, getattr(request, "_topics", "-")))
        return send(connection, request, *args, **kwargs)

    async with kafka_backend() as backend:
        monkeypatch.setattr(AIOKafkaConnection, "send", recorded)
        assert await BrokerWatch(backend, Metrics()).probe()
    metadata = [topics for name, topics in asked if name == "MetadataRequest"]
    assert metadata  # a broker was asked
    assert None not in metadata  # None asks for every topic


def test_held_back_lines_are_counted_in_metrics() -> None:
    repeats = Repeats(("aiokafka",), window=60, clock=lambda: 0.0)
    logger = "aiokafka.conn.test"
    records = [
        logging.LogRecord(logger, logging.ERROR, __file__, 1, "Unable connect to %s", ("b",), None)
        for _ in range(4)
    ]
    metrics = Metrics()
    before = _held(metrics, logger)
    assert [repeats.filter(r) for r in records] == [True, False, False, False]
    assert _held(metrics, logger) == before + 3


def _held(metrics: Metrics, logger: str) -> float:
    value = metrics.registry.get_sample_value("hub_log_lines_held_total", {"logger": logger})
    return value or 0.0
