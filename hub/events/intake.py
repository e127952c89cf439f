"""Taking a report: check it, place it in its grid, and write the ledger row and the
outbox row in one database transaction.

The report is accepted once that transaction commits, whether or not the bus is up;
the outbox relay publishes it afterwards. Reports that arrive while a transaction is
being written share the next one (group commit): a report alone is written at once,
and a burst costs one commit per batch instead of one per report.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError

from hub.bus import CloudEvent, Topics, enqueue, new_id, stable_id
from hub.bus.signal import Signal
from hub.core import telemetry
from hub.core.errors import OutsideGridsError, ReportRejectedError
from hub.core.workorders import LifecycleStatus
from hub.db.engine import Database
from hub.events import ledger
from hub.events.ledger_rows import GridEventRecord
from hub.events.payloads import Origin, Person, Place, Reported, Upstream
from hub.events.severity import SeverityRule, SeverityRules
from hub.events.taxonomy import Category, Taxonomy
from hub.events.types import Channel, GridEventType, OriginKind, Severity
from hub.registry.service import Registry

SOURCE = "/hub/intake"


@dataclass(frozen=True, slots=True)
class Report:
    category: str
    description: str
    lat: float
    lon: float
    channel: Channel
    title: str | None = None
    address: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    photos: tuple[str, ...] = ()
    severity: Severity | None = None  # the category's default when not given
    actor: str | None = None  # the principal reporting it, e.g. a grid worker on patrol
    reported_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    upstream: Upstream | None = None  # the record it began as in another system (a 12345 order)


def report_id(upstream: Upstream, reported_at: datetime) -> str:
    """The grid event a record of another system became: the same record, the same
    event, however often it is read."""
    return stable_id(reported_at, f"report/{upstream.system}/{upstream.id}")


class Intake:
    def __init__(
        self,
        database: Database,
        registry: Registry,
        taxonomy: Taxonomy,
        topics: Topics,
        written: Signal,
        severities: SeverityRules | None = None,
    ) -> None:
        self.database = database
        self.registry = registry
        self.taxonomy = taxonomy
        self.severities = severities or SeverityRules({})  # none: the category decides
        self.topics = topics
        self.written = written  # fired after each commit: the outbox relay wakes on it

        self._pending: list[tuple[CloudEvent, GridEventRecord, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def report(self, report: Report) -> GridEventRecord:
        """Accept a report: once this returns, it is in the ledger and the outbox."""
        with telemetry.span("intake report", {"hub.category": report.category}):
            event, data = self.reported_event(report)  # in the trace: its span is the parent
            record = ledger.reported_record(event, data)
            done = asyncio.get_running_loop().create_future()
            self._pending.append((event, record, done))
            if self._writer is None or self._writer.done():
                self._writer = asyncio.create_task(self._write_pending())
            await done
            return record

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with self.database.engine.begin() as connection:
                    await ledger.insert_reports(connection, [(e, r) for e, r, _ in batch])
                    messages = [e.message(self.topics.grid_events) for e, _, _ in batch]
                    await enqueue(connection, messages)
            except Exception as error:  # every report of the batch learns why
                for _, _, done in batch:
                    if not done.done():  # a reporter who gave up (cancelled) hears nothing
                        done.set_exception(error)
                continue
            for _, _, done in batch:
                if not done.done():  # written all the same: the event is in the ledger
                    done.set_result(None)
            self.written.fire()

    def reported_event(self, report: Report) -> tuple[CloudEvent, Reported]:
        """The ``reported`` CloudEvent of a report; its id is the grid event's id."""
        category = self._category(report.category)
        placement = self.registry.locate(report.lat, report.lon)
        if placement is None:
            raise OutsideGridsError(
                f"({report.lat}, {report.lon}) lies outside every grid", "location"
            )
        event_id = report_id(report.upstream, report.reported_at) if report.upstream else new_id()
        severity = report.severity or category.severity
        rule = self.severities[severity]
        data = _reported(event_id, report, category, placement.micro_grid, rule)
        event = CloudEvent.of(
            GridEventType.REPORTED,
            SOURCE,
            placement.grid,
            data,
            subject=event_id,
            id_=event_id,
            time=report.reported_at,
        )
        return event, data

    def _category(self, code: str) -> Category:
        category = self.taxonomy.get(code)
        if category is None or not category.leaf:
            raise ReportRejectedError(f"{code!r} is not a category one can report", "category")
        if not category.reportable:
            raise ReportRejectedError(f"{code!r} is opened by routing rules only", "category")
        return category


def _reported(
    event_id: str, report: Report, category: Category, micro_grid: str | None, rule: SeverityRule
) -> Reported:
    try:
        reporter = None
        if report.reporter_name or report.reporter_phone:
            reporter = Person(name=report.reporter_name, phone=report.reporter_phone)
        return Reported(
            event_id=event_id,
            status=LifecycleStatus.REPORTED,
            category=category.code,
            severity=report.severity or category.severity,
            title=report.title or category.name,
            description=report.description,
            channel=report.channel,
            place=Place(lat=report.lat, lon=report.lon, address=report.address),
            micro_grid=micro_grid,
            reporter=reporter,
            photos=list(report.photos),
            reported_at=report.reported_at,
            level=rule.level_for(category),
            time_limit=rule.time_limit_for(category),
            origin=Origin(kind=OriginKind.REPORT, upstream=report.upstream),
            actor=report.actor,
        )
    except ValidationError as error:
        first = error.errors()[0]
        inside = ("reporter",) if error.title == Person.__name__ else ()  # built on its own
        where = ".".join(str(p) for p in (*inside, *first["loc"]))
        raise ReportRejectedError(f"{where}: {first['msg']}", where) from error
