"""The dispatch handler of one department: work orders into the department's system.

The grid event's id is the idempotency key, so a redelivered item never makes a
second order. Transient failures are retried here briefly, then by the worker for as
long as it takes (a department that is down holds its own queue, nobody else's).
A refusal (退单) becomes ``returned``, which the router reassigns.
"""

from __future__ import annotations

import logging
from functools import partial

from tenacity import (
    AsyncRetrying,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from hub.bus import CloudEvent, Message, PoisonMessageError, Topics, derived_id
from hub.core.personal import Personal
from hub.core.retrying import retried
from hub.core.workorders import (
    Feedback,
    FeedbackSink,
    LifecycleStatus,
    Location,
    UpstreamRef,
    WorkOrder,
    WorkOrderRefusedError,
    WorkOrderSink,
)
from hub.events import DispatchType, GridEventType
from hub.events.payloads import (
    Accepted,
    FeedbackRequested,
    Returned,
    Upstream,
    WorkOrderRequested,
)

log = logging.getLogger(__name__)
QUICK_ATTEMPTS = 3


def work_order(item: WorkOrderRequested, grid: str) -> WorkOrder:
    reporter = item.reporter
    return WorkOrder(
        event_id=item.event_id,
        department=item.department,
        category=item.category,
        title=item.title,
        description=item.description,
        location=Location(item.place.lat, item.place.lon, item.place.address, grid),
        deadline=item.deadline,
        reporter_name=Personal(reporter.name) if reporter and reporter.name else None,
        reporter_phone=Personal(reporter.phone) if reporter and reporter.phone else None,
        photos=tuple(str(url) for url in item.photos),
        co_handlers=tuple(item.co_handlers),
    )


class Dispatcher:
    def __init__(self, sink: WorkOrderSink, topics: Topics, retry_wait: float = 0.2) -> None:
        self.sink = sink
        self.topics = topics
        self.retry_wait = retry_wait
        self.source = f"/hub/dispatch/{sink.department}"

    async def handle(self, event: CloudEvent) -> list[Message]:
        if event.type == DispatchType.NOTICE:
            return []  # notices are for people reading the topic; there is no order to make
        if event.type == DispatchType.FEEDBACK:
            await self._feedback(event)
            return []
        if event.type != DispatchType.WORK_ORDER:
            raise PoisonMessageError(f"{event.type} does not belong on a dispatch topic")
        item = event.payload(WorkOrderRequested)
        if item.department != self.sink.department:
            raise PoisonMessageError(
                f"an order for {item.department} on {self.sink.department}'s topic"
            )
        try:
            reference = await self._create(work_order(item, event.gridid))
        except WorkOrderRefusedError as refusal:
            return [self._returned(event, item, refusal.reason)]
        return [self._accepted(event, item, reference)]

    async def _feedback(self, event: CloudEvent) -> None:
        """A reply owed to a reporter, given by a system that can (the hotline)."""
        if not isinstance(self.sink, FeedbackSink):
            log.info("feedback for a system that cannot give it", extra={"id": event.id})
            return
        data = event.payload(FeedbackRequested)
        feedback = Feedback(event.id, data.event_id, Personal(data.phone), data.message)
        policy = partial(
            AsyncRetrying,
            stop=stop_after_attempt(QUICK_ATTEMPTS),
            wait=wait_exponential(multiplier=self.retry_wait, max=5),
            reraise=True,
        )
        await retried(partial(self.sink.send_feedback, feedback), policy)

    async def _create(self, order: WorkOrder) -> UpstreamRef:
        policy = partial(
            AsyncRetrying,
            retry=retry_if_not_exception_type(WorkOrderRefusedError),
            stop=stop_after_attempt(QUICK_ATTEMPTS),
            wait=wait_exponential(multiplier=self.retry_wait, max=5),
            reraise=True,
        )
        return await retried(partial(self.sink.create_work_order, order), policy)

    def _accepted(
        self, event: CloudEvent, item: WorkOrderRequested, reference: UpstreamRef
    ) -> Message:
        step = Accepted(
            event_id=item.event_id,
            status=LifecycleStatus.ACCEPTED,
            category=item.category,
            severity=item.severity,
            departments=item.departments,
            department=item.department,
            role=item.role,
            upstream=Upstream(system=reference.system, id=reference.id, url=reference.url),
        )
        return self._step(event, GridEventType.ACCEPTED, step)

    def _returned(self, event: CloudEvent, item: WorkOrderRequested, reason: str) -> Message:
        step = Returned(
            event_id=item.event_id,
            status=LifecycleStatus.RETURNED,
            category=item.category,
            severity=item.severity,
            departments=item.departments,
            department=item.department,
            role=item.role,
            reason=reason,
            refused_by=[*item.refused_by, item.department],
            order=item,
            note=reason,
        )
        return self._step(event, GridEventType.RETURNED, step)

    def _step(
        self, event: CloudEvent, step_type: GridEventType, step: Accepted | Returned
    ) -> Message:
        out = CloudEvent.of(
            step_type,
            self.source,
            event.gridid,
            step,
            subject=step.event_id,
            id_=derived_id(event.id, step_type.step),
        )
        return out.message(self.topics.grid_events)
