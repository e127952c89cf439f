"""``Query.workerPoints``: 积分考核, each grid worker's points for a month, line by line,
ranked within their grid, community or street (``stats:workers``; a grid-scoped
principal's cover their grids only)."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

import strawberry

from hub.assessment import Line, Ranked
from hub.core.codes import RegionLevel
from hub.core.errors import BadUserInputError
from hub.stats import Period
from hub.stats.people import People, people
from hub.stats.periods import named_day
from schema.context import Info
from schema.patrols import grids_under
from schema.people import GridWorker

WORKERS = [["stats:workers"]]


class RankLevel(Enum):
    GRID = RegionLevel.GRID
    COMMUNITY = RegionLevel.COMMUNITY
    STREET = RegionLevel.STREET


strawberry.enum(
    RankLevel,
    description="Where a worker is ranked: among the workers of their "
    "first grid's grid, community or street.",
)


@strawberry.type(description="One rule's line: what it counted, the points, and why.")
class PointsLine:
    rule: str
    title: str
    count: float
    points_each: float
    points: float = strawberry.field(description="After the rule's cap.")
    capped: bool
    why: str

    @classmethod
    def of(cls, line: Line) -> PointsLine:
        return cls(
            rule=line.rule,
            title=line.title,
            count=line.count,
            points_each=line.points_each,
            points=line.points,
            capped=line.capped,
            why=line.why,
        )


@strawberry.type(description="A grid worker's month in points (积分考核).")
class WorkerPoints:
    worker: str = strawberry.field(
        description="The principal id: key:<id> for an API key, worker:<grid>:<n> for the "
        "registry's n-th worker of a grid."
    )
    key_name: str | None
    grid_worker: GridWorker | None = strawberry.field(
        description="For a registry worker, who they are (name and phone masked as on the grid)."
    )
    grids: list[str]
    points: float
    group: str = strawberry.field(description="The region they are ranked within.")
    rank: int = strawberry.field(description="1 for the most points; equal points, equal rank.")
    lines: list[PointsLine] = strawberry.field(description="Every rule, in the rules' order.")

    @classmethod
    def of(cls, ranked: Ranked, known: People) -> WorkerPoints:
        assessment = ranked.assessment
        person = known.registry_workers.get(assessment.worker)
        return cls(
            worker=assessment.worker,
            key_name=known.key_names.get(assessment.worker),
            grid_worker=GridWorker.of(person) if person else None,
            grids=list(assessment.grids),
            points=assessment.points,
            group=ranked.group,
            rank=ranked.rank,
            lines=[PointsLine.of(line) for line in assessment.lines],
        )


def first_day(month: str) -> date:
    try:
        return named_day(Period.MONTH, month)
    except ValueError as error:
        raise BadUserInputError("a month is YYYY-MM", argument="month") from error


@strawberry.type
class AssessmentQuery:
    @strawberry.federation.field(
        name="workerPoints",
        requires_scopes=WORKERS,
        description="积分考核: each worker's points for a month over a region's grids, every "
        "rule's line explained, ranked by group then rank.",
    )
    async def worker_points(
        self,
        info: Info,
        region: Annotated[str, strawberry.argument(description="A region code, any level.")],
        month: Annotated[str, strawberry.argument(description="YYYY-MM, China Standard Time.")],
        rank_by: RankLevel = RankLevel.GRID,
    ) -> list[WorkerPoints]:
        services = info.context.services
        grids = grids_under(info, region)
        ranked = await services.assessments.ranked(grids, first_day(month), rank_by.value)
        workers = {r.assessment.worker for r in ranked}
        known = await people(workers, services.security.keys, services.registry.snapshot)
        return [WorkerPoints.of(r, known) for r in ranked]
