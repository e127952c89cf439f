"""Rankings: each worker's place among the workers of their grid, community or street."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from hub.assessment.points import Assessment
from hub.core.codes import RegionLevel


@dataclass(frozen=True, slots=True)
class Ranked:
    assessment: Assessment
    group: str  # the region code they are ranked within
    rank: int  # 1 for the most points; equal points, equal rank


def home(assessment: Assessment, level: RegionLevel) -> str:
    """The region at ``level`` holding the worker's first grid (their grids' codes sorted)."""
    return min(assessment.grids)[: level.code_length] if assessment.grids else ""


def rank(assessments: Sequence[Assessment], level: RegionLevel) -> list[Ranked]:
    """By group, then by rank; a worker without grids is ranked in a group of their own."""
    groups: dict[str, list[Assessment]] = defaultdict(list)
    for assessment in assessments:
        groups[home(assessment, level)].append(assessment)
    ranked: list[Ranked] = []
    for group in sorted(groups):
        scored = sorted(((a.points, a) for a in groups[group]), key=lambda p: (-p[0], p[1].worker))
        place, last = 0, None
        for index, (points, assessment) in enumerate(scored, 1):
            if points != last:
                place, last = index, points
            ranked.append(Ranked(assessment, group, place))
    return ranked
