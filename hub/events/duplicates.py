"""Likely duplicates (并单的候选): open events of the same category reported near in
place and time, nearest first.

A bounding box and the time window narrow the rows in SQL (an index on category and
report time serves it); the exact distance is taken here. The caller passes the grid
roots its principal may see, so a grid worker is offered only events of their grids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from hub.core.geo import METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR, distance_m
from hub.db.types import under
from hub.events import ledger, lifecycle
from hub.events.ledger_rows import GridEventRecord

MAX_METRES = 5_000
MAX_HOURS = 24 * 30
LIMIT = 20


@dataclass(frozen=True, slots=True)
class Nearness:
    metres: int
    hours: int

    def check(self) -> None:
        if not 1 <= self.metres <= MAX_METRES:
            raise ValueError(f"withinMetres is 1 to {MAX_METRES}")
        if not 1 <= self.hours <= MAX_HOURS:
            raise ValueError(f"withinHours is 1 to {MAX_HOURS}")


async def likely_duplicates(
    connection: ledger.Executor,
    record: GridEventRecord,
    near: Nearness,
    roots: tuple[str, ...] | None,
    limit: int = LIMIT,
) -> list[GridEventRecord]:
    events = ledger.EVENTS.c
    window = timedelta(hours=near.hours)
    dlat = near.metres / METRES_PER_DEGREE_LAT
    dlon = near.metres / (METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(record.lat)))
    statement = select(ledger.EVENTS).where(
        events.category == record.category,
        events.reported_at.between(record.reported_at - window, record.reported_at + window),
        events.status.in_([s.value for s in lifecycle.OPEN]),
        events.id != record.id,
        events.lat.between(record.lat - dlat, record.lat + dlat),
        events.lon.between(record.lon - dlon, record.lon + dlon),
    )
    if roots is not None:  # codes are prefixes of their descendants': range scans
        statement = statement.where(under(events.grid_code, roots))
    found = [ledger.event_record(row) for row in await connection.execute(statement)]
    nearby = [(distance_m(record.lat, record.lon, e.lat, e.lon), e) for e in found]
    return [e for d, e in sorted(nearby, key=lambda pair: pair[0]) if d <= near.metres][:limit]
