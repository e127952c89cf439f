"""Deadline timers fired per second on PostgreSQL, by one claimer and by two side by side.

    python -m bench.timers [--postgres URL] [--timers 20000] [--batch 200]

URL is a PostgreSQL server's address (default: HUB_TEST_POSTGRES_URL, as `scripts/postgres
url` prints it). For each run a throwaway database is created, migrated and filled with
--timers routed events whose warnings are all due; then the claimers, each an OS process
with its own connection, fire them (one transaction per batch: claim with SKIP LOCKED,
write the notices to the outbox, advance the timers). Prints timers fired per second,
and checks that every one was fired exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from hub.bus import Topics, new_id
from hub.bus.settings import TimerSettings
from hub.core.clock import ManualClock
from hub.core.paths import PROJECT_ROOT
from hub.db import migrate
from hub.db.bus_models import OutboxRow
from hub.db.engine import Database
from hub.events import TimeUnit, ledger
from hub.events.payloads import TimeLimit
from hub.timers.book import TIMERS
from hub.timers.schedule import Schedule
from hub.timers.service import TimerService

START = datetime(2026, 11, 23, 1, tzinfo=UTC)
NOW = START + timedelta(hours=9)  # past every warning, before every deadline
LIMIT = TimeLimit(value=10, unit=TimeUnit.HOURS)


@asynccontextmanager
async def scratch_database(server: str) -> AsyncIterator[str]:
    admin_url = make_url(server)
    name = f"hub_bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def _rows(event_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    limit = LIMIT.model_dump(mode="json")
    event = {
        "id": event_id,
        "category": "city.litter",
        "title": "暴露垃圾",
        "description": "bench",
        "channel": "PATROL",
        "severity": "LOW",
        "level": 1,
        "status": "ROUTED",
        "lead_department": "citymgmt",
        "co_departments": [],
        "grid_code": "330199001006005",
        "lat": 30.312,
        "lon": 120.053,
        "reported_at": START,
        "updated_at": START,
        "version": 2,
        "time_limit": limit,
    }
    timer = {
        "event_id": event_id,
        "due_at": START + timedelta(hours=8),
        "stage": 0,
        "level": 1,
        "started_at": START,
        "deadline": START + timedelta(hours=10),
        "time_limit": limit,
        "caused_by": event_id,
    }
    return event, timer


async def seed(database: Database, count: int) -> None:
    pairs = [_rows(new_id()) for _ in range(count)]
    async with database.engine.begin() as connection:
        for at in range(0, count, 1000):
            chunk = pairs[at : at + 1000]
            await connection.execute(insert(ledger.EVENTS), [event for event, _ in chunk])
            await connection.execute(insert(TIMERS), [timer for _, timer in chunk])


async def claim(url: str, batch: int, start_at: float) -> None:
    """One claimer process: fire everything due, print how many."""
    database = Database(url)
    settings = TimerSettings(batch_size=batch)
    service = TimerService(database, Schedule.load(settings), Topics(), ManualClock(NOW), settings)
    try:
        await database.ping()
        await asyncio.sleep(max(0.0, start_at - time.time()))
        print(await service.fire_all_due(), flush=True)
    finally:
        await database.aclose()


async def run(server: str, count: int, batch: int, claimers: int) -> None:
    async with scratch_database(server) as url:
        database = Database(url)
        try:
            await migrate.upgrade(database)
            await seed(database, count)
            start_at = time.time() + 3
            command = ["-m", "bench.timers", "--claim", url, "--batch", str(batch)]
            processes = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    *command,
                    "--start-at",
                    str(start_at),
                    cwd=PROJECT_ROOT,
                    stdout=asyncio.subprocess.PIPE,
                )
                for _ in range(claimers)
            ]
            outputs = [(await p.communicate())[0] for p in processes]
            seconds = time.time() - start_at
            fired = [int(out) for out in outputs]
            async with database.engine.connect() as connection:
                sent = await connection.scalar(select(func.count()).select_from(OutboxRow))
        finally:
            await database.aclose()
    once = "each once" if sent == count == sum(fired) else f"MISMATCH: {sent} notices"
    print(
        f"{claimers} claimer(s), batch {batch}: {count} timers in {seconds:.2f} s = "
        f"{count / seconds:,.0f} timers/s (split {fired}; {once})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("HUB_TEST_POSTGRES_URL"))
    parser.add_argument("--timers", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--claim", help=argparse.SUPPRESS)  # a claimer process's database
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.claim:
        asyncio.run(claim(args.claim, args.batch, args.start_at))
        return
    if not args.postgres:
        parser.error("no PostgreSQL: pass --postgres or set HUB_TEST_POSTGRES_URL")
    for claimers in (1, 2):
        asyncio.run(run(args.postgres, args.timers, args.batch, claimers))


if __name__ == "__main__":
    main()
