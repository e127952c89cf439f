"""The fault run's account of where lost reports stopped, on the real broker: a
partition held by a transaction nobody ends, and a group that stopped reading."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from bench.fault_positions import stalls
from tests.support.buses import kafka_backend, kafka_settings

pytestmark = pytest.mark.integration


async def test_an_open_transaction_and_a_group_behind_are_named() -> None:
    bootstrap = kafka_settings().bootstrap_servers
    name = f"t{uuid.uuid4().hex[:10]}"
    held, read = f"{name}.held", f"{name}.read"
    async with kafka_backend(partitions=1) as backend:
        await backend.ensure_topics([held, read])
    plain = AIOKafkaProducer(bootstrap_servers=bootstrap)
    open_one = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=name)
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=f"{name}.group", enable_auto_commit=False
    )
    await plain.start()
    await open_one.start()
    await reader.start()
    try:
        for value in (b"1", b"2", b"3"):
            await plain.send_and_wait(read, value)
        reader.assign([TopicPartition(read, 0)])
        await reader.commit({TopicPartition(read, 0): 1})  # read one of three
        await open_one.begin_transaction()
        for value in (b"a", b"b"):
            await open_one.send_and_wait(held, value)

        said = [line for line in await stalls(bootstrap) if name in line]

        assert said == [
            f"{held}[0]: readable up to 0 of 2: an open transaction holds 2 records",
            f"{name}.group on {read}[0]: committed 1, 2 readable records behind",
        ]
    finally:
        await open_one.abort_transaction()
        await reader.stop()
        await open_one.stop()
        await plain.stop()


async def test_a_broker_that_does_not_answer_is_said_not_to() -> None:
    said = await stalls("127.0.0.1:9")  # nothing listens on the discard port
    assert len(said) == 1
    assert said[0].startswith("the broker did not say where reports stopped")
