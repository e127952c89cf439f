"""The data of every event type, as pydantic models: camelCase on the wire.

``contracts/events/*.json`` are generated from these models (``hub events contracts
--publish``; with every installed connector's feed types, ``--out``) and tests hold
produced events to them, so the models are the one source of the wire format.
Readers ignore fields they do not know, so adding an optional field is not a
breaking change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, Field, StringConstraints

from hub.bus.wire import Wire
from hub.core.feeds import FeedType
from hub.core.workorders import LifecycleStatus
from hub.events.types import (
    Channel,
    DispatchType,
    Disposition,
    GridEventType,
    OrderRole,
    OriginKind,
    Severity,
    TimeUnit,
)

EventId = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]
GridCode = Annotated[str, StringConstraints(pattern=r"^\d{15}$")]
MicroGridCode = Annotated[str, StringConstraints(pattern=r"^\d{18}$")]
DepartmentCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*$")]
CategoryCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")]


class Place(Wire):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    address: str | None = Field(default=None, max_length=200, description="Personal data.")


class Person(Wire):
    """A reporter; both fields are personal data."""

    name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=20)


class TimeLimit(Wire):
    value: int = Field(gt=0)
    unit: TimeUnit


class Upstream(Wire):
    """A record in a department's own system."""

    system: str
    id: str
    url: str | None = None


class Origin(Wire):
    kind: OriginKind
    rule: str | None = Field(default=None, description="The routing rule that opened it.")
    caused_by: EventId | None = Field(default=None, description="The event that led to it.")
    upstream: Upstream | None = None


class Lifecycle(Wire):
    """What every ``gov.grid.event.*`` carries, so a consumer can filter without a lookup."""

    event_id: EventId
    status: LifecycleStatus = Field(description="Where the event stands after this step.")
    category: CategoryCode
    severity: Severity
    departments: list[DepartmentCode] = Field(
        default_factory=list, description="Handling departments, the lead first."
    )
    note: str | None = Field(default=None, max_length=2000)
    by: str | None = Field(
        default=None, max_length=200, description="Who took the step, when a person did."
    )
    actor: str | None = Field(
        default=None,
        max_length=200,
        description="The principal who took the step, as a stable id (the statistics credit "
        "a grid worker's reports and verifications to it), if known.",
    )


class Reported(Lifecycle):
    title: str = Field(max_length=100)
    description: str = Field(max_length=2000)
    channel: Channel
    place: Place
    micro_grid: MicroGridCode | None = None
    reporter: Person | None = None
    photos: list[AnyHttpUrl] = Field(default_factory=list, max_length=9)
    reported_at: datetime
    level: int = Field(ge=1, le=4, description="Handling level: 1 grid … 4 district.")
    time_limit: TimeLimit
    origin: Origin


class Routed(Lifecycle):
    disposition: Disposition
    lead: DepartmentCode
    co_handlers: list[DepartmentCode] = Field(default_factory=list)
    notified: list[DepartmentCode] = Field(default_factory=list)
    time_limit: TimeLimit
    deadline: datetime | None = None
    rules: list[str] = Field(default_factory=list, description="Routing rules that applied.")
    refused_by: list[DepartmentCode] = Field(default_factory=list)


class Accepted(Lifecycle):
    department: DepartmentCode
    role: OrderRole
    upstream: Upstream


class Progressed(Lifecycle):
    """progressed, resolved and closed: a step reported by the handling department."""

    department: DepartmentCode | None = None
    role: OrderRole | None = Field(
        default=None,
        description="The role of the department's order, when its system took the step: "
        "a co-handler's (CO) is progress on its own order and never moves the status.",
    )
    upstream: Upstream | None = None
    photos: list[AnyHttpUrl] = Field(
        default_factory=list, max_length=9, description="The work done, when resolved at a desk."
    )


class Returned(Lifecycle):
    department: DepartmentCode
    role: OrderRole
    reason: str = Field(max_length=500)
    refused_by: list[DepartmentCode] = Field(description="Every department that refused it.")
    order: WorkOrderRequested = Field(description="The refused order, for reassignment.")


class Escalated(Lifecycle):
    level: int = Field(ge=1, le=4)


class Warned(Lifecycle):
    """Nearing the deadline: most of the time limit has run (临期预警)."""

    deadline: datetime
    level: int = Field(ge=1, le=4, description="The handling level it stands at.")


class Supervised(Lifecycle):
    """督办: still unresolved past its deadline at the top level, so the district
    supervises the lead department's head, again each further share of the time limit."""

    department: DepartmentCode = Field(description="The department whose head is supervised.")
    round: int = Field(ge=1, description="The first supervision is 1.")
    deadline: datetime


class Verified(Lifecycle):
    """核查: the grid worker checked on site; a failure reopens the event."""

    passed: bool
    photos: list[AnyHttpUrl] = Field(default_factory=list, max_length=9)


class Rated(Lifecycle):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=500)
    unresolved: bool = Field(default=False, description="The reporter says it is not solved.")


class Merged(Lifecycle):
    into: EventId


class WorkOrderRequested(Wire):
    """A dispatch item: create an order in the department's system."""

    event_id: EventId
    department: DepartmentCode = Field(description="Whose order this is.")
    role: OrderRole
    lead: DepartmentCode
    disposition: Disposition
    category: CategoryCode
    severity: Severity
    title: str
    description: str
    place: Place
    micro_grid: MicroGridCode | None = None
    reporter: Person | None = None
    photos: list[AnyHttpUrl] = Field(default_factory=list)
    time_limit: TimeLimit
    deadline: datetime | None = None
    co_handlers: list[DepartmentCode] = Field(
        default_factory=list, description="Every co-handler of the event."
    )
    refused_by: list[DepartmentCode] = Field(default_factory=list)

    @property
    def departments(self) -> list[str]:
        return [self.lead, *self.co_handlers]


class NoticeIssued(Wire):
    """For information: a department or a grid's workers should know."""

    department: DepartmentCode
    title: str
    message: str
    event_id: EventId | None = Field(default=None, description="The grid event it concerns.")
    caused_by: EventId = Field(description="The event that triggered the notice.")
    rule: str | None = None


class FeedbackRequested(Wire):
    """A reply to the person who reported the event, for the hotline (12345) to give."""

    event_id: EventId
    status: LifecycleStatus = Field(description="Where the event stands: RESOLVED or CLOSED.")
    channel: Channel = Field(description="How the reporter reached the hub.")
    title: str
    phone: str = Field(max_length=20, description="Personal data: the reporter's phone.")
    message: str = Field(max_length=500)


class DepartmentRecord(Wire):
    """A department's own record, from its change feed (``gov.<d>.<entity>.<verb>``)."""

    department: DepartmentCode
    entity: str
    upstream: Upstream
    status: str = Field(description="In the department's own words, e.g. 已结案.")
    occurred_at: datetime
    category: CategoryCode | None = Field(
        default=None, description="The taxonomy category, when the department classed it."
    )
    title: str = ""
    description: str = ""
    place: Place = Field(description="Where it is; an affected grid's centre if it has no point.")
    grids: list[GridCode] = Field(default_factory=list, description="Every grid it affects.")
    event_id: EventId | None = Field(default=None, description="The grid event it began as.")


Returned.model_rebuild()

LIFECYCLE_PAYLOADS: dict[GridEventType, type[Lifecycle]] = {
    GridEventType.REPORTED: Reported,
    GridEventType.ROUTED: Routed,
    GridEventType.ACCEPTED: Accepted,
    GridEventType.PROGRESSED: Progressed,
    GridEventType.RESOLVED: Progressed,
    GridEventType.RETURNED: Returned,
    GridEventType.ESCALATED: Escalated,
    GridEventType.WARNED: Warned,
    GridEventType.SUPERVISED: Supervised,
    GridEventType.VERIFIED: Verified,
    GridEventType.RATED: Rated,
    GridEventType.CLOSED: Progressed,
    GridEventType.MERGED: Merged,
}
"""The data model of each step of a grid event's life."""

PAYLOADS: dict[str, type[Wire]] = {
    **{t.value: model for t, model in LIFECYCLE_PAYLOADS.items()},
    DispatchType.WORK_ORDER.value: WorkOrderRequested,
    DispatchType.NOTICE.value: NoticeIssued,
    DispatchType.FEEDBACK.value: FeedbackRequested,
}
"""Every CloudEvent type the hub itself publishes, and the model of its data."""


def payloads(feed_types: Iterable[FeedType]) -> dict[str, type[Wire]]:
    """Every type published with these department feeds, and the model of its data."""
    return {**PAYLOADS, **{t.value: DepartmentRecord for t in feed_types}}
