"""Keeping an in-memory view of stored data current on every replica, by polling."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def keep_refreshed(
    refresh: Callable[[], Awaitable[bool]], interval: float, view: str
) -> None:
    """Call ``refresh`` every ``interval`` seconds until cancelled. A failed refresh is
    logged and the view kept as it is: stale beats gone."""
    while True:
        await asyncio.sleep(interval)
        try:
            await refresh()
        except Exception:
            log.exception("refresh failed; keeping the current view", extra={"view": view})
