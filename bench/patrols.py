"""Whether ``hub demo``'s grid workers keep their routines (三查): after some minutes,
each day's coverage of every grid, and the routines announced missed.

    python -m bench.patrols [--minutes 10]

It starts ``hub demo`` (time scale 240: a demo day passes in six minutes) in a scratch
folder, waits, then asks the demo's graph, as the command centre, for every grid's
coverage (``patrolCoverage``) of each demo day so far, and the current week's and
month's, and counts the grids DONE, LATE, MISSED and DUE, the micro-grids no patrol
reached, the patrols and the events reported on them; then the missed routines the hub
announced (the notices on ``dept.command.dispatch``, one per grid, routine and period).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.closed_loop import command_key, running_demo
from hub.db.engine import Database
from hub.db.patrol_models import PatrolMissRow
from hub.stats.periods import CST

TIME_SCALE = 240  # hub demo's default
COVERAGE = """query($region: String!, $routine: PatrolRoutine, $date: Date) {
  patrolCoverage(region: $region, routine: $routine, date: $date) {
    grid status unreached patrols { events } } }"""


def main() -> None:
    args = _arguments()
    with running_demo(args.reports_per_minute) as (folder, env, port):
        started = datetime.now(UTC)
        print(f"hub demo ready at {started:%H:%M:%S} UTC; patrolling for {args.minutes} minutes")
        time.sleep(args.minutes * 60)
        key = command_key(folder, env)
        demo_now = started + (datetime.now(UTC) - started) * TIME_SCALE
        days = _days(started.astimezone(CST).date(), demo_now.astimezone(CST).date())
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for day in days:
                print(_line(f"DAILY   {day}", _ask(client, key, "DAILY", day)))
            today = demo_now.astimezone(CST).date()
            for routine in ("WEEKLY", "MONTHLY"):
                print(_line(f"{routine:<7} {today}", _ask(client, key, routine, today)))
        print(asyncio.run(_misses(folder)))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _ask(client: httpx.Client, key: str, routine: str, day: date) -> list[dict[str, Any]]:
    variables = {"region": "330199", "routine": routine, "date": day.isoformat()}
    answer = client.post(
        "/graphql",
        json={"query": COVERAGE, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    ).json()
    assert "errors" not in answer, answer["errors"]
    found: list[dict[str, Any]] = answer["data"]["patrolCoverage"]
    return found


def _line(label: str, coverage: list[dict[str, Any]]) -> str:
    statuses = Counter(c["status"] for c in coverage)
    counts = "  ".join(f"{s} {statuses.get(s, 0):>3}" for s in ("DONE", "LATE", "MISSED", "DUE"))
    unreached = sum(len(c["unreached"]) for c in coverage)
    patrols = [p for c in coverage for p in c["patrols"]]
    events = sum(len(p["events"]) for p in patrols)
    return (
        f"{label}  grids {len(coverage)}:  {counts}  |  patrols {len(patrols)}, "
        f"events reported on them {events}, micro-grids unreached {unreached}"
    )


async def _misses(folder: str) -> str:
    database = Database(f"sqlite+aiosqlite:///{folder}/var/hub.db")  # the demo's default
    try:
        async with database.engine.connect() as connection:
            query = select(PatrolMissRow.routine, func.count()).group_by(PatrolMissRow.routine)
            rows = (await connection.execute(query)).all()
    finally:
        await database.aclose()
    counts = ", ".join(f"{routine} {count}" for routine, count in rows) or "none"
    return f"missed routines announced (one notice each): {counts}"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--reports-per-minute", type=float, default=30.0)
    return parser.parse_args()


if __name__ == "__main__":
    main()
