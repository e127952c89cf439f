"""Where reports stopped on Kafka, for a run that lost some: what the broker says.

For each partition of the hub's topics, its last stable offset (what a
``read_committed`` reader may read up to) beside its high watermark; for each consumer
group, its committed offset beside that stable offset. A partition whose stable offset
stays behind its high watermark holds a transaction nobody ends, and every reader of
it waits: Kafka's own kafka-transactions tool then says which producer (id and epoch)
holds it and which transactional id that producer is, as the coordinator sees it. A
group with records it could read and has not has stopped reading. Only those are
reported: a run that lost nothing shows none, and a broker that does not answer is
said to.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from bench.fault_components import ScriptFailedError, project_script
from hub.bus.kafka import ends_of, partitions_of

Ends = Mapping[TopicPartition, int]
READS = 20  # fetches of at most 0.5 s each, to count what a group has left unread


async def stalls(bootstrap: str, prefix: str = "") -> list[str]:
    """A line per partition held by an open transaction (with the producers Kafka's own
    tool says write to it) and per group behind, of the topics and groups whose names
    start with ``prefix``. (aiokafka learns each topic's metadata on its own, a tenth of
    a second each: a broker of a thousand topics takes minutes.)"""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    stable = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    written = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        await stable.start()
        await written.start()
        topics = [t for t in await admin.list_topics() if t.startswith(prefix) and t[:2] != "__"]
        partitions = await partitions_of(admin, topics)
        stable_ends = await ends_of(stable, partitions)
        held = _held(stable_ends, await ends_of(written, partitions), bootstrap)
        lines = await asyncio.to_thread(held)  # Kafka's tool is a JVM: not on the loop
        if lines:  # whose producer ids those are, and what the coordinator thinks of them
            listed = await asyncio.to_thread(_tool, bootstrap, "list")
            lines += ["transactions, as the coordinator has them:", *listed]
        for group, _ in await admin.list_consumer_groups():
            if not group.startswith(prefix):
                continue
            committed = await admin.list_consumer_group_offsets(group)
            offsets = {tp: m.offset for tp, m in committed.items()}
            lines += await _behind(stable, group, offsets, stable_ends)
    except (KafkaError, OSError) as error:
        return [f"the broker did not say where reports stopped: {error!r}"]
    finally:
        await written.stop()
        await stable.stop()
        await admin.close()
    return lines


def _held(stable_ends: Ends, written_ends: Ends, bootstrap: str) -> Callable[[], list[str]]:
    def said() -> list[str]:
        lines = []
        for tp, written in written_ends.items():
            if stable_ends.get(tp, written) < written:
                lines.append(
                    f"{tp.topic}[{tp.partition}]: readable up to {stable_ends[tp]} of "
                    f"{written}: an open transaction holds {written - stable_ends[tp]} records"
                )
                lines += _producers(bootstrap, tp)
        return lines

    return said


def _producers(bootstrap: str, tp: TopicPartition) -> list[str]:
    """The partition's producers: their ids, epochs and where each one's open
    transaction starts."""
    return _tool(
        bootstrap, "describe-producers", "--topic", tp.topic, "--partition", str(tp.partition)
    )


def _tool(bootstrap: str, *arguments: str) -> list[str]:
    """What Kafka's own kafka-transactions tool says, indented."""
    port = bootstrap.rpartition(":")[2]
    try:
        said = project_script("kafka", "transactions", {"HUB_KAFKA_PORT": port}, *arguments)
    except (ScriptFailedError, subprocess.TimeoutExpired, OSError) as error:
        return [f"  kafka-transactions did not answer: {error}"]
    return [f"  {line}" for line in said.splitlines() if line.strip()]


async def _behind(reader: Any, group: str, committed: Ends, stable_ends: Ends) -> list[str]:
    """Groups with records they could read and have not: counted by reading them, since
    the offsets between include the markers that end transactions."""
    lines = []
    for tp, offset in committed.items():
        if offset >= 0 and stable_ends.get(tp, offset) > offset:
            unread = await _records_between(reader, tp, offset, stable_ends[tp])
            if unread:
                lines.append(
                    f"{group} on {tp.topic}[{tp.partition}]: committed {offset}, "
                    f"{unread} readable records behind"
                )
    return lines


async def _records_between(reader: Any, tp: TopicPartition, start: int, end: int) -> int:
    reader.assign([tp])
    reader.seek(tp, start)
    count = 0
    for _ in range(READS):
        batches = await reader.getmany(tp, timeout_ms=500)
        count += sum(1 for m in batches.get(tp, ()) if m.offset < end)
        if await reader.position(tp) >= end:
            break
    return count
