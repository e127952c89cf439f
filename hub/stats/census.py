"""Where every grid event stands now: a count per lead department and lifecycle status.

The rollups count flows over periods; the census is the stock at this moment, the
first thing to look at when asking whether the loop closes (``hub stats census``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.types import under
from hub.events import ledger

Census = dict[str, dict[str, int]]  # lead department ("" unrouted) → status → events


async def census(
    connection: AsyncConnection, within: str = "", since: datetime | None = None
) -> Census:
    """Events under the region code ``within`` reported since ``since``, counted."""
    row = ledger.EVENTS.c
    statement = (
        select(row.lead_department, row.status, func.count())
        .where(under(row.grid_code, (within,)))
        .group_by(row.lead_department, row.status)
    )
    if since is not None:
        statement = statement.where(row.reported_at >= since)
    counted: Census = defaultdict(dict)
    for department, status, count in await connection.execute(statement):
        counted[department or ""][status] = count
    return dict(counted)
