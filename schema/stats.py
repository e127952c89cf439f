"""``Query.stats`` and ``Query.workerPerformance``: the closed loop's figures.

Both read the rollups (``hub.stats``). A grid-scoped principal's figures cover only
their grid subtrees inside the scope asked — drill-downs, groups and totals alike.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from enum import Enum
from typing import Annotated

import strawberry

from hub.core.codes import InvalidCodeError, RegionLevel, level_of
from hub.core.errors import BadUserInputError
from hub.stats import (
    Figures,
    GroupBy,
    Period,
    StatsRequest,
    WorkerFigures,
    report,
    worker_report,
)
from hub.stats.histogram import RELATIVE_ERROR
from hub.stats.people import People, people
from hub.stats.periods import count_between
from hub.stats.report import visible_within
from schema.context import Info
from schema.people import GridWorker
from schema.security import grid_scope

READ = [["stats:read"]]
WORKERS = [["stats:workers"]]
MAX_PERIODS = 400  # a year of days, with room; more is a mistake or an attack


class StatsPeriod(Enum):
    DAY = Period.DAY
    WEEK = Period.WEEK
    MONTH = Period.MONTH
    QUARTER = Period.QUARTER


strawberry.enum(
    StatsPeriod,
    description="Periods in China Standard Time: weeks from Monday, calendar quarters.",
)


class StatsGroupBy(Enum):
    GRID = GroupBy.GRID
    DEPARTMENT = GroupBy.DEPARTMENT
    CATEGORY = GroupBy.CATEGORY


strawberry.enum(StatsGroupBy, description="DEPARTMENT is the lead department; empty until routed.")


@strawberry.type(
    description=(
        "One period of one group, or of all groups in the totals. Flows (reported, closed, "
        "merged, escalations, verifications, ratings) count what happened in the period, "
        "at the moment it happened (China Standard Time); open and overdue are stocks at "
        "the period's end."
    )
)
class StatsRow:
    start: date
    end: date = strawberry.field(description="The period's last day.")
    group: str | None = strawberry.field(
        description="Grid, department or category; null in totals."
    )
    reported: int = strawberry.field(description="Events reported in the period.")
    closed: int = strawberry.field(
        description="Events closed (归档) in the period; a reopened event's closure is taken back."
    )
    merged: int = strawberry.field(description="Merged into another event (并单) in the period.")
    open: int = strawberry.field(
        description="Open at the end of the period: every report before it, less closures "
        "and merges."
    )
    overdue: int = strawberry.field(
        description="Not yet resolved, and past the deadline at the end of the period (or "
        "now, for a period not over). Read from the events as they stand: an overdue event "
        "later resolved leaves this count and is a late closure when it closes. Suspended "
        "events (挂账) are not counted: their clock is stopped."
    )
    closed_with_deadline: int = strawberry.field(
        description="Closures in the period of events that had a deadline."
    )
    on_time_rate: float | None = strawberry.field(
        description="按时办结率: closures resolved by their deadline ÷ (closures with a "
        "deadline + overdue). What is late counts whether closed or not; null when neither "
        "kind exists."
    )
    mean_handling_hours: float | None = strawberry.field(
        description="Mean hours from report to resolution (to closure when never resolved) "
        "over the period's closures, on the hub's clock."
    )
    p90_handling_hours: float | None = strawberry.field(
        description="The 90th percentile of the same, from the merged histogram: within "
        "p90RelativeError of the true p90."
    )
    escalations: int = strawberry.field(description="Escalations (升级) in the period.")
    verifications: int = strawberry.field(description="Verifications (核查) in the period.")
    verification_pass_rate: float | None = strawberry.field(
        description="Of verifications in the period, the share that passed."
    )
    ratings: int = strawberry.field(description="Ratings (回访评价) in the period.")
    mean_satisfaction: float | None = strawberry.field(
        description="Mean rating, 1–5, over the period's ratings."
    )
    in_grid_share: float | None = strawberry.field(
        description="Of closures, the share settled inside the grid (小事不出格) and never "
        "escalated."
    )

    @classmethod
    def of(cls, figures: Figures) -> StatsRow:
        return cls(**asdict(figures))


@strawberry.type
class Stats:
    scope: str
    period: StatsPeriod
    group_by: StatsGroupBy
    rows: list[StatsRow] = strawberry.field(
        description="Every period and group with a flow, or events open at its end."
    )
    totals: list[StatsRow] = strawberry.field(description="Every period, all groups together.")
    p90_relative_error: float = strawberry.field(
        description="The bound on the p90's relative error, from the histogram's buckets."
    )


@strawberry.type(description="A grid worker's figures for one period (网格员考核).")
class WorkerPerformance:
    start: date
    end: date
    worker: str = strawberry.field(
        description="The principal id who reported or verified: key:<id> for an API key, "
        "worker:<grid>:<n> for the registry's n-th worker of a grid."
    )
    key_name: str | None = strawberry.field(
        description="For an API key's figures, the name the key was made out under."
    )
    grid_worker: GridWorker | None = strawberry.field(
        description="For a registry worker's figures, who they are: name and phone are "
        "personal data, masked as on the grid."
    )
    grids: list[str] = strawberry.field(description="The grids the figures come from.")
    reports: int = strawberry.field(description="Patrol reports made.")
    valid_reports: int = strawberry.field(
        description="Reports that became cases: routed and not merged into another."
    )
    duplicate_reports: int = strawberry.field(
        description="Reports merged into another report of the same matter (并单): the "
        "first reporter has the case, and this one is not counted invalid."
    )
    invalid_reports: int = strawberry.field(description="Reports closed without routing.")
    valid_rate: float | None
    verifications: int
    verifications_in_time: int = strawberry.field(
        description="By the end of the working day after the resolution they checked."
    )
    timely_rate: float | None
    mean_verification_hours: float | None
    good_ratings: int = strawberry.field(
        description="Ratings of 4–5 (满意 and above) given in the period to events they reported."
    )
    poor_ratings: int = strawberry.field(description="Ratings of 1–2, likewise.")

    @classmethod
    def of(cls, figures: WorkerFigures, known: People) -> WorkerPerformance:
        person = known.registry_workers.get(figures.worker)
        return cls(
            **{**asdict(figures), "grids": list(figures.grids)},
            key_name=known.key_names.get(figures.worker),
            grid_worker=GridWorker.of(person) if person else None,
        )


From = Annotated[date, strawberry.argument(name="from", description="The first day.")]
To = Annotated[date, strawberry.argument(description="The last day, included.")]


@strawberry.type
class StatsQuery:
    @strawberry.federation.field(
        requires_scopes=READ,
        description="Figures per period and group for the grids of a region (统计分析).",
    )
    async def stats(
        self,
        info: Info,
        scope: str,
        period: StatsPeriod,
        from_: From,
        to: To,
        group_by: StatsGroupBy = StatsGroupBy.GRID,
    ) -> Stats:
        within = _within(info, scope, period.value, from_, to)
        now = info.context.services.bus.clock.now()
        request = StatsRequest(period.value, from_, to, group_by.value, within, now)
        async with info.context.services.database.engine.connect() as connection:
            found = await report(connection, request)
        return Stats(
            scope=scope,
            period=period,
            group_by=group_by,
            rows=[StatsRow.of(f) for f in found.rows],
            totals=[StatsRow.of(f) for f in found.totals],
            p90_relative_error=RELATIVE_ERROR,
        )

    @strawberry.federation.field(
        name="workerPerformance",
        requires_scopes=WORKERS,
        description="Each grid worker's reports and verifications per period (网格员考核).",
    )
    async def worker_performance(
        self,
        info: Info,
        scope: str,
        from_: From,
        to: To,
        period: StatsPeriod = StatsPeriod.MONTH,
    ) -> list[WorkerPerformance]:
        within = _within(info, scope, period.value, from_, to)
        async with info.context.services.database.engine.connect() as connection:
            found = await worker_report(connection, period.value, from_, to, within)
        services = info.context.services
        known = await people(
            {f.worker for f in found}, services.security.keys, services.registry.snapshot
        )
        return [WorkerPerformance.of(f, known) for f in found]


def _within(info: Info, scope: str, period: Period, first: date, last: date) -> tuple[str, ...]:
    """The region codes whose grids count: the scope, cut to what the principal may see."""
    try:
        level = level_of(scope)
    except InvalidCodeError as error:
        raise BadUserInputError(str(error), argument="scope") from error
    if level is RegionLevel.MICRO_GRID:
        raise BadUserInputError("statistics go down to grids, not micro-grids", argument="scope")
    if last < first:
        raise BadUserInputError("'to' is before 'from'", argument="to")
    if count_between(period, first, last) > MAX_PERIODS:
        raise BadUserInputError(
            f"more than {MAX_PERIODS} periods; choose a longer period", argument="period"
        )
    return visible_within(scope, grid_scope(info).roots)
