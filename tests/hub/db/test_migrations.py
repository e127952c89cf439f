"""The migrations build exactly the schema the models declare, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from hub.db.engine import Database
from hub.db.tables import metadata


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_the_migrated_database_is_what_the_models_declare(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []
