"""Stopping background tasks."""

from __future__ import annotations

import asyncio
import contextlib


async def cancelled(*tasks: asyncio.Task[None] | None) -> None:
    """Cancel every task, then wait for each to end (all are told before any is waited
    for, so they stop side by side). None stands for a task that never started."""
    started = [task for task in tasks if task is not None]
    for task in started:
        task.cancel()
    for task in started:
        with contextlib.suppress(asyncio.CancelledError):
            await task
