"""``hub db``: schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import database, run, state
from hub.db import migrate

app = typer.Typer(help="The hub's database.", no_args_is_help=True)


@app.command()
def upgrade(
    context: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    settings = state(context).settings()

    async def go() -> str | None:
        async with database(settings) as db:
            await migrate.upgrade(db, revision)
            return await migrate.current_revision(db)

    typer.echo(f"database at revision {run(go())}")
