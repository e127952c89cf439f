"""How severity shapes a report's handling (``contracts/taxonomy/severity.yaml``):
the level it starts at, the longest time limit it may have, and who is told at once.

Checked completely at start, like the category tree: every problem is listed before
the hub refuses to start.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hub.events.payloads import TimeLimit
from hub.events.taxonomy import TIME_LIMIT_FORM, Category, TaxonomyError, time_limit_of
from hub.events.types import HandlingLevel, Severity, TimeUnit

_KEYS = {"level", "time_limit", "notify"}
# Clock hours a unit spans on average, to tell which of two limits is the shorter:
# a working week is 40 working hours, five working days, in 168 clock hours.
_NOMINAL_HOURS = {TimeUnit.HOURS: 1.0, TimeUnit.WORKING_HOURS: 4.2, TimeUnit.WORKING_DAYS: 33.6}


@dataclass(frozen=True, slots=True)
class SeverityRule:
    level: HandlingLevel = HandlingLevel.GRID
    time_limit: TimeLimit | None = None
    notify: tuple[str, ...] = ()

    def level_for(self, category: Category) -> HandlingLevel:
        return max(category.level, self.level)

    def time_limit_for(self, category: Category) -> TimeLimit:
        if self.time_limit is None or _hours(category.time_limit) <= _hours(self.time_limit):
            return category.time_limit
        return self.time_limit


class SeverityRules:
    def __init__(self, rules: dict[Severity, SeverityRule]) -> None:
        self.rules = rules

    def __getitem__(self, severity: Severity) -> SeverityRule:
        return self.rules.get(severity, SeverityRule())

    @classmethod
    def load(cls, path: Path, departments: Collection[str]) -> SeverityRules:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise TaxonomyError(path.name, [f"cannot read the file: {error}"]) from error
        return cls.parse(raw, departments, source=path.name)

    @classmethod
    def parse(cls, raw: Any, departments: Collection[str], source: str) -> SeverityRules:
        if not isinstance(raw, dict):
            raise TaxonomyError(source, ["expected a mapping of severity to its rule"])
        problems: list[str] = []
        rules = {}
        for name, entry in raw.items():
            if name not in Severity.__members__:
                problems.append(f"{name}: not a severity ({', '.join(Severity)})")
            elif rule := _rule(str(name), entry or {}, set(departments), problems):
                rules[Severity(name)] = rule
        if problems:
            raise TaxonomyError(source, problems)
        return cls(rules)


def _rule(name: str, entry: Any, departments: set[str], problems: list[str]) -> SeverityRule | None:
    if not isinstance(entry, dict) or set(entry) - _KEYS:
        problems.append(f"{name}: only {', '.join(sorted(_KEYS))} may be set")
        return None
    found = len(problems)
    level = entry.get("level", HandlingLevel.GRID.value)
    if level not in {lv.value for lv in HandlingLevel}:
        problems.append(f"{name}: level must be 1 to 4")
    limit = time_limit_of(entry["time_limit"]) if "time_limit" in entry else None
    if "time_limit" in entry and limit is None:
        problems.append(f"{name}: {TIME_LIMIT_FORM}")
    notify = entry.get("notify", [])
    unknown = [d for d in notify if d not in departments] if isinstance(notify, list) else notify
    if unknown:
        problems.append(f"{name}: notify names unknown departments: {unknown}")
    if len(problems) > found:
        return None
    return SeverityRule(HandlingLevel(level), limit, tuple(notify))


def _hours(limit: TimeLimit) -> float:
    return limit.value * _NOMINAL_HOURS[limit.unit]
