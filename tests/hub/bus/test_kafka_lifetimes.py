"""A Kafka client's start and stop, whoever stops waiting: a stop is bounded even when
the client swallows its cancellation, as aiokafka's ``close`` does while it waits for its
metadata task; a start whose caller is cut off runs to its end and is stopped then; and
on the real broker, a probe cut off while the broker is slow to answer leaves no
connection open (aiokafka's bootstrap leaves one when it is cancelled there)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable

import pytest
from aiokafka.conn import AIOKafkaConnection

from hub.bus import KafkaBackend
from hub.bus import kafka_lifetimes as kafka
from tests.support.buses import kafka_settings


async def _stubborn(released: asyncio.Event) -> None:
    """A stop that hears no cancellation: it waits until ``released``, whatever comes."""
    while not released.is_set():
        with contextlib.suppress(asyncio.CancelledError):
            await released.wait()


async def test_a_stop_that_swallows_its_cancellation_is_abandoned_in_time(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(kafka, "STOP_SECONDS", 0.1)
    released = asyncio.Event()
    try:
        # Waited for as a task: a timeout around it would be swallowed as well.
        stopping = asyncio.create_task(kafka.bounded(_stubborn(released), "stubborn client"))
        done, _ = await asyncio.wait({stopping}, timeout=2)
        assert stopping in done, "the stop held its caller"
        assert "the Kafka stubborn client did not stop within 0.1 s; abandoned" in [
            r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
        ]
    finally:
        released.set()
        await asyncio.sleep(0)


async def test_a_stop_that_fails_says_so_and_one_that_finishes_in_time_is_waited_for() -> None:
    finished: list[str] = []

    async def failing() -> None:
        raise RuntimeError("broken socket")

    async def quick() -> None:
        await asyncio.sleep(0.01)
        finished.append("quick")

    with pytest.raises(RuntimeError, match="broken socket"):
        await kafka.bounded(failing(), "failing client")
    await kafka.bounded(quick(), "quick client")
    assert finished == ["quick"]


class Client:
    """A client whose start waits for ``started`` to be set, and which says what it did."""

    def __init__(self, fails: bool = False) -> None:
        self.started = asyncio.Event()
        self.fails = fails
        self.did: list[str] = []

    async def start(self) -> None:
        await self.started.wait()
        self.did.append("started")
        if self.fails:
            raise ConnectionError("refused")

    async def stop(self) -> None:
        self.did.append("stopped")


async def _cut_off(starting: asyncio.Task[None], once: Awaitable[object] | None = None) -> None:
    """Cancels ``starting`` ``once`` it is awaited (after 10 ms without it)."""
    await (once if once is not None else asyncio.sleep(0.01))
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting


async def test_a_start_whose_caller_is_cut_off_runs_on_and_is_then_stopped() -> None:
    client = Client()
    lifetime = kafka.Lifetime(client.start, client.stop)
    await _cut_off(asyncio.create_task(lifetime.start()))
    assert client.did == []  # the start was not cut off with its caller
    client.started.set()
    await kafka.drain(within=1)
    assert client.did == ["started", "stopped"]


async def test_a_stop_asked_while_the_client_starts_returns_at_once_and_stops_it_after() -> None:
    client = Client()
    lifetime = kafka.Lifetime(client.start, client.stop)
    starting = asyncio.create_task(lifetime.start())
    await asyncio.sleep(0.01)
    await asyncio.wait_for(lifetime.stop(), timeout=1)
    assert client.did == []
    client.started.set()
    await starting
    await kafka.drain(within=1)
    await lifetime.stop()  # again: a client is stopped once
    assert client.did == ["started", "stopped"]


async def test_a_start_that_fails_is_stopped_before_its_error_goes_on() -> None:
    client = Client(fails=True)
    client.started.set()
    lifetime = kafka.Lifetime(client.start, client.stop)
    with pytest.raises(ConnectionError, match="refused"):
        await lifetime.start()
    assert client.did == ["started", "stopped"]
    await lifetime.stop()
    assert client.did == ["started", "stopped"]


@pytest.mark.kafka
async def test_a_probe_cut_off_while_the_broker_is_slow_leaves_no_connection_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked, answer = asyncio.Event(), asyncio.Event()
    opened: list[AIOKafkaConnection] = []
    send = AIOKafkaConnection.send

    def slow_metadata(connection: AIOKafkaConnection, request: object, **kwargs: object) -> object:
        opened.append(connection)
        if type(request).__name__.startswith("MetadataRequest"):
            asked.set()
            return _after(answer, send(connection, request, **kwargs))
        return send(connection, request, **kwargs)

    monkeypatch.setattr(AIOKafkaConnection, "send", slow_metadata)
    backend = KafkaBackend(kafka_settings())
    probe = asyncio.create_task(backend.ping())
    await _cut_off(probe, once=asyncio.wait_for(asked.wait(), timeout=10))
    answer.set()
    await backend.stop()
    assert [c for c in opened if c.connected()] == []


async def _after(event: asyncio.Event, sending: object) -> object:
    await event.wait()
    return await sending  # type: ignore[misc]
