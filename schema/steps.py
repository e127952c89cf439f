"""The human steps of the closed loop (闭环): verify, rate, merge, suspend, resume, and
settle in the grid. The lifecycle machine decides what may follow what; a refused
step is ``INVALID_TRANSITION`` naming the current status, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import strawberry
from pydantic import ValidationError

from hub.core.errors import BadUserInputError, ForbiddenError
from hub.events.steps import Actor, Steps
from schema.context import Info
from schema.grid_events import GridEvent

VERIFY = [["events:verify"]]
RATE = [["events:rate"]]
SETTLE = [["events:settle"]]
SUPERVISE = [["events:supervise"]]
MAX_DUPLICATES = 50
T = TypeVar("T")


def actor_of(info: Info) -> Actor:
    principal = info.context.principal
    if principal is None:  # dev-mode anonymous introspection cannot act
        raise ForbiddenError("an anonymous caller cannot take steps")
    return Actor(name=principal.name, grids=principal.grids, id=principal.id)


def _steps(info: Info) -> Steps:
    return info.context.services.bus.steps


@contextmanager
def _typed_errors() -> Iterator[None]:
    """An input the step's payload model refuses, as the graph's typed error."""
    try:
        yield
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BadUserInputError(f"{where}: {first['msg']}", argument=where) from error


async def taken(step: Callable[[], Awaitable[T]]) -> T:
    with _typed_errors():
        return await step()


@strawberry.type
class LoopMutation:
    @strawberry.federation.field(
        name="verifyEvent",
        requires_scopes=VERIFY,
        description="核查: the grid worker of the event's grid (or the command centre) checks "
        "a resolved event on site. Passed: VERIFIED, and CLOSED at once when nobody can be "
        "asked for a rating; failed: REOPENED, back to the department.",
    )
    async def verify_event(
        self,
        info: Info,
        id: strawberry.ID,
        passed: bool,
        note: str | None = None,
        photos: Annotated[
            list[str] | None, strawberry.argument(description="URLs, at most 9.")
        ] = None,
    ) -> GridEvent:
        actor = actor_of(info)
        record = await taken(
            lambda: _steps(info).verify(str(id), passed, note, photos or [], actor)
        )
        return GridEvent.of(record)

    @strawberry.federation.field(
        name="rateEvent",
        requires_scopes=RATE,
        description="回访: the reporter's rating of a verified event, 1–5. It closes the "
        "event, unless the score is 1–2 and the reporter says it is unresolved: then it "
        "is REOPENED, back to the department.",
    )
    async def rate_event(
        self,
        info: Info,
        id: strawberry.ID,
        score: int,
        comment: str | None = None,
        unresolved: bool = False,
    ) -> GridEvent:
        if not 1 <= score <= 5:
            raise BadUserInputError("score is 1 to 5", argument="score")
        actor = actor_of(info)
        record = await taken(lambda: _steps(info).rate(str(id), score, comment, unresolved, actor))
        return GridEvent.of(record)

    @strawberry.federation.field(
        name="mergeEvents",
        requires_scopes=SUPERVISE,
        description="并单: the duplicates become MERGED into the primary, and resolve and "
        "close with it. Returns the primary, then the duplicates.",
    )
    async def merge_events(
        self, info: Info, primary: strawberry.ID, duplicates: list[strawberry.ID]
    ) -> list[GridEvent]:
        ids = [str(d) for d in duplicates]
        if len(ids) > MAX_DUPLICATES:
            raise BadUserInputError(
                f"at most {MAX_DUPLICATES} duplicates at once", argument="duplicates"
            )
        if str(primary) in ids or not ids:
            raise BadUserInputError(
                "name one or more duplicates, other than the primary", argument="duplicates"
            )
        actor = actor_of(info)
        records = await taken(lambda: _steps(info).merge(str(primary), ids, actor))
        order = [str(primary), *dict.fromkeys(ids)]
        return [GridEvent.of(records[i]) for i in order]

    @strawberry.federation.field(
        name="suspendEvent",
        requires_scopes=SUPERVISE,
        description="挂账: a supervisor sets a long-term matter aside, with the reason.",
    )
    async def suspend_event(self, info: Info, id: strawberry.ID, reason: str) -> GridEvent:
        actor = actor_of(info)
        return GridEvent.of(await taken(lambda: _steps(info).suspend(str(id), reason, actor)))

    @strawberry.federation.field(
        name="resumeEvent",
        requires_scopes=SUPERVISE,
        description="Takes a suspended event up again, in the status it had before.",
    )
    async def resume_event(
        self, info: Info, id: strawberry.ID, note: str | None = None
    ) -> GridEvent:
        actor = actor_of(info)
        return GridEvent.of(await taken(lambda: _steps(info).resume(str(id), note, actor)))

    @strawberry.federation.field(
        name="resolveEvent",
        requires_scopes=SETTLE,
        description="小事不出格: the grid's own worker resolves an event routed to the grid "
        "(disposition IN_GRID).",
    )
    async def resolve_event(self, info: Info, id: strawberry.ID, note: str) -> GridEvent:
        actor = actor_of(info)
        return GridEvent.of(await taken(lambda: _steps(info).resolve_in_grid(str(id), note, actor)))
