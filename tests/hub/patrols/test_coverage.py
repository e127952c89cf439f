"""Coverage of one period: done, late, missed or due, and the checkpoints never reached."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from hub.core.paths import PATROL_ROUTINES_FILE
from hub.patrols import CheckIn, Patrol, PatrolStatus, Plan, RoutineCode, Routines, coverage
from hub.stats.periods import CST

DAY = Routines.load(PATROL_ROUTINES_FILE)[RoutineCode.DAILY].window(
    datetime(2026, 11, 25, 12, tzinfo=CST)
)
PLAN = Plan("330199001001001", RoutineCode.DAILY, ("330199001001001001", "330199001001001002"))


def patrol(ended_at: datetime | None, *micro_grids: str | None) -> Patrol:
    start = DAY.start + timedelta(hours=9)
    return Patrol(
        id="01KB00000000000000000000P1",
        grid=PLAN.grid,
        routine="DAILY",
        worker="key:1",
        worker_name="网格员",
        started_at=start,
        ended_at=ended_at,
        check_ins=tuple(CheckIn(start, 30.0, 120.0, m) for m in micro_grids),
    )


@pytest.mark.parametrize(
    ("ended", "now", "status"),
    [
        (DAY.due, DAY.end, PatrolStatus.DONE),  # ended the moment it was due
        (DAY.due + timedelta(minutes=1), DAY.end, PatrolStatus.LATE),
        (DAY.end, DAY.end + timedelta(hours=1), PatrolStatus.MISSED),  # ended a day late
        (None, DAY.end, PatrolStatus.MISSED),  # still walking when the day ended
        (None, DAY.end - timedelta(seconds=1), PatrolStatus.DUE),
    ],
)
def test_the_status_of_a_period(
    ended: datetime | None, now: datetime, status: PatrolStatus
) -> None:
    assert coverage(PLAN, DAY, [patrol(ended, *PLAN.checkpoints)], now).status is status


def test_no_patrol_is_due_until_the_period_ends_then_missed() -> None:
    assert coverage(PLAN, DAY, [], DAY.due + timedelta(hours=1)).status is PatrolStatus.DUE
    assert coverage(PLAN, DAY, [], DAY.end).status is PatrolStatus.MISSED


def test_the_checkpoints_no_patrol_reached() -> None:
    first, second = PLAN.checkpoints
    found = coverage(PLAN, DAY, [patrol(DAY.due, first), patrol(DAY.due, None)], DAY.end)
    assert found.unreached == (second,)
    assert coverage(PLAN, DAY, [patrol(DAY.due, second, first)], DAY.end).unreached == ()
