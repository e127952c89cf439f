"""A group member's commit on the real broker: an output the broker refuses fails the
whole transaction, and the input it came from is read again, never passed over."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from hub.bus import BusUnavailableError, GroupConsumer, KafkaBackend, Message, Record
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


async def _topic_of_small_records(topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_settings().bootstrap_servers)
    await admin.start()
    try:
        config = {"max.message.bytes": "1024"}
        await admin.create_topics([NewTopic(topic, 1, 1, topic_configs=config)])
    finally:
        await admin.close()


async def _fetched(consumer: GroupConsumer, within: float = 30) -> list[Record]:
    async with asyncio.timeout(within):
        while True:
            records = await consumer.fetch(10, max_wait=1.0)
            if records:
                return records


async def _read_again(backend: KafkaBackend, group: str, topic: str) -> list[Record]:
    second = backend.group_consumer(group, [topic], "b")
    await second.start()
    try:
        return await _fetched(second)
    finally:
        await second.stop()
