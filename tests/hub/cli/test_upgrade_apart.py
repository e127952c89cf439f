"""``hub demo`` migrates a new database in a process of its own (``hub db upgrade``), so
the long-running one never loads alembic and what alembic loads; a database already at
the newest revision costs no process, and one in memory is migrated in place."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import typer

from hub.cli.db import upgrade_apart
from hub.db import migrate
from hub.db.engine import Database
from tests.support.packages import run_apart

# Run in a fresh interpreter: this test process has loaded alembic for other tests.
APART = """
import asyncio, json, sys
from hub.cli.db import upgrade_apart
from hub.db import migrate
from hub.db.engine import Database

async def main(url):
    db = Database(url)
    try:
        await upgrade_apart(db, url)
        return await migrate.current_revision(db)
    finally:
        await db.aclose()

revision = asyncio.run(main(sys.argv[1]))
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"alembic", "mako", "pygments"})
print(json.dumps([revision, loaded]))
"""


def test_a_new_database_is_migrated_by_another_process(tmp_path: Path) -> None:
    revision, loaded = run_apart(APART, f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    assert revision == migrate.head_revision()
    assert loaded == []


async def test_a_database_at_the_newest_revision_costs_no_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    db = Database(url)
    try:
        await migrate.upgrade(db)
        monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))  # would fail
        await upgrade_apart(db, url)
        assert await migrate.current_revision(db) == migrate.head_revision()
    finally:
        await db.aclose()


async def test_a_database_in_memory_is_migrated_in_place() -> None:
    url = "sqlite+aiosqlite://"
    db = Database(url)
    try:
        await upgrade_apart(db, url)
        assert await migrate.current_revision(db) == migrate.head_revision()
    finally:
        await db.aclose()


async def test_a_migration_that_fails_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+asyncpg://hub:hub@127.0.0.1:1/hub"  # nothing listens there
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    try:
        with pytest.raises(typer.Exit):
            await upgrade_apart(db, url)
    finally:
        await db.aclose()
    assert "hub db upgrade failed" in capsys.readouterr().err
