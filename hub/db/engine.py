"""The database handle: one engine and one session factory per process."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event, text
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

SQLITE_BUSY_SECONDS = 30
"""How long a SQLite writer waits for another's lock before it fails."""


class Database:
    """Owns the engine; ``session()`` opens a unit of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine: AsyncEngine = _create_engine(url, echo=echo)
        self.session = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def ping(self) -> None:
        """Raises when the database cannot answer a trivial query."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def aclose(self) -> None:
        await self.engine.dispose()


def _create_engine(url: str, *, echo: bool) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, echo=echo, pool_pre_ping=True)
    _ensure_sqlite_directory(parsed.database)
    engine = create_async_engine(url, echo=echo, async_creator=_sqlite_connector(parsed))
    event.listen(engine.sync_engine, "connect", _configure_sqlite)
    return engine


def _sqlite_connector(url: URL) -> Callable[[], _SQLiteConnection]:
    """New connections as SQLAlchemy would open them, but of the class below."""
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(url)
    connect = partial(sqlite3.connect, *args, **kwargs, timeout=SQLITE_BUSY_SECONDS)
    return lambda: _SQLiteConnection(connect)


class _SQLiteConnection(aiosqlite.Connection):
    """aiosqlite's connection, rolled back before it closes.

    SQLAlchemy closes the connection of a task cancelled mid-statement (a stopping bus
    task, say). Closed with that statement unfinished, the connection does not end its
    transaction: it keeps the write lock and every other writer waits out its busy
    timeout. Rolling back first ends the transaction and frees the lock.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connect, iter_chunk_size=64)
        self._thread.daemon = True  # as SQLAlchemy's own: no connection holds the process

    async def close(self) -> None:
        with contextlib.suppress(sqlite3.Error, ValueError):  # ValueError: already closed
            await self.rollback()
        await super().close()


def _ensure_sqlite_directory(database: str | None) -> None:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(dbapi_connection: Any, _record: object) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
