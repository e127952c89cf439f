"""What a fault run counts once the hub has settled: what became of each accepted report
(from the ledger), the work orders each department's system holds for it (from the
simulators' own change feeds), the answers the reports got, and the printed table.

Times from the ledger are the hub's clock (Unix seconds), the machine's wall clock; the
run converts its own moments to it (``Stage.wall``), since a test process's clock may
travel (HUB_TEST_DATE).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import SecretStr
from sqlalchemy import Table, and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.sdk import Connector, ConnectorSettings
from hub.db.bus_models import GridEventRow, TimelineRow, WorkOrderRow
from hub.demo.simulators import demo_credentials, demo_systems
from hub.events import GridEventType

EVENTS = cast("Table", GridEventRow.__table__)
TIMELINE = cast("Table", TimelineRow.__table__)
ORDERS = cast("Table", WorkOrderRow.__table__)
CHUNK = 1000  # ids per query
TYPED_OUTAGE = "503 SERVICE_UNAVAILABLE"  # the database is away: typed, with Retry-After
NORMAL_FLOOR = 1.0  # seconds: "normal latency" is at least this …
NORMAL_FACTOR = 3.0  # … and this many times the median before the fault
HEALTH_EVENT_SYSTEM = "urn:grid-hub:event"  # how the hub names its events in a FHIR Task
MAX_FEED_PAGES = 10_000


@dataclass(frozen=True)
class Outcome:
    """One accepted report as the ledger has it."""

    status: str
    reported_at: float
    ordered_at: float | None  # when its lead department's system took the work order

    @property
    def latency(self) -> float | None:
        return None if self.ordered_at is None else self.ordered_at - self.reported_at


async def outcomes(engine: AsyncEngine, ids: Sequence[str]) -> dict[str, Outcome]:
    """Each of ``ids`` the ledger holds, with its lead department's order if any."""
    found: dict[str, Outcome] = {}
    joined = EVENTS.outerjoin(
        ORDERS,
        and_(ORDERS.c.event_id == EVENTS.c.id, ORDERS.c.department == EVENTS.c.lead_department),
    )
    async with engine.connect() as connection:
        for start in range(0, len(ids), CHUNK):
            statement = (
                select(EVENTS.c.id, EVENTS.c.status, EVENTS.c.reported_at, ORDERS.c.accepted_at)
                .select_from(joined)
                .where(EVENTS.c.id.in_(ids[start : start + CHUNK]))
            )
            for row in await connection.execute(statement):
                ordered = row.accepted_at.timestamp() if row.accepted_at else None
                found[row.id] = Outcome(row.status, row.reported_at.timestamp(), ordered)
    return found


async def ledger_duplicates(engine: AsyncEngine, ids: Sequence[str]) -> set[tuple[str, str]]:
    """(event, department) pairs with more than one ``accepted`` step: two orders made.
    The orders table cannot say so itself: it is unique on (event, department)."""
    pairs: set[tuple[str, str]] = set()
    accepted = TIMELINE.c.type == GridEventType.ACCEPTED.value
    async with engine.connect() as connection:
        for start in range(0, len(ids), CHUNK):
            statement = (
                select(TIMELINE.c.event_id, TIMELINE.c.department)
                .where(accepted, TIMELINE.c.event_id.in_(ids[start : start + CHUNK]))
                .group_by(TIMELINE.c.event_id, TIMELINE.c.department)
                .having(func.count() > 1)
            )
            pairs |= {(row.event_id, row.department) for row in await connection.execute(statement)}
    return pairs


@dataclass(frozen=True)
class Losses:
    """Accepted reports the hub did not carry through: not in the ledger at all, still
    REPORTED (never routed), or routed without their department's work order."""

    missing: list[str]
    unrouted: list[str]
    unordered: list[str]

    @classmethod
    def of(cls, ids: Sequence[str], found: Mapping[str, Outcome]) -> Losses:
        known = [i for i in ids if i in found]
        return cls(
            [i for i in ids if i not in found],
            [i for i in known if found[i].status == "REPORTED"],
            [i for i in known if found[i].ordered_at is None],
        )

    @property
    def count(self) -> int:
        return len({*self.missing, *self.unrouted, *self.unordered})

    def notes(self) -> list[str]:
        if not self.count:
            return []
        examples = (self.missing + self.unrouted + self.unordered)[:3]
        return [
            f"lost: {len(self.missing)} not in the ledger, {len(self.unrouted)} still "
            f"REPORTED, {len(self.unordered)} without their department's work order "
            f"(e.g. {examples})"
        ]


def duplicate_notes(duplicated: set[tuple[str, str]]) -> list[str]:
    return [f"duplicated work orders, e.g. {sorted(duplicated)[:3]}"] if duplicated else []


def answer_notes(answers: Sequence[str]) -> list[str]:
    """Every kind of answer but "accepted", with how many there were."""
    others = Counter(a for a in answers if a != "accepted")
    if not others:
        return []
    return ["answers other than accepted: " + ", ".join(f"{a} ×{n}" for a, n in others.items())]


# -- the departments' own records -------------------------------------------------------

Entries = list[tuple[str, str | None]]  # (the system's record id, the hub event it names)
Page = tuple[Entries, str | None]  # and the next cursor


async def _police(system: Connector, cursor: str | None) -> Page:
    params = {"size": "100", **({"since": cursor} if cursor else {})}
    page = (await system.read_fresh("listIncidentChanges", params))["data"]
    return [(c["incidentId"], c["externalRef"]) for c in page["changes"]], page["nextCursor"]


async def _citymgmt(system: Connector, cursor: str | None) -> Page:
    params = {"since_version": cursor or "0", "order": "version_asc", "limit": "200"}
    cases = (await system.read_fresh("listCases", params))["results"]
    last = str(cases[-1]["version"]) if cases else None
    return [(c["id"], c["external_ref"]) for c in cases], last


async def _petition(system: Connector, cursor: str | None) -> Page:
    params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
    body = await system.read_fresh("listWorkOrderChanges", params)
    return [(c["workOrderId"], c["externalNo"]) for c in body["data"]], body["next_cursor"]


async def _health(system: Connector, cursor: str | None) -> Page:
    params = {"_sort": "_lastUpdated", "_count": "100"}
    if cursor:
        params["_lastUpdated"] = f"gt{cursor}"
    tasks = [
        entry["resource"] for entry in (await system.read_fresh("searchTasks", params))["entry"]
    ]
    last = tasks[-1]["meta"]["lastUpdated"] if tasks else None
    return [(task["id"], _hub_event(task)) for task in tasks], last


def _hub_event(task: dict[str, Any]) -> str | None:
    named = [i["value"] for i in task.get("identifier", []) if i["system"] == HEALTH_EVENT_SYSTEM]
    return named[0] if named else None


# Each system's change feed, read from its start: the way the hub's own feeds read them.
FEEDS: dict[str, Callable[[Connector, str | None], Awaitable[Page]]] = {
    "police": _police,
    "citymgmt": _citymgmt,
    "petition": _petition,
    "health": _health,
}


async def upstream_records(systems: Mapping[str, str]) -> dict[tuple[str, str], set[str]]:
    """For each (hub event, department), the records the department's system holds for
    it, read through the connector (its auth, its contract checks) from the start of the
    system's change feed."""
    credentials = demo_credentials()
    classes = demo_systems()
    records: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, url in systems.items():
        secrets = {k: SecretStr(v) for k, v in credentials[name].items()}
        settings = ConnectorSettings(base_url=url, credentials=secrets, timeout_seconds=10)
        system = classes[name].connector(settings)
        try:
            for record, event in await _read_feed(system, FEEDS[name]):
                if event:
                    records[(event, name)].add(record)
        finally:
            await system.aclose()
    return records


async def _read_feed(
    system: Connector, page: Callable[[Connector, str | None], Awaitable[Page]]
) -> Entries:
    entries: Entries = []
    cursor: str | None = None
    for _ in range(MAX_FEED_PAGES):
        found, following = await page(system, cursor)
        entries += found
        if not found or following is None or following == cursor:
            break
        cursor = following
    return entries


# -- the answers and the row -----------------------------------------------------------


def is_server_error(answer: str) -> bool:
    """A 5xx other than the typed, temporary 503 a database outage gives."""
    return answer[:1] == "5" and answer != TYPED_OUTAGE


def is_untyped(answer: str) -> bool:
    """An error answer that names no code (or is not JSON at all), whatever its status."""
    return answer.endswith(("untyped", "not JSON"))


def normal_latency(before_fault: Iterable[Outcome]) -> float:
    """What counts as normal: NORMAL_FACTOR times the median before the fault."""
    latencies = [o.latency for o in before_fault if o.latency is not None]
    median = statistics.median(latencies) if latencies else 0.0
    return max(NORMAL_FLOOR, NORMAL_FACTOR * median)


def recovered_at(after_fault: Sequence[Outcome], normal: float, now: float) -> float | None:
    """When reports reached their department at normal latency again: the order time of
    the first report, sent after the fault ended, from which on every report did. Reports
    younger than ``normal`` cannot be judged yet; None while it has not happened."""
    moment: float | None = None
    for outcome in sorted(after_fault, key=lambda o: o.reported_at):
        if outcome.reported_at > now - normal:
            break
        latency = outcome.latency
        if latency is None or latency > normal:
            moment = None
        elif moment is None:
            moment = outcome.ordered_at
    return moment


@dataclass(frozen=True)
class Reading:
    """One /readyz answer, or none (``status`` None): its status code and ``status``,
    the checks not ok, the bus, and a faulted department's health."""

    status: int | None
    ready: str = ""
    failing: Mapping[str, str] = field(default_factory=dict)
    bus: str = ""
    department: str | None = None  # e.g. "citymgmt DOWN"

    @property
    def plain(self) -> bool:
        """Ready and the bus ok: nothing said about any fault."""
        return self.status == 200 and self.bus == "ok"

    def label(self) -> str:
        """e.g. "503 not ready, database unreachable, bus ok", or "no answer"."""
        if self.status is None:
            return "no answer"
        parts = [f"{self.status} {self.ready}"]
        parts += [f"{name} {said}" for name, said in self.failing.items()]
        parts.append(f"bus {self.bus}")
        if self.department is not None:
            parts.append(self.department)
        return ", ".join(parts)


@dataclass
class Row:
    """One fault's line of the table, and the detail behind any non-zero count."""

    fault: str
    requests: int
    accepted: int
    lost: int
    duplicated: int
    server_errors: int
    typed_refusals: int
    hung: int  # no answer within the client's timeout
    recovered_in: float | None
    readiness: list[Reading]  # during the fault
    notes: list[str] = field(default_factory=list)


HEADER = (
    f"{'fault':<19} {'requests':>8} {'accepted':>8} {'lost':>5} {'dup':>4} {'5xx':>4}"
    f" {'typed 503':>9} {'hung':>4} {'recovered':>10}  readiness during the fault"
)


def line(row: Row) -> str:
    recovered = f"{row.recovered_in:.1f} s" if row.recovered_in is not None else "never"
    return (
        f"{row.fault:<19} {row.requests:>8} {row.accepted:>8} {row.lost:>5}"
        f" {row.duplicated:>4} {row.server_errors:>4} {row.typed_refusals:>9} {row.hung:>4}"
        f" {recovered:>10}  {said_during(row.readiness)}"
    )


def table(rows: Sequence[Row]) -> str:
    lines = [HEADER, *(line(row) for row in rows)]
    lines += [f"  {row.fault}: {note}" for row in rows for note in row.notes]
    return "\n".join(lines)


def said_during(readings: Iterable[Reading]) -> str:
    """Readiness samples, each distinct answer once with how often it was given, in the
    order they first appeared."""
    counted = Counter(reading.label() for reading in readings)
    return "; ".join(f"{label} ×{n}" for label, n in counted.items()) or "no sample"
