"""A worker's month in points: one line per rule, each saying what it counted and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hub.assessment.rules import PointsRule, PointsRules, Source


@dataclass(frozen=True, slots=True)
class Line:
    rule: str
    title: str
    count: float
    points_each: float
    points: float  # after the cap
    capped: bool
    why: str


@dataclass(frozen=True, slots=True)
class Assessment:
    worker: str
    grids: tuple[str, ...]
    lines: tuple[Line, ...]

    @property
    def points(self) -> float:
        return round(sum(line.points for line in self.lines), 2)


def line(rule: PointsRule, count: float) -> Line:
    raw = round(count * rule.points, 2)
    capped = rule.cap is not None and abs(raw) > abs(rule.cap)
    points = rule.cap if capped and rule.cap is not None else raw
    why = f"{rule.title} {_number(count)}{rule.unit} × {_number(rule.points)}分 = {_number(raw)}分"
    if capped:
        why += f"，计{_number(points)}分 (上限)"
    return Line(rule.code, rule.title, count, rule.points, points, capped, why)


def assess(
    worker: str, grids: tuple[str, ...], counts: Mapping[Source, float], rules: PointsRules
) -> Assessment:
    """Every rule's line, including those that counted nothing (an explained zero)."""
    lines = tuple(line(rule, counts.get(rule.source, 0)) for rule in rules.rules)
    return Assessment(worker, grids, lines)


def _number(value: float) -> str:
    return f"{value:g}"


def combined(assessments: Sequence[Assessment]) -> Assessment:
    """One worker's months together: each rule's counts and (capped) points summed."""
    first = assessments[0]
    lines = tuple(
        Line(
            rule=same[0].rule,
            title=same[0].title,
            count=round(sum(line.count for line in same), 2),
            points_each=same[0].points_each,
            points=round(sum(line.points for line in same), 2),
            capped=any(line.capped for line in same),
            why="；".join(line.why for line in same),
        )
        for same in zip(*(a.lines for a in assessments), strict=True)
    )
    grids = tuple(sorted({grid for a in assessments for grid in a.grids}))
    return Assessment(first.worker, grids, lines)
