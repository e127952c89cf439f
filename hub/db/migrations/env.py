"""Alembic environment: runs on the connection handed over by hub.db.migrate.

Run from the ``alembic`` command line, it opens its own async engine instead, on the
URL in ``sqlalchemy.url`` or ``HUB_DATABASE_URL`` (the hub's settings are a layer above
the database, so this script does not read them: ``hub db upgrade`` does).
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from hub.db.tables import metadata

target_metadata = metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get("HUB_DATABASE_URL")
    if not url:
        raise SystemExit("no database: set sqlalchemy.url or HUB_DATABASE_URL (or: hub db upgrade)")
    asyncio.run(run_with_own_engine(url))


main()
