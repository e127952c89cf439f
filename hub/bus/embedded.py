"""The embedded backend: a durable, partition-free log in the hub's own database.

A topic is rows ``(topic, offset)`` with dense offsets. Appending updates the topic's
``bus_topics`` row first, which locks it until commit, so offsets are handed out in
commit order and a reader never skips a row that commits late. A consumer group's
position is a row in ``bus_offsets``; a commit moves it with compare-and-set in the
same transaction that appends the outputs, so consume-transform-produce is exactly
once, and a second member that lost the race gets CommitConflictError and refetches.

A reader that found nothing queries again only when something may have been
appended: writers in this process wake it as they commit, on PostgreSQL writers in
other processes too (LISTEN/NOTIFY), and one watcher per process reads the topics'
end offsets every ``poll_interval`` seconds and wakes the readers when they moved
(SQLite shared by processes; a listener that lost its connection). That one small
query a ``poll_interval`` is all an idle log costs, however many readers wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.bus.backend import BusUnavailableError, CommitConflictError, Partition
from hub.bus.message import Message, Record
from hub.bus.signal import Signal, wait
from hub.bus.wakeup import BUS_LOG_CHANNEL, Listener, notify
from hub.core.tasks import cancelled
from hub.db.bus_models import BusLogRow, BusOffsetRow, BusTopicRow
from hub.db.engine import Database
from hub.db.types import utcnow
from hub.db.upsert import insert_missing

log = logging.getLogger(__name__)
_LOG = cast("Table", BusLogRow.__table__)
_TOPICS = cast("Table", BusTopicRow.__table__)
_OFFSETS = cast("Table", BusOffsetRow.__table__)


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, database: Database, poll_interval: float = 1.0) -> None:
        self.database = database
        self.poll_interval = poll_interval
        self.appended = Signal()
        self.listener = Listener(database, BUS_LOG_CHANNEL, self.appended)
        self._watching: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """The tables come with the database's migrations; other processes' appends are
        to be noticed. Every reader starts with a query, so the offsets now are the
        watcher's baseline."""
        if self._watching is None:
            with contextlib.suppress(DBAPIError, OSError):
                self.watch(await self._end_offsets())

    def watch(self, seen: dict[str, int] | None = None) -> None:
        """Notice appends from other processes (readers call it too: they rely on it).
        Without a baseline the first look wakes every reader."""
        if self._watching is None or self._watching.done():
            self._watching = asyncio.create_task(self._watch(seen))

    async def _watch(self, seen: dict[str, int] | None) -> None:
        listening = asyncio.create_task(self.listener.run())
        try:
            await self._poll_end_offsets(seen)
        finally:
            await cancelled(listening)

    async def _poll_end_offsets(self, seen: dict[str, int] | None) -> None:
        while True:
            if seen is not None:
                await asyncio.sleep(self.poll_interval)
            try:
                ends = await self._end_offsets()
            except (DBAPIError, OSError) as error:
                log.info("cannot read the log's end offsets: %s", error)
                seen = seen or {}
                continue
            if ends != seen:
                self.appended.fire()
            seen = ends

    async def _end_offsets(self) -> dict[str, int]:
        async with self.database.engine.connect() as connection:
            rows = await connection.execute(select(_TOPICS.c.name, _TOPICS.c.end_offset))
            return {name: int(end) for name, end in rows.all()}

    async def stop(self) -> None:
        await cancelled(self._watching)
        self._watching = None
        self.appended.fire()

    async def ping(self) -> None:
        try:
            await self.database.ping()
        except (DBAPIError, OSError) as error:
            raise BusUnavailableError(f"database unreachable: {error}") from error

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        async with self.database.engine.begin() as connection:
            await _create_topics(connection, topics)

    async def unsettled(self, topics: Sequence[str]) -> dict[Partition, tuple[int, int]]:
        """None: an append is visible when its database transaction commits."""
        return {}

    async def complete(self, partition: Partition, stable: int, owned_by: str) -> str | None:
        return None  # nothing is ever held (see unsettled)

    async def publish(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        try:
            async with self.database.engine.begin() as connection:
                await append(connection, messages)
        except (DBAPIError, OSError) as error:
            raise BusUnavailableError(f"database unreachable: {error}") from error
        self.appended.fire()

    def group_consumer(
        self, group: str, topics: Sequence[str], member: str
    ) -> EmbeddedGroupConsumer:
        return EmbeddedGroupConsumer(self, group, topics)

    def tail(self, topics: Sequence[str], since: datetime | None = None) -> EmbeddedTail:
        return EmbeddedTail(self, topics, since)

    async def select(self, positions: dict[str, int], max_records: int) -> list[Record]:
        """Records at or after each topic's position, now."""
        after = or_(*(and_(_LOG.c.topic == t, _LOG.c.offset >= p) for t, p in positions.items()))
        statement = (
            select(_LOG).where(after).order_by(_LOG.c.topic, _LOG.c.offset).limit(max_records)
        )
        async with self.database.engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [
            Record(
                topic=row.topic,
                partition=0,
                offset=row.offset,
                key=row.key,
                value=row.value,
                headers=tuple((name, value.encode()) for name, value in row.headers),
                timestamp_ms=int(row.appended_at.timestamp() * 1000),
            )
            for row in rows
        ]


async def _create_topics(connection: AsyncConnection, topics: Sequence[str]) -> None:
    await insert_missing(connection, _TOPICS, [{"name": t, "end_offset": 0} for t in topics])


async def _reserve(connection: AsyncConnection, topic: str, count: int) -> int:
    """The first of ``count`` offsets for ``topic``; locks the topic until commit."""
    statement = (
        update(_TOPICS)
        .where(_TOPICS.c.name == topic)
        .values(end_offset=_TOPICS.c.end_offset + count)
        .returning(_TOPICS.c.end_offset)
    )
    end = await connection.scalar(statement)
    if end is None:  # a topic nobody created yet: like Kafka, the first append creates it
        await _create_topics(connection, [topic])
        end = await connection.scalar(statement)
    return int(end) - count


async def append(connection: AsyncConnection, messages: Sequence[Message]) -> None:
    """Append in the caller's transaction; topics are locked in name order (no deadlocks)."""
    by_topic: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        by_topic[message.topic].append(message)
    now = utcnow()
    for topic in sorted(by_topic):
        batch = by_topic[topic]
        first = await _reserve(connection, topic, len(batch))
        rows = [
            {
                "topic": topic,
                "offset": first + i,
                "key": m.key,
                "headers": [[name, value.decode()] for name, value in m.headers],
                "value": m.value,
                "appended_at": now,
            }
            for i, m in enumerate(batch)
        ]
        await connection.execute(insert(_LOG), rows)
    await notify(connection, BUS_LOG_CHANNEL)


class _Cursor:
    """Reads on from ``positions``, querying only when something may have been appended."""

    def __init__(self, backend: EmbeddedBackend) -> None:
        self.backend = backend
        self.positions: dict[str, int] = {}
        # Taken before the last read that found nothing: set once anything is appended.
        self._quiet: asyncio.Event | None = None

    async def fetch(self, max_records: int, max_wait: float) -> list[Record]:
        """Records from the positions on; waits up to ``max_wait`` seconds for some."""
        self.backend.watch()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while True:
            if self._quiet is not None and not self._quiet.is_set():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return []
                await wait(self._quiet, remaining)
                if not self._quiet.is_set():
                    return []
            self._quiet = self.backend.appended.current()
            records = await self.backend.select(self.positions, max_records)
            if records:
                self._quiet = None
                for record in records:
                    self.positions[record.topic] = record.offset + 1
                return records
            if loop.time() >= deadline:
                return []

    def moved(self, positions: dict[str, int]) -> None:
        """Read from these positions next, whatever was appended since."""
        self.positions = positions
        self._quiet = None


class EmbeddedGroupConsumer(_Cursor):
    def __init__(self, backend: EmbeddedBackend, group: str, topics: Sequence[str]) -> None:
        super().__init__(backend)
        self.group = group
        self.topics = list(topics)

    async def start(self) -> None:
        await self.backend.ensure_topics(self.topics)
        async with self.backend.database.engine.begin() as connection:
            await self._ensure_offsets(connection)
        await self.rewind()

    async def _ensure_offsets(self, connection: AsyncConnection) -> None:
        rows = [{"group_name": self.group, "topic": t, "position": 0} for t in self.topics]
        await insert_missing(connection, _OFFSETS, rows)

    async def stop(self) -> None:
        """Positions live in the database; nothing to release."""

    async def rewind(self) -> None:
        statement = select(_OFFSETS.c.topic, _OFFSETS.c.position).where(
            _OFFSETS.c.group_name == self.group, _OFFSETS.c.topic.in_(self.topics)
        )
        async with self.backend.database.engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        self.moved({t: int(p) for t, p in rows})

    async def commit(self, consumed: Sequence[Record], outputs: Sequence[Message]) -> None:
        moves: dict[str, tuple[int, int]] = {}
        for record in consumed:
            start = moves.get(record.topic, (record.offset, 0))[0]
            moves[record.topic] = (start, record.offset + 1)
        async with self.backend.database.engine.begin() as connection:
            for topic, (start, end) in sorted(moves.items()):
                await self._move(connection, topic, start, end)
            if outputs:
                await append(connection, outputs)
        if outputs:
            self.backend.appended.fire()

    async def _move(self, connection: AsyncConnection, topic: str, start: int, end: int) -> None:
        moved = await connection.execute(
            update(_OFFSETS)
            .where(
                _OFFSETS.c.group_name == self.group,
                _OFFSETS.c.topic == topic,
                _OFFSETS.c.position == start,
            )
            .values(position=end)
        )
        if moved.rowcount != 1:
            raise CommitConflictError(f"{self.group}: {topic} was committed past {start}")


class EmbeddedTail(_Cursor):
    def __init__(
        self, backend: EmbeddedBackend, topics: Sequence[str], since: datetime | None
    ) -> None:
        super().__init__(backend)
        self.topics = list(topics)
        self.since = since

    async def start(self) -> None:
        await self.backend.ensure_topics(self.topics)
        async with self.backend.database.engine.connect() as connection:
            starts = {topic: await self._start_of(connection, topic) for topic in self.topics}
        self.moved(starts)

    async def _start_of(self, connection: AsyncConnection, topic: str) -> int:
        if self.since is None:
            end = select(_TOPICS.c.end_offset).where(_TOPICS.c.name == topic)
            return int(await connection.scalar(end) or 0)
        first = select(func.min(_LOG.c.offset)).where(
            _LOG.c.topic == topic, _LOG.c.appended_at >= self.since
        )
        found = await connection.scalar(first)
        if found is not None:
            return int(found)
        end = select(_TOPICS.c.end_offset).where(_TOPICS.c.name == topic)
        return int(await connection.scalar(end) or 0)

    async def stop(self) -> None:
        """Nothing held."""
