"""Duplicates follow their primary (并单): when the primary resolves or closes, so do
the events merged into it.

The projection asks after each batch, from the ledger's current state, so it does not
matter whether the primary's step came from a department's feed or from a mutation,
nor whether the batch is a redelivery: the followers' steps have ids derived from the
duplicate, the primary and the status, and the ledger applies each once.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.bus import CloudEvent, derived_id
from hub.core.workorders import LifecycleStatus
from hub.events import ledger, lifecycle
from hub.events.ledger_rows import GridEventRecord
from hub.events.payloads import Progressed
from hub.events.types import GridEventType

SOURCE = "/hub/ledger"
FOLLOW: dict[LifecycleStatus, LifecycleStatus] = {
    # the primary is  → its duplicates become
    LifecycleStatus.RESOLVED: LifecycleStatus.RESOLVED,
    LifecycleStatus.VERIFIED: LifecycleStatus.RESOLVED,
    LifecycleStatus.CLOSED: LifecycleStatus.CLOSED,
}
STEP = {
    LifecycleStatus.RESOLVED: GridEventType.RESOLVED,
    LifecycleStatus.CLOSED: GridEventType.CLOSED,
}


async def followers(connection: AsyncConnection, primaries: Collection[str]) -> list[CloudEvent]:
    """The steps that bring the duplicates of these events up to their primary."""
    if not primaries:
        return []
    found = await ledger.events(connection, primaries)
    leading = [p for p in found.values() if p.status in FOLLOW]
    duplicates = await ledger.duplicates(connection, [p.id for p in leading])
    return [
        _follow(primary, duplicate, FOLLOW[primary.status])
        for primary in leading
        for duplicate in duplicates.get(primary.id, [])
        if duplicate.status is not FOLLOW[primary.status]
        and lifecycle.allowed(duplicate.status, FOLLOW[primary.status])
    ]


def _follow(
    primary: GridEventRecord, duplicate: GridEventRecord, status: LifecycleStatus
) -> CloudEvent:
    data = Progressed(
        event_id=duplicate.id,
        status=status,
        category=duplicate.category,
        severity=duplicate.severity,
        departments=duplicate.departments,
        note=f"with its primary {primary.id}",
    )
    return CloudEvent.of(
        STEP[status],
        SOURCE,
        duplicate.grid_code,
        data,
        subject=duplicate.id,
        id_=derived_id(duplicate.id, f"follows:{primary.id}:{status.value}"),
        time=primary.updated_at,
    )
