"""``hub stats``: a period's figures for a region in the terminal, and rebuilding the
rollups from the ledger."""

from __future__ import annotations

import time
import unicodedata
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from hub.cli.common import database, run, state
from hub.config import Settings
from hub.core.codes import InvalidCodeError, level_of
from hub.core.departments import load_departments
from hub.core.workorders import LifecycleStatus
from hub.registry import store as registry
from hub.stats import Figures, GroupBy, Period, StatsReport, StatsRequest, report
from hub.stats import rebuild as rebuild_rollups
from hub.stats.census import Census, census
from hub.stats.periods import named_day, next_start, period_start
from hub.timers.schedule import Schedule

app = typer.Typer(help="The closed loop's statistics.", no_args_is_help=True)


@app.command()
def show(  # noqa: PLR0913 - one option per kind of period, as the graph's stats query
    context: typer.Context,
    *,
    scope: Annotated[str, typer.Option(help="A region code: district, street, community or grid.")],
    day: Annotated[str | None, typer.Option(help="A day, 2026-12-03 (日汇总).")] = None,
    week: Annotated[
        str | None, typer.Option(help="Any day of the week, Monday to Sunday (周分析).")
    ] = None,
    month: Annotated[str | None, typer.Option(help="A month, 2026-12 (月报告).")] = None,
    quarter: Annotated[str | None, typer.Option(help="A quarter, 2026-Q4 (季讲评).")] = None,
    group_by: Annotated[
        GroupBy, typer.Option(case_sensitive=False, help="Rows per grid, department or category.")
    ] = GroupBy.DEPARTMENT,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%dT%H:%M:%S%z"],
            help="Count overdue events as of this moment (ISO, with offset); default now.",
        ),
    ] = None,
) -> None:
    """Print a period's figures for a region: totals, then one row per group."""
    period, first = _period(day, week, month, quarter)
    try:
        level_of(scope)
    except InvalidCodeError as error:
        raise typer.BadParameter(str(error), param_hint="--scope") from error
    settings = state(context).settings()
    now = as_of.astimezone(UTC) if as_of else datetime.now(UTC)
    last = _last_day(period, first)
    asked = StatsRequest(period, first, last, group_by, (scope,), now)
    found, name = run(_show(settings, asked))
    typer.echo(_render(found, name, now))


def _period(
    day: str | None, week: str | None, month: str | None, quarter: str | None
) -> tuple[Period, date]:
    given = {
        Period.DAY: day,
        Period.WEEK: week,
        Period.MONTH: month,
        Period.QUARTER: quarter,
    }
    chosen = [(p, v) for p, v in given.items() if v is not None]
    if len(chosen) != 1:
        raise typer.BadParameter("give exactly one of --day, --week, --month, --quarter")
    period, text = chosen[0]
    try:
        return period, period_start(period, named_day(period, text))
    except ValueError as error:
        hint = f"--{period.value.lower()}"
        raise typer.BadParameter(f"{text!r} is not a {hint[2:]}", param_hint=hint) from error


def _last_day(period: Period, first: date) -> date:
    return date.fromordinal(next_start(period, first).toordinal() - 1)


async def _show(settings: Settings, asked: StatsRequest) -> tuple[StatsReport, str | None]:
    async with database(settings) as db:
        async with db.engine.connect() as connection:
            found = await report(connection, asked)
        async with AsyncSession(db.engine) as session:
            regions = await registry.regions(session, asked.within)
    region = regions.get(asked.within[0])
    return found, region.name if region else None


COLUMNS = (
    ("reported", "上报"),
    ("closed", "办结"),
    ("open", "在办"),
    ("overdue", "超期"),
    ("on_time_rate", "按时率"),
    ("mean_handling_hours", "平均用时(h)"),
    ("escalations", "升级"),
    ("mean_satisfaction", "满意度"),
)


def _label(group: str | None, names: dict[str, str]) -> str:
    if not group:
        return "(未分派)"
    return f"{names[group]} {group}" if group in names else group


def _render(found: StatsReport, name: str | None, now: datetime) -> str:
    names = {d.code: d.name for d in load_departments()}
    asked = found.request
    place = f"{name} ({asked.within[0]})" if name else asked.within[0]
    lines = [
        f"{place}: {asked.period.value.lower()} {asked.first} to {asked.last}",
        f"as of {now.isoformat(timespec='seconds')}; overdue: unresolved and past the "
        "deadline; on time: resolved by the deadline / (closures with one + overdue)",
        "",
        _row("", [title for _, title in COLUMNS]),
    ]
    lines += [_row("合计", _values(f)) for f in found.totals]
    lines += [_row(_label(f.group, names), _values(f)) for f in found.rows]
    return "\n".join(lines)


def _values(figures: Figures) -> list[str]:
    return [_cell(getattr(figures, field)) for field, _ in COLUMNS]


def _cell(value: float | int | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _row(label: str, cells: list[str]) -> str:
    return _pad(label, 40, left=True) + "".join(_pad(c, 12) for c in cells)


def _pad(text: str, width: int, *, left: bool = False) -> str:
    """Pad to a terminal width: a Chinese character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    space = " " * max(width - shown, 0)
    return text + space if left else space + text


@app.command("census")
def census_command(
    context: typer.Context,
    scope: Annotated[str, typer.Option(help="A region code; default: everywhere.")] = "",
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%dT%H:%M:%S%z"], help="Only events reported since then."),
    ] = None,
) -> None:
    """Where every event stands now: a count per lead department and status."""
    settings = state(context).settings()
    found = run(_census(settings, scope, since))
    typer.echo(_render_census(found))


async def _census(settings: Settings, scope: str, since: datetime | None) -> Census:
    async with database(settings) as db, db.engine.connect() as connection:
        return await census(connection, scope, since)


def _render_census(found: Census) -> str:
    names = {d.code: d.name for d in load_departments()}
    statuses = [s.value for s in LifecycleStatus]
    lines = [_row("", statuses)]
    for department in sorted(found):
        counts = found[department]
        lines.append(_row(_label(department, names), [str(counts.get(s, 0)) for s in statuses]))
    total = [str(sum(c.get(s, 0) for c in found.values())) for s in statuses]
    return "\n".join([*lines, _row("合计", total)])


@app.command()
def rebuild(context: typer.Context) -> None:
    """Recompute every rollup from the ledger, in one transaction (the hub may keep running)."""
    settings = state(context).settings()
    started = time.perf_counter()
    count = run(_rebuild(settings))
    typer.echo(f"rebuilt the statistics of {count} events in {time.perf_counter() - started:.1f} s")


async def _rebuild(settings: Settings) -> int:
    async with database(settings) as db:
        schedule = Schedule.load(settings.bus.timers)
        scale = settings.bus.timers.time_scale  # handling times on the hub's clock
        return await rebuild_rollups(db, schedule.within_a_working_day, scale)
