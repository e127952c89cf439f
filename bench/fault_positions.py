"""Where reports stopped on Kafka, for a run that lost some: what the broker says.

For each partition of the hub's topics, its last stable offset (what a
``read_committed`` reader may read up to) beside its high watermark; for each consumer
group, its committed offset beside that stable offset. A partition whose stable offset
stays behind its high watermark holds a transaction nobody ends, and every reader of
it waits; a group behind a stable offset it could read has stopped reading. Only
those are reported: a run that lost nothing shows none, and a broker that does not
answer is said to.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from hub.bus.kafka import partitions_of

Ends = Mapping[TopicPartition, int]


async def stalls(bootstrap: str) -> list[str]:
    """A line per partition held by an open transaction and per group behind."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    stable = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    written = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        await stable.start()
        await written.start()
        topics = [t for t in await admin.list_topics() if not t.startswith("__")]
        partitions = await partitions_of(admin, topics)
        stable_ends = await stable.end_offsets(partitions)
        lines = _held(stable_ends, await written.end_offsets(partitions))
        for group, _ in await admin.list_consumer_groups():
            committed = await admin.list_consumer_group_offsets(group)
            lines += _behind(group, {tp: m.offset for tp, m in committed.items()}, stable_ends)
    except (KafkaError, OSError) as error:
        return [f"the broker did not say where reports stopped: {error!r}"]
    finally:
        await written.stop()
        await stable.stop()
        await admin.close()
    return lines


def _held(stable_ends: Ends, written_ends: Ends) -> list[str]:
    return [
        f"{tp.topic}[{tp.partition}]: readable up to {stable_ends[tp]} of {written}: "
        f"an open transaction holds {written - stable_ends[tp]} records"
        for tp, written in written_ends.items()
        if stable_ends.get(tp, written) < written
    ]


def _behind(group: str, committed: Ends, stable_ends: Ends) -> list[str]:
    return [
        f"{group} on {tp.topic}[{tp.partition}]: committed {offset}, "
        f"{stable_ends[tp] - offset} readable records behind"
        for tp, offset in committed.items()
        if offset >= 0 and stable_ends.get(tp, offset) > offset
    ]
