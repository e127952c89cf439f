"""Starting and stopping aiokafka's clients so that a caller who stops waiting leaves
neither a hung task nor an open connection behind.

aiokafka goes wrong in two places when its caller is cut off (by a timeout, or by a
shutdown), both seen in the hub's runs:

- Cancelled while its bootstrap waits for the first metadata answer, a client leaves
  that connection open: it is held by nothing the client's stop closes. The broker
  watch's probe, given three seconds, was cut off there whenever the broker was slow.
- Its ``close`` swallows a cancellation that arrives while it waits for its metadata
  task, so a stop stuck after that held its caller for good.

So the work of a client's start runs as a task of its own, which the caller waits for
without being able to cut it: a caller cancelled meanwhile leaves the task to end by
itself, and a client started that way is stopped when its start ends. A stop is given
``STOP_SECONDS``, and past that abandoned. ``drain`` waits, bounded, for what is left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)
STOP_SECONDS = 5.0  # for one client to leave its group and flush: seconds on loopback

T = TypeVar("T")
_RUNNING: set[asyncio.Task[Any]] = set()  # uncut work and abandoned stops, kept from the collector


def _kept(work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    return _keep(asyncio.create_task(work))


def _keep(task: asyncio.Task[T]) -> asyncio.Task[T]:
    _RUNNING.add(task)
    task.add_done_callback(_forgotten)
    return task


def _forgotten(task: asyncio.Task[Any]) -> None:
    _RUNNING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.debug("a Kafka client's background work failed", exc_info=task.exception())


async def uncut(work: Coroutine[Any, Any, T]) -> T:
    """``work``'s result. A caller cancelled meanwhile stops waiting; the work goes on
    to its end (its own timeouts bound it), so it closes what it opened."""
    return await asyncio.shield(_kept(work))


async def bounded(stopping: Coroutine[Any, Any, None], what: str) -> None:
    """A client's stop, given STOP_SECONDS: past that it is abandoned, and any open
    transaction of it is aborted by the broker (or fenced by the next member to start).

    The stop runs as a task of its own and is waited for, not wrapped in a timeout: a
    timeout cancels the waiter, and aiokafka's ``close`` could swallow that cancellation.
    """
    task = asyncio.create_task(stopping)
    try:
        done, _ = await asyncio.wait({task}, timeout=STOP_SECONDS)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        task.result()
        return
    task.cancel()  # a last word; whether it is heard is up to the client
    _keep(task)
    log.warning("the Kafka %s did not stop within %s s; abandoned", what, STOP_SECONDS)


async def drain(within: float = STOP_SECONDS) -> None:
    """Waits, at most ``within`` seconds, for the work callers stopped waiting for."""
    if _RUNNING:
        await asyncio.wait(set(_RUNNING), timeout=within)


class Lifetime:
    """One client's start and stop. A start that fails is stopped before its error goes
    on. A start whose caller is cut off runs on, and the client is stopped when it ends;
    so is one whose stop is asked while it still starts (that stop returns at once).
    A client is stopped once."""

    def __init__(
        self,
        start: Callable[[], Coroutine[Any, Any, None]],
        stop: Callable[[], Coroutine[Any, Any, None]],
    ) -> None:
        self._start, self._stop = start, stop
        self._starting: asyncio.Task[None] | None = None
        self._stopped = False

    async def start(self) -> None:
        starting = self._starting = _kept(self._undone_on_failure())
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:  # the caller was cut off, not the start
            starting.add_done_callback(self._stop_later)
            raise

    async def _undone_on_failure(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self._stop_once()
            raise

    async def stop(self) -> None:
        starting = self._starting
        if starting is not None and not starting.done():
            starting.add_done_callback(self._stop_later)
            return
        await self._stop_once()

    def _stop_later(self, _: asyncio.Task[None]) -> None:
        _kept(self._stop_once())

    async def _stop_once(self) -> None:
        if not self._stopped:
            self._stopped = True
            await self._stop()
