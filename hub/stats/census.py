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
from hub.events import GridEventType, ledger

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


WORK = (
    GridEventType.ACCEPTED,
    GridEventType.PROGRESSED,
    GridEventType.RESOLVED,
    GridEventType.RETURNED,
)
"""A department's own steps on an event, in its system or at its desk."""


async def departments_at_work(
    connection: AsyncConnection, within: str = "", since: datetime | None = None
) -> dict[str, int]:
    """How many events under ``within`` reported since ``since`` each department has
    taken a step on (认领, 进展, 办结 or 退单), as lead or co-handler."""
    step, event = ledger.TIMELINE.c, ledger.EVENTS.c
    statement = (
        select(step.department, func.count(step.event_id.distinct()))
        .join_from(ledger.TIMELINE, ledger.EVENTS, step.event_id == event.id)
        .where(step.type.in_([t.value for t in WORK]), step.department.is_not(None))
        .where(under(event.grid_code, (within,)))
        .group_by(step.department)
    )
    if since is not None:
        statement = statement.where(event.reported_at >= since)
    rows = await connection.execute(statement)
    return {str(department): int(count) for department, count in rows}
