"""The points rules of 积分考核 (``contracts/assessment/points.yaml``), checked on load."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, model_validator


class Source(StrEnum):
    """What the hub counts for a worker in a month; see the rules file for each."""

    VALID_REPORTS = "reports.valid"
    DUPLICATE_REPORTS = "reports.duplicate"
    INVALID_REPORTS = "reports.invalid"
    VERIFICATIONS_IN_TIME = "verifications.in_time"
    VERIFICATIONS_LATE = "verifications.late"
    PATROLS_DONE = "patrols.done"
    PATROLS_LATE = "patrols.late"
    PATROLS_MISSED = "patrols.missed"
    PATROL_HOURS = "patrols.hours"
    GOOD_RATINGS = "ratings.good"
    POOR_RATINGS = "ratings.poor"


class PointsRule(BaseModel, frozen=True):
    code: str
    title: str
    source: Source
    unit: str
    points: float
    cap: float | None = None  # the most a line may add (or, negative, take away)

    @model_validator(mode="after")
    def _cap_has_the_points_sign(self) -> PointsRule:
        if self.cap is not None and self.cap * self.points <= 0:
            raise ValueError(f"{self.code}: a cap of {self.cap} for {self.points} points each")
        return self


class PointsRules(BaseModel, frozen=True):
    rules: list[PointsRule]

    @model_validator(mode="after")
    def _codes_once(self) -> PointsRules:
        codes = [r.code for r in self.rules]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"points rules listed twice: {', '.join(twice)}")
        return self

    @classmethod
    def load(cls, path: Path) -> PointsRules:
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
