"""Partitions an open transaction holds for longer than any transaction lives.

A reader with ``read_committed`` (every reader of the hub's) stops at a partition's
last stable offset: the first record of a transaction not yet ended. A transaction the
broker's coordinator knows of ends within its timeout (a minute, by default), aborted
if need be. One it does not know of, a "hanging" transaction, holds the partition for
good, and every report of its grids waits with it, while the broker answers and every
task runs. The hub would say it was ready. So it watches each partition's stable
offset, and one held at the same offset for longer than ``after`` seconds, with
records behind it, is named: in ``/readyz``, once per change in the log, and as a
gauge in ``/metrics``. docs/operations.md says how to find and abort the transaction.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from hub.bus.backend import Backend
from hub.observability.metrics import Metrics

log = logging.getLogger(__name__)


class HeldWatch:
    def __init__(
        self,
        backend: Backend,
        topics: Sequence[str],
        metrics: Metrics,
        after: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.topics = list(topics)
        self.metrics = metrics
        self.every = min(15.0, after / 4)  # named within a quarter of ``after`` late
        self.after = after
        self.clock = clock
        self.held: list[str] = []  # "topic[partition]", held longer than ``after``
        self._since: dict[str, tuple[int, float]] = {}  # partition -> (stable offset, since)

    async def run(self) -> None:
        while True:
            await self.probe()
            await asyncio.sleep(self.every)

    async def probe(self) -> list[str]:
        try:
            unsettled = await self.backend.unsettled(self.topics)
        except Exception:  # the broker watch says when the broker does not answer
            return self.held
        now = self.clock()
        self._since = {
            name: self._kept(name, stable, now) for name, (stable, _) in unsettled.items()
        }
        held = sorted(name for name, (_, since) in self._since.items() if now - since >= self.after)
        if held != self.held:
            self._said(held)
        self.held = held
        return held

    def _kept(self, name: str, stable: int, now: float) -> tuple[int, float]:
        """When the partition's stable offset last moved, as far as the watch has seen."""
        seen = self._since.get(name)
        return seen if seen is not None and seen[0] == stable else (stable, now)

    def _said(self, held: list[str]) -> None:
        self.metrics.bus_partitions_held.set(len(held))
        if held:
            log.warning(
                "partitions held by an open transaction; their readers wait",
                extra={"partitions": held, "held_after_seconds": self.after},
            )
        else:
            log.info("no partition is held by an open transaction any more")
