"""A member whose consumer could not start waits out its backoff, unless the broker is
back: then it starts again at once, and its backoff starts over."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import pytest

from hub.bus import BusUnavailableError, Message, Record, Subscriber, Worker, runtime
from hub.bus.signal import Signal
from tests.support.events import cancel


class _Member:
    """A group member whose start fails while the broker is ``down``."""

    def __init__(self, starts: asyncio.Queue[float], down: list[bool]) -> None:
        self.starts, self.down = starts, down

    async def start(self) -> None:
        self.starts.put_nowait(time.monotonic())
        if self.down[0]:
            raise BusUnavailableError("Kafka unreachable")

    async def stop(self) -> None:
        pass

    async def fetch(self, max_records: int, max_wait: float) -> list[Record]:
        await asyncio.sleep(max_wait)
        return []

    async def commit(self, consumed: Sequence[Record], outputs: Sequence[Message]) -> None:
        pass

    async def rewind(self) -> None:
        pass


class _Backend:
    def __init__(self) -> None:
        self.starts: asyncio.Queue[float] = asyncio.Queue()
        self.down = [True]

    def group_consumer(self, group: str, topics: Sequence[str], member: str) -> _Member:
        return _Member(self.starts, self.down)

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the worker used the backend's {name}")


async def _nothing(events: Sequence[Any]) -> list[Message]:
    return []


@pytest.mark.parametrize("broker_back", [True, False])
async def test_a_member_starts_again_as_soon_as_the_broker_is_back(
    monkeypatch: pytest.MonkeyPatch, broker_back: bool
) -> None:
    monkeypatch.setattr(
        runtime, "backoff", lambda attempt, cap=30.0: 60.0
    )  # long, as after minutes
    backend, back = _Backend(), Signal()
    worker = Worker(
        backend,
        Subscriber("hub.dispatch.police", ("dept.police.dispatch",), _nothing),
        member="m",
        dead_letters="grid.events.dlq",
        resumed=back,
    )
    task = asyncio.create_task(worker.run())
    try:
        async with asyncio.timeout(2):
            await backend.starts.get()
        await asyncio.sleep(0.05)  # the failed start is taken in
        assert worker.trouble == "Kafka unreachable"
        backend.down[0] = False
        if broker_back:
            back.fire()
            async with asyncio.timeout(2):
                await backend.starts.get()
            await asyncio.sleep(0.05)
            assert worker.trouble is None
        else:
            await asyncio.sleep(0.5)
            assert backend.starts.empty()  # still in its backoff
    finally:
        await cancel(task)
