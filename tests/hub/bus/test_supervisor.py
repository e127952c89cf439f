"""A background job that dies comes back, and while it is down, the supervisor says so."""

from __future__ import annotations

import asyncio
import logging

import pytest

from hub.bus import Supervisor


async def test_a_job_that_dies_is_restarted_and_down_until_it_settles(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[int] = []
    running = asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) <= 2:
            raise ConnectionRefusedError("the database is away")
        running.set()
        await asyncio.Event().wait()  # then runs until cancelled

    supervisor = Supervisor(settled=0.3)
    with caplog.at_level(logging.WARNING):
        supervisor.start("outbox relay", flaky)
        await asyncio.sleep(0.05)
        assert "outbox relay" in supervisor.down
        assert "ConnectionRefusedError" in supervisor.down["outbox relay"]
        await asyncio.wait_for(running.wait(), 5)
        assert "outbox relay" in supervisor.down  # not yet settled
        await asyncio.sleep(0.5)
        assert supervisor.down == {}
    assert len(runs) == 3
    deaths = [r for r in caplog.records if r.getMessage().startswith("a bus task died")]
    assert len(deaths) == 1  # the same cause twice is one line
    death = deaths[0]  # the database away: expected, so short
    assert (death.name, death.levelname, death.exc_info) == ("hub.outage", "WARNING", None)
    # the task in the message: the log holds back repeats of a message, not of a task
    assert death.getMessage() == (
        "a bus task died (outbox relay); restarting it: the database is unavailable"
    )
    await supervisor.stop()


async def test_a_job_that_keeps_dying_stays_down_and_stop_ends_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken() -> None:
        raise RuntimeError("bug")

    supervisor = Supervisor(settled=0.05)
    with caplog.at_level(logging.WARNING):
        supervisor.start("timers", broken)
        for _ in range(10):
            await asyncio.sleep(0.1)
            assert "timers" in supervisor.down
    await asyncio.wait_for(supervisor.stop(), 2)
    assert supervisor.down == {}
    (death,) = [r for r in caplog.records if r.getMessage().startswith("a bus task died")]
    # a bug: said once, in full, naming the task
    assert (death.name, death.levelname) == ("hub.bus.supervisor", "ERROR")
    assert death.getMessage() == "a bus task died (timers); restarting it"
    assert death.exc_info is not None


async def test_a_job_that_ends_on_its_own_is_not_restarted() -> None:
    runs: list[int] = []

    async def once() -> None:
        runs.append(1)

    supervisor = Supervisor(settled=0.05)
    supervisor.start("rules", once)
    await asyncio.sleep(0.3)
    assert runs == [1]
    assert supervisor.down == {}
    await supervisor.stop()


async def test_a_job_slow_to_stop_is_named_and_waited_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = asyncio.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:  # e.g. finishing a transaction first
            await release.wait()
            raise

    supervisor = Supervisor(stop_within=0.2)
    supervisor.start("hub.ledger", slow)
    await asyncio.sleep(0.05)
    with caplog.at_level(logging.ERROR, logger="hub.bus.supervisor"):
        stopping = asyncio.create_task(supervisor.stop())
        await asyncio.sleep(0.4)
        assert not stopping.done()  # still waiting for it
        (slow_one,) = [r for r in caplog.records if "still stopping" in r.getMessage()]
        assert slow_one.task == "hub.ledger"  # type: ignore[attr-defined]
        release.set()
        await asyncio.wait_for(stopping, 2)
