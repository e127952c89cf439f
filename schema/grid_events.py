"""Grid events in the graph: the event with its timeline and orders, and its inputs.

Reading events takes the scope ``events:read``; the reporter's name, phone and address
are personal data of the command centre (``@personal(department: "command")``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from connectors.sdk.graph import LifecycleStatus, PersonalDataKind, personal
from hub.core.codes import InvalidCodeError, level_of
from hub.core.errors import BadUserInputError
from hub.events import (
    Category,
    Channel,
    Disposition,
    EventFilter,
    GridEventRecord,
    GridEventType,
    OrderRecord,
    OrderRole,
    OriginKind,
    Severity,
    TimelineEntry,
    TimeUnit,
    ledger,
)
from hub.events.duplicates import Nearness, likely_duplicates
from hub.timers.book import time_left
from hub.timers.schedule import TOP_LEVEL
from schema.context import Info
from schema.departments import Department
from schema.pagination import (
    Connection,
    check_page_size,
    decode_cursor,
)
from schema.security import grid_scope

if TYPE_CHECKING:
    from schema.regions import Grid, MicroGrid

READ = [["events:read"]]
COMMAND = "command"  # whose personal data a reporter's is

strawberry.enum(Channel, description="How the event reached the hub.")
strawberry.enum(Severity, description="一般, 较大, 重大, 特别重大.")
strawberry.enum(Disposition, description="小事不出格 in the grid, one department, or joint.")
strawberry.enum(OrderRole, description="主办 (lead) or 协办 (co-handler).")
strawberry.enum(TimeUnit)
strawberry.enum(OriginKind)
strawberry.enum(
    GridEventType, name="GridEventStep", description="A step in the life of a grid event."
)


@strawberry.type(description="A time limit for handling (限时办理).")
class TimeLimit:
    value: int
    unit: TimeUnit


@strawberry.type(description="A category of the taxonomy, with who handles it.")
class EventCategory:
    code: str
    name: str
    path: list[str] = strawberry.field(description="Names from the top group down.")
    lead: Department
    co_handlers: list[Department]
    time_limit: TimeLimit
    level: int = strawberry.field(description="Who handles it first: 1 grid … 4 district.")
    severity: Severity = strawberry.field(description="The default severity.")
    in_grid: bool = strawberry.field(description="May be settled inside the grid (小事不出格).")
    reportable: bool

    @classmethod
    def of(cls, category: Category, info: Info) -> EventCategory:
        departments = info.context.services.department_index
        return cls(
            code=category.code,
            name=category.name,
            path=list(category.path),
            lead=Department.of(departments[category.lead]),
            co_handlers=[Department.of(departments[d]) for d in category.co],
            time_limit=TimeLimit(value=category.time_limit.value, unit=category.time_limit.unit),
            level=int(category.level),
            severity=category.severity,
            in_grid=category.in_grid,
            reportable=category.reportable,
        )


@strawberry.type(description="Where the event is.")
class EventPlace:
    lat: float
    lon: float
    address: str | None = personal(
        PersonalDataKind.ADDRESS, "The address as reported, down to the door.", COMMAND
    )


@strawberry.type(description="Who reported it.")
class Reporter:
    name: str | None = personal(PersonalDataKind.NAME, "Full name.", COMMAND)
    phone: str | None = personal(PersonalDataKind.PHONE, "Phone number.", COMMAND)
    record_key: strawberry.Private[str]  # how the audit trail names whose report this is


@strawberry.type(description="A step on an event's timeline: who did what, when, from where.")
class TimelineStep:
    id: strawberry.ID = strawberry.field(description="The CloudEvent that announced it.")
    step: GridEventType
    status: LifecycleStatus = strawberry.field(description="The event's status after it.")
    version: int
    occurred_at: datetime
    source: str = strawberry.field(description="The system it came from, e.g. /hub/router.")
    department: str | None
    by: str | None = strawberry.field(description="Who took it, when a person did.")
    note: str | None
    details: JSON = strawberry.field(description="What else the step carried.")

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineStep:
        return cls(
            id=strawberry.ID(entry.id),
            step=entry.type,
            status=entry.status,
            version=entry.version,
            occurred_at=entry.occurred_at,
            source=entry.source,
            department=entry.department,
            by=entry.details.get("by"),
            note=entry.note,
            details=JSON(entry.details),
        )


@strawberry.type(description="A record in a department's own system.")
class UpstreamReference:
    system: str
    id: str
    url: str | None


@strawberry.type(description="An order a department accepted for the event.")
class DepartmentOrder:
    department: str
    role: OrderRole
    upstream: UpstreamReference
    accepted_at: datetime

    @classmethod
    def of(cls, order: OrderRecord) -> DepartmentOrder:
        return cls(
            department=order.department,
            role=order.role,
            upstream=UpstreamReference(
                system=order.upstream_system, id=order.upstream_id, url=order.upstream_url
            ),
            accepted_at=order.accepted_at,
        )


# The type itself needs events:read, not only the fields that return it: federation's
# _entities reaches an event by its id without passing through any of them.
@strawberry.federation.type(
    keys=["id"],
    requires_scopes=READ,
    description="A grid event (网格事件) and its life so far.",
)
class GridEvent:
    id: strawberry.ID
    grid_code: str = strawberry.field(description="The unified grid it lies in.")
    title: str
    description: str
    channel: Channel
    severity: Severity
    level: int = strawberry.field(description="Handling level now: 1 grid … 4 district.")
    status: LifecycleStatus
    disposition: Disposition | None
    place: EventPlace
    reporter: Reporter | None
    photos: list[str]
    reported_at: datetime
    updated_at: datetime
    deadline: datetime | None = strawberry.field(description="Set at routing.")
    version: int = strawberry.field(description="How many steps its timeline has.")
    merged_into: strawberry.ID | None
    origin: JSON = strawberry.field(description="How it began: a report, or a routing rule.")
    record: strawberry.Private[GridEventRecord]

    category_code: str

    @strawberry.field(description="Null when the taxonomy no longer has the category.")
    def category(self, info: Info) -> EventCategory | None:
        category = info.context.services.bus.taxonomy.get(self.category_code)
        return EventCategory.of(category, info) if category else None

    @strawberry.field(name="leadDepartment")
    def lead_department(self, info: Info) -> Department | None:
        code = self.record.lead_department
        return Department.of(info.context.services.department_index[code]) if code else None

    @strawberry.field(name="coHandlers")
    def co_handlers(self, info: Info) -> list[Department]:
        index = info.context.services.department_index
        return [Department.of(index[d]) for d in self.record.co_departments]

    @strawberry.field(
        name="timeLeft",
        description="Seconds until the deadline, negative once it has passed; null when "
        "there is none or the time limit no longer runs (resolved, verified, closed, "
        "merged, suspended).",
    )
    def time_left(self, info: Info) -> int | None:
        left = self._left(info)
        return None if left is None else int(left.total_seconds())

    @strawberry.field(description="Past its deadline and still not resolved.")
    def overdue(self, info: Info) -> bool:
        left = self._left(info)
        return left is not None and left < timedelta(0)

    def _left(self, info: Info) -> timedelta | None:
        now = info.context.services.bus.clock.now()
        return time_left(self.record.deadline, self.record.status, now)

    @strawberry.field(name="timeLimit")
    def time_limit(self) -> TimeLimit:
        return TimeLimit(
            value=int(self.record.time_limit["value"]),
            unit=TimeUnit(self.record.time_limit["unit"]),
        )

    @strawberry.field(description="Null only if the registry no longer has the grid.")
    async def grid(self, info: Info) -> Annotated[Grid, strawberry.lazy("schema.regions")] | None:
        from schema.regions import Grid, load_region  # noqa: PLC0415 - regions imports this module

        region = await load_region(info, self.grid_code)
        return region if isinstance(region, Grid) else None

    @strawberry.field(name="microGrid")
    async def micro_grid(
        self, info: Info
    ) -> Annotated[MicroGrid, strawberry.lazy("schema.regions")] | None:
        from schema.regions import MicroGrid, load_region  # noqa: PLC0415 - as above

        code = self.record.micro_grid_code
        region = await load_region(info, code) if code else None
        return region if isinstance(region, MicroGrid) else None

    @strawberry.field(description="Every step so far, oldest first.")
    async def timeline(self, info: Info) -> list[TimelineStep]:
        return [
            TimelineStep.of(e) for e in await info.context.loaders.timeline.load(self.record.id)
        ]

    @strawberry.field(
        name="likelyDuplicates",
        description="Open events of the same category reported within withinMetres and "
        "withinHours of this one, nearest first (at most 20): candidates for mergeEvents.",
    )
    async def likely_duplicates(
        self, info: Info, within_metres: int = 200, within_hours: int = 24
    ) -> list[GridEvent]:
        near = Nearness(within_metres, within_hours)
        try:
            near.check()
        except ValueError as error:
            argument = "withinMetres" if "Metres" in str(error) else "withinHours"
            raise BadUserInputError(str(error), argument=argument) from error
        roots = grid_scope(info).roots
        async with info.context.services.database.engine.connect() as connection:
            found = await likely_duplicates(connection, self.record, near, roots)
        return [GridEvent.of(r) for r in found]

    @strawberry.field(
        description="Events merged into this one (并单); they resolve and close with it."
    )
    async def duplicates(self, info: Info) -> list[GridEvent]:
        async with info.context.services.database.engine.connect() as connection:
            found = await ledger.duplicates(connection, [self.record.id])
        return [GridEvent.of(r) for r in found.get(self.record.id, [])]

    @strawberry.field(name="departmentOrders", description="Orders departments accepted.")
    async def department_orders(self, info: Info) -> list[DepartmentOrder]:
        return [
            DepartmentOrder.of(o) for o in await info.context.loaders.orders.load(self.record.id)
        ]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> GridEvent | None:
        record = await info.context.loaders.grid_event.load(str(id))
        return cls.of(record) if record else None

    @classmethod
    def of(cls, record: GridEventRecord) -> GridEvent:
        reporter = None
        if record.reporter_name or record.reporter_phone:
            reporter = Reporter(
                name=record.reporter_name,
                phone=record.reporter_phone,
                record_key=f"GridEvent:{record.id}",
            )
        return cls(
            id=strawberry.ID(record.id),
            grid_code=record.grid_code,
            category_code=record.category,
            title=record.title,
            description=record.description,
            channel=record.channel,
            severity=record.severity,
            level=record.level,
            status=record.status,
            disposition=record.disposition,
            place=EventPlace(lat=record.lat, lon=record.lon, address=record.address),
            reporter=reporter,
            photos=list(record.photos),
            reported_at=record.reported_at,
            updated_at=record.updated_at,
            deadline=record.deadline,
            version=record.version,
            merged_into=strawberry.ID(record.merged_into) if record.merged_into else None,
            origin=JSON(record.origin),
            record=record,
        )


@strawberry.input(description="Every given part must hold; a list holds if one item does.")
class GridEventFilter:
    within: str | None = strawberry.field(
        default=None, description="A region code: a community's code takes in all its grids."
    )
    departments: list[str] | None = None
    categories: list[str] | None = strawberry.field(
        default=None, description="Codes or group codes: city takes in city.litter."
    )
    statuses: list[LifecycleStatus] | None = None
    severities: list[Severity] | None = None
    levels: list[int] | None = strawberry.field(
        default=None,
        description="Handling levels, 1 grid … 4 district: events handled at one of them "
        "now; on the stream, the steps that bring an event to one (its report, an "
        "escalation), so a street's supervisor subscribes to `{within: street, levels: [3]}`.",
    )

    def parse(self, info: Info) -> EventFilter:
        if self.within is not None:
            try:
                level_of(self.within)
            except InvalidCodeError as error:
                raise BadUserInputError(str(error), argument="filter.within") from error
        unknown = set(self.departments or ()) - set(info.context.services.department_index)
        if unknown:
            raise BadUserInputError(
                f"unknown departments: {sorted(unknown)}", argument="filter.departments"
            )
        if any(not 1 <= level <= TOP_LEVEL for level in self.levels or ()):
            raise BadUserInputError(
                "levels run from 1 (grid) to 4 (district)", argument="filter.levels"
            )
        return EventFilter(
            within=self.within,
            departments=tuple(self.departments or ()),
            categories=tuple(self.categories or ()),
            statuses=tuple(self.statuses or ()),
            severities=tuple(self.severities or ()),
            levels=tuple(self.levels or ()),
        )


def parse_filter(where: GridEventFilter | None, info: Info) -> EventFilter:
    return where.parse(info) if where else EventFilter()


async def event_page(
    info: Info, where: EventFilter, first: int, after: str | None
) -> Connection[GridEvent]:
    """Matching events, newest first, in pages with keyset cursors."""
    check_page_size(first, info.context.services.settings.graphql.max_page_size)
    before = decode_cursor(after) if after else None
    database = info.context.services.database
    async with database.engine.connect() as connection:
        rows = await ledger.page(connection, where, before, first + 1)

    async def count() -> int:
        async with database.engine.connect() as connection:
            return await ledger.count(connection, where)

    return Connection[GridEvent].of_rows(rows, first, after, lambda r: r.id, GridEvent.of, count)


async def events_in_grid(
    root: Any,
    info: Info,
    first: int = 20,
    after: str | None = None,
    statuses: list[LifecycleStatus] | None = None,
) -> Connection[GridEvent]:
    """``Grid.events``: the grid's events, newest first."""
    where = EventFilter(within=root.code, statuses=tuple(statuses or ()))
    return await event_page(info, where, first, after)


class ReportChannel(Enum):
    PATROL = Channel.PATROL
    HOTLINE = Channel.HOTLINE
    SENSOR = Channel.SENSOR
    VIDEO = Channel.VIDEO


strawberry.enum(ReportChannel, description="How a report comes in.")
