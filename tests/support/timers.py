"""Due timers in bulk, and a claimer to run as its own OS process:

    python -m tests.support.timers DATABASE_URL NOW_ISO START_AT_EPOCH

fires every timer due at NOW (warnings and escalations alike, until none is left) from
START_AT on, so that several processes begin together, and prints how many it fired.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from hub.bus import Topics, new_id
from hub.bus.settings import TimerSettings
from hub.core.clock import ManualClock
from hub.db.engine import Database
from hub.events import TimeUnit, ledger
from hub.events.payloads import TimeLimit
from hub.timers.book import TIMERS
from hub.timers.schedule import Schedule
from hub.timers.service import TimerService

GRID = "330199001006005"
LIMIT = TimeLimit(value=10, unit=TimeUnit.HOURS)
SETTINGS = TimerSettings(batch_size=20, supervision_rounds=2)


def event_row(event_id: str, status: str, at: datetime, version: int = 1) -> dict[str, Any]:
    """A litter event in the ledger's own columns, written straight to the table."""
    return {
        "id": event_id,
        "category": "city.litter",
        "title": "暴露垃圾",
        "description": "路边垃圾",
        "channel": "PATROL",
        "severity": "LOW",
        "level": 1,
        "status": status,
        "lead_department": "citymgmt",
        "co_departments": [],
        "grid_code": GRID,
        "lat": 30.312,
        "lon": 120.053,
        "reported_at": at,
        "updated_at": at,
        "version": version,
        "time_limit": LIMIT.model_dump(mode="json"),
    }


async def seed_due_timers(database: Database, count: int, start: datetime) -> list[str]:
    """``count`` routed events, each with its warning due 8 hours after ``start``."""
    ids = [new_id() for _ in range(count)]
    events: list[dict[str, Any]] = []
    timers: list[dict[str, Any]] = []
    for event_id in ids:
        events.append(event_row(event_id, "ROUTED", start, version=2))
        timers.append(
            {
                "event_id": event_id,
                "due_at": start + timedelta(hours=8),
                "stage": 0,
                "level": 1,
                "started_at": start,
                "deadline": start + timedelta(hours=10),
                "time_limit": LIMIT.model_dump(mode="json"),
                "caused_by": event_id,
            }
        )
    async with database.engine.begin() as connection:
        for at in range(0, count, 500):
            await connection.execute(insert(ledger.EVENTS), events[at : at + 500])
            await connection.execute(insert(TIMERS), timers[at : at + 500])
    return ids


def claimer(database: Database, now: datetime) -> TimerService:
    schedule = Schedule.load(SETTINGS)
    return TimerService(database, schedule, Topics(), ManualClock(now), SETTINGS)


async def _main(url: str, now: str, start_at: float) -> None:
    database = Database(url)
    try:
        await database.ping()  # connected before the start, so the start is shared
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        print(await claimer(database, datetime.fromisoformat(now)).fire_all_due(), flush=True)
    finally:
        await database.aclose()


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
    sys.exit(0)
