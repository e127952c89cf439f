"""The migrations build exactly the schema the models declare, on both backends, and the
hub reads the revisions as alembic does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from hub.db import migrate
from hub.db.engine import Database
from hub.db.tables import metadata


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_the_migrated_database_is_what_the_models_declare(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


def test_the_newest_revision_is_the_one_alembic_finds() -> None:
    config = migrate.alembic_config()
    assert migrate.head_revision() == ScriptDirectory.from_config(config).get_current_head()


def alembic_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_the_databases_revision_is_the_one_alembic_reads(database: Database) -> None:
    async with database.engine.connect() as connection:
        expected = await connection.run_sync(alembic_revision)
    assert expected == migrate.head_revision()
    assert await migrate.current_revision(database) == expected


async def test_a_database_never_migrated_has_no_revision(tmp_path: Path) -> None:
    empty = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        assert await migrate.current_revision(empty) is None
    finally:
        await empty.aclose()


def alembic_modules_after(statements: str) -> str:
    script = (
        f"import sys, hub.cli; {statements};"
        " print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return found.stdout.strip()


def test_the_hub_checks_its_revisions_without_importing_alembic() -> None:
    assert alembic_modules_after("from hub.db import migrate; migrate.head_revision()") == "[]"


def test_a_database_at_the_newest_revision_is_upgraded_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    upgrade = (
        "import asyncio; from hub.db import migrate; from hub.db.engine import Database;"
        f" database = Database({url!r}); asyncio.run(migrate.upgrade(database))"
    )
    assert alembic_modules_after(upgrade) != "[]"  # the first time, alembic migrates
    assert alembic_modules_after(upgrade) == "[]"  # then there is nothing to do
