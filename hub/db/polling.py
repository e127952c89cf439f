"""Keeping an in-memory view of stored data current on every replica, by polling."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from hub.db.outage import log_failure

log = logging.getLogger(__name__)


async def keep_refreshed(
    refresh: Callable[[], Awaitable[bool]], interval: float, view: str
) -> None:
    """Call ``refresh`` every ``interval`` seconds until cancelled. A failed refresh is
    logged and the view kept as it is: stale beats gone. While the database is away it
    fails on every poll, so that is said briefly (``log_failure``)."""
    while True:
        await asyncio.sleep(interval)
        try:
            await refresh()
        except Exception as error:
            message = f"{view} refresh failed; keeping the current view"  # named: see log_failure
            log_failure(log, message, error, {"view": view})
