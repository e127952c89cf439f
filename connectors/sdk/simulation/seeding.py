"""Small helpers every simulated system's records need: numbers and people."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connectors.sdk.simulation import names
from connectors.sdk.simulation.clock import BEIJING

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a record's course: the status reached, when, by which unit, and why."""

    status: str
    at: datetime
    unit: str
    remark: str | None = None

    def as_json(self, write_time: Callable[[datetime], str]) -> dict[str, Any]:
        return {
            "status": self.status,
            "at": write_time(self.at),
            "unit": self.unit,
            "remark": self.remark,
        }


class DailyNumbers:
    """Record numbers as Chinese systems write them: a prefix, the Beijing date, and the
    day's sequence, e.g. JQ20260915000123."""

    def __init__(self, prefix: str, digits: int = 6) -> None:
        self.prefix = prefix
        self.digits = digits
        self._issued: Counter[str] = Counter()

    def next(self, moment: datetime) -> str:
        day = moment.astimezone(BEIJING).strftime("%Y%m%d")
        self._issued[day] += 1
        return f"{self.prefix}{day}{self._issued[day]:0{self.digits}d}"


def id_number(rng: random.Random, birth: date, male: bool, region: str = "330199") -> str:
    """A well-formed resident ID number (GB 11643): region, birth date, sequence, check."""
    sequence = rng.randrange(0, 50) * 2 + (1 if male else 0)
    body = f"{region}{birth:%Y%m%d}{rng.randrange(10)}{sequence:02d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


def person(rng: random.Random) -> tuple[str, str]:
    """A name and a mobile number."""
    return names.person_name(rng), names.mobile_number(rng)


def room(rng: random.Random, village: bool) -> str:
    """The part of an address below the building: personal data."""
    if village:
        return f"{rng.randint(1, 80)}号"
    return f"{rng.randint(1, 3)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}室"


# Reports by hour of the Beijing day: few at night, most in the day and evening.
HOURLY = (1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 7, 8, 8, 8, 9, 10, 10, 9, 7, 4, 2)


def moment_in_history(
    rng: random.Random, end: datetime, days: int, hourly: tuple[int, ...] = HOURLY
) -> datetime:
    """A moment in the ``days`` before ``end``, busier in the hours ``hourly`` weighs more."""
    midnight = end.astimezone(BEIJING).replace(hour=0, minute=0, second=0, microsecond=0)
    while True:
        day = midnight - timedelta(days=rng.randrange(days))
        moment = day + timedelta(
            hours=rng.choices(range(24), hourly)[0], seconds=rng.randrange(3600)
        )
        if moment < end:
            return moment.astimezone(UTC)
