"""The routines of 三查 as the contract states them: each period, and when it is due."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

from hub.core.paths import PATROL_ROUTINES_FILE
from hub.patrols import Routine, RoutineCode, Routines
from hub.stats.periods import CST

ROUTINES = Routines.load(PATROL_ROUTINES_FILE)
# A Wednesday in China Standard Time.
WEDNESDAY = datetime(2026, 11, 25, 9, 30, tzinfo=CST)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def test_the_contract_names_the_three_routines() -> None:
    assert [r.code for r in ROUTINES] == list(RoutineCode)
    assert [r.title for r in ROUTINES] == ["每日一巡", "每周一排查", "每月一检查"]


@pytest.mark.parametrize(
    ("routine", "start", "due", "end"),
    [
        (RoutineCode.DAILY, "2026-11-25", "2026-11-25T18:00", "2026-11-26"),
        (RoutineCode.WEEKLY, "2026-11-23", "2026-11-27T18:00", "2026-11-30"),
        (RoutineCode.MONTHLY, "2026-11-01", "2026-11-25T18:00", "2026-12-01"),
    ],
)
def test_each_period_and_when_its_patrol_is_due(
    routine: RoutineCode, start: str, due: str, end: str
) -> None:
    window = ROUTINES[routine].window(WEDNESDAY)
    assert (window.start, window.due, window.end) == (at(start), at(due), at(end))


def test_periods_are_china_standard_time_whatever_the_zone_asked_in() -> None:
    late_utc = datetime.fromisoformat("2026-11-25T17:00+00:00")  # 01:00 on the 26th in CST
    assert ROUTINES[RoutineCode.DAILY].window(late_utc).start == at("2026-11-26")


def test_the_period_before_crosses_a_year() -> None:
    january = ROUTINES[RoutineCode.MONTHLY].window(at("2027-01-10T08:00"))
    previous = january.previous(ROUTINES[RoutineCode.MONTHLY])
    assert (previous.start, previous.end) == (at("2026-12-01"), at("2027-01-01"))


def test_a_due_that_does_not_fit_its_period_is_refused() -> None:
    with pytest.raises(ValidationError, match="weekday"):
        Routine.model_validate(
            {"code": "WEEKLY", "title": "每周", "period": "WEEK", "due": {"time": "18:00"}}
        )
    with pytest.raises(ValidationError, match="no day"):
        Routine.model_validate(
            {"code": "DAILY", "title": "每日", "period": "DAY", "due": {"time": "18:00", "day": 3}}
        )
