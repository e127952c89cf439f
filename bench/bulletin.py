"""How long a month's bulletin (月通报) for a street takes over a year of events.

    python -m bench.bulletin [--events 1000000] [--rounds 3] [--postgres URL]

Builds a fresh database (SQLite in a scratch folder, or a new PostgreSQL database on
--postgres) holding the demo town and a year of grid events, December 2025 to November
2026: each reported by one of its grid's workers or a caller, routed, and most resolved,
verified, rated and closed, written straight into the ledger (events and timeline);
a year of daily patrols of every grid, with their check-ins; then the statistics rebuilt
from the ledger (``hub stats rebuild``). It prints how long each of those took, then the
bulletin of November 2026 for the town's first street, --rounds times, beside the
statistics query alone for the same street and month (the baseline: the figures
without the top lists, the overdue events, the patrols and the points).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.event_bus import PostgresCopies
from connectors.sdk.simulation import generate_town
from hub.assessment import Assessments, PointsRules
from hub.bus import Topics
from hub.core.clock import ManualClock
from hub.core.codes import RegionLevel
from hub.core.departments import load_departments
from hub.core.paths import PATROL_ROUTINES_FILE, POINTS_RULES_FILE, TAXONOMY_FILE
from hub.db import migrate
from hub.db.engine import Database
from hub.db.patrol_models import CheckInRow, PatrolRow
from hub.events import GridEventType, Taxonomy, ledger
from hub.patrols import Patrols, Routines
from hub.registry.importer import import_document
from hub.registry.service import Registry
from hub.reports import Sources, bulletin
from hub.security.keys import ApiKeyStore
from hub.security.roles import load_roles
from hub.stats import GroupBy, Period, StatsRequest, ledger_step, record_all, report
from hub.stats.facts import Step
from hub.stats.people import registry_worker_id
from hub.stats.periods import CST

START = datetime(2025, 12, 1, tzinfo=CST)
DAYS = 365
MONTH = date(2026, 11, 1)
NOW = datetime(2026, 12, 1, 9, tzinfo=CST)
CHUNK = 20_000
LEADS = ("citymgmt", "command", "police", "environment", "market", "health")


def main() -> None:
    args = _arguments()
    asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        copies = PostgresCopies(args.postgres) if args.postgres else None
        try:
            url = await _fresh(copies, Path(scratch))
            database = Database(url)
            await _fill(database, args.events)
            await _measure(database, args.rounds)
            await database.aclose()
        finally:
            if copies is not None:
                await copies.drop_all()


async def _fresh(copies: PostgresCopies | None, scratch: Path) -> str:
    if copies is None:
        url = f"sqlite+aiosqlite:///{scratch / 'hub.db'}"
    else:
        await copies.create_template()  # the town, migrated
        return await copies.copy()
    database = Database(url)
    await migrate.upgrade(database)
    await import_document(database, generate_town(), "bench")
    await database.aclose()
    return url


async def _fill(database: Database, count: int) -> None:
    registry = Registry(database)
    await registry.refresh()
    story = Stories(registry, _departments())
    await _timed(
        f"ledger and statistics: {count:,} events", lambda: _events(database, count, story)
    )
    await _timed("patrols: a year of daily patrols", lambda: _patrols(database, registry))


def _departments() -> list[str]:
    return [d.code for d in load_departments()]


async def _timed(label: str, step: Callable[[], Awaitable[Any]]) -> None:
    started = time.perf_counter()
    await step()
    print(f"{label}: {time.perf_counter() - started:,.1f} s", flush=True)


async def _events(database: Database, count: int, stories: Stories) -> None:
    """The events into the ledger, chunk by chunk, and their steps folded into the
    statistics by the hub's own code, in one transaction as ``hub stats rebuild`` does."""
    async with database.engine.begin() as connection:

        async def chunks() -> AsyncIterator[list[Step]]:
            for start in range(0, count, CHUNK):
                events, timeline = stories.chunk(start, min(count, start + CHUNK))
                await connection.execute(insert(ledger.EVENTS), events)
                await connection.execute(insert(ledger.TIMELINE), timeline)
                by_id = {event["id"]: event for event in events}
                yield [ledger_step(entry, by_id[entry["event_id"]]) for entry in timeline]

        await record_all(connection, chunks())


class Stories:
    """A year of events over the town's grids, the same for the same seed."""

    def __init__(self, registry: Registry, departments: list[str]) -> None:
        snapshot = registry.snapshot
        self.grids = snapshot.codes_by_level[RegionLevel.GRID]
        self.workers = {g: len(snapshot.workers.get(g, [])) for g in self.grids}
        taxonomy = Taxonomy.load(TAXONOMY_FILE, departments)
        self.categories = [c.code for c in taxonomy if c.reportable and c.leaf]
        self.rng = random.Random(7)

    def chunk(self, first: int, end: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        events, timeline = [], []
        for n in range(first, end):
            event, steps = self.story(n)
            events.append(event)
            timeline += steps
        return events, timeline

    def story(self, n: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng, grid = self.rng, self.rng.choice(self.grids)
        at = START + timedelta(seconds=rng.randrange(DAYS * 86_400))
        worker = self.workers[grid] and rng.random() < 0.6
        actor = (
            {"actor": registry_worker_id(grid, rng.randrange(self.workers[grid]))} if worker else {}
        )
        lead, deadline = rng.choice(LEADS), at + timedelta(hours=rng.choice((4, 24, 72)))
        steps: list[tuple[GridEventType, str, dict[str, Any]]] = [
            (GridEventType.REPORTED, "REPORTED", {"channel": "PATROL", **actor}),
            (
                GridEventType.ROUTED,
                "ROUTED",
                {"lead": lead, "disposition": "SINGLE", "deadline": deadline.isoformat()},
            ),
        ]
        if rng.random() < 0.85:  # most are closed; the rest still open
            steps += [
                (GridEventType.RESOLVED, "RESOLVED", {}),
                (GridEventType.VERIFIED, "VERIFIED", {"passed": True, **actor}),
                (GridEventType.RATED, "VERIFIED", {"score": rng.choice((2, 3, 4, 5, 5))}),
                (GridEventType.CLOSED, "CLOSED", {}),
            ]
        moments = _moments(rng, at, deadline)
        event_id = f"E{n:025d}"
        timeline = [
            {
                "id": f"T{n:022d}{version:03d}",
                "event_id": event_id,
                "version": version,
                "type": kind.value,
                "status": status,
                "occurred_at": moments[version - 1],
                "source": "/bench",
                "department": lead if version > 1 else None,
                "note": None,
                "details": details,
            }
            for version, (kind, status, details) in enumerate(steps, 1)
        ]
        category = rng.choice(self.categories)
        event = _event(event_id, grid, category, lead, at, deadline)
        event.update(status=steps[-1][1], version=len(steps), updated_at=moments[len(steps) - 1])
        return event, timeline


def _moments(rng: random.Random, at: datetime, deadline: datetime) -> list[datetime]:
    limit = deadline - at
    resolved = at + limit * rng.uniform(0.2, 1.3)
    return [
        at,
        at + timedelta(minutes=5),
        resolved,
        resolved + timedelta(hours=rng.uniform(1, 30)),
        resolved + timedelta(hours=31),
        resolved + timedelta(hours=31),
    ]


def _event(
    event_id: str, grid: str, category: str, lead: str, at: datetime, deadline: datetime
) -> dict[str, Any]:
    return {
        "id": event_id,
        "category": category,
        "title": category,
        "description": "bench",
        "channel": "PATROL",
        "severity": "LOW",
        "level": 1,
        "status": "ROUTED",
        "disposition": "SINGLE",
        "lead_department": lead,
        "co_departments": [],
        "grid_code": grid,
        "micro_grid_code": None,
        "lat": 30.31,
        "lon": 120.05,
        "address": None,
        "reporter_name": None,
        "reporter_phone": None,
        "photos": [],
        "origin": {"kind": "REPORT"},
        "time_limit": {"value": 1, "unit": "DAYS"},
        "deadline": deadline,
        "merged_into": None,
        "reported_at": at,
        "updated_at": at,
        "version": 2,
    }


async def _patrols(database: Database, registry: Registry) -> None:
    snapshot = registry.snapshot
    rng = random.Random(11)
    patrols: list[dict[str, Any]] = []
    check_ins: list[dict[str, Any]] = []
    for day in range(DAYS):
        for grid in snapshot.codes_by_level[RegionLevel.GRID]:
            if rng.random() < 0.08:
                continue  # missed
            started = START + timedelta(days=day, hours=rng.uniform(8, 17))
            patrol_id = f"P{len(patrols):025d}"
            worker = registry_worker_id(grid, 0)
            patrols.append(
                {
                    "id": patrol_id,
                    "grid_code": grid,
                    "routine": "DAILY",
                    "worker": worker,
                    "worker_name": "网格员",
                    "started_at": started,
                    "ended_at": started + timedelta(hours=1.5),
                }
            )
            check_ins.extend(
                {
                    "patrol_id": patrol_id,
                    "at": started,
                    "lat": micro.centroid_lat,
                    "lon": micro.centroid_lon,
                    "micro_grid_code": micro.code,
                }
                for micro in snapshot.children.get(grid, [])
            )
    async with database.engine.begin() as connection:
        for rows, model in ((patrols, PatrolRow), (check_ins, CheckInRow)):
            for chunk in _chunks(rows):
                await connection.execute(insert(model), chunk)


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


async def _measure(database: Database, rounds: int) -> None:
    registry = Registry(database)
    await registry.refresh()
    street = registry.snapshot.codes_by_level[RegionLevel.STREET][0]
    clock = ManualClock(NOW)
    patrols = Patrols(database, registry, Topics(), Routines.load(PATROL_ROUTINES_FILE), clock)
    assessments = Assessments(database, patrols, PointsRules.load(POINTS_RULES_FILE))
    keys = ApiKeyStore(database, load_roles(_departments()))
    taxonomy = Taxonomy.load(TAXONOMY_FILE, _departments())
    sources = Sources(registry, taxonomy, patrols, assessments, keys)

    async def whole() -> Any:
        async with database.engine.connect() as connection:
            return await bulletin(connection, sources, Period.MONTH, street, MONTH, NOW)

    async def figures_only() -> Any:
        asked = StatsRequest(Period.MONTH, MONTH, MONTH, GroupBy.GRID, (street,), NOW)
        async with database.engine.connect() as connection:
            return await report(connection, asked)

    found = await whole()  # once to warm the caches, as a running hub has them
    print(
        f"\nNovember 2026 bulletin of street {street} ({found.scope_name}): "
        f"{found.figures.reported:,} events reported, {len(found.workers)} workers ranked"
    )
    for label, step in (
        ("bulletin (月通报), whole", whole),
        ("baseline: its statistics query alone", figures_only),
    ):
        times = [await _seconds(step) for _ in range(rounds)]
        print(
            f"{label:<42} median {statistics.median(times) * 1000:8.1f} ms  "
            f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}, {rounds} rounds)"
        )


async def _seconds(step: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await step()
    return time.perf_counter() - started


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (scripts/postgres url)")
    return parser.parse_args()


if __name__ == "__main__":
    main()
