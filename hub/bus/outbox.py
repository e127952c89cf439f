"""The transactional outbox: events are written beside the change they announce, in the
same database transaction, and a relay publishes them afterwards.

So a report is accepted even while the bus is down, and nothing accepted is lost:
the outbox grows and drains when the bus returns. The relay publishes in outbox
order with an idempotent producer, which keeps each grid's events in order. One
relay publishes at a time (a PostgreSQL advisory lock across replicas); a relay that
dies after publishing and before deleting publishes those rows again, and consumers,
idempotent on the event id, see them once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

from sqlalchemy import Row, Table, delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.bus.backend import Backend, BusUnavailableError
from hub.bus.message import Message
from hub.bus.runtime import backoff
from hub.bus.signal import Signal, wait
from hub.bus.wakeup import OUTBOX_CHANNEL, Listener, notify
from hub.core import telemetry
from hub.core.tasks import cancelled
from hub.db.bus_models import OutboxRow
from hub.db.engine import Database

log = logging.getLogger(__name__)
_OUTBOX = cast("Table", OutboxRow.__table__)
RELAY_LOCK = 0x6875_6272_656C  # "hubrel": the advisory lock only one relay holds
# Built once: every report's transaction and every relayed batch runs them.
INSERT_OUTBOX = insert(_OUTBOX)
TRY_LOCK = text("SELECT pg_try_advisory_lock(:k)")
UNLOCK = text("SELECT pg_advisory_unlock(:k)")


async def enqueue(connection: AsyncConnection, messages: Sequence[Message]) -> None:
    """Add messages to the outbox in the caller's transaction."""
    if messages:
        rows = [
            {
                "topic": m.topic,
                "key": m.key,
                "headers": [[name, value.decode()] for name, value in m.headers],
                "value": m.value,
            }
            for m in messages
        ]
        await connection.execute(INSERT_OUTBOX, rows)
        await notify(connection, OUTBOX_CHANNEL)


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        backend: Backend,
        batch_size: int = 500,
        written: Signal | None = None,
        idle_poll: float = 1.0,
        resumed: Signal | None = None,
    ) -> None:
        self.database = database
        self.backend = backend
        self.batch_size = batch_size
        self.written = written or Signal()  # writers in this process fire it after commit
        # How soon rows written by other processes are noticed without a notification.
        self.idle_poll = idle_poll
        # Fired when the broker answers again: a relay in its backoff goes on at once.
        self.resumed = resumed or Signal()
        self.failing = False  # the last publish failed: the bus is away
        self._local = asyncio.Lock()

    async def run(self) -> None:
        listener = asyncio.create_task(Listener(self.database, OUTBOX_CHANNEL, self.written).run())
        try:
            await self._relay()
        finally:
            await cancelled(listener)

    async def _relay(self) -> None:
        failures = 0
        while True:
            woken, resumed = self.written.current(), self.resumed.current()
            try:
                moved = await self.drain_once()
            except BusUnavailableError as error:
                failures += 1
                self._failed(error)
                await wait(resumed, backoff(failures))
                continue
            if self.failing:
                log.info("the bus is back; the outbox drains", extra={"failures": failures})
            failures, self.failing = 0, False
            if moved < self.batch_size:
                await wait(woken, self.idle_poll)

    def _failed(self, error: BusUnavailableError) -> None:
        if not self.failing:  # once per outage, not once per attempt
            log.warning("bus down; the outbox keeps the events", extra={"error": str(error)})
        self.failing = True

    async def drain(self) -> int:
        """Publish until the outbox is empty; returns how many were published."""
        total = 0
        while moved := await self.drain_once():
            total += moved
        return total

    async def drain_once(self) -> int:
        async with self._leadership() as leading:
            if not leading:
                return 0
            async with self.database.engine.connect() as connection:
                rows = (
                    await connection.execute(
                        select(_OUTBOX).order_by(_OUTBOX.c.id).limit(self.batch_size)
                    )
                ).all()
            if not rows:
                return 0
            traces = (dict(row.headers).get("ce_traceparent") for row in rows)
            with telemetry.each_joined("outbox publish", traces, kind="producer"):
                await self.backend.publish([_message(row) for row in rows])
            async with self.database.engine.begin() as connection:
                await connection.execute(
                    delete(_OUTBOX).where(_OUTBOX.c.id.in_([r.id for r in rows]))
                )
            return len(rows)

    @asynccontextmanager
    async def _leadership(self) -> AsyncIterator[bool]:
        async with self._local:
            if self.database.dialect != "postgresql":
                yield True
                return
            async with self.database.engine.connect() as connection:
                got = await connection.scalar(TRY_LOCK, {"k": RELAY_LOCK})
                try:
                    yield bool(got)
                finally:
                    if got:
                        await connection.execute(UNLOCK, {"k": RELAY_LOCK})
                    await connection.commit()


def _message(row: Row[Any]) -> Message:
    headers = tuple((name, value.encode()) for name, value in row.headers)
    return Message(topic=row.topic, key=row.key, value=row.value, headers=headers)
