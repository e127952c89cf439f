"""The simulation toolkit's small parts, each on its own."""

from __future__ import annotations

import importlib
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from connectors.sdk.simulation import (
    BEIJING,
    CannotAdvanceError,
    ChangeLog,
    Clock,
    Course,
    DailyNumbers,
    ManualClock,
    RateLimiter,
    SimulatorError,
    add_working_days,
    add_working_hours,
    break_contract,
    decode_token,
    encode_token,
    id_number,
    moment_in_history,
)

START = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_limiter_allows_a_burst_then_says_how_long_to_wait() -> None:
    ticks = Ticks()
    limiter = RateLimiter(per_second=2, burst=3, clock=ticks)
    assert [limiter.take("a") for _ in range(3)] == [None, None, None]
    assert limiter.take("a") == 1
    assert limiter.take("b") is None  # each client has its own bucket
    ticks.now = 0.5  # one token back at two a second
    assert limiter.take("a") is None
    assert limiter.take("a") == 1


def test_a_slow_rate_asks_for_a_long_wait() -> None:
    limiter = RateLimiter(per_second=0.01, burst=1, clock=Ticks())
    assert limiter.take("a") is None
    assert limiter.take("a") == 100


def test_a_rate_limit_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="per_second"):
        RateLimiter(per_second=0, burst=1)


COURSE = Course({"受理": ["立案", "作废"], "立案": ["派遣"], "派遣": ["结案"]})


def test_a_course_takes_the_normal_step_or_every_step_to_a_target() -> None:
    assert COURSE.path("受理") == ["立案"]
    assert COURSE.path("受理", "结案") == ["立案", "派遣", "结案"]
    assert COURSE.path("受理", "作废") == ["作废"]
    assert COURSE.statuses == ["受理", "立案", "派遣", "作废", "结案"]
    assert COURSE.is_final("结案")
    assert not COURSE.is_final("派遣")


@pytest.mark.parametrize(
    ("current", "target", "reason"),
    [
        ("结案", None, "结案 is final"),
        ("派遣", "作废", "作废 cannot be reached from 派遣"),
        ("受理", "归档", "归档 is not a status"),
    ],
)
def test_a_course_refuses_what_it_cannot_do(current: str, target: str | None, reason: str) -> None:
    with pytest.raises(CannotAdvanceError, match=reason):
        COURSE.path(current, target)


def test_a_broken_contract_is_still_json_but_ids_are_numbers() -> None:
    body = {"code": 0, "data": {"records": [{"id": "JQ20261123000001", "name": "x"}]}}
    assert break_contract(body) == {
        "code": 0,
        "data": {"records": [{"id": 123000001, "name": "x"}]},
    }


def test_a_body_without_ids_loses_its_first_field() -> None:
    assert break_contract({"results": [], "count": 0}) == {"count": 0}
    assert break_contract([1, 2]) == [1, 2]


def test_stamps_never_repeat_even_when_the_clock_stands_still() -> None:
    clock = ManualClock(START)
    stamps = [clock.stamp() for _ in range(3)]
    assert stamps == [START + timedelta(milliseconds=n) for n in range(3)]
    assert Clock().stamp() < Clock().now() + timedelta(seconds=1)


def test_a_manual_clock_needs_a_zone_and_moves_when_told() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2026, 1, 1))  # noqa: DTZ001 - the mistake under test
    clock = ManualClock(START)
    clock.advance(90)
    assert clock.now() == START + timedelta(seconds=90)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (
            datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING),
            1,
            datetime(2026, 11, 23, 11, 0, tzinfo=BEIJING),
        ),
        (
            datetime(2026, 11, 23, 11, 30, tzinfo=BEIJING),
            1,
            datetime(2026, 11, 23, 13, 30, tzinfo=BEIJING),
        ),
        (
            datetime(2026, 11, 20, 17, 0, tzinfo=BEIJING),
            2,
            datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING),
        ),
        (
            datetime(2026, 11, 22, 20, 0, tzinfo=BEIJING),
            8,
            datetime(2026, 11, 23, 18, 0, tzinfo=BEIJING),
        ),
        (
            datetime(2026, 11, 23, 7, 0, tzinfo=BEIJING),
            0.5,
            datetime(2026, 11, 23, 9, 30, tzinfo=BEIJING),
        ),
    ],
)
def test_working_hours_skip_lunch_nights_and_weekends(
    start: datetime, hours: float, due: datetime
) -> None:
    assert add_working_hours(start, hours) == due


def test_a_working_day_is_eight_working_hours() -> None:
    friday = datetime(2026, 11, 20, 9, 0, tzinfo=BEIJING)
    assert add_working_days(friday, 2) == datetime(2026, 11, 23, 18, 0, tzinfo=BEIJING)


def test_page_tokens_are_bound_to_their_filters() -> None:
    token = encode_token(40, {"grid": ["A"]})
    assert decode_token(token, {"grid": ["A"]}) == 40
    with pytest.raises(SimulatorError, match="other filters") as other:
        decode_token(token, {"grid": ["B"]})
    assert other.value.status == 400
    with pytest.raises(SimulatorError, match="not one this system issued"):
        decode_token("not-a-token", {"grid": ["A"]})


def test_the_change_log_reads_from_a_sequence_number() -> None:
    log = ChangeLog()
    for n in range(5):
        log.append({"n": n})
    first, more = log.after(0, 2)
    assert [(e["seq"], e["n"]) for e in first] == [(1, 0), (2, 1)]
    assert more
    rest, more = log.after(2, 10)
    assert [e["seq"] for e in rest] == [3, 4, 5]
    assert not more
    assert log.after(5, 10) == ([], False)


def test_resident_id_numbers_carry_birth_sex_and_a_valid_check_digit() -> None:
    rng = random.Random(1)
    number = id_number(rng, date(1948, 3, 9), male=True)
    assert number[:14] == "33019919480309"
    assert int(number[16]) % 2 == 1  # odd for a man
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    assert number[17] == "10X98765432"[total % 11]


def test_daily_numbers_restart_each_beijing_day() -> None:
    numbers = DailyNumbers("JQ")
    late = datetime(2026, 11, 23, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
    assert numbers.next(late) == "JQ20261123000001"
    assert numbers.next(late) == "JQ20261123000002"
    assert numbers.next(late + timedelta(minutes=2)) == "JQ20261124000001"


def test_moments_in_history_stay_in_the_window() -> None:
    rng = random.Random(2)
    moments = [moment_in_history(rng, START, 90) for _ in range(2000)]
    assert all(START - timedelta(days=91) < m < START for m in moments)
    night = sum(1 for m in moments if 0 <= m.astimezone(BEIJING).hour < 5)
    evening = sum(1 for m in moments if 18 <= m.astimezone(BEIJING).hour < 23)
    assert evening > 3 * night


@pytest.mark.parametrize("package", ["connectors.sdk.simulation", "hub.crosswalk"])
def test_public_names_are_sorted_and_all_there(package: str) -> None:
    module = importlib.import_module(package)
    names = list(module.__all__)
    # isort's order, as ruff keeps it: CONSTANTS, then Classes, then functions
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert all(hasattr(module, name) for name in names)
