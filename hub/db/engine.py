"""The database handle: one engine and one session factory per process."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event, exc, text
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from hub.core.jsonbody import decode_json, encode_json

SQLITE_BUSY_SECONDS = 30
"""How long a SQLite writer waits for another's lock before it fails."""

ALIVE_WITHOUT_PING_SECONDS = 0.5
"""A pooled connection returned this recently is handed out without a ping (HikariCP's
bypass window, and its default): a ping before every use cost 3 round trips, ~0.3 ms of
a 0.5 ms transaction on loopback. A database that went away in that half second fails
one statement, which the hub answers as an outage (503, or a bus task's retry), and
SQLAlchemy then replaces every connection the pool held."""


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
    options: dict[str, Any] = {
        "echo": echo,
        "json_serializer": _json_text,
        "json_deserializer": decode_json,
    }
    if parsed.get_backend_name() != "sqlite":
        engine = create_async_engine(url, **options)
        _ping_when_idle(engine, ALIVE_WITHOUT_PING_SECONDS)
        return engine
    _ensure_sqlite_directory(parsed.database)
    engine = create_async_engine(url, **options, async_creator=_sqlite_connector(parsed))
    event.listen(engine.sync_engine, "connect", _configure_sqlite)
    return engine


def _json_text(value: Any) -> str:
    """A JSON column's value as the text stored: written as the hub writes its answers
    (``hub.core.jsonbody``). SQLAlchemy's default, the standard library, was 2% of a
    replica's CPU at 1,000 reports a second (event headers, timeline details, facts)."""
    return encode_json(value).decode()


def _ping_when_idle(engine: AsyncEngine, window: float) -> None:
    """Ping a pooled connection before handing it out only if it lay unused for
    ``window`` seconds or more: one idle across a restart of the database is replaced
    (the pool tries the next, new connection) instead of failing its first statement."""
    pool, dialect = engine.sync_engine.pool, engine.dialect

    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    def handed_out(dbapi_connection: Any, record: Any, _proxy: object) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < window:
            return  # just opened, or just used
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure means this one is dead
            raise exc.DisconnectionError(f"a pooled connection died idle: {error}") from error

    event.listen(pool, "checkin", returned)
    event.listen(pool, "checkout", handed_out)


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
        try:
            with contextlib.suppress(sqlite3.Error, ValueError):  # ValueError: already closed
                await self.rollback()
        finally:  # closed even when a second cancellation cuts the rollback short
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
