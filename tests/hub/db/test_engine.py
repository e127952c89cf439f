"""The SQLite engine under cancellation: a stopped task must not leave its lock behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from hub.db import engine as engine_module
from hub.db.engine import Database

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
