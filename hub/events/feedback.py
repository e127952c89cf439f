"""Feedback to reporters (反馈): when an event a hotline caller reported (or one with a
reporter's phone) is resolved or closed, a reply is owed, and the department whose
system calls reporters back gives it (the connector that declares
``calls_back_reporters``; the hotline, 12345). The ledger asks after each batch which
of its steps owe one.

A step owes a reply when it resolved or closed the event (the ledger has the event
in the step's status now, so a late or refused step owes nothing). The reply's id
derives from the step's, so a redelivered batch asks for the same reply again and
the hotline gives it once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.bus import CloudEvent, derived_id
from hub.core.workorders import LifecycleStatus
from hub.events import ledger
from hub.events.ledger_rows import GridEventRecord
from hub.events.payloads import FeedbackRequested, Lifecycle
from hub.events.types import DispatchType, GridEventType

SOURCE = "/hub/ledger"
OWING = {GridEventType.RESOLVED.value, GridEventType.CLOSED.value}
MESSAGES = {
    LifecycleStatus.RESOLVED: "您反映的“{title}”已处理完毕，我们将安排回访，感谢您的监督。",
    LifecycleStatus.CLOSED: "您反映的“{title}”已办结归档，感谢您对网格工作的支持。",
}


async def feedback_owed(
    connection: AsyncConnection, steps: Sequence[CloudEvent]
) -> list[CloudEvent]:
    owing = [(e, e.payload(Lifecycle)) for e in steps if e.type in OWING]
    if not owing:
        return []
    records = await ledger.events(connection, {data.event_id for _, data in owing})
    return [
        _feedback(step, records[data.event_id], data.status)
        for step, data in owing
        if data.event_id in records and _owed(records[data.event_id], data.status)
    ]


def _owed(record: GridEventRecord, status: LifecycleStatus) -> bool:
    return record.status is status and status in MESSAGES and record.reporter_phone is not None


def _feedback(step: CloudEvent, record: GridEventRecord, status: LifecycleStatus) -> CloudEvent:
    data = FeedbackRequested(
        event_id=record.id,
        status=status,
        channel=record.channel,
        title=record.title,
        phone=str(record.reporter_phone),
        message=MESSAGES[status].format(title=record.title),
    )
    return CloudEvent.of(
        DispatchType.FEEDBACK,
        SOURCE,
        record.grid_code,
        data,
        subject=record.id,
        id_=derived_id(step.id, "feedback"),
        time=step.time,
    )
