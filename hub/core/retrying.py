"""Retries that cost nothing until they are needed.

tenacity's retry loop takes about 14 µs of CPU a call even when the first attempt
succeeds, as nearly every upstream call and work order does: about 60 µs of a
dashboard query's 8 ms (four upstream calls), and 5% of the event pipeline's CPU in a
profile (a work order a dispatched event). So the first attempt is made before the loop
is entered. A first attempt that fails is handed to the loop as its own first attempt,
failing at once with the same error, so the policy (what is retried, how often, how long
it waits, what it logs) sees the attempts it saw before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import AsyncRetrying

T = TypeVar("T")


async def retried(call: Callable[[], Awaitable[T]], policy: Callable[[], AsyncRetrying]) -> T:
    """``call()``'s result, retried as ``policy()`` says should the first attempt fail."""
    try:
        return await call()
    except Exception as error:
        failed: Exception | None = error

    async def attempt() -> T:
        nonlocal failed
        if failed is not None:
            error, failed = failed, None
            raise error
        return await call()

    return await policy()(attempt)
