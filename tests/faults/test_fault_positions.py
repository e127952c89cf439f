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
    held, read, marked = f"{name}.held", f"{name}.read", f"{name}.marked"
    async with kafka_backend(partitions=1) as backend:
        await backend.ensure_topics([held, read, marked])
    plain = AIOKafkaProducer(bootstrap_servers=bootstrap)
    open_one = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=name)
    ended = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=f"{name}.ended")
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=f"{name}.group", enable_auto_commit=False
    )
    for client in (plain, open_one, ended, reader):
        await client.start()
    try:
        for value in (b"1", b"2", b"3"):
            await plain.send_and_wait(read, value)
        async with ended.transaction():  # the record at 0, its commit marker at 1
            await ended.send_and_wait(marked, b"done")
        reader.assign([TopicPartition(read, 0), TopicPartition(marked, 0)])
        await reader.commit({TopicPartition(read, 0): 1, TopicPartition(marked, 0): 1})
        await open_one.begin_transaction()
        for value in (b"a", b"b"):
            await open_one.send_and_wait(held, value)

        said = await stalls(bootstrap, prefix=name)  # the shared broker holds others' too

        heading = "transactions, as the coordinator has them:"
        ours = [line for line in said if not line.startswith(" ") and line != heading]
        assert ours == [  # the group is not behind on `marked`: only a marker is left
            f"{held}[0]: readable up to 0 of 2: an open transaction holds 2 records",
            f"{name}.group on {read}[0]: committed 1, 2 readable records behind",
        ]
        producers = said[said.index(ours[0]) + 1 :]
        assert "CurrentTransactionStartOffset" in producers[0]
        assert producers[1].split()[-1] == "0"  # Kafka's tool: the open one starts at 0
        coordinator = said[said.index(heading) + 1 :]
        assert [line.split()[-1] for line in coordinator if line.split()[0] == name] == ["Ongoing"]
    finally:
        await open_one.abort_transaction()
        for client in (reader, ended, open_one, plain):
            await client.stop()


async def test_a_broker_that_does_not_answer_is_said_not_to() -> None:
    said = await stalls("127.0.0.1:9")  # nothing listens on the discard port
    assert len(said) == 1
    assert said[0].startswith("the broker did not say where reports stopped")
