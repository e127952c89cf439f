"""A group member's commit on the real broker: an output the broker refuses fails the
whole transaction, and the input it came from is read again, never passed over; and
transactions back to back, each begun while the broker may still close the one before,
all land."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.producer import sender as aiokafka_sender

from hub.bus import BusUnavailableError, GroupConsumer, KafkaBackend, Message, Record
from hub.bus.kafka import CONCURRENT_TRANSACTIONS_RETRY_SECONDS
from tests.support.buses import kafka_backend, kafka_settings

pytestmark = pytest.mark.integration


async def test_an_output_the_broker_refuses_fails_the_commit_and_keeps_the_input() -> None:
    name = f"t{uuid.uuid4().hex[:10]}"
    source, small = f"{name}.in", f"{name}.small"
    async with kafka_backend(partitions=1) as backend:
        await backend.ensure_topics([source])
        await _topic_of_small_records(small)
        await backend.publish([Message(source, "grid-1", b"report")])

        first = backend.group_consumer(f"{name}.group", [source], "a")
        await first.start()
        try:
            taken = await _fetched(first)
            with pytest.raises(BusUnavailableError, match="transaction failed"):
                await first.commit(taken, [Message(small, "grid-1", b"x" * 4096)])
        finally:
            await first.stop()

        again = await _read_again(backend, f"{name}.group", source)
        assert [(r.offset, r.value) for r in again] == [(0, b"report")]


async def test_back_to_back_transactions_with_outputs_and_without_all_land() -> None:
    """One input a transaction, every other one with an output: the broker refuses a
    transaction begun before it closed the previous one, and the member asks again
    sooner than aiokafka's own waits (``transaction_retry_ms``, the override below)."""
    name = f"t{uuid.uuid4().hex[:10]}"
    source, out = f"{name}.in", f"{name}.out"
    async with kafka_backend(partitions=1) as backend:
        await backend.ensure_topics([source, out])
        await backend.publish([Message(source, "grid-1", b"%d" % i) for i in range(20)])
        member = backend.group_consumer(f"{name}.group", [source], "a")
        assert aiokafka_sender.BACKOFF_OVERRIDE == CONCURRENT_TRANSACTIONS_RETRY_SECONDS
        assert member.producer._sender._retry_backoff == 0.005  # the setting's default
        await member.start()
        try:
            for _ in range(20):
                (taken,) = await _fetched(member, most=1)
                outputs = [Message(out, "grid-1", taken.value)] if int(taken.value) % 2 else []
                await member.commit([taken], outputs)
        finally:
            await member.stop()
        landed = await _read_again(backend, f"{name}.reader", out, until=10)
        assert [r.value for r in landed] == [b"%d" % i for i in range(1, 20, 2)]
        await backend.publish([Message(source, "grid-1", b"after")])
        again = await _read_again(backend, f"{name}.group", source)
        assert [r.value for r in again] == [b"after"]  # every offset was committed


async def _topic_of_small_records(topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_settings().bootstrap_servers)
    await admin.start()
    try:
        config = {"max.message.bytes": "1024"}
        await admin.create_topics([NewTopic(topic, 1, 1, topic_configs=config)])
    finally:
        await admin.close()


async def _fetched(consumer: GroupConsumer, within: float = 30, most: int = 10) -> list[Record]:
    async with asyncio.timeout(within):
        while True:
            records = await consumer.fetch(most, max_wait=1.0)
            if records:
                return records


async def _read_again(
    backend: KafkaBackend, group: str, topic: str, until: int = 1
) -> list[Record]:
    """What a new member of ``group`` reads, once it has read at least ``until``."""
    second = backend.group_consumer(group, [topic], "b")
    await second.start()
    try:
        read: list[Record] = []
        while len(read) < until:
            read += await _fetched(second)
        return read
    finally:
        await second.stop()
