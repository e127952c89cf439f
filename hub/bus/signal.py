"""Waking waiters in this process as soon as there is something to read."""

from __future__ import annotations

import asyncio
import contextlib


class Signal:
    """Wakes every waiter at once. A waiter takes ``current()`` before it reads, so
    something arriving between its read and its wait is never missed."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def current(self) -> asyncio.Event:
        return self._event

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()


async def wait(event: asyncio.Event, seconds: float) -> None:
    """Until ``event`` is set or ``seconds`` passed, whichever comes first.

    Not ``asyncio.wait_for``: on Python 3.11 it can swallow a cancellation that arrives
    as the event is set, and a worker told to stop would keep running.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
