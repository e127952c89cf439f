"""The production backend: Apache Kafka through aiokafka.

Consume-transform-produce is exactly once: a group member's outputs and its offset
commit go in one Kafka transaction, and every reader uses ``read_committed``, so a
crash between the two leaves neither. Each member's transactional id is
``<group>.<member>``: a restarted replica fences its previous incarnation and aborts
whatever that one left open.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer import sender as aiokafka_sender

from hub.bus import kafka_hanging as hanging
from hub.bus.backend import BusUnavailableError, CommitConflictError, Partition
from hub.bus.kafka_lifetimes import Lifetime, bounded, drain, uncut
from hub.bus.message import Message, Record
from hub.bus.settings import KafkaSettings

log = logging.getLogger(__name__)

# A transaction begun while the broker still writes the previous one's markers is
# refused (CONCURRENT_TRANSACTIONS, KAFKA-5477) and asked again after aiokafka's
# override: 20 ms, where the broker needs 1-3 ms on loopback, so each of a busy member's
# back-to-back transactions waited 20 ms. aiokafka reads the name on every retry; a test
# holds it to this value, so an aiokafka that renames it fails there.
CONCURRENT_TRANSACTIONS_RETRY_SECONDS = 0.002
AIOKAFKA_CONCURRENT_TRANSACTIONS_RETRY_SECONDS = aiokafka_sender.BACKOFF_OVERRIDE  # to compare
aiokafka_sender.BACKOFF_OVERRIDE = CONCURRENT_TRANSACTIONS_RETRY_SECONDS


def _record(message: Any) -> Record:
    return Record(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key.decode() if message.key else "",
        value=message.value or b"",
        headers=tuple(message.headers or ()),
        timestamp_ms=message.timestamp,
    )


def _consumer(settings: KafkaSettings, group: str | None) -> Any:
    """Offsets are committed by hand (in transactions), and aborted output is never read."""
    return AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        client_id=settings.client_id,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )


async def _fetch(consumer: Any, max_records: int, max_wait: float) -> list[Record]:
    batches = await consumer.getmany(timeout_ms=int(max_wait * 1000), max_records=max_records)
    return [_record(m) for messages in batches.values() for m in messages]


# How long the held-partition watch keeps a topic's partition list: one added to a hub
# topic later is watched within this, at the cost of describing the topics again.
PARTITIONS_KEPT_SECONDS = 600.0
MAX_BATCH_BYTES = 512 * 1024  # per partition and request: fewer, larger record batches


class _Partitions:
    """Which partition a key goes to: Kafka's default partitioner (murmur2 of the key), so
    producers in other languages agree, computed once per topic and key."""

    def __init__(self) -> None:
        self._counts: dict[str, list[int]] = {}
        self._chosen: dict[tuple[str, str], TopicPartition] = {}
        self._partitioner = DefaultPartitioner()

    async def of(self, producer: Any, topic: str, key: str) -> TopicPartition:
        chosen = self._chosen.get((topic, key))
        if chosen is None:
            if topic not in self._counts:
                self._counts[topic] = sorted(await producer.partitions_for(topic))
            partitions = self._counts[topic]
            partition = self._partitioner(key.encode(), partitions, partitions)
            chosen = self._chosen[(topic, key)] = TopicPartition(topic, partition)
        return chosen


async def _send_all(
    producer: Any, partitions: _Partitions, messages: Sequence[Message]
) -> list[asyncio.Future[Any]]:
    """Hand messages to the producer a record batch per partition at a time: a tenth of
    the cost of one ``send`` per message. Each key keeps its order."""
    batches: dict[TopicPartition, Any] = {}
    sent: list[asyncio.Future[Any]] = []
    for message in messages:
        target = await partitions.of(producer, message.topic, message.key)
        batch = batches.get(target)
        if batch is None:
            batch = batches[target] = producer.create_batch()
        if not _append(batch, message):
            sent.append(await producer.send_batch(batch, target.topic, partition=target.partition))
            batch = batches[target] = producer.create_batch()
            if not _append(batch, message):
                raise ValueError(f"a message of {len(message.value)} bytes exceeds a batch")
    for target, batch in batches.items():
        sent.append(await producer.send_batch(batch, target.topic, partition=target.partition))
    return sent


async def _delivered(sent: Sequence[asyncio.Future[Any]]) -> None:
    """Wait for every batch; raise the first failure, having retrieved them all."""
    results = await asyncio.gather(*sent, return_exceptions=True)
    failed = next((r for r in results if isinstance(r, BaseException)), None)
    if failed is not None:
        raise failed


def _append(batch: Any, message: Message) -> bool:
    appended = batch.append(
        timestamp=None, key=message.key.encode(), value=message.value, headers=list(message.headers)
    )
    return appended is not None


async def _partitions(settings: KafkaSettings, topics: Sequence[str]) -> list[TopicPartition]:
    return await uncut(_described(settings, topics))


async def _described(settings: KafkaSettings, topics: Sequence[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    try:
        await admin.start()
        return await partitions_of(admin, topics)
    finally:
        await admin.close()


async def partitions_of(admin: AIOKafkaAdminClient, topics: Sequence[str]) -> list[TopicPartition]:
    """Every partition of ``topics``, in order, as the broker describes them."""
    described = await admin.describe_topics(list(topics))
    return sorted(
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        for partition in topic["partitions"]
    )


async def ends_of(
    consumer: Any, partitions: Sequence[TopicPartition], per_request: int = 200
) -> dict[TopicPartition, int]:
    """The end offsets of ``partitions`` as ``consumer`` may read them, a few hundred
    partitions a call: aiokafka learns each new topic's metadata within the call's time
    limit, and a thousand partitions of new topics at once outlasted it."""
    ends: dict[TopicPartition, int] = {}
    for start in range(0, len(partitions), per_request):
        ends.update(await consumer.end_offsets(list(partitions[start : start + per_request])))
    return ends


def _led(topic: dict[str, Any]) -> bool:
    partitions = topic["partitions"]
    return bool(partitions) and all(p["leader"] >= 0 for p in partitions)


class KafkaBackend:
    name = "kafka"

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self._producer: Any = None
        self._producing: Lifetime | None = None  # the producer's start and stop
        self._lock = asyncio.Lock()
        self._partitions = _Partitions()
        self._ends: _Ends | None = None

    def _client(self) -> dict[str, Any]:
        return {"bootstrap_servers": self.settings.bootstrap_servers}

    async def start(self) -> None:
        """Nothing to connect yet: the first publish connects, so a broker that is down
        at start does not stop the hub from taking reports (the outbox keeps them)."""

    async def stop(self) -> None:
        if self._ends is not None:
            await self._ends.stop()
            self._ends = None
        if self._producing is not None:
            await self._producing.stop()
            self._producer = self._producing = None
        await drain()

    async def ping(self) -> None:
        """A broker answers: starting a client asks one for the metadata of no topic.
        (``describe_cluster`` asks for every topic's: on a broker holding 1,400 topics,
        50 ms of this process's CPU, its loop stalled, at every probe of the watch.)"""
        try:
            await uncut(self._answered())
        except (KafkaError, OSError) as error:
            raise BusUnavailableError(f"Kafka unreachable: {error}") from error

    async def _answered(self) -> None:
        admin = AIOKafkaAdminClient(**self._client(), request_timeout_ms=3000)
        try:
            await admin.start()
        finally:
            await admin.close()

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        await uncut(self._ensure_topics(topics))

    async def _ensure_topics(self, topics: Sequence[str]) -> None:
        admin = AIOKafkaAdminClient(**self._client())
        try:
            await admin.start()
            missing = sorted(set(topics) - set(await admin.list_topics()))
            if missing:
                await admin.create_topics(
                    [
                        NewTopic(t, self.settings.partitions, self.settings.replication_factor)
                        for t in missing
                    ]
                )
                await self._until_led(admin, missing)
                log.info("created Kafka topics", extra={"topics": missing})
        except (KafkaError, OSError) as error:
            raise BusUnavailableError(f"Kafka unreachable: {error}") from error
        finally:
            await admin.close()

    async def unsettled(self, topics: Sequence[str]) -> dict[Partition, tuple[int, int]]:
        try:
            ends = await self._offsets()
            return await ends.unsettled(topics)
        except (KafkaError, OSError) as error:
            raise BusUnavailableError(f"Kafka unreachable: {error}") from error

    async def complete(self, partition: Partition, stable: int, owned_by: str) -> str | None:
        tp = TopicPartition(*partition)
        try:
            client = (await self._offsets()).client
            found = await hanging.hung(client, tp, stable, owned_by)
            if found is not None:
                await hanging.commit(client, tp, found[0])
        except (KafkaError, OSError) as error:
            raise BusUnavailableError(f"could not end the transaction: {error!r}") from error
        if found is None:
            return None
        held_by, transactional_id = found
        return (
            f"{transactional_id} (producer {held_by.producer_id}, epoch {held_by.producer_epoch})"
        )

    async def _offsets(self) -> _Ends:
        """The watch's clients, started on first use."""
        if self._ends is None:
            ends = _Ends(self.settings)
            await ends.start()
            self._ends = ends
        return self._ends

    async def _until_led(self, admin: Any, topics: list[str], within: float = 30) -> None:
        """Until every partition of new topics has a leader: a reader that looked earlier
        would not know of every partition, and never read the ones it missed."""
        try:
            async with asyncio.timeout(within):
                while True:
                    if all(_led(t) for t in await admin.describe_topics(topics)):
                        return
                    await asyncio.sleep(0.1)
        except TimeoutError as error:
            raise BusUnavailableError(f"new topics have no leaders after {within} s") from error

    async def _publisher(self) -> Any:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    **self._client(),
                    client_id=self.settings.client_id,
                    enable_idempotence=True,  # retries never duplicate or reorder
                    linger_ms=self.settings.linger_ms,
                    max_batch_size=MAX_BATCH_BYTES,
                )
                producing = Lifetime(producer.start, lambda: bounded(producer.stop(), "producer"))
                try:
                    await producing.start()
                except (KafkaError, OSError) as error:
                    raise BusUnavailableError(f"Kafka unreachable: {error}") from error
                self._producer, self._producing = producer, producing
            return self._producer

    async def publish(self, messages: Sequence[Message]) -> None:
        producer = await self._publisher()
        try:
            await asyncio.gather(*await _send_all(producer, self._partitions, messages))
        except (KafkaError, OSError) as error:
            raise BusUnavailableError(f"publishing to Kafka failed: {error}") from error

    def group_consumer(self, group: str, topics: Sequence[str], member: str) -> KafkaGroupConsumer:
        return KafkaGroupConsumer(self.settings, group, topics, f"{group}.{member}")

    def tail(self, topics: Sequence[str], since: datetime | None = None) -> KafkaTail:
        return KafkaTail(self.settings, topics, since)


class _Ends:
    """Clients outside any group for partitions' ends: a reader of the stable one
    (``read_committed``), a reader of the written one, and one to ask the leaders of
    held partitions. Started on first use, kept between."""

    def __init__(
        self, settings: KafkaSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.stable = _consumer(settings, group=None)
        self.written = AIOKafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers, client_id=settings.client_id
        )
        self.client = AIOKafkaClient(
            bootstrap_servers=settings.bootstrap_servers, client_id=settings.client_id
        )
        # topics -> their partitions, and when the broker described them
        self._partitions: dict[tuple[str, ...], tuple[list[TopicPartition], float]] = {}
        self.lifetime = Lifetime(self._start, self._stop)

    async def start(self) -> None:
        await self.lifetime.start()

    async def stop(self) -> None:
        await self.lifetime.stop()

    async def _start(self) -> None:
        await self.stable.start()
        await self.written.start()
        await self.client.bootstrap()

    async def unsettled(self, topics: Sequence[str]) -> dict[Partition, tuple[int, int]]:
        partitions = await self.partitions(tuple(topics))
        stable = await ends_of(self.stable, partitions)
        written = await ends_of(self.written, partitions)
        return {
            (tp.topic, tp.partition): (stable[tp], end)
            for tp, end in written.items()
            if stable[tp] < end
        }

    async def partitions(self, topics: tuple[str, ...]) -> list[TopicPartition]:
        """Kept for ``PARTITIONS_KEPT_SECONDS`` once every topic has its partitions:
        asked before the topics were made, the broker describes none."""
        kept = self._partitions.get(topics)
        if kept is not None and self.clock() - kept[1] < PARTITIONS_KEPT_SECONDS:
            return kept[0]
        partitions = await _partitions(self.settings, topics)
        if {tp.topic for tp in partitions} == set(topics):
            self._partitions[topics] = (partitions, self.clock())
        return partitions

    async def _stop(self) -> None:
        await bounded(self.stable.stop(), "stable-offset reader")
        await bounded(self.written.stop(), "end-offset reader")
        await bounded(self.client.close(), "client of the held-partition watch")


class _Fence(ConsumerRebalanceListener):  # type: ignore[misc]
    """Partitions are handed over only between batches: revocation waits for the batch
    in hand to commit, and bumps the generation so a batch fetched before the
    rebalance is dropped instead of committed."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.generation = 0

    async def on_partitions_revoked(self, revoked: Any) -> None:
        async with self.lock:
            self.generation += 1

    async def on_partitions_assigned(self, assigned: Any) -> None:
        """Nothing to do: positions restart from the committed offsets."""


class KafkaGroupConsumer:
    def __init__(
        self, settings: KafkaSettings, group: str, topics: Sequence[str], transactional_id: str
    ) -> None:
        self.group = group
        self.topics = list(topics)
        self.fence = _Fence()
        self.consumer = _consumer(settings, group)
        self.producer = AIOKafkaProducer(
            bootstrap_servers=settings.bootstrap_servers,
            client_id=settings.client_id,
            transactional_id=transactional_id,
            transaction_timeout_ms=settings.transaction_timeout_ms,
            linger_ms=settings.linger_ms,
            max_batch_size=MAX_BATCH_BYTES,
            retry_backoff_ms=settings.transaction_retry_ms,
        )
        self._partitions = _Partitions()
        self._generation = 0
        self.lifetime = Lifetime(self._start, self._stop)

    async def start(self) -> None:
        try:
            await self.lifetime.start()
        except (KafkaError, OSError) as error:
            raise BusUnavailableError(f"Kafka unreachable: {error}") from error

    async def stop(self) -> None:
        await self.lifetime.stop()

    async def _start(self) -> None:
        await self.producer.start()
        self.consumer.subscribe(self.topics, listener=self.fence)
        await self.consumer.start()

    async def _stop(self) -> None:
        try:
            await bounded(self.consumer.stop(), f"consumer of {self.group}")
        finally:  # the transactional producer closes even when the consumer's stop fails
            await bounded(self.producer.stop(), f"transactional producer of {self.group}")

    async def fetch(self, max_records: int, max_wait: float) -> list[Record]:
        records = await _fetch(self.consumer, max_records, max_wait)
        self._generation = self.fence.generation
        return records

    async def commit(self, consumed: Sequence[Record], outputs: Sequence[Message]) -> None:
        offsets: dict[TopicPartition, int] = {}
        for record in consumed:
            offsets[TopicPartition(record.topic, record.partition)] = record.offset + 1
        async with self.fence.lock:
            if self.fence.generation != self._generation:
                raise CommitConflictError(f"{self.group}: partitions were reassigned")
            try:
                async with self.producer.transaction():
                    sent = await _send_all(self.producer, self._partitions, outputs)
                    if offsets:
                        await self.producer.send_offsets_to_transaction(offsets, self.group)
                    await _delivered(sent)  # aiokafka would commit without a failed batch
            except KafkaError as error:
                raise BusUnavailableError(f"{self.group}: transaction failed: {error}") from error

    async def rewind(self) -> None:
        for partition in self.consumer.assignment():
            committed = await self.consumer.committed(partition)
            if committed is None:
                await self.consumer.seek_to_beginning(partition)
            else:
                self.consumer.seek(partition, committed)


class KafkaTail:
    def __init__(self, settings: KafkaSettings, topics: Sequence[str], since: datetime | None):
        self.settings = settings
        self.topics = list(topics)
        self.since = since
        self.consumer = _consumer(settings, group=None)
        self.lifetime = Lifetime(self._start, self._stop)

    async def start(self) -> None:
        try:
            await self.lifetime.start()
        except (KafkaError, OSError) as error:
            raise BusUnavailableError(f"Kafka unreachable: {error}") from error

    async def stop(self) -> None:
        await self.lifetime.stop()

    async def _start(self) -> None:
        partitions = await _partitions(self.settings, self.topics)
        await self.consumer.start()
        self.consumer.assign(partitions)
        await self._seek(partitions)

    async def _seek(self, partitions: list[TopicPartition]) -> None:
        """Explicit offsets, not seek_to_end: that one is resolved whenever its request
        succeeds, and a retried request would skip what was written meanwhile."""
        starts: dict[TopicPartition, int | None] = dict.fromkeys(partitions)
        if self.since is not None:
            at = int(self.since.timestamp() * 1000)
            found = await self.consumer.offsets_for_times(dict.fromkeys(partitions, at))
            starts = {p: (o.offset if o is not None else None) for p, o in found.items()}
        at_end = [p for p, offset in starts.items() if offset is None]
        ends = await self.consumer.end_offsets(at_end) if at_end else {}
        for partition, offset in starts.items():
            self.consumer.seek(partition, offset if offset is not None else ends[partition])

    async def _stop(self) -> None:
        await bounded(self.consumer.stop(), "tail consumer")

    async def fetch(self, max_records: int, max_wait: float) -> list[Record]:
        return await _fetch(self.consumer, max_records, max_wait)
