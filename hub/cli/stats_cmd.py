"""``hub stats``: rebuild the statistics' rollups from the ledger."""

from __future__ import annotations

import time

import typer

from hub.cli.common import database, run, state
from hub.config import Settings
from hub.stats import rebuild as rebuild_rollups
from hub.timers.schedule import Schedule

app = typer.Typer(help="The closed loop's statistics.", no_args_is_help=True)


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
