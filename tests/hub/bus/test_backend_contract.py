"""One contract, every backend: the embedded log (SQLite, PostgreSQL) and real Kafka."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hub.bus import CommitConflictError, GroupConsumer, Message, Record
from tests.conftest import BusEnv


def messages(topic: str, count: int, keys: int = 5, tag: str = "m") -> list[Message]:
    return [
        Message(
            topic=topic,
            key=f"k{i % keys}",
            value=f"{tag}{i}".encode(),
            headers=(("n", str(i).encode()),),
        )
        for i in range(count)
    ]


async def fetch_all(reader: GroupConsumer, count: int, within: float = 20) -> list[Record]:
    found: list[Record] = []
    deadline = asyncio.get_running_loop().time() + within
    while len(found) < count and asyncio.get_running_loop().time() < deadline:
        found += await reader.fetch(1000, max_wait=0.5)
    return found


async def read_topic(env: BusEnv, topic: str, count: int, group: str = "reader") -> list[Record]:
    reader = env.backend.group_consumer(env.topics.group(group), [topic], "r1")
    await reader.start()
    try:
        return await fetch_all(reader, count)
    finally:
        await reader.stop()


async def test_a_group_sees_every_message_once_in_order_per_key(bus_env: BusEnv) -> None:
    topic = bus_env.topics.grid_events
    await bus_env.backend.ensure_topics([topic])
    sent = messages(topic, 300)
    await bus_env.backend.publish(sent[:150])
    await bus_env.backend.publish(sent[150:])
    got = await read_topic(bus_env, topic, 300)
    assert sorted(r.value for r in got) == sorted(m.value for m in sent)
    per_key: dict[str, list[int]] = defaultdict(list)
    for record in got:
        per_key[record.key].append(int(record.header("n") or -1))
    assert all(numbers == sorted(numbers) for numbers in per_key.values())
    assert got[0].headers == (("n", got[0].header("n").encode()),)  # type: ignore[union-attr]


async def test_outputs_and_offsets_commit_together(bus_env: BusEnv) -> None:
    """Consume-transform-produce: the outputs appear and the group moves past its inputs."""
    source, target = bus_env.topics.grid_events, bus_env.topics.dispatch("citymgmt")
    await bus_env.backend.ensure_topics([source, target])
    await bus_env.backend.publish(messages(source, 20))
    group = bus_env.topics.group("router")
    worker = bus_env.backend.group_consumer(group, [source], "a")
    await worker.start()
    consumed = await fetch_all(worker, 20)
    outputs = [Message(target, r.key, r.value.upper()) for r in consumed]
    await worker.commit(consumed, outputs)
    await worker.stop()

    assert sorted(r.value for r in await read_topic(bus_env, target, 20)) == sorted(
        m.value for m in outputs
    )
    await bus_env.backend.publish(messages(source, 1, tag="after"))
    again = bus_env.backend.group_consumer(group, [source], "a")
    await again.start()
    try:
        assert [r.value for r in await fetch_all(again, 1)] == [b"after0"]
    finally:
        await again.stop()


async def test_an_uncommitted_batch_is_delivered_again(bus_env: BusEnv) -> None:
    source = bus_env.topics.grid_events
    await bus_env.backend.ensure_topics([source])
    await bus_env.backend.publish(messages(source, 10))
    group = bus_env.topics.group("router")
    first = bus_env.backend.group_consumer(group, [source], "a")
    await first.start()
    seen = await fetch_all(first, 10)
    await first.rewind()
    assert sorted(r.value for r in await fetch_all(first, 10)) == sorted(r.value for r in seen)
    await first.stop()  # a crash: nothing committed
    second = bus_env.backend.group_consumer(group, [source], "a")
    await second.start()
    try:
        assert sorted(r.value for r in await fetch_all(second, 10)) == sorted(r.value for r in seen)
    finally:
        await second.stop()


async def test_tail_reads_from_now_or_from_a_time(bus_env: BusEnv) -> None:
    topic = bus_env.topics.grid_events
    await bus_env.backend.ensure_topics([topic])
    start = datetime.now(UTC) - timedelta(seconds=1)
    await bus_env.backend.publish(messages(topic, 3, tag="old"))
    live = bus_env.backend.tail([topic])
    history = bus_env.backend.tail([topic], since=start)
    await live.start()
    await history.start()
    try:
        await bus_env.backend.publish(messages(topic, 2, tag="new"))
        assert sorted(r.value for r in await drain(live, 2)) == [b"new0", b"new1"]
        assert len(await drain(history, 5)) == 5
    finally:
        await live.stop()
        await history.stop()


async def drain(tail: object, count: int) -> list[Record]:
    found: list[Record] = []
    for _ in range(40):
        found += await tail.fetch(100, max_wait=0.5)  # type: ignore[attr-defined]
        if len(found) >= count:
            break
    return found


async def test_two_members_of_a_group_never_both_commit_a_record(bus_env: BusEnv) -> None:
    source, target = bus_env.topics.grid_events, bus_env.topics.dispatch("police")
    await bus_env.backend.ensure_topics([source, target])
    await bus_env.backend.publish(messages(source, 200, keys=20))
    group = bus_env.topics.group("router")

    async def member(name: str) -> None:
        consumer = bus_env.backend.group_consumer(group, [source], name)
        await consumer.start()
        try:
            for _ in range(30):
                batch = await consumer.fetch(37, max_wait=0.3)
                if batch:
                    await commit_or_rewind(
                        consumer, batch, [Message(target, r.key, r.value) for r in batch]
                    )
        finally:
            await consumer.stop()

    await asyncio.gather(member("a"), member("b"))
    values = [r.value for r in await read_topic(bus_env, target, 200)]
    assert sorted(values) == sorted(m.value for m in messages(source, 200, keys=20))


async def commit_or_rewind(
    consumer: GroupConsumer, batch: Sequence[Record], outputs: Sequence[Message]
) -> None:
    try:
        await consumer.commit(batch, outputs)
    except CommitConflictError:
        await consumer.rewind()
