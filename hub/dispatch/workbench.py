"""The department workbench: a department without a system of its own works its orders
through the hub (认领, 进展, 退单, 办结).

A desk is one department and the person at it. Its steps are the ones a department's
system reports through the dispatcher and the change feeds, written the same way as
every step people take in the hub (``Steps.take``: the lifecycle table, the timeline,
the audit and the bus in one transaction): ``accepted`` with the department's role,
progress, ``returned`` with the order for the router to reassign, ``resolved`` naming
who resolved it (so someone else verifies). A co-handler's steps are progress on its
own order and never move the event's status, as from a system. A department that has a
system works there; a desk refuses to act for it (``DEPARTMENT_HAS_SYSTEM``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hub.bus import CloudEvent, Message, derived_id
from hub.core.errors import (
    BadUserInputError,
    DepartmentHasSystemError,
    ForbiddenError,
    InvalidTransitionError,
)
from hub.core.workorders import LifecycleStatus
from hub.dispatch.feeds import order_of
from hub.dispatch.links import DepartmentLinks
from hub.events import (
    DispatchType,
    Disposition,
    GridEventRecord,
    GridEventType,
    OrderRole,
    lifecycle,
)
from hub.events.payloads import (
    Accepted,
    Lifecycle,
    Progressed,
    Returned,
    Routed,
    TimeLimit,
    Upstream,
)
from hub.events.steps import Actor, Steps

DESK = "hub"  # the upstream system of an order worked at a desk: its id is the event's
Built = list[tuple[GridEventType, Lifecycle]]


@dataclass(frozen=True, slots=True)
class Desk:
    """A department's desk and who sits at it."""

    department: str
    actor: Actor


class NotTheDepartmentsError(ForbiddenError):
    """The event holds no order of the desk's department."""


class NothingToAnswerError(BadUserInputError):
    """An answer to a supervision the event never had."""


class Workbench:
    def __init__(self, steps: Steps, links: DepartmentLinks) -> None:
        self.steps = steps
        self.links = links  # a department with a sink there takes its orders in its system

    async def accept(self, event_id: str, desk: Desk) -> GridEventRecord:
        """认领: the department takes its order; the lead's moves the event to ACCEPTED."""

        def build(record: GridEventRecord) -> Built:
            role = _role(record, desk)
            status = record.status
            if role is OrderRole.LEAD:
                status = lifecycle.check(record.status, LifecycleStatus.ACCEPTED)
            upstream = Upstream(system=DESK, id=record.id)
            data = Accepted(**_common(record, status, desk), role=role, upstream=upstream)
            return [(GridEventType.ACCEPTED, data)]

        return await self._take(event_id, desk, build)

    async def progress(self, event_id: str, note: str, desk: Desk) -> GridEventRecord:
        """进展: a note on the work; the lead's first one moves an accepted event on."""

        def build(record: GridEventRecord) -> Built:
            role = _role(record, desk)
            status = record.status
            if role is OrderRole.LEAD and status is not LifecycleStatus.IN_PROGRESS:
                status = lifecycle.check(status, LifecycleStatus.IN_PROGRESS)
            data = Progressed(**_common(record, status, desk, note), role=role)
            return [(GridEventType.PROGRESSED, data)]

        return await self._take(event_id, desk, build)

    async def return_order(self, event_id: str, reason: str, desk: Desk) -> GridEventRecord:
        """退单: not the department's business; the router finds the event another."""

        def build(record: GridEventRecord) -> Built:
            role = _role(record, desk)
            status = record.status
            if role is OrderRole.LEAD:
                status = lifecycle.check(status, LifecycleStatus.RETURNED)
            order = order_of(record, desk.department).model_copy(update={"role": role})
            data = Returned(
                **_common(record, status, desk, reason),
                role=role,
                reason=reason,
                refused_by=[desk.department],
                order=order,
            )
            return [(GridEventType.RETURNED, data)]

        return await self._take(event_id, desk, build)

    async def resolve(
        self, event_id: str, note: str, photos: Sequence[str], desk: Desk
    ) -> GridEventRecord:
        """办结: the lead settles the matter (RESOLVED); a co-handler reports its part done."""

        def build(record: GridEventRecord) -> Built:
            role = _role(record, desk)
            common = _common(record, record.status, desk, note)
            if role is OrderRole.CO:
                return [(GridEventType.PROGRESSED, Progressed(**common, role=role))]
            common["status"] = lifecycle.check(record.status, LifecycleStatus.RESOLVED)
            data = Progressed(**common, role=role, photos=list(photos))
            return [(GridEventType.RESOLVED, data)]

        return await self._take(event_id, desk, build)

    async def request_co_handler(
        self, event_id: str, co_handler: str, reason: str, desk: Desk
    ) -> GridEventRecord:
        """协办请求: the lead asks another department to help. It becomes a co-handler
        (a ``routed`` step naming it, the status unchanged) and gets its order, in its
        system or in its desk's queue, in the same transaction."""
        if co_handler not in self.links.departments:
            raise BadUserInputError(f"no department {co_handler!r}", argument="coHandler")

        locked: list[GridEventRecord] = []  # the event as the request found it

        def build(record: GridEventRecord) -> Built:
            _co_handler_may_join(record, co_handler, desk)
            locked.append(record)
            note = f"协办请求 {co_handler}: {reason}"
            common = _common(record, record.status, desk, note)
            del common["department"]  # a routing step names its departments below
            common["departments"] = [*record.departments, co_handler]
            routed = Routed(
                **common,
                disposition=record.disposition or Disposition.SINGLE,
                lead=desk.department,
                co_handlers=[*record.co_departments, co_handler],
                time_limit=TimeLimit.model_validate(record.time_limit),
                deadline=record.deadline,
            )
            return [(GridEventType.ROUTED, routed)]

        def order(events: list[CloudEvent]) -> list[Message]:
            return [self._co_order(e, locked[0], co_handler) for e in events]

        return await self._take(event_id, desk, build, order)

    def _co_order(self, step: CloudEvent, record: GridEventRecord, co_handler: str) -> Message:
        """The co-handler's order, as the router gives co-handlers theirs."""
        joined = {"role": OrderRole.CO, "co_handlers": [*record.co_departments, co_handler]}
        order = order_of(record, co_handler).model_copy(update=joined)
        item = CloudEvent.of(
            DispatchType.WORK_ORDER,
            step.source,
            step.gridid,
            order,
            subject=record.id,
            id_=derived_id(step.id, f"order:{co_handler}"),
        )
        return item.message(self.steps.topics.dispatch(co_handler))

    async def answer_supervision(self, event_id: str, answer: str, desk: Desk) -> GridEventRecord:
        """督办回复: the lead department's answer to the district's supervision, on the
        timeline for whoever supervises; the status stays."""
        history = await self.steps.history(event_id)
        if not any(e.type is GridEventType.SUPERVISED for e in history):
            raise NothingToAnswerError(f"event {event_id} is under no supervision (督办)")

        def build(record: GridEventRecord) -> Built:
            if _role(record, desk) is not OrderRole.LEAD:
                raise NotTheDepartmentsError(
                    f"the supervision of {record.id} is addressed to its lead department"
                )
            note = f"督办回复: {answer}"
            data = Progressed(**_common(record, record.status, desk, note), role=OrderRole.LEAD)
            return [(GridEventType.PROGRESSED, data)]

        return await self._take(event_id, desk, build)

    async def _take(
        self,
        event_id: str,
        desk: Desk,
        build: Callable[[GridEventRecord], Built],
        also: Callable[[list[CloudEvent]], list[Message]] | None = None,
    ) -> GridEventRecord:
        if desk.department in self.links.sinks:
            raise DepartmentHasSystemError(
                f"{desk.department} works its orders in its own system, not at a desk",
                department=desk.department,
            )
        return (await self.steps.take([event_id], build, desk.actor, also))[event_id]


def _role(record: GridEventRecord, desk: Desk) -> OrderRole:
    if record.lead_department == desk.department:
        return OrderRole.LEAD
    if desk.department in record.co_departments:
        return OrderRole.CO
    raise NotTheDepartmentsError(
        f"event {record.id} holds no order of {desk.department}", department=desk.department
    )


def _co_handler_may_join(record: GridEventRecord, co_handler: str, desk: Desk) -> None:
    if _role(record, desk) is not OrderRole.LEAD:
        raise NotTheDepartmentsError(f"only the lead department of {record.id} asks for help")
    if co_handler in record.departments:
        raise BadUserInputError(f"{co_handler} handles {record.id} already", argument="coHandler")
    if record.status not in lifecycle.OPEN:
        raise InvalidTransitionError(record.status, "a co-handler request (an open event only)")


def _common(
    record: GridEventRecord, status: LifecycleStatus, desk: Desk, note: str | None = None
) -> dict[str, Any]:
    actor = desk.actor
    return {
        "event_id": record.id,
        "status": status,
        "category": record.category,
        "severity": record.severity,
        "departments": record.departments,
        "department": desk.department,
        "note": note,
        "by": actor.name,
        "actor": actor.id,
    }
