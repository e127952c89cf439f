"""Done-when: two hub processes on the same PostgreSQL fire each due escalation exactly
once. Two OS processes claim from one table of due timers at the same moment; every
warning, every escalation and every supervision (督办) of every event reaches the outbox
once."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from hub.core.paths import PROJECT_ROOT
from hub.events import GridEventType
from hub.events.payloads import Escalated, Supervised, Warned
from tests.conftest import migrated
from tests.support.databases import fresh_postgres_database
from tests.support.events import outbox_events
from tests.support.timers import seed_due_timers

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
EVENTS = 500
START = datetime(2026, 11, 23, 1, tzinfo=UTC)


async def test_two_processes_fire_every_due_timer_exactly_once() -> None:
    async with fresh_postgres_database() as url, migrated(url) as database:
        ids = await seed_due_timers(database, EVENTS, START)
        fired = race(url, processes=2)
        found = await outbox_events(database)
    warnings: Counter[str] = Counter()
    escalations: Counter[tuple[str, int]] = Counter()
    supervisions: Counter[tuple[str, int]] = Counter()
    for event in found:
        if event.type == GridEventType.ESCALATED:
            step = event.payload(Escalated)
            escalations[step.event_id, step.level] += 1
        elif event.type == GridEventType.SUPERVISED:
            supervised = event.payload(Supervised)
            supervisions[supervised.event_id, supervised.round] += 1
        elif event.type == GridEventType.WARNED:
            warnings[event.payload(Warned).event_id] += 1
    assert warnings == Counter(ids)
    assert escalations == Counter((i, level) for i in ids for level in (2, 3, 4))
    assert supervisions == Counter((i, n) for i in ids for n in (1, 2))  # supervision_rounds
    assert sum(fired) == EVENTS * 6  # each claim was one timer's one stage
    assert all(fired), f"one process fired nothing: {fired}"  # they did race


def race(url: str, processes: int) -> list[int]:
    """Start claimer processes that begin together; how many timers each fired."""
    now = START + timedelta(days=2)  # the warning, the escalations and both supervisions
    # Each has connected by then. The monotonic clock is the machine's, shared by every
    # process, and unmoved when the tests run on another date (their wall clock is not).
    begin = time.monotonic() + 4
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.support.timers", url, now.isoformat(), str(begin)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    outputs = [process.communicate(timeout=120) for process in started]
    assert all(p.returncode == 0 for p in started), [err for _, err in outputs]
    return [int(out) for out, _ in outputs]
