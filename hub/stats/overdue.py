"""Events open past their deadline, read from the ledger as it stands: the one figure
of a period that is a stock of lateness rather than a flow."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.core.workorders import LifecycleStatus
from hub.db.types import under
from hub.events import ledger
from hub.stats.facts import UNASSIGNED

# Not yet resolved: the department still owes the work. A suspended event (挂账) has
# its clock stopped, and a resolved one is done, late or not, when it closes.
UNRESOLVED = (
    LifecycleStatus.REPORTED,
    LifecycleStatus.ROUTED,
    LifecycleStatus.ACCEPTED,
    LifecycleStatus.IN_PROGRESS,
    LifecycleStatus.RETURNED,
    LifecycleStatus.REOPENED,
)
GROUP_COLUMNS = {"GRID": "grid_code", "DEPARTMENT": "lead_department", "CATEGORY": "category"}

Late = tuple[str, datetime, datetime]  # group, deadline, reported at


async def overdue_events(
    connection: AsyncConnection, within: Sequence[str], group_by: str, before: datetime
) -> list[Late]:
    """Each unresolved event in the regions whose deadline is before ``before``, with
    its group: its grid, lead department (empty until routed) or category."""
    events = ledger.EVENTS.c
    group = events[GROUP_COLUMNS[group_by]]
    statement = select(group, events.deadline, events.reported_at).where(
        events.status.in_([s.value for s in UNRESOLVED]),
        events.deadline < before,
        under(events.grid_code, within),
    )
    rows = await connection.execute(statement)
    return [(row[0] or UNASSIGNED, row[1], row[2]) for row in rows]
