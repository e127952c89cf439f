"""Department change feeds, polled with a stored cursor and turned into events.

Each poll's new events, the record of which changes were seen, and the new cursor
commit in one transaction, so a change is emitted once however often a feed repeats
it and whenever the hub stops. Event ids are fixed by the change itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.bus import CloudEvent, enqueue, stable_id
from hub.core import telemetry
from hub.core.clock import Clock
from hub.core.feeds import CLOSED_VERB, FeedType
from hub.core.workorders import LifecycleStatus, UpstreamChange
from hub.db.bus_models import FeedCursorRow, UpstreamChangeRow
from hub.db.outage import log_failure
from hub.db.types import utcnow
from hub.db.upsert import insert_missing, upsert
from hub.dispatch.links import DepartmentLinks, FeedSpec
from hub.events import (
    Channel,
    Disposition,
    GridEventRecord,
    GridEventType,
    Intake,
    OrderRole,
    OutsideGridsError,
    Report,
    ReportRejectedError,
    ledger,
    report_id,
)
from hub.events.payloads import (
    DepartmentRecord,
    Lifecycle,
    Place,
    Progressed,
    Rated,
    Reported,
    Returned,
    TimeLimit,
    Upstream,
    WorkOrderRequested,
)
from hub.registry import store

log = logging.getLogger(__name__)
_CURSORS = cast("Table", FeedCursorRow.__table__)
_SEEN = cast("Table", UpstreamChangeRow.__table__)
# A department's own record is either new or done; its other steps are its business.
RECORD_VERBS = {LifecycleStatus.RESOLVED: CLOSED_VERB, LifecycleStatus.CLOSED: CLOSED_VERB}
STEP_OF_STATUS = {
    LifecycleStatus.IN_PROGRESS: GridEventType.PROGRESSED,
    LifecycleStatus.RESOLVED: GridEventType.RESOLVED,
    LifecycleStatus.CLOSED: GridEventType.CLOSED,
    LifecycleStatus.RETURNED: GridEventType.RETURNED,
}


class FeedPoller:
    """Polls every registered feed; writes through the intake's database and outbox."""

    def __init__(
        self, intake: Intake, links: DepartmentLinks, clock: Clock, interval: float = 2.0
    ) -> None:
        self.intake = intake  # a system that is a way in for reports reports through it
        self.database = intake.database
        self.registry = intake.registry
        self.taxonomy = intake.taxonomy
        self.topics = intake.topics
        self.written = intake.written
        self.links = links
        self.clock = clock  # when a record was read: a rule opens its tasks from then
        self.interval = interval

    async def run(self) -> None:
        while True:
            for spec in list(self.links.feeds):
                try:
                    with telemetry.span("feed poll", {"hub.feed": spec.feed.name}):
                        await self.poll(spec)  # the events it reports carry this trace
                except Exception as error:
                    log_failure(
                        log, "change feed failed; retrying", error, {"feed": spec.feed.name}
                    )
            await asyncio.sleep(self.interval)

    async def poll(self, spec: FeedSpec) -> int:
        """Read the feed once; returns how many new events it produced."""
        name = spec.feed.name
        async with self.database.engine.connect() as connection:
            cursor = await connection.scalar(
                select(FeedCursorRow.cursor).where(FeedCursorRow.feed == name)
            )
        changes, next_cursor = await spec.feed.changes(cursor)
        reported: dict[str, GridEventRecord] = {}  # this page's reports, not yet written
        events = [e for c in changes for e in await self.translate(spec, c, reported)]
        async with self.database.engine.begin() as connection:
            new = await _first_seen(connection, name, events)
            reports = [e for e in new if e.type == GridEventType.REPORTED]
            await ledger.insert_reported_events(connection, reports)  # as the intake does
            await enqueue(connection, [e.message(self.topics.grid_events) for e in new])
            row = {"feed": name, "cursor": next_cursor, "updated_at": utcnow()}
            await upsert(connection, _CURSORS, [row], keys=["feed"])
        if new:
            self.written.fire()
        return len(new)

    async def translate(
        self, spec: FeedSpec, change: UpstreamChange, reported: dict[str, GridEventRecord]
    ) -> list[CloudEvent]:
        """The events a change makes; ``reported`` holds the reports the page being read
        made so far (a later change on the page may be a step of one), and gains its own."""
        if change.occurred_at.tzinfo is None:
            log.warning("change without a time zone skipped", extra={"feed": spec.feed.name})
            return []
        async with self.database.engine.connect() as connection:
            record = await _linked_event(connection, spec, change, reported)
        if record is not None:
            return _steps(spec, change, record)
        if spec.reports is None or change.kind != "created" or change.event_id is not None:
            found = await self._department_event(spec, change)
            return [found] if found is not None else []
        taken = await self._report(spec, change)
        if taken is None:
            return []
        reported[taken[0].id] = ledger.reported_record(*taken)
        return [taken[0]]

    async def _report(
        self, spec: FeedSpec, change: UpstreamChange
    ) -> tuple[CloudEvent, Reported] | None:
        """A record made in the system itself (a citizen called 12345) as a report of
        the grid; none when its category is the system's own business."""
        record = spec.read(change.record)
        category, reported_at = self._category(_text(record, "category")), _reported_at(record)
        if category is None or reported_at is None:
            return None
        place, _, _ = await self._place(record)
        if place is None:
            log.warning("reported record outside every grid", extra={"feed": spec.feed.name})
            return None
        report = Report(
            category=category,
            description=_text(record, "description") or _text(record, "title") or category,
            lat=place.lat,
            lon=place.lon,
            channel=cast("Channel", spec.reports),
            title=_text(record, "title"),
            address=_text(record, "address"),
            reporter_name=_text(record, "reporter_name"),
            reporter_phone=_text(record, "reporter_phone"),
            reported_at=reported_at,
            upstream=Upstream(
                system=change.system, id=change.upstream_id, url=_text(record, "url")
            ),
        )
        try:
            return self.intake.reported_event(report)
        except (ReportRejectedError, OutsideGridsError) as error:
            log.warning(
                "a record of the system is no report the hub can take",
                extra={"feed": spec.feed.name, "reason": str(error)},
            )
            return None

    async def _department_event(self, spec: FeedSpec, change: UpstreamChange) -> CloudEvent | None:
        status = spec.statuses.get(change.status)
        verb: str | None = spec.created_verb
        if change.kind != "created":
            verb = RECORD_VERBS.get(status) if status else None
        if verb is None:
            return None  # a change the hub publishes no event for (e.g. an internal step)
        event_type = FeedType(spec.department, spec.entity, verb).value
        if event_type not in self.links.feed_types:
            return None  # a type no installed connector declares
        record = spec.read(change.record)
        if not spec.concerns_hub(record):
            return None
        place, grid, grids = await self._place(record)
        if grid is None or place is None:
            log.warning("department record outside every grid", extra={"feed": spec.feed.name})
            return None
        data = DepartmentRecord(
            department=spec.department,
            entity=spec.entity,
            upstream=Upstream(
                system=change.system, id=change.upstream_id, url=_text(record, "url")
            ),
            status=change.status,
            occurred_at=change.occurred_at,
            category=self._category(_text(record, "category")),
            title=_text(record, "title") or "",
            description=_text(record, "description") or "",
            place=place,
            grids=grids,
            event_id=change.event_id,
        )
        return CloudEvent.of(
            event_type,
            f"/connectors/{change.system}",
            grid,
            data,
            id_=_change_id(spec, change),
            time=change.occurred_at,
            recordedtime=self.clock.now(),
        )

    def _category(self, code: str | None) -> str | None:
        """The taxonomy's code, or nothing: a department's own class means nothing to rules."""
        return code if code is not None and self.taxonomy.get(code) is not None else None

    async def _place(self, record: dict[str, Any]) -> tuple[Place | None, str | None, list[str]]:
        """Where a record is: its point, or the centre of the first grid it affects."""
        grids = [
            g
            for g in record.get("grids", [])
            if isinstance(g, str) and len(g) == 15 and g.isdigit()
        ]
        lat, lon = record.get("lat"), record.get("lon")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            found = self.registry.locate(float(lat), float(lon))
            place = Place(lat=lat, lon=lon, address=_text(record, "address"))
            grid = found.grid if found else (grids[0] if grids else None)
            return place, grid, grids or ([grid] if grid else [])
        if not grids:
            return None, None, []
        async with self.database.session() as session:
            region = (await store.regions(session, [grids[0]])).get(grids[0])
        if region is None:
            return None, None, []
        return Place(lat=region.centroid_lat, lon=region.centroid_lon), grids[0], grids


async def _linked_event(
    connection: AsyncConnection,
    spec: FeedSpec,
    change: UpstreamChange,
    reported: dict[str, GridEventRecord],
) -> GridEventRecord | None:
    """The grid event a change is about: the record began as a hub work order, or the
    event began as the record (a report the system took)."""
    event_id = change.event_id or await ledger.event_of_order(
        connection, change.system, change.upstream_id
    )
    if event_id is None and spec.reports is not None:
        reported_at = _reported_at(spec.read(change.record))
        upstream = Upstream(system=change.system, id=change.upstream_id)
        event_id = report_id(upstream, reported_at) if reported_at else None
    if event_id is None:
        return None
    found = reported.get(event_id)
    return found or (await ledger.events(connection, [event_id])).get(event_id)


def _steps(spec: FeedSpec, change: UpstreamChange, record: GridEventRecord) -> list[CloudEvent]:
    if change.kind == "created":  # the report itself read again, or the hub's own order,
        return []  # which dispatch made and said so
    if _began_as(record, change):
        return _origin_steps(spec, change, record)
    return [_step(spec, change, record)]


def _began_as(record: GridEventRecord, change: UpstreamChange) -> bool:
    upstream = record.origin.get("upstream") or {}
    return bool(
        upstream.get("system") == change.system and upstream.get("id") == change.upstream_id
    )


def _origin_steps(
    spec: FeedSpec, change: UpstreamChange, record: GridEventRecord
) -> list[CloudEvent]:
    """The system a report came from goes on with its own record; the departments the
    event was routed to hold its orders. Its steps are notes on the event's timeline,
    but for the caller's rating (回访评价) of a verified event, which closes it."""
    rating = spec.read(change.record).get("rating")
    common = _common(record, change)
    upstream = Upstream(system=change.system, id=change.upstream_id)
    rated = (
        spec.statuses.get(change.status) is LifecycleStatus.CLOSED
        and record.status is LifecycleStatus.VERIFIED
        and isinstance(rating, int)
        and 1 <= rating <= 5
    )
    if not rated:
        note = Progressed(
            **common, status=record.status, department=spec.department, upstream=upstream
        )
        return [_on_event(GridEventType.PROGRESSED, note, spec, change, record)]
    score = Rated(**common, status=LifecycleStatus.VERIFIED, score=cast("int", rating))
    closed = Progressed(
        **common | {"note": "closed on the caller's rating"},
        status=LifecycleStatus.CLOSED,
        department=spec.department,
        upstream=upstream,
    )
    return [
        _on_event(GridEventType.RATED, score, spec, change, record),
        _on_event(GridEventType.CLOSED, closed, spec, change, record, "closed"),
    ]


def _common(record: GridEventRecord, change: UpstreamChange) -> dict[str, Any]:
    return {
        "event_id": record.id,
        "category": record.category,
        "severity": record.severity,
        "departments": record.departments,
        "note": change.note or f"{change.system}: {change.status}",
    }


def _on_event(
    step_type: GridEventType,
    data: Lifecycle,
    spec: FeedSpec,
    change: UpstreamChange,
    record: GridEventRecord,
    part: str = "",
) -> CloudEvent:
    return CloudEvent.of(
        step_type,
        f"/connectors/{change.system}",
        record.grid_code,
        data,
        subject=record.id,
        id_=_change_id(spec, change, part),
        time=change.occurred_at,
    )


def _step(spec: FeedSpec, change: UpstreamChange, record: GridEventRecord) -> CloudEvent:
    status = spec.statuses.get(change.status)
    step_type = STEP_OF_STATUS.get(status) if status else None
    role = _role(record, spec.department)
    if role is OrderRole.CO and step_type is not GridEventType.RETURNED:
        # Only the lead's order moves the event: a co-handler's step is progress on its
        # own order, and the event stays where it is.
        step_type, status = GridEventType.PROGRESSED, record.status
    common = _common(record, change)
    upstream = Upstream(system=change.system, id=change.upstream_id)
    data: Lifecycle
    if step_type is GridEventType.RETURNED:
        data = Returned(
            **common,
            status=LifecycleStatus.RETURNED,
            department=spec.department,
            role=role,
            reason=change.note or change.status,
            refused_by=[spec.department],
            order=order_of(record, spec.department),
        )
    else:
        # A status the mapping does not know is kept on the timeline, moving nothing.
        data = Progressed(
            **common,
            status=status or record.status,
            department=spec.department,
            role=role,
            upstream=upstream,
        )
    return _on_event(step_type or GridEventType.PROGRESSED, data, spec, change, record)


def _role(record: GridEventRecord, department: str) -> OrderRole:
    """The department's part in the event now: a co-handler's or a former lead's steps
    move nothing. An event the ledger has no lead for yet is the lead's: the ledger may
    trail the bus that routed it and created this very order."""
    lead = record.lead_department
    return OrderRole.LEAD if lead in (department, None) else OrderRole.CO


def order_of(record: GridEventRecord, department: str) -> WorkOrderRequested:
    """The order as the department had it, rebuilt from the ledger, for reassignment."""
    return WorkOrderRequested(
        event_id=record.id,
        department=department,
        role=OrderRole.LEAD,
        lead=record.lead_department or department,
        disposition=record.disposition or Disposition.SINGLE,
        category=record.category,
        severity=record.severity,
        title=record.title,
        description=record.description,
        place=Place(lat=record.lat, lon=record.lon, address=record.address),
        micro_grid=record.micro_grid_code,
        time_limit=TimeLimit.model_validate(record.time_limit),
        deadline=record.deadline,
        co_handlers=list(record.co_departments),
    )


def _change_id(spec: FeedSpec, change: UpstreamChange, part: str = "") -> str:
    key = f"{spec.feed.name}/{change.upstream_id}/{change.kind}/{change.status}"
    return stable_id(change.occurred_at, f"{key}/{part}" if part else key)


def _reported_at(record: dict[str, Any]) -> datetime | None:
    """When a record began, if it says so with its offset."""
    try:
        moment = datetime.fromisoformat(str(record.get("reported_at")))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return str(value) if value is not None else None


async def _first_seen(
    connection: AsyncConnection, feed: str, events: Sequence[CloudEvent]
) -> list[CloudEvent]:
    new = []
    for event in events:
        row = {"id": event.id, "feed": feed, "seen_at": utcnow()}
        if await insert_missing(connection, _SEEN, [row]):
            new.append(event)
    return new
