"""``hub db``: schema migrations."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from hub.cli.common import database, fail, run, state
from hub.db import migrate
from hub.db.engine import Database

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


async def upgrade_apart(db: Database, url: str) -> None:
    """``db`` at the newest revision, migrated by ``hub db upgrade`` in a process of its
    own: a long-running command that migrates on its first start (``hub demo``) would
    otherwise hold alembic, mako and the pygments mako loads for good, about 10 MiB. A
    database only this process can reach (in memory) is migrated here."""
    if make_url(url).database in (None, "", ":memory:"):
        await migrate.upgrade(db)  # which leaves a database at the newest as it is
        return
    if await migrate.current_revision(db) == migrate.head_revision():
        return
    child = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "hub", "db", "upgrade"),
        env=os.environ | {"HUB_DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    said, _ = await child.communicate()
    if child.returncode != 0:
        raise fail(f"hub db upgrade failed:\n{said.decode(errors='replace')}")
