"""Root fields of grid events: read the ledger, report an event, follow the stream."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from connectors.sdk.graph import LifecycleStatus
from hub.events import GridEventType, LiveUpdate, Report, Severity, SubscriberOverflowError
from schema.context import Info
from schema.grid_events import (
    READ,
    EventCategory,
    GridEvent,
    GridEventFilter,
    ReportChannel,
    event_page,
    parse_filter,
)
from schema.pagination import Connection
from schema.steps import actor_of

REPORT = [["events:report"]]


@strawberry.input(description="A WGS84 point, and the address as the reporter gave it.")
class LocationInput:
    lat: float
    lon: float
    address: str | None = None


@strawberry.input(description="Who reports it; a patrol's grid worker or a caller.")
class ReporterInput:
    name: str | None = None
    phone: str | None = None


@strawberry.input
class ReportEventInput:
    category: str = strawberry.field(description="A reportable category code of the taxonomy.")
    description: str
    location: LocationInput
    channel: ReportChannel
    title: str | None = strawberry.field(default=None, description="The category's name if absent.")
    photos: list[str] | None = strawberry.field(default=None, description="URLs, at most 9.")
    reporter: ReporterInput | None = None
    severity: Severity | None = strawberry.field(
        default=None, description="The category's default if absent."
    )
    patrol_id: strawberry.ID | None = strawberry.field(
        default=None, description="The reporter's open patrol it was found on (巡查上报)."
    )

    def report(self, actor: str | None) -> Report:
        reporter = self.reporter or ReporterInput()
        return Report(
            category=self.category,
            description=self.description,
            lat=self.location.lat,
            lon=self.location.lon,
            address=self.location.address,
            channel=self.channel.value,
            title=self.title,
            reporter_name=reporter.name,
            reporter_phone=reporter.phone,
            photos=tuple(self.photos or ()),
            severity=self.severity,
            actor=actor,
        )


@strawberry.type(description="One step of one grid event, as it happens.")
class GridEventUpdate:
    id: strawberry.ID = strawberry.field(description="The CloudEvent's id.")
    step: GridEventType
    event_id: strawberry.ID
    occurred_at: datetime
    grid_code: str
    status: LifecycleStatus = strawberry.field(description="The event's status after the step.")
    category: str
    severity: Severity
    departments: list[str] = strawberry.field(description="Handling departments, the lead first.")
    department: str | None = strawberry.field(description="The department that took the step.")
    note: str | None
    level: int | None = strawberry.field(
        description="The handling level a report or an escalation brings the event to."
    )

    @strawberry.field(description="The event in the ledger, which may lag the stream a little.")
    async def event(self, info: Info) -> GridEvent | None:
        record = await info.context.loaders.grid_event.load(str(self.event_id))
        return GridEvent.of(record) if record else None

    @classmethod
    def shared(cls, update: LiveUpdate) -> GridEventUpdate:
        """The one object every subscriber of this step executes over."""
        made = update.derived.get(cls)
        if not isinstance(made, cls):
            made = update.derived[cls] = cls.of(update)
        return made

    @classmethod
    def of(cls, update: LiveUpdate) -> GridEventUpdate:
        step = update.step
        return cls(
            id=strawberry.ID(update.id),
            step=update.type,
            event_id=strawberry.ID(step.event_id),
            occurred_at=update.occurred_at,
            grid_code=update.grid_code,
            status=step.status,
            category=step.category,
            severity=step.severity,
            departments=list(step.departments),
            department=getattr(step, "department", None) or getattr(step, "lead", None),
            note=step.note,
            level=update.level,
        )


@strawberry.type
class EventQuery:
    @strawberry.federation.field(requires_scopes=READ, description="A grid event; null if unknown.")
    async def event(self, info: Info, id: strawberry.ID) -> GridEvent | None:
        record = await info.context.loaders.grid_event.load(str(id))
        return GridEvent.of(record) if record else None

    @strawberry.federation.field(requires_scopes=READ, description="Grid events, newest first.")
    async def events(
        self,
        info: Info,
        filter: GridEventFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[GridEvent]:
        return await event_page(info, parse_filter(filter, info), first, after)

    @strawberry.federation.field(
        name="eventCategories",
        requires_scopes=[["events:read"], ["events:report"]],
        description="The taxonomy: every category, groups included.",
    )
    def event_categories(
        self,
        info: Info,
        reportable: Annotated[
            bool | None, strawberry.argument(description="Only those one can report.")
        ] = None,
    ) -> list[EventCategory]:
        taxonomy = info.context.services.bus.taxonomy
        return [
            EventCategory.of(c, info)
            for c in taxonomy
            if reportable is None or (c.reportable and c.leaf) == reportable
        ]


@strawberry.type
class EventMutation:
    @strawberry.federation.field(
        name="reportEvent",
        requires_scopes=REPORT,
        description="Report a grid event: placed in its grid, then routed to who handles it.",
    )
    async def report_event(self, info: Info, input: ReportEventInput) -> GridEvent:
        services = info.context.services
        principal = info.context.principal
        if input.patrol_id is None:
            return GridEvent.of(
                await services.bus.intake.report(input.report(principal.id if principal else None))
            )
        patrol, actor = str(input.patrol_id), actor_of(info)
        await services.patrols.open_patrol(patrol, actor)
        record = await services.bus.intake.report(input.report(actor.id))
        await services.patrols.record_event(patrol, record.id)
        return GridEvent.of(record)


@strawberry.type
class EventSubscription:
    @strawberry.federation.field(
        name="gridEvents",
        is_subscription=True,
        requires_scopes=READ,
        description="Every step of matching grid events as it happens. A subscriber that "
        "falls behind by more than its queue is cut off with SUBSCRIPTION_OVERFLOW and "
        "catches up with `events`.",
    )
    async def grid_events(
        self,
        info: Info,
        filter: GridEventFilter | None = None,
    ) -> AsyncGenerator[GridEventUpdate, None]:
        where = parse_filter(filter, info)
        async with info.context.services.bus.live.subscribe(where) as subscription:
            try:
                async for update in subscription:
                    info.context.last_given = update.id
                    yield GridEventUpdate.shared(update)
            except SubscriberOverflowError as overflow:
                raise overflow.client_error() from overflow
