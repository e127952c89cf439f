"""PostgreSQL connections are pinged before use only after lying idle: a pooled
connection the server dropped meanwhile is replaced, and one just used costs nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from hub.db import engine as engine_module
from hub.db.engine import Database
from tests.support.databases import fresh_postgres_database

pytestmark = pytest.mark.postgres
WINDOW = 0.2  # seconds; the hub's is longer, kept short here so the tests are quick


@pytest.fixture
async def database(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Database, list[int]]]:
    """A database whose pings are counted."""
    monkeypatch.setattr(engine_module, "ALIVE_WITHOUT_PING_SECONDS", WINDOW)
    async with fresh_postgres_database() as url:
        database = Database(url)
        pings: list[int] = []
        ping = database.engine.dialect.do_ping

        def counted(dbapi_connection: Any) -> bool:
            pings.append(1)
            return ping(dbapi_connection)

        monkeypatch.setattr(database.engine.dialect, "do_ping", counted)
        try:
            yield database, pings
        finally:
            await database.aclose()


async def _backend_pid(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int(await connection.scalar(text("SELECT pg_backend_pid()")))


async def test_a_connection_used_just_now_is_handed_out_without_a_ping(
    database: tuple[Database, list[int]],
) -> None:
    db, pings = database
    first = await _backend_pid(db)
    for _ in range(20):
        assert await _backend_pid(db) == first  # the same pooled connection each time
    assert pings == []
    await asyncio.sleep(WINDOW * 2)
    assert await _backend_pid(db) == first
    assert pings == [1]


async def test_a_connection_the_server_dropped_while_it_lay_idle_is_replaced(
    database: tuple[Database, list[int]],
) -> None:
    db, pings = database
    dropped = await _backend_pid(db)
    async with fresh_postgres_database() as other:  # the server's other door
        killer = Database(other)
        try:
            async with killer.engine.connect() as connection:
                ended = await connection.scalar(
                    text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped}
                )
            assert ended
        finally:
            await killer.aclose()
    await asyncio.sleep(WINDOW * 2)
    assert await _backend_pid(db) != dropped  # no error: the pool took a new connection
    assert pings == [1]
