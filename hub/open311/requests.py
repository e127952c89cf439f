"""Grid events as Open311 service requests, and the ledger queries behind GET requests.

``status`` is ``closed`` once the event is resolved (RESOLVED, VERIFIED, CLOSED) or
merged into another; ``status_notes`` names the lifecycle status and the latest note.
The address is personal data of the command centre: masked to the building unless the
caller may read it (see ``Caller.sees_personal_data``). Reporters are never shown.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from hub.core.departments import Department
from hub.core.workorders import LifecycleStatus
from hub.db.bus_models import GridEventRow
from hub.db.engine import Database
from hub.events import EventFilter, GridEventRecord, Taxonomy, ledger
from hub.events.payloads import TimeLimit
from hub.open311.catalog import time_limit_text
from hub.open311.errors import bad_request
from hub.security.principal import GridScope
from schema.security.masking import mask_address

CLOSED = frozenset(
    {
        LifecycleStatus.RESOLVED,
        LifecycleStatus.VERIFIED,
        LifecycleStatus.CLOSED,
        LifecycleStatus.MERGED,
    }
)
OPEN = frozenset(LifecycleStatus) - CLOSED
MAX_RESULTS = 1000  # per spec
DEFAULT_SPAN = timedelta(days=90)  # per spec, when no dates are given


def status_of(status: LifecycleStatus) -> str:
    return "closed" if status in CLOSED else "open"


def _utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class RequestView:
    """Renders ledger records; knows the category and department names."""

    def __init__(self, taxonomy: Taxonomy, departments: Mapping[str, Department]) -> None:
        self.taxonomy = taxonomy
        self.departments = departments

    def render(self, record: GridEventRecord, note: str | None, unmasked: bool) -> dict[str, Any]:
        """``note``: the latest note on the event's timeline."""
        category = self.taxonomy.get(record.category)
        lead = record.lead_department or (category.lead if category else None)
        address = str(record.address) if record.address is not None else None
        return {
            "service_request_id": record.id,
            "status": status_of(record.status),
            "status_notes": _notes(record, note),
            "service_name": category.name if category else record.title,
            "service_code": record.category,
            "description": record.description,
            "agency_responsible": self.departments[lead].name if lead else None,
            "service_notice": self.notice(record),
            "requested_datetime": _utc(record.reported_at),
            "updated_datetime": _utc(record.updated_at),
            "expected_datetime": _utc(record.deadline),
            "address": address if unmasked or address is None else mask_address(address),
            "lat": record.lat,
            "long": record.lon,
            "media_url": record.photos[0] if record.photos else None,
        }

    def notice(self, record: GridEventRecord) -> str:
        limit = TimeLimit.model_validate(record.time_limit)
        return f"To be handled within {time_limit_text(limit)}."


def _notes(record: GridEventRecord, note: str | None) -> str:
    parts = [record.status.value]
    if record.merged_into:
        parts.append(f"merged into {record.merged_into}")
    if note:
        parts.append(note)
    return ": ".join(parts)


# -- queries ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """GET requests' arguments. Given ids, the other arguments are ignored (per spec)."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[LifecycleStatus] = frozenset()

    @classmethod
    def parse(
        cls, values: Mapping[str, str], now: datetime, blank: Collection[str] = ()
    ) -> RequestQuery:
        """The query's filters; a date given empty is refused, not taken as absent (the
        span would silently be the default one)."""
        for name in ("start_date", "end_date"):
            if name in blank:
                raise bad_request(f"{name} is empty: give a W3C date-time, or leave it out")
        ids = _listed(values.get("service_request_id"))
        if len(ids) > MAX_RESULTS:
            raise bad_request(f"at most {MAX_RESULTS} service_request_id values")
        start, end = _date(values, "start_date"), _date(values, "end_date")
        if start is None and end is None:
            start = now - DEFAULT_SPAN
        if start is not None and end is not None and end < start:
            raise bad_request("end_date lies before start_date")
        return cls(
            ids=ids,
            service_codes=_listed(values.get("service_code")),
            start=start,
            end=end,
            statuses=_statuses(values.get("status")),
        )

    def filter(self) -> EventFilter:
        return EventFilter(categories=self.service_codes, statuses=tuple(self.statuses))


def _listed(value: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


def _date(values: Mapping[str, str], name: str) -> datetime | None:
    text = values.get(name)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise bad_request(f"{name} must be a W3C date-time, e.g. 2026-11-01T00:00:00Z") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _statuses(value: str | None) -> frozenset[LifecycleStatus]:
    wanted = set(_listed(value))
    if unknown := wanted - {"open", "closed"}:
        raise bad_request(f"status must be open or closed, not {', '.join(sorted(unknown))}")
    found: frozenset[LifecycleStatus] = frozenset()
    if "open" in wanted:
        found |= OPEN
    if "closed" in wanted:
        found |= CLOSED
    return found


@dataclass(frozen=True, slots=True)
class Found:
    records: list[GridEventRecord]
    notes: dict[str, str]  # event id → the latest note on its timeline


async def find(database: Database, query: RequestQuery, grids: GridScope) -> Found:
    """Matching events the caller may see, newest first, at most ``MAX_RESULTS``."""
    async with database.engine.connect() as connection:
        if query.ids:
            by_id = await ledger.events(connection, query.ids)
            records = [by_id[i] for i in dict.fromkeys(query.ids) if i in by_id]
            records = [r for r in records if grids.contains(r.grid_code)]
        else:
            records = await _search(connection, query, grids)
        notes = await _latest_notes(connection, [r.id for r in records])
    return Found(records, notes)


async def _search(connection: Any, query: RequestQuery, grids: GridScope) -> list[GridEventRecord]:
    row = GridEventRow
    statement = select(ledger.EVENTS).where(*query.filter().conditions())
    if grids.roots is not None:  # a grid-scoped caller: only its subtrees
        if not grids.roots:
            return []
        statement = statement.where(
            or_(*(and_(*EventFilter(within=root).conditions()) for root in grids.roots))
        )
    if query.start is not None:
        statement = statement.where(row.reported_at >= query.start)
    if query.end is not None:
        statement = statement.where(row.reported_at <= query.end)
    rows = await connection.execute(statement.order_by(row.id.desc()).limit(MAX_RESULTS))
    return [ledger.event_record(r) for r in rows]


async def _latest_notes(connection: Any, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    timeline = ledger.TIMELINE.c
    statement = (
        select(timeline.event_id, timeline.note)
        .where(timeline.event_id.in_(ids), timeline.note.is_not(None))
        .order_by(timeline.version)
    )
    return {row.event_id: row.note for row in await connection.execute(statement)}  # last wins


async def token_owner(database: Database, token: str) -> str | None:
    """The grid event a token names: the token is the id of its ``reported`` CloudEvent."""
    async with database.engine.connect() as connection:
        statement = select(ledger.TIMELINE.c.event_id).where(ledger.TIMELINE.c.id == token)
        found = await connection.scalar(statement.limit(1))
    return str(found) if found is not None else None
