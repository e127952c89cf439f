"""A view kept current by polling: kept as it is when a poll fails, and said in scale."""

from __future__ import annotations

import asyncio
import logging

import pytest

from hub.db.polling import keep_refreshed


async def _poll_failing_with(error: Exception, polls: int) -> int:
    calls = 0
    enough = asyncio.Event()

    async def refresh() -> bool:
        nonlocal calls
        calls += 1
        if calls >= polls:
            enough.set()
        raise error

    task = asyncio.create_task(keep_refreshed(refresh, 0.001, "registry"))
    await asyncio.wait_for(enough.wait(), 5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return calls


async def test_a_poll_failing_while_the_database_is_away_is_said_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    await _poll_failing_with(ConnectionRefusedError(111, "refused"), polls=3)
    assert caplog.records
    for record in caplog.records:
        assert (record.name, record.levelname, record.exc_info) == ("hub.outage", "WARNING", None)
        assert record.getMessage() == (
            "registry refresh failed; keeping the current view: the database is unavailable"
        )


async def test_a_poll_failing_for_any_other_reason_keeps_polling_and_shows_the_bug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    calls = await _poll_failing_with(KeyError("level"), polls=3)
    assert calls >= 3
    bug = caplog.records[0]
    assert (bug.name, bug.levelname) == ("hub.db.polling", "ERROR")
    assert bug.exc_info is not None
