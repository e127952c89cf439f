"""Rebuilding the ledger from ``grid.events``: the projection, fed from a point in time.

Applying an event the ledger has is a no-op, so a replay over a ledger that is
partly current repairs what is missing and changes nothing else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from hub.bus import Backend, CloudEvent, MalformedEventError
from hub.db.engine import Database
from hub.events import ledger
from hub.events.projection import Projection

CAUGHT_UP_AFTER = 2.0  # seconds without a new record: the end of the log


async def replay(
    database: Database,
    log: tuple[Backend, str],
    projection: Projection,
    since: datetime | None,
    *,
    reset: bool,
) -> int:
    """Re-apply every event since ``since``; returns how many were new to the ledger."""
    if reset:
        async with database.engine.begin() as connection:
            # timeline and orders go with their events (ON DELETE CASCADE)
            await connection.execute(delete(ledger.EVENTS))
    backend, topic = log
    stream = backend.tail([topic], since=since)
    applied = 0
    await stream.start()
    try:
        while records := await stream.fetch(500, max_wait=CAUGHT_UP_AFTER):
            events = []
            for record in records:
                try:
                    events.append(CloudEvent.from_record(record))
                except MalformedEventError:
                    continue  # the consumers dead-letter it; the ledger has nothing to learn
            applied += await projection.apply(events)
    finally:
        await stream.stop()
    return applied
