"""A Kafka client's stop is bounded even when the client swallows its cancellation,
as aiokafka's ``close`` does while it waits for its metadata task."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from hub.bus import kafka


async def _stubborn(released: asyncio.Event) -> None:
    """A stop that hears no cancellation: it waits until ``released``, whatever comes."""
    while not released.is_set():
        with contextlib.suppress(asyncio.CancelledError):
            await released.wait()


async def test_a_stop_that_swallows_its_cancellation_is_abandoned_in_time(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(kafka, "STOP_SECONDS", 0.1)
    released = asyncio.Event()
    try:
        # Waited for as a task: a timeout around it would be swallowed as well.
        stopping = asyncio.create_task(kafka._bounded(_stubborn(released), "stubborn client"))
        done, _ = await asyncio.wait({stopping}, timeout=2)
        assert stopping in done, "the stop held its caller"
        assert "the Kafka stubborn client did not stop within 0.1 s; abandoned" in [
            r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
        ]
    finally:
        released.set()
        await asyncio.sleep(0)


async def test_a_stop_that_fails_says_so_and_one_that_finishes_in_time_is_waited_for() -> None:
    finished: list[str] = []

    async def failing() -> None:
        raise RuntimeError("broken socket")

    async def quick() -> None:
        await asyncio.sleep(0.01)
        finished.append("quick")

    with pytest.raises(RuntimeError, match="broken socket"):
        await kafka._bounded(failing(), "failing client")
    await kafka._bounded(quick(), "quick client")
    assert finished == ["quick"]
