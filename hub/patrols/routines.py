"""The routines of 三查 (``contracts/patrols/routines.yaml``): which period each covers
and when, inside it, its patrol is due."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, model_validator

from hub.stats import Period
from hub.stats.periods import CST, local_day, next_start, period_start


class RoutineCode(StrEnum):
    DAILY = "DAILY"  # 每日一巡
    WEEKLY = "WEEKLY"  # 每周一排查
    MONTHLY = "MONTHLY"  # 每月一检查


class Due(BaseModel, frozen=True):
    time: time
    weekday: int | None = Field(default=None, ge=1, le=7)
    day: int | None = Field(default=None, ge=1, le=28)


class Routine(BaseModel, frozen=True):
    code: RoutineCode
    title: str
    period: Period
    due: Due

    @model_validator(mode="after")
    def _due_fits_the_period(self) -> Routine:
        wanted = {Period.WEEK: "weekday", Period.MONTH: "day"}.get(self.period)
        given = {name for name in ("weekday", "day") if getattr(self.due, name) is not None}
        if given != ({wanted} if wanted else set()):
            raise ValueError(
                f"{self.code}: a {self.period} routine's due names {wanted or 'no day'}"
            )
        return self

    def window(self, moment: datetime) -> Window:
        """The period holding ``moment`` (CST)."""
        return self.window_of(period_start(self.period, local_day(moment)))

    def window_of(self, start: date) -> Window:
        due_day = start
        if self.due.weekday is not None:
            due_day = start + timedelta(days=self.due.weekday - 1)
        if self.due.day is not None:
            due_day = start.replace(day=self.due.day)
        return Window(
            routine=self.code,
            start=_moment(start, time()),
            due=_moment(due_day, self.due.time),
            end=_moment(next_start(self.period, start), time()),
        )


@dataclass(frozen=True, slots=True)
class Window:
    """One period of one routine: from ``start`` to ``end`` (exclusive), due at ``due``."""

    routine: RoutineCode
    start: datetime
    due: datetime
    end: datetime

    @property
    def day(self) -> date:
        return self.start.astimezone(CST).date()

    def previous(self, routine: Routine) -> Window:
        return routine.window(self.start - timedelta(seconds=1))


def _moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=CST)


class _File(BaseModel):
    routines: list[Routine]


class Routines:
    def __init__(self, routines: list[Routine]) -> None:
        codes = [r.code for r in routines]
        if len(set(codes)) != len(codes):
            raise ValueError("a routine is listed twice")
        self.by_code = {r.code: r for r in routines}

    @classmethod
    def load(cls, path: Path) -> Routines:
        return cls(_File.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).routines)

    def __iter__(self) -> Iterator[Routine]:
        return iter(self.by_code.values())

    def __getitem__(self, code: RoutineCode) -> Routine:
        return self.by_code[code]
