"""``hub report``: a region's periodic report (日汇总、周研判、月通报、季分析) written to a
file, a printable page (.html) or a spreadsheet (.xlsx), from this hub's database.

    hub report month --scope 330199001 --month 2026-11
    hub report week --scope 330199001001 --week 2026-11-23 --out week.xlsx
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import run, state
from hub.config import Settings
from hub.core.codes import InvalidCodeError, level_of
from hub.reports import Bulletin, bulletin, render, workbook
from hub.services import Services
from hub.stats import Period
from hub.stats.periods import named_day

app = typer.Typer(help="Periodic reports of a region, written to a file.", no_args_is_help=True)
Scope = Annotated[str, typer.Option(help="A region code: district, street, community or grid.")]
Out = Annotated[
    Path | None,
    typer.Option(help="The file: .html (a printable page) or .xlsx; default <scope>-<period>.html"),
]


@app.command()
def day(
    context: typer.Context,
    scope: Scope,
    day: Annotated[str, typer.Option(help="2026-11-23")],
    out: Out = None,
) -> None:
    """日汇总: a day's summary."""
    _write(context, Period.DAY, day, scope, out)


@app.command()
def week(
    context: typer.Context,
    scope: Scope,
    week: Annotated[str, typer.Option(help="Any day of it")],
    out: Out = None,
) -> None:
    """周研判: a week's review, Monday to Sunday."""
    _write(context, Period.WEEK, week, scope, out)


@app.command()
def month(
    context: typer.Context,
    scope: Scope,
    month: Annotated[str, typer.Option(help="2026-11")],
    out: Out = None,
) -> None:
    """月通报: a month's bulletin, with the workers' points."""
    _write(context, Period.MONTH, month, scope, out)


@app.command()
def quarter(
    context: typer.Context,
    scope: Scope,
    quarter: Annotated[str, typer.Option(help="2026-Q4")],
    out: Out = None,
) -> None:
    """季分析: a quarter's analysis."""
    _write(context, Period.QUARTER, quarter, scope, out)


def _write(context: typer.Context, kind: Period, text: str, scope: str, out: Path | None) -> None:
    try:
        level_of(scope)
        day = named_day(kind, text)
    except (InvalidCodeError, ValueError) as error:
        raise typer.BadParameter(str(error)) from error
    out = out or Path(f"{scope}-{kind.value.lower()}-{text}.html")
    if out.suffix not in {".html", ".xlsx"}:
        raise typer.BadParameter("the file ends in .html or .xlsx", param_hint="--out")
    found = run(_build(state(context).settings(), kind, scope, day))
    out.write_bytes(workbook(found) if out.suffix == ".xlsx" else render(found).encode())
    typer.echo(f"wrote {out}: {found.title} {found.period_label}")


async def _build(settings: Settings, kind: Period, scope: str, day: date) -> Bulletin:
    services = Services.create(settings)
    try:
        await services.registry.refresh()
        async with services.database.engine.connect() as connection:
            return await bulletin(
                connection, services.report_sources, kind, scope, day, datetime.now(UTC)
            )
    finally:
        await services.aclose()
