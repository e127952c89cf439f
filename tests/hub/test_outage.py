"""Which database errors are a moment's outage (503, retry) and which are bugs (500)."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from hub.db.engine import Database
from hub.db.outage import is_outage, log_failure


async def test_a_refused_connection_is_an_outage() -> None:
    database = Database("postgresql+asyncpg://hub:hub@127.0.0.1:1/nothing")  # nobody listens
    with pytest.raises(ConnectionRefusedError) as refused:
        await database.ping()
    await database.aclose()
    assert is_outage(refused.value)


def test_a_locked_sqlite_is_an_outage_but_a_missing_column_is_a_bug() -> None:
    locked = OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))
    assert is_outage(locked)
    missing = OperationalError("SELECT shape", {}, sqlite3.OperationalError("no such column"))
    assert not is_outage(missing)


async def test_a_query_against_a_table_that_is_not_there_is_not_an_outage(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(OperationalError) as failed:
        async with database.engine.connect() as connection:
            await connection.exec_driver_sql("SELECT * FROM regions")
    await database.aclose()
    assert not is_outage(failed.value)


def test_ordinary_errors_are_not_outages() -> None:
    assert not is_outage(ValueError("x"))
    assert not is_outage(KeyError("x"))
    assert not is_outage(None)
    assert not is_outage(FileNotFoundError(2, "No such file", "taxonomy.yaml"))


def test_a_background_step_failing_in_an_outage_says_it_briefly_and_a_bug_in_full(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    feeds = logging.getLogger("hub.dispatch.feeds")
    log_failure(feeds, "change feed failed", ConnectionRefusedError(111, "refused"), {"feed": "p"})
    log_failure(feeds, "change feed failed", KeyError("category"), {"feed": "p"})
    outage, bug = caplog.records
    assert (outage.name, outage.levelname, outage.exc_info) == ("hub.outage", "WARNING", None)
    assert outage.getMessage() == "change feed failed: the database is unavailable"
    assert (bug.name, bug.levelname, bug.getMessage()) == (
        "hub.dispatch.feeds",
        "ERROR",
        "change feed failed",
    )
    assert bug.exc_info is not None
