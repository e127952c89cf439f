"""How fast ``stats`` answers over a year of 1,000,000 grid events in the demo town.

Generation skips the bus and the ledger: each event's facts (``hub.stats.facts``) are
drawn at random — a report in 2026, routing with a deadline from its category's time
limit, a lognormal handling time, escalations, verifications by the grid's worker,
ratings, a few merged or still open — and added into one in-memory ``Delta`` exactly
as the projection would add them; the cells are then bulk-inserted (one INSERT with
500 parameter sets at a time: ``store.insert_cells``, as ``hub stats rebuild`` does).
The queries read only those cells, so their timing is what a ledger built the slow
way would give.

Then each query runs ``--runs`` times through ``hub.stats.report`` on its own
connection (what ``Query.stats`` calls), and the projection's added cost is measured
by folding ``--steps-events`` events' steps through ``hub.stats.record_steps`` in
batches of 200, as the projection's transactions do.

    python -m bench.stats [--events 1000000] [--runs 30] [--postgres URL]

PostgreSQL is used when --postgres or HUB_TEST_POSTGRES_URL gives a server (a fresh
database is created on it and dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from connectors.sdk.simulation import generate_town
from hub.core.workorders import LifecycleStatus
from hub.db import migrate
from hub.db.engine import Database
from hub.events import Channel, Disposition, GridEventType
from hub.stats import GroupBy, Period, StatsRequest, report, store
from hub.stats.facts import EventFacts, Step, Verification
from hub.stats.measures import within_a_clock_day
from hub.stats.recorder import record_steps
from hub.stats.rollup import Delta

YEAR = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(hours=8)  # midnight CST
SECONDS_A_YEAR = 365 * 86400
DEPARTMENTS = ("command", "citymgmt", "police", "petition", "health")
CATEGORIES = [f"group{g}.kind{k}" for g in range(8) for k in range(5)]  # 40, as the taxonomy
K = TypeVar("K", bound=tuple[Any, ...])


@dataclass(frozen=True, slots=True)
class Town:
    district: str
    street: str
    community: str
    grids: list[str]


def demo_town() -> Town:
    features = [f["properties"] for f in generate_town()["features"]]
    codes = {
        level: [p["code"] for p in features if p["level"] == level]
        for level in ("DISTRICT", "STREET", "COMMUNITY", "GRID")
    }
    return Town(
        codes["DISTRICT"][0], codes["STREET"][0], codes["COMMUNITY"][0], sorted(codes["GRID"])
    )


def random_facts(rng: random.Random, town: Town, number: int) -> EventFacts:
    """One event's facts: most handled, verified and rated; some late, merged or open."""
    grid = rng.choice(town.grids)
    category = rng.choice(CATEGORIES)
    department = DEPARTMENTS[CATEGORIES.index(category) % len(DEPARTMENTS)]
    reported = YEAR + timedelta(seconds=rng.randrange(SECONDS_A_YEAR))
    patrol = rng.random() < 0.4
    in_grid = rng.random() < 0.3
    facts = EventFacts(
        event_id=f"{number:026d}",
        grid=grid,
        category=category,
        channel=(Channel.PATROL if patrol else Channel.HOTLINE).value,
        reported_at=reported,
        reporter=f"worker:{grid}" if patrol else None,
    )
    if rng.random() < 0.03:
        return replace(facts, merged_at=reported + timedelta(hours=1))
    deadline = reported + timedelta(hours=rng.choice((24, 72, 120)))
    handling = timedelta(hours=rng.lognormvariate(math.log(30), 1.0))
    resolved = reported + handling
    escalations = tuple(
        deadline + timedelta(hours=24 * i)
        for i in range(3)
        if deadline + timedelta(hours=24 * i) < resolved
    )
    routed = replace(
        facts,
        department="command" if in_grid else department,
        disposition=(Disposition.IN_GRID if in_grid else Disposition.SINGLE).value,
        routed=True,
        deadline=deadline,
        escalations=escalations,
    )
    if rng.random() < 0.05 or resolved > YEAR + timedelta(seconds=SECONDS_A_YEAR):
        return routed  # still open
    checked = resolved + timedelta(hours=rng.expovariate(1 / 12))
    verification = Verification(
        checked, rng.random() < 0.9, f"worker:{grid}", (checked - resolved).total_seconds()
    )
    closed = checked + timedelta(hours=1)
    return replace(
        routed,
        resolved_at=resolved,
        verifications=(verification,),
        rated_at=closed,
        score=rng.choices((1, 2, 3, 4, 5), (2, 3, 10, 35, 50))[0],
        closed_at=closed,
    )


def steps_of(facts: EventFacts) -> list[Step]:
    """The lifecycle steps that fold into these facts (for the projection's cost)."""

    def step(kind: GridEventType, status: LifecycleStatus, at: datetime, **data: Any) -> Step:
        return Step(
            f"{facts.event_id}{kind}{at.timestamp()}",
            facts.event_id,
            kind,
            status,
            at,
            facts.grid,
            {"eventId": facts.event_id, **data},
        )

    found = [
        step(
            GridEventType.REPORTED,
            LifecycleStatus.REPORTED,
            facts.reported_at,
            category=facts.category,
            channel=facts.channel,
            actor=facts.reporter,
        )
    ]
    if facts.merged_at:
        found.append(step(GridEventType.MERGED, LifecycleStatus.MERGED, facts.merged_at))
    if facts.routed and facts.deadline:
        found.append(
            step(
                GridEventType.ROUTED,
                LifecycleStatus.ROUTED,
                facts.reported_at,
                lead=facts.department,
                disposition=facts.disposition,
                deadline=facts.deadline.isoformat(),
            )
        )
    found += [
        step(GridEventType.ESCALATED, LifecycleStatus.IN_PROGRESS, at) for at in facts.escalations
    ]
    if facts.resolved_at:
        found.append(step(GridEventType.RESOLVED, LifecycleStatus.RESOLVED, facts.resolved_at))
    found += [
        step(GridEventType.VERIFIED, LifecycleStatus.VERIFIED, v.at, passed=v.passed, actor=v.actor)
        for v in facts.verifications
    ]
    if facts.rated_at and facts.score:
        found.append(
            step(GridEventType.RATED, LifecycleStatus.VERIFIED, facts.rated_at, score=facts.score)
        )
    if facts.closed_at:
        found.append(step(GridEventType.CLOSED, LifecycleStatus.CLOSED, facts.closed_at))
    return found


# -- generation ------------------------------------------------------------------------


async def generate(database: Database, town: Town, count: int) -> dict[str, float]:
    started = time.perf_counter()
    rng = random.Random(5)
    delta = Delta(within_a_clock_day)
    for number in range(count):
        delta.add(random_facts(rng, town, number), 1)
    cells, workers = delta.cells(), delta.worker_cells()
    folded = time.perf_counter()
    async with database.engine.begin() as connection:
        await store.insert_cells(connection, store.STATS, cells)
        await store.insert_cells(connection, store.WORKERS, workers)
    written = time.perf_counter()
    return {
        "fold_s": folded - started,
        "write_s": written - folded,
        "cells": len(cells),
        "worker_cells": len(workers),
    }


# -- queries ---------------------------------------------------------------------------


AFTER = datetime(2027, 1, 1, tzinfo=UTC)  # the year over: every deadline has passed


def queries(town: Town) -> dict[str, StatsRequest]:
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    return {
        "MONTH x GRID, district": StatsRequest(
            Period.MONTH, first, last, GroupBy.GRID, (town.district,), AFTER
        ),
        "QUARTER x DEPARTMENT, street": StatsRequest(
            Period.QUARTER, first, last, GroupBy.DEPARTMENT, (town.street,), AFTER
        ),
        "DAY x CATEGORY, community, Nov": StatsRequest(
            Period.DAY,
            date(2026, 11, 1),
            date(2026, 11, 30),
            GroupBy.CATEGORY,
            (town.community,),
            AFTER,
        ),
        "DAY x CATEGORY, community, year": StatsRequest(
            Period.DAY, first, last, GroupBy.CATEGORY, (town.community,), AFTER
        ),
        "WEEK x GRID, community": StatsRequest(
            Period.WEEK, first, last, GroupBy.GRID, (town.community,), AFTER
        ),
    }


async def time_queries(database: Database, town: Town, runs: int) -> None:
    for name, request in queries(town).items():
        times, rows = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            async with database.engine.connect() as connection:
                found = await report(connection, request)
            times.append(time.perf_counter() - started)
            rows = len(found.rows)
        print(
            f"  {name:34} rows {rows:6}  p50 {_ms(times, 50):8.1f} ms  p99 {_ms(times, 99):8.1f} ms"
        )


def _ms(times: list[float], percent: int) -> float:
    ordered = sorted(times)
    return 1000 * ordered[min(len(ordered) - 1, math.ceil(percent / 100 * len(ordered)) - 1)]


async def projection_cost(database: Database, town: Town, events: int) -> float:
    """Seconds per step that ``record_steps`` adds to the projection's transaction."""
    rng = random.Random(9)
    steps = [s for n in range(events) for s in steps_of(random_facts(rng, town, 10**9 + n))]
    steps.sort(key=lambda s: s.at)
    started = time.perf_counter()
    for start in range(0, len(steps), 200):
        async with database.engine.begin() as connection:
            await record_steps(connection, steps[start : start + 200])
    return (time.perf_counter() - started) / len(steps)


# -- backends --------------------------------------------------------------------------


async def run(label: str, url: str, town: Town, args: argparse.Namespace) -> None:
    database = Database(url)
    try:
        await migrate.upgrade(database)
        figures = await generate(database, town, args.events)
        async with database.engine.connect() as connection:
            count = await connection.scalar(select(func.count()).select_from(store.CELLS))
        print(
            f"{label}: {args.events:,} events → {count:,} rollup cells "
            f"(+{figures['worker_cells']:,} worker cells); folded in {figures['fold_s']:.1f} s, "
            f"written in {figures['write_s']:.1f} s"
        )
        await time_queries(database, town, args.runs)
        per_step = await projection_cost(database, town, args.steps_events)
        print(
            f"  projection: statistics add {per_step * 1e6:.0f} µs a step "
            f"(batches of 200, {args.steps_events:,} events)"
        )
    finally:
        await database.aclose()


@asynccontextmanager
async def fresh_postgres(server: str) -> AsyncIterator[str]:
    admin_url = make_url(server)
    name = f"hub_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def main(args: argparse.Namespace) -> None:
    town = demo_town()
    print(f"the demo town: {len(town.grids)} grids; periods in 2026; {args.runs} runs a query")
    with tempfile.TemporaryDirectory() as folder:
        await run("SQLite", f"sqlite+aiosqlite:///{Path(folder) / 'stats.db'}", town, args)
    if args.postgres:
        async with fresh_postgres(args.postgres) as url:
            await run("PostgreSQL", url, town, args)
    else:
        print("PostgreSQL: skipped (no --postgres, no HUB_TEST_POSTGRES_URL)")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--steps-events", type=int, default=2_000)
    parser.add_argument("--postgres", default=os.environ.get("HUB_TEST_POSTGRES_URL"))
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(_arguments()))
