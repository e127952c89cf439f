"""The SQLite engine under cancellation: a stopped task must not leave its lock behind,
nor a connection open."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, Table, make_url, select, text

from hub.db import engine as engine_module
from hub.db.engine import Database, _sqlite_connector

WRITERS = 4


async def _write_forever(database: Database, writer: int) -> None:
    rows = [{"k": f"{writer}-{n}"} for n in range(5)]
    while True:
        async with database.engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO t (k, v) VALUES (:k, 0) ON CONFLICT DO NOTHING"), rows
            )
            await connection.execute(text("UPDATE t SET v = v + 1 WHERE k = :k"), rows[0])


@pytest.mark.parametrize("run", range(5))
async def test_writers_cancelled_mid_statement_leave_the_database_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: int
) -> None:
    # A short busy timeout, so that a lock left behind fails the write below in seconds.
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_SECONDS", 2)
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (k TEXT PRIMARY KEY, v INT)"))
        writers = [asyncio.create_task(_write_forever(database, n)) for n in range(WRITERS)]
        await asyncio.sleep(0.05 * (run + 1))  # mid-statement, at different points
        for writer in writers:
            writer.cancel()
        await asyncio.gather(*writers, return_exceptions=True)

        async with database.engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (k, v) VALUES ('after', 1)"))
        async with database.engine.connect() as connection:
            assert await connection.scalar(text("SELECT v FROM t WHERE k = 'after'")) == 1
    finally:
        await database.aclose()


async def test_a_connection_cancelled_while_rolling_back_still_closes(tmp_path: Path) -> None:
    connection = await _sqlite_connector(make_url(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"))()
    await connection.execute("CREATE TABLE t (k TEXT)")
    await connection.execute("INSERT INTO t VALUES ('unfinished')")

    async def cancelled_rollback() -> None:  # as when the closing task is cancelled again
        raise asyncio.CancelledError

    connection.rollback = cancelled_rollback  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await connection.close()
    with pytest.raises(ValueError, match="no active connection"):
        await connection.execute("SELECT 1")


async def test_json_columns_are_written_compact_and_read_back(database: Database) -> None:
    """JSON columns go through the hub's JSON encoding, not the standard library's
    default: compact, Chinese text as itself; and come back as they went in."""
    table = Table(
        "json_probe", MetaData(), Column("id", Integer, primary_key=True), Column("doc", JSON)
    )
    value = {"名称": "西湖区", "grids": ["330106001001"], "n": 2}
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(table.create)
            await connection.execute(table.insert(), {"id": 1, "doc": value})
        async with database.engine.connect() as connection:
            stored = await connection.scalar(text("SELECT CAST(doc AS TEXT) FROM json_probe"))
            read = await connection.scalar(select(table.c.doc))
        assert stored == '{"名称":"西湖区","grids":["330106001001"],"n":2}'
        assert read == value
    finally:
        async with database.engine.begin() as connection:
            await connection.run_sync(table.drop)
