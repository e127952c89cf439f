"""The department workbench (部门工作台): a department without a system of its own works
its orders through the graph. Its queue is ``events(filter: {departments: [...]})`` and
the subscription ``gridEvents`` with the same filter follows it live.

A desk acts for a department its principal may handle (``events:handle:<department>``:
the ``handler`` role bound to one department, the command centre for its own). A
department that has a system works there: the desk refuses (``DEPARTMENT_HAS_SYSTEM``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from hub.core.errors import BadUserInputError, ForbiddenError
from hub.dispatch.workbench import Desk, Workbench
from hub.events import GridEventRecord
from schema.context import Info
from schema.grid_events import GridEvent
from schema.steps import actor_of, taken

HANDLE = "events:handle:"
EVERY_DEPARTMENT = "*"
DepartmentArgument = Annotated[
    str | None,
    strawberry.argument(
        description="The department whose desk acts; needed only by a principal who may "
        "handle more than one."
    ),
]


def desk_of(info: Info, department: str | None) -> Desk:
    """The desk a principal sits at: the department it names, or its only one."""
    actor = actor_of(info)
    scopes = info.context.principal.scopes if info.context.principal else frozenset()
    handles = sorted(s.removeprefix(HANDLE) for s in scopes if s.startswith(HANDLE))
    if department is None and len(handles) == 1 and handles[0] != EVERY_DEPARTMENT:
        department = handles[0]
    if department is None:
        if not handles:
            raise ForbiddenError(f"{actor.name} handles no department's orders")
        raise BadUserInputError(
            f"name the department: {actor.name} may act for {', '.join(handles)}",
            argument="department",
        )
    if department not in handles and EVERY_DEPARTMENT not in handles:
        raise ForbiddenError(f"{actor.name} may not act for {department}", department=department)
    return Desk(department, actor)


async def _at_desk(
    info: Info,
    department: str | None,
    step: Callable[[Workbench, Desk], Awaitable[GridEventRecord]],
) -> GridEvent:
    """One step at the principal's desk, its refusals as the graph's typed errors."""
    desk = desk_of(info, department)
    workbench = info.context.services.bus.workbench
    return GridEvent.of(await taken(lambda: step(workbench, desk)))


@strawberry.type
class WorkbenchMutation:
    @strawberry.field(
        name="acceptOrder",
        description="认领: the desk's department takes its order on the event. The lead's "
        "moves the event to ACCEPTED; a co-handler's is recorded on the timeline.",
    )
    async def accept_order(
        self, info: Info, id: strawberry.ID, department: DepartmentArgument = None
    ) -> GridEvent:
        return await _at_desk(info, department, lambda bench, desk: bench.accept(str(id), desk))

    @strawberry.field(
        name="progressOrder",
        description="进展: a note on the work. The lead's first moves the event to IN_PROGRESS.",
    )
    async def progress_order(
        self, info: Info, id: strawberry.ID, note: str, department: DepartmentArgument = None
    ) -> GridEvent:
        return await _at_desk(
            info, department, lambda bench, desk: bench.progress(str(id), note, desk)
        )

    @strawberry.field(
        name="returnOrder",
        description="退单: not the department's business, with the reason. The lead's goes "
        "back to the router (RETURNED, then ROUTED to another department).",
    )
    async def return_order(
        self, info: Info, id: strawberry.ID, reason: str, department: DepartmentArgument = None
    ) -> GridEvent:
        return await _at_desk(
            info, department, lambda bench, desk: bench.return_order(str(id), reason, desk)
        )

    @strawberry.field(
        name="resolveOrder",
        description="办结: the lead settles the matter (RESOLVED) with a note and photos; "
        "someone else then verifies it. A co-handler's reports its part done.",
    )
    async def resolve_order(
        self,
        info: Info,
        id: strawberry.ID,
        note: str,
        photos: Annotated[
            list[str] | None, strawberry.argument(description="URLs, at most 9.")
        ] = None,
        department: DepartmentArgument = None,
    ) -> GridEvent:
        return await _at_desk(
            info, department, lambda bench, desk: bench.resolve(str(id), note, photos or [], desk)
        )

    @strawberry.field(
        name="requestCoHandler",
        description="协办请求: the lead department asks another to help, with the reason. "
        "That department becomes a co-handler and gets its order (in its system, or in its "
        "desk's queue); the event's status and deadline stay.",
    )
    async def request_co_handler(
        self,
        info: Info,
        id: strawberry.ID,
        co_handler: Annotated[
            str, strawberry.argument(name="coHandler", description="A department's code.")
        ],
        reason: str,
        department: DepartmentArgument = None,
    ) -> GridEvent:
        return await _at_desk(
            info,
            department,
            lambda bench, desk: bench.request_co_handler(str(id), co_handler, reason, desk),
        )

    @strawberry.field(
        name="answerSupervision",
        description="督办回复: the lead department answers the district's supervision (督办) "
        "of an event overdue at the top level; on the timeline, the status unchanged.",
    )
    async def answer_supervision(
        self, info: Info, id: strawberry.ID, answer: str, department: DepartmentArgument = None
    ) -> GridEvent:
        return await _at_desk(
            info,
            department,
            lambda bench, desk: bench.answer_supervision(str(id), answer, desk),
        )
